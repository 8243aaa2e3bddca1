"""A replay ``--as-of`` a day before a contract was renegotiated reads the contract in force that day: the
transparency card's partner contract and the health forecast's clauses are those of the day replayed."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

from labelpact.services.health import partner_health
from labelpact.services.project_facts import project_facts
from labelpact.store import Store

from .audit_case import add_batch, audit_of

OLD = "[quality]\nmax_error_rate = 0.5\n"
NEW = "[quality]\nmax_error_rate = 0.01\n"


def test_a_replay_reads_the_contract_of_its_day(store: Store, tmp_path: Path) -> None:
    store.add_partner("Scale", contract_toml=OLD)
    batch = add_batch(store, tmp_path / "in")  # delivered 2026-11-20
    store.add_audit(audit_of(batch), files={})
    store.set_partner_contract("Scale", NEW)
    (line,) = store.audit_log(action="partner.contract_set")
    before = line.at.date() - timedelta(days=1)

    def card_contract(as_of: date | None = None) -> str | None:
        (partner,) = project_facts(store, batch.project, partner="Scale", as_of=as_of).partners
        return None if partner.contract is None else partner.contract.sha256

    assert card_contract(as_of=before) == hashlib.sha256(OLD.encode()).hexdigest()
    assert card_contract() == hashlib.sha256(NEW.encode()).hexdigest()
    assert partner_health(store, "Scale", as_of=before).partner.contract_toml == OLD
    assert partner_health(store, "Scale").partner.contract_toml == NEW
