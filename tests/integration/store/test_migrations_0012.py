"""Revision 0012 (partner_contracts): a 0011 store with partners and audits is upgraded by open, keeps them,
and can put a renegotiated contract on file; down to 0011 drops only the new table."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.runtime.migration import MigrationContext

from labelpact.config import Settings
from labelpact.store import Store
from labelpact.store.database import alembic_config, create_store_engine

from .audit_case import add_batch, audit_of
from .test_migrations import TABLES, TABLES_0012

OLD = "[quality]\nmax_error_rate = 0.5\n"
NEW = "[quality]\nmax_error_rate = 0.01\n"


def _downgrade_to_0011(settings: Settings) -> None:
    engine = create_store_engine(settings.db_url)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0011")
        assert set(sa.inspect(engine).get_table_names()) == TABLES - TABLES_0012
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == "0011"
    finally:
        engine.dispose()


def test_a_0011_store_with_data_is_upgraded_by_open(settings: Settings, tmp_path: Path) -> None:
    with Store.open(settings) as store:
        scale = store.add_partner("Scale", contract_toml=OLD)
        surge = store.add_partner("Surge")
        batch = add_batch(store, tmp_path / "in")
        audit = store.add_audit(audit_of(batch), files={})
    _downgrade_to_0011(settings)
    with Store.open(settings) as store:  # what an older workspace meets after upgrading labelpact
        assert store.list_partners() == [scale, surge]
        assert store.get_audit(audit.id) == audit
        record, previous = store.set_partner_contract("Scale", NEW)
        assert previous is not None and record.contract_toml == NEW
        assert store.get_partner("Scale").contract_toml == NEW
        assert store.get_partner("Surge").contract_toml is None


def test_0012_goes_down_with_its_rows_and_up_again(settings: Settings) -> None:
    with Store.open(settings) as store:
        store.add_partner("Scale", contract_toml=OLD)
        store.set_partner_contract("Scale", NEW)
    _downgrade_to_0011(settings)
    with Store.open(settings) as store:  # the partner keeps the contract it was added with
        assert store.get_partner("Scale").contract_toml == OLD
        assert len(store.audit_log(action="partner.contract_set")) == 1  # the log keeps what happened
