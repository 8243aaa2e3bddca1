"""Connecting to the store's database and bringing its schema to head with Alembic.

SQLite gets WAL mode (readers never block the writer), foreign keys, recursive triggers (so ``INSERT OR
REPLACE`` meets the append-only tables' delete triggers) and a busy timeout on every connection, and
explicit ``BEGIN`` / ``BEGIN IMMEDIATE`` so its transactions (DDL included) are real.
PostgreSQL serialises writers of one batch with transaction-scoped advisory locks.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection, Engine

from labelpact.errors import InvalidInputError, StoreError

__all__ = [
    "BUSY_TIMEOUT_MS",
    "MIGRATIONS",
    "WRITE",
    "alembic_config",
    "check_at_head",
    "check_store_url",
    "create_store_engine",
    "display_url",
    "first_line",
    "has_schema",
    "lock",
    "open_read_only",
    "sqlite_file",
    "store_identity",
    "upgrade_to_head",
    "writable",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
WRITE = "labelpact_write"  # execution option: this transaction writes (SQLite takes the write lock at BEGIN)
_CONNECT_TIMEOUT_S = 10


def display_url(url: str | sa.URL) -> str:
    """The URL with its password masked, safe for messages and logs."""
    return sa.make_url(url).render_as_string(hide_password=True)


def check_store_url(url: str) -> None:
    """Refuse a store URL that cannot be parsed, or one that keeps nothing (an in-memory SQLite database,
    where every write would report success and be gone when the process ends): bad input naming ``db``."""
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as error:
        raise InvalidInputError(
            "a database URL such as sqlite:///PATH or postgresql://USER@HOST/DATABASE",
            column="db", column_kind="field", got=f"one that cannot be parsed ({first_line(error)})",
        ) from None  # fmt: skip
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise InvalidInputError(
            "a database URL such as sqlite:///PATH or postgresql://USER@HOST/DATABASE", column="db",
            column_kind="field", got=f"{display_url(parsed)} (labelpact stores in SQLite or PostgreSQL)",
        )  # fmt: skip
    if parsed.get_backend_name() != "sqlite":
        return
    database = parsed.database or ""
    if (
        database in ("", ":memory:")
        or database.startswith("file::memory:")
        or parsed.query.get("mode") == "memory"
    ):
        raise InvalidInputError(
            "a database that keeps what is written, such as sqlite:///PATH (a file)", column="db",
            column_kind="field", got=f"the in-memory database {url!r}, gone when the command ends",
        )  # fmt: skip


def first_line(error: BaseException) -> str:
    """The first non-blank line of an error (a driver's message), for one-line user errors."""
    source = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(source).splitlines() if line.strip()]
    return lines[0] if lines else type(source).__name__


def create_store_engine(url: str, *, read_only: Literal["", "ro", "immutable"] = "") -> Engine:
    """An engine for ``url`` with the store's connection settings (SQLite pragmas, connect timeout).

    ``read_only`` opens a SQLite file that may not be written: "ro" (``mode=ro``; it still needs its
    ``-shm`` file) or "immutable" (nothing at all is written, for a read-only folder or disk).
    """
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if read_only and parsed.database:
            flag = "mode=ro" if read_only == "ro" else "immutable=1"
            path = quote(str(Path(parsed.database).resolve()))
            parsed = parsed.set(database=f"file:{path}?{flag}").update_query_dict({"uri": "true"})
        engine = sa.create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        sa.event.listen(engine, "connect", _sqlite_connect_read_only if read_only else _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
        sa.event.listen(engine, "before_cursor_execute", _refuse_unstorable)
        return engine
    if parsed.get_backend_name() == "postgresql":
        engine = sa.create_engine(  # a pool for the service's concurrent requests and jobs, opened lazily
            parsed,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=40,
            connect_args={"connect_timeout": _CONNECT_TIMEOUT_S},
        )
        sa.event.listen(engine, "before_cursor_execute", _refuse_unstorable)
        return engine
    raise StoreError(f"unsupported database {display_url(parsed)}: expected sqlite:/// or postgresql://")


_BIND_SUFFIX = re.compile(r"_\d+$")


def _refuse_unstorable(
    _conn: Connection, _cursor: Any, _statement: str, _parameters: Any, context: Any, _many: bool
) -> None:
    """Refuse text the database could not store as it is, before it reaches it, on both stores alike.

    NUL: PostgreSQL's text cannot hold it (the driver's error would surface as an internal one), and SQLite
    would store it to be printed raw later. Length: a value written to a ``String(n)`` column longer than
    ``n`` characters (a reviewer, a dispute's ``by``, an attestation's ``attested_by``, a file name), which
    PostgreSQL refuses and SQLite would keep (docs/input-limits.md lists the widths).
    """
    binds = getattr(getattr(context, "compiled", None), "binds", {})
    writes = bool(getattr(context, "isinsert", False) or getattr(context, "isupdate", False))
    for parameters in getattr(context, "compiled_parameters", None) or ():
        for name, value in parameters.items():
            if not isinstance(value, str):
                continue
            field = _BIND_SUFFIX.sub("", str(name))
            if "\x00" in value:
                raise InvalidInputError(
                    "text without NUL characters", column=field, column_kind="field", got=repr(value[:60])
                )
            bind = binds.get(name)
            width = getattr(getattr(bind, "type", None), "length", None)
            if writes and isinstance(width, int) and len(value) > width:
                raise InvalidInputError(
                    _WIDTH_NOTES.get(field, f"at most {width} characters").format(width=width),
                    column=field, column_kind="field", got=f"{len(value):,} characters ({value[:40]!r}...)",
                )  # fmt: skip


# How a too-long value of these columns is described (the rest: "at most N characters")
_WIDTH_NOTES = {
    "source_name": "a file name of at most {width} characters, each byte that is not UTF-8 counted as the 4 of "
    "its \\xNN form (rename the file)",
}


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = (
        None  # the driver's implicit BEGIN skips DDL and SELECT; we emit our own
    )
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # INSERT OR REPLACE deletes the row it replaces; only with recursive triggers does that delete fire
        # the append-only tables' BEFORE DELETE triggers (else one statement rewrites an audit or a log line)
        cursor.execute("PRAGMA recursive_triggers = ON")
    finally:
        cursor.close()


def _sqlite_connect_read_only(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA query_only = ON")
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


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for PostgreSQL or an in-memory database)."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def store_identity(url: str) -> str:
    """A digest naming the database behind ``url`` (no password in it), so that a blob write staged in a
    workspace says which database it belongs to: a SQLite file by its resolved path; PostgreSQL by user,
    host, port, database and options (the schema), whatever its driver."""
    parsed = sa.make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite" and parsed.database:
        name = f"sqlite:{Path(parsed.database).resolve()}"
    else:
        name = parsed.set(drivername=backend).render_as_string(hide_password=True)
    return hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def writable(database: Path) -> bool:
    """Whether this process may write the SQLite file and create its journal files beside it."""
    return os.access(database, os.W_OK) and os.access(database.parent, os.W_OK | os.X_OK)


def open_read_only(url: str) -> Engine:
    """A SQLite engine that writes nothing: ``mode=ro`` when its WAL files can be used, else ``immutable``."""
    engine = create_store_engine(url, read_only="ro")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM sqlite_master")
        return engine
    except sa.exc.OperationalError:  # a read-only folder without the -shm file: only immutable opens it
        engine.dispose()
    return create_store_engine(url, read_only="immutable")


def has_schema(engine: Engine) -> bool:
    """Whether labelpact has created its tables in this database (its Alembic version table is there)."""
    with engine.connect() as connection:
        return sa.inspect(connection).has_table("alembic_version")


def check_at_head(engine: Engine) -> None:
    """``StoreError`` unless the schema is at head (a read-only store cannot be migrated)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != head:
        raise StoreError(
            f"the read-only store at {display_url(engine.url)} has schema revision {current!r}, not {head!r}: "
            "open it once where it may be written to migrate it"
        )


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
