"""The ORM schema of the store: today's tables, mapped with typed ``Mapped[...]`` columns.

Migrations never import this module (a revision is frozen in time); a test checks that Alembic's
autogenerate finds no difference between these models and the migrations at head.
Every table has an integer surrogate key so later tables can point at it without touching it; see
``migrations/versions/v0001_foundation.py`` and ``v0002_audits.py``. The tables of revision 0002 (contracts,
audits, audit_files, findings, reviews, events, disputes, dispute_events) are append-only like the audit log:
the database refuses UPDATE and DELETE on them.
"""

from labelpact.store.schema.audits import (
    AuditFileRow,
    AuditRow,
    ContractRow,
    DisputeEventRow,
    DisputeRow,
    EventRow,
    FindingRow,
    PartnerContractRow,
    ReviewRow,
)
from labelpact.store.schema.base import APPEND_ONLY, NAMING_CONVENTION, Base, UTCDateTime
from labelpact.store.schema.deliveries import (
    AuditLogRow,
    BatchDigestRow,
    BatchFileRow,
    BatchRow,
    ClientRow,
    PartnerRow,
    ProjectRow,
)
from labelpact.store.schema.service import (
    AttestationRow,
    DisputeCommentRow,
    JobRow,
    RequestLogRow,
    UserRevocationRow,
    UserRow,
    WebSessionRow,
)

__all__ = [
    "APPEND_ONLY",
    "NAMING_CONVENTION",
    "AttestationRow",
    "AuditFileRow",
    "AuditLogRow",
    "AuditRow",
    "Base",
    "BatchDigestRow",
    "BatchFileRow",
    "BatchRow",
    "ClientRow",
    "ContractRow",
    "DisputeCommentRow",
    "DisputeEventRow",
    "DisputeRow",
    "EventRow",
    "FindingRow",
    "JobRow",
    "PartnerContractRow",
    "PartnerRow",
    "ProjectRow",
    "RequestLogRow",
    "ReviewRow",
    "UTCDateTime",
    "UserRevocationRow",
    "UserRow",
    "WebSessionRow",
]
