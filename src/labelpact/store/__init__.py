"""The store: SQLAlchemy schema, Alembic migrations and a content-addressed blob store.

SQLite inside the workspace by default (WAL, foreign keys, busy timeout); PostgreSQL by a
``postgresql+psycopg://`` URL. Records handed out are frozen dataclasses, never ORM objects.
"""

from labelpact.store.records import (
    AuditEntry,
    BatchCreate,
    BatchFile,
    BatchRecord,
    ClientRecord,
    PartnerRecord,
    ProjectRecord,
)
from labelpact.store.store import ORPHAN_AGE, Store

__all__ = [
    "ORPHAN_AGE",
    "AuditEntry",
    "BatchCreate",
    "BatchFile",
    "BatchRecord",
    "ClientRecord",
    "PartnerRecord",
    "ProjectRecord",
    "Store",
]
