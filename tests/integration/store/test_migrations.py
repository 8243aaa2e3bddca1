"""The schema: migrations reach head on an empty database, match the ORM models, and fail loudly when foreign."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from labelpact.config import Settings, load_settings
from labelpact.errors import InvalidInputError, StoreError
from labelpact.store import Store
from labelpact.store.database import alembic_config, create_store_engine
from labelpact.store.schema import Base

TABLES_0001 = {"alembic_version", "audit_log", "batch_files", "batches", "clients", "partners", "projects"}
TABLES_0002 = {
    "contracts",
    "audits",
    "audit_files",
    "findings",
    "reviews",
    "events",
    "disputes",
    "dispute_events",
}
TABLES_0004 = {"users", "user_revocations", "request_log", "jobs", "dispute_comments"}
TABLES_0005 = {"attestations"}
TABLES_0008 = {"web_sessions"}
TABLES_0010 = {"batch_digests"}
TABLES_0012 = {"partner_contracts"}
TABLES = TABLES_0001 | TABLES_0002 | TABLES_0004 | TABLES_0005 | TABLES_0008 | TABLES_0010 | TABLES_0012


def _engine(settings: Settings) -> sa.Engine:
    return create_store_engine(settings.db_url)


def test_open_migrates_an_empty_database_to_head(settings: Settings) -> None:
    with Store.open(settings):
        pass
    engine = _engine(settings)
    try:
        assert set(sa.inspect(engine).get_table_names()) == TABLES
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        assert current == ScriptDirectory.from_config(alembic_config()).get_current_head() == "0012"
    finally:
        engine.dispose()
    assert settings.blob_root.is_dir()


def test_models_match_the_migrations(store: Store, settings: Settings) -> None:
    """What ``alembic check`` asserts: autogenerate finds nothing to add, drop or alter."""
    engine = _engine(settings)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "target_metadata": Base.metadata}
            )
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_opening_again_changes_nothing(settings: Settings, take_snapshot: object) -> None:
    with Store.open(settings) as store:
        store.add_partner("Scale")
    before = take_snapshot()  # type: ignore[operator]
    with Store.open(settings):
        pass
    assert take_snapshot() == before  # type: ignore[operator]


def test_migrations_go_down_to_nothing_and_up_again(store: Store, settings: Settings) -> None:
    engine = _engine(settings)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
        assert set(sa.inspect(engine).get_table_names()) == {"alembic_version"}
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        assert set(sa.inspect(engine).get_table_names()) == TABLES
    finally:
        engine.dispose()


def test_a_revision_from_a_newer_release_is_a_store_error(store: Store, settings: Settings) -> None:
    engine = _engine(settings)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        engine.dispose()
    with pytest.raises(StoreError, match=r"schema revision '9999'.*upgrade labelpact"):
        Store.open(settings)


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    settings = load_settings({}, workspace=tmp_path / "ws")
    with Store.open(settings):
        pass
    engine = _engine(settings)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    finally:
        engine.dispose()
    assert (tmp_path / "ws" / "labelpact.db-wal").exists() or (tmp_path / "ws" / "labelpact.db").exists()


def test_sqlite_writers_take_the_lock_at_begin(tmp_path: Path) -> None:
    """Writes BEGIN IMMEDIATE (wait for the lock), reads BEGIN (deferred, never block the writer)."""
    settings = load_settings({}, workspace=tmp_path / "ws")
    with Store.open(settings) as store:
        seen: list[str] = []
        sa.event.listen(store._engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
        store.add_partner("Scale")
        store.list_partners()
    begins = [s for s in seen if s.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE", "BEGIN"]


def test_unreachable_postgres_is_a_one_line_store_error_without_the_password(tmp_path: Path) -> None:
    settings = load_settings({}, workspace=tmp_path / "ws", db="postgresql://ada:s3cret@127.0.0.1:1/nowhere")
    with pytest.raises(StoreError) as caught:
        Store.open(settings)
    message = str(caught.value)
    assert message.startswith("cannot open the store at postgresql+psycopg://ada:***@127.0.0.1:1/nowhere: ")
    assert "s3cret" not in message
    assert "\n" not in message


def test_a_workspace_that_is_a_file_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "ws").write_text("not a folder")
    with pytest.raises(
        InvalidInputError,
        match=r"ws: expected a folder \(on the path to the SQLite database .*\), got a file",
    ):
        Store.open(load_settings({}, workspace=tmp_path / "ws"))


def test_an_unsupported_database_is_bad_input(tmp_path: Path) -> None:
    """Before: a StoreError (exit 1, an internal error) where ``--db 'not a url'`` was bad input (exit 2)."""
    with pytest.raises(InvalidInputError, match="got mysql://u:\\*\\*\\*@h/d \\(labelpact stores in SQLite"):
        Store.open(load_settings({}, workspace=tmp_path / "ws", db="mysql://u:p@h/d"))
    assert not (tmp_path / "ws").exists()
