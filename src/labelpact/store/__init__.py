"""The store: SQLAlchemy schema, Alembic migrations and a content-addressed blob store.

SQLite inside the workspace by default (WAL, foreign keys, busy timeout); PostgreSQL by a
``postgresql+psycopg://`` URL. Records handed out are frozen dataclasses, never ORM objects.
Public ids users type: batch = 12 hex digits of its SHA-256 (any unique prefix of >= 6); audit ``a7``,
finding ``f12``, review ``r3``, dispute ``d4``, event ``e9`` (the bare number works too).
"""

from labelpact.store.audit_records import (
    AuditCreate,
    AuditRecord,
    FindingCreate,
    FindingRecord,
    ReviewRecord,
    contract_sha256,
    plain_json,
)
from labelpact.store.integrity import Damage
from labelpact.store.jobs import JOB_STATUSES, JobRecord
from labelpact.store.ledger import CERTAINTIES, DISPUTE_RESOLUTIONS, EVENT_KINDS, DisputeRecord, EventRecord
from labelpact.store.records import (
    AuditEntry,
    BatchCreate,
    BatchFile,
    BatchRecord,
    ClientRecord,
    PartnerRecord,
    ProjectRecord,
)
from labelpact.store.service import CommentRecord, RequestEntry, UserRecord
from labelpact.store.store import ORPHAN_AGE, Store

__all__ = [
    "CERTAINTIES",
    "DISPUTE_RESOLUTIONS",
    "EVENT_KINDS",
    "JOB_STATUSES",
    "ORPHAN_AGE",
    "AuditCreate",
    "AuditEntry",
    "AuditRecord",
    "BatchCreate",
    "BatchFile",
    "BatchRecord",
    "ClientRecord",
    "CommentRecord",
    "Damage",
    "DisputeRecord",
    "EventRecord",
    "FindingCreate",
    "FindingRecord",
    "JobRecord",
    "PartnerRecord",
    "ProjectRecord",
    "RequestEntry",
    "ReviewRecord",
    "Store",
    "UserRecord",
    "contract_sha256",
    "plain_json",
]
