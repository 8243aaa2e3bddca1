"""A renegotiated contract is put on file by appending to ``partner_contracts`` (``partners`` is immutable):
every reader sees the contract in force, a replay reads the one of its day, and both texts stay stored."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa

from labelpact.config import Settings
from labelpact.errors import NotFoundError
from labelpact.store import Store
from labelpact.store.database import create_store_engine

OLD = "[quality]\nmax_error_rate = 0.5\n"
NEW = "[quality]\nmax_error_rate = 0.01\n"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_new_contract_is_in_force_for_every_reader(store: Store, settings: Settings) -> None:
    store.add_partner("Scale", contract_toml=OLD)
    store.add_partner("Surge")
    record, previous = store.set_partner_contract("Scale", NEW)
    assert (record.name, record.contract_toml, previous) == ("Scale", NEW, _sha(OLD))
    with Store.open(settings) as reopened:
        assert reopened.get_partner("Scale").contract_toml == NEW
        assert {p.name: p.contract_toml for p in reopened.list_partners()} == {"Scale": NEW, "Surge": None}
        stored = {sha: text for sha, text, _ in reopened.list_contracts()}
        (line,) = reopened.audit_log(action="partner.contract_set")
    assert stored == {_sha(OLD): OLD, _sha(NEW): NEW}  # both texts, once each
    assert line.subject == "partner:Scale"
    assert line.detail == {"previous_contract_sha256": _sha(OLD), "contract_sha256": _sha(NEW)}
    assert record == store.get_partner("Scale")


def test_a_partner_added_without_a_contract_gets_one(store: Store) -> None:
    store.add_partner("Surge")
    record, previous = store.set_partner_contract("Surge", NEW)
    assert (record.contract_toml, previous) == (NEW, None)
    record, previous = store.set_partner_contract("Surge", OLD)  # renegotiated again: the latest is in force
    assert (record.contract_toml, previous) == (OLD, _sha(NEW))
    assert store.get_partner("Surge").contract_toml == OLD
    details = [e.detail for e in store.audit_log(action="partner.contract_set")]
    assert [(d["previous_contract_sha256"], d["contract_sha256"]) for d in details] == [
        (None, _sha(NEW)),
        (_sha(NEW), _sha(OLD)),
    ]


def test_the_contract_in_force_already_writes_nothing(
    store: Store, take_snapshot: Callable[[], object]
) -> None:
    store.add_partner("Scale", contract_toml=OLD)
    before = take_snapshot()
    record, previous = store.set_partner_contract("Scale", OLD)
    assert (record.contract_toml, previous) == (OLD, _sha(OLD))
    assert take_snapshot() == before


def test_an_unknown_partner_is_named_and_nothing_is_written(
    store: Store, take_snapshot: Callable[[], object]
) -> None:
    store.add_partner("Scale", contract_toml=OLD)
    before = take_snapshot()
    with pytest.raises(NotFoundError, match="unknown partner 'Scael'; known partners: Scale"):
        store.set_partner_contract("Scael", NEW)
    assert take_snapshot() == before


def test_a_replay_reads_the_contract_in_force_on_its_day(store: Store) -> None:
    store.add_partner("Scale", contract_toml=OLD)
    store.set_partner_contract("Scale", NEW)
    (line,) = store.audit_log(action="partner.contract_set")
    day = line.at.date()
    assert store.get_partner("Scale", as_of=day - timedelta(days=1)).contract_toml == OLD
    assert store.get_partner("Scale", as_of=day).contract_toml == NEW
    assert store.get_partner("Scale").contract_toml == NEW


def test_listing_partners_takes_the_same_queries_however_many_there_are(store: Store) -> None:
    def selects() -> int:
        seen: list[str] = []

        def count(*args: object) -> None:
            seen.append(str(args[2]))

        sa.event.listen(store._engine, "before_cursor_execute", count)
        try:
            store.list_partners()
        finally:
            sa.event.remove(store._engine, "before_cursor_execute", count)
        return sum(s.lstrip().upper().startswith("SELECT") for s in seen)

    store.add_partner("A", contract_toml=OLD)
    store.set_partner_contract("A", NEW)
    one = selects()
    for name in ("B", "C", "D"):
        store.add_partner(name, contract_toml=OLD)
        store.set_partner_contract(name, NEW)
    assert selects() == one
    assert {p.contract_toml for p in store.list_partners()} == {NEW}


@pytest.mark.parametrize(
    "statement", ["UPDATE partner_contracts SET set_by = 'x'", "DELETE FROM partner_contracts"]
)
def test_partner_contracts_are_append_only(store: Store, settings: Settings, statement: str) -> None:
    store.add_partner("Scale", contract_toml=OLD)
    store.set_partner_contract("Scale", NEW)
    engine = create_store_engine(settings.db_url)
    try:
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(statement))
    finally:
        engine.dispose()
    assert store.get_partner("Scale").contract_toml == NEW
