"""Revision 0002 (audits, ledger, disputes): down to 0001 and up again, keeping what 0001 held."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.runtime.migration import MigrationContext

from labelpact.config import Settings
from labelpact.store import Store
from labelpact.store.database import alembic_config, create_store_engine

from .audit_case import add_batch, audit_of
from .test_migrations import TABLES, TABLES_0001


def _revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_0002_goes_down_to_0001_and_up_again(settings: Settings, tmp_path: Path) -> None:
    with Store.open(settings) as store:
        store.add_partner("Scale")
        batch = add_batch(store, tmp_path / "in")
        store.add_audit(audit_of(batch), files={})
    engine = create_store_engine(settings.db_url)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0001")
        assert set(sa.inspect(engine).get_table_names()) == TABLES_0001
        assert _revision(engine) == "0001"
        if engine.dialect.name == "postgresql":  # the shared trigger function went with the tables
            with engine.connect() as conn:
                found = conn.execute(
                    sa.text("SELECT count(*) FROM pg_proc WHERE proname = 'labelpact_append_only'")
                )
                assert found.scalar() == 0
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        assert set(sa.inspect(engine).get_table_names()) == TABLES
        assert _revision(engine) == "0012"
    finally:
        engine.dispose()
    with Store.open(settings) as store:  # 0001's rows survived; the audits went with their tables
        assert store.get_batch(batch.id) == batch
        assert store.list_audits() == []
        again = store.add_audit(audit_of(batch), files={})
        assert store.get_audit(again.id) == again
        store.open_dispute(again.findings[0].id, text="the triggers are back")
    engine = create_store_engine(settings.db_url)
    try:
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM dispute_events"))
    finally:
        engine.dispose()


def test_a_0001_store_with_data_is_upgraded_by_open(settings: Settings, tmp_path: Path) -> None:
    with Store.open(settings) as store:
        store.add_partner("Scale")
        batch = add_batch(store, tmp_path / "in")
    engine = create_store_engine(settings.db_url)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0001")
    finally:
        engine.dispose()
    with Store.open(settings) as store:  # what an older workspace meets after upgrading labelpact
        assert store.get_batch(batch.id) == batch
        assert store.add_audit(audit_of(batch), files={}).batch == batch.id
