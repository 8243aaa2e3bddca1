"""Connecting to the store's database and bringing its schema to head with Alembic.

SQLite gets WAL mode (readers never block the writer), foreign keys and a busy timeout on every
connection, and explicit ``BEGIN`` / ``BEGIN IMMEDIATE`` so its transactions (DDL included) are real.
PostgreSQL serialises writers of one batch with transaction-scoped advisory locks.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection, Engine

from labelpact.errors import StoreError

__all__ = [
    "BUSY_TIMEOUT_MS",
    "MIGRATIONS",
    "WRITE",
    "alembic_config",
    "create_store_engine",
    "display_url",
    "first_line",
    "lock",
    "upgrade_to_head",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
WRITE = "labelpact_write"  # execution option: this transaction writes (SQLite takes the write lock at BEGIN)
_CONNECT_TIMEOUT_S = 10


def display_url(url: str | sa.URL) -> str:
    """The URL with its password masked, safe for messages and logs."""
    return sa.make_url(url).render_as_string(hide_password=True)


def first_line(error: BaseException) -> str:
    """The first non-blank line of an error (a driver's message), for one-line user errors."""
    source = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(source).splitlines() if line.strip()]
    return lines[0] if lines else type(source).__name__


def create_store_engine(url: str) -> Engine:
    """An engine for ``url`` with the store's connection settings (SQLite pragmas, connect timeout)."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return sa.create_engine(
            parsed, pool_pre_ping=True, connect_args={"connect_timeout": _CONNECT_TIMEOUT_S}
        )
    raise StoreError(f"unsupported database {display_url(parsed)}: expected sqlite:/// or postgresql://")


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = (
        None  # the driver's implicit BEGIN skips DDL and SELECT; we emit our own
    )
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # A writer takes the lock at BEGIN: a deferred transaction that reads then writes fails with SQLITE_BUSY
    # at once (its snapshot is stale) instead of waiting out the busy timeout.
    write = connection.get_execution_options().get(WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def lock(connection: Connection, key: str) -> None:
    """Hold the write lock for ``key`` until the transaction ends (SQLite: already held since BEGIN IMMEDIATE)."""
    if connection.dialect.name == "postgresql":
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(number)))


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for the package's migrations (no alembic.ini); ``connection`` is the one to migrate."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Migrate the schema to head; a no-op (and no write lock) when it is already there.

    Raises ``StoreError`` when the database holds a revision this labelpact does not know (a newer release).
    """
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current == head:
        return
    with engine.execution_options(**{WRITE: True}).begin() as connection:
        lock(connection, "labelpact:migrations")
        try:
            command.upgrade(alembic_config(connection), "head")
        except CommandError as error:
            raise StoreError(
                f"the store at {display_url(engine.url)} has schema revision {current!r}, unknown to this "
                f"labelpact (head {head!r}): upgrade labelpact ({first_line(error)})"
            ) from None
