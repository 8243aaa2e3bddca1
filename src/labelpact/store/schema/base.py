"""The declarative base of the store's ORM: naming convention, UTC datetimes, key type, append-only tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase

# Tables whose rows, once committed, never change (the migrations install triggers that refuse it).
APPEND_ONLY = (
    "audit_log",
    "contracts",
    "audits",
    "audit_files",
    "findings",
    "reviews",
    "events",
    "disputes",
    "dispute_events",
    "users",
    "user_revocations",
    "request_log",
    "dispute_comments",
    "attestations",
    "batch_digests",
    "partner_contracts",
)

# Deterministic constraint names: later migrations (and SQLite batch mode) can find them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A moment in UTC: aware datetimes in, aware UTC datetimes out, on SQLite (naive text) and PostgreSQL (timestamptz)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a timezone-aware datetime, got naive {value.isoformat()}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        date: sa.Date(),
        float: sa.Double(),
        dict[str, Any]: sa.JSON(),
    }


Day = date  # a column named ``date`` would shadow the type in its own class body

# A BIGINT key on PostgreSQL that stays SQLite's INTEGER PRIMARY KEY (its rowid alias, which autoincrements).
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# JSON that stores Python None as SQL NULL (not the JSON text 'null'), for optional documents.
NullableJSON = sa.JSON(none_as_null=True)
