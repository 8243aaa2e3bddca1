"""The audit log: one line per change, written with the change, never updated or deleted."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from labelpact.config import Settings
from labelpact.errors import NotFoundError
from labelpact.store import Store
from labelpact.store.database import create_store_engine

from .conftest import Delivery


def test_each_change_appends_one_line_in_order(store: Store, delivery: object) -> None:
    store.set_client("Meta", ["Google"])
    store.add_partner("Scale", equity_stake=0.49)
    store.add_project("ner")
    d: Delivery = delivery(b"task,worker,label\n1,a,pos\n")  # type: ignore[operator]
    batch = store.add_batch(d.new, files=d.files)
    log = store.audit_log()
    assert [(e.action, e.subject) for e in log] == [
        ("client.set", "client"),
        ("partner.added", "partner:Scale"),
        ("project.added", "project:ner"),
        ("project.added", "project:sentiment"),  # created by the batch, in its transaction
        ("batch.ingested", f"batch:{batch.sha256}"),
    ]
    assert [e.id for e in log] == sorted(e.id for e in log)
    assert all(e.actor == "local" for e in log)
    assert log[1].detail["equity_stake"] == 0.49
    assert log[4].detail["files"] == {f.role: f.path for f in batch.files}
    assert store.audit_log(subject="partner:Scale") == [log[1]]
    assert store.audit_log(action="project.added") == log[2:4]


def test_the_actor_is_who_opened_the_store(settings: Settings) -> None:
    with Store.open(settings, actor="user:ada") as store:
        store.add_partner("Scale")
        assert [e.actor for e in store.audit_log()] == ["user:ada"]


def test_a_failed_change_writes_no_line(store: Store, delivery: object) -> None:
    d: Delivery = delivery(b"x")  # type: ignore[operator]
    with pytest.raises(NotFoundError):
        store.add_batch(d.new, files=d.files)
    assert store.audit_log() == []


def test_the_store_offers_no_way_to_change_or_remove_history() -> None:
    verbs = ("update", "delete", "remove", "drop", "edit", "truncate")
    assert [name for name in dir(Store) if name.startswith(verbs)] == []


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"],
)
def test_the_database_refuses_to_rewrite_the_log(store: Store, settings: Settings, statement: str) -> None:
    store.add_partner("Scale")
    engine = create_store_engine(settings.db_url)
    try:
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(statement))
    finally:
        engine.dispose()
    assert [e.actor for e in store.audit_log()] == ["local"]


def test_audit_times_are_utc_and_increase(store: Store, tmp_path: Path) -> None:
    for name in ("A", "B", "C"):
        store.add_partner(name)
    times = [e.at for e in store.audit_log()]
    assert times == sorted(times)
    assert all(t.utcoffset() is not None and t.utcoffset().total_seconds() == 0 for t in times)  # type: ignore[union-attr]
