"""The partner ledger (events) and disputes of findings: appended to, and disputes resolved exactly once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from labelpact.config import Settings
from labelpact.errors import ConflictError, InvalidInputError, NotFoundError
from labelpact.store import EVENT_KINDS, Store
from labelpact.store.database import create_store_engine

from .audit_case import add_batch, audit_of
from .conftest import Snapshot


@pytest.fixture
def partners(store: Store) -> Store:
    store.add_partner("Scale")
    store.add_partner("Surge")
    return store


def test_events_round_trip_in_date_order_by_partner_and_until(partners: Store, settings: Settings) -> None:
    stake = partners.add_event(
        "Scale",
        kind="investment",
        date=date(2025, 6, 12),
        actor="Meta",
        magnitude=14.3e9,
        summary="Meta takes a 49% stake.",
        source_url="https://example.org/meta-scale",
        certainty="confirmed",
    )
    early = partners.add_event("Scale", kind="layoff", date=date(2025, 1, 10))
    other = partners.add_event("Surge", kind="funding", date=date(2025, 7, 1), certainty="reported")
    assert (stake.id, stake.partner, stake.kind, stake.date, stake.actor, stake.magnitude) == (
        "e1",
        "Scale",
        "investment",
        date(2025, 6, 12),
        "Meta",
        14.3e9,
    )
    assert (early.actor, early.magnitude, early.summary, early.source_url, early.certainty) == (None,) * 5
    with Store.open(settings) as reopened:
        assert reopened.list_events() == [early, stake, other]
        assert reopened.list_events("Scale") == [early, stake]
        assert reopened.list_events(until=date(2025, 6, 12)) == [early, stake]
        assert reopened.list_events("Surge", until=date(2025, 6, 30)) == []
    line = partners.audit_log(action="event.added")[0]
    assert (line.subject, line.detail["kind"], line.detail["date"], line.detail["event"]) == (
        "partner:Scale",
        "investment",
        "2025-06-12",
        "e1",
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "merger"}, "an event kind"),
        ({"date": datetime(2025, 1, 1)}, "a date"),
        ({"magnitude": float("nan")}, "finite magnitude"),
        ({"certainty": "sure"}, "a certainty"),
        ({"source_url": "ftp://x"}, "http"),
    ],
)
def test_bad_events_are_invalid_input(
    partners: Store, take_snapshot: Callable[[], Snapshot], change: dict[str, Any], message: str
) -> None:
    before = take_snapshot()
    with pytest.raises(InvalidInputError, match=message):
        partners.add_event("Scale", **{"kind": "layoff", "date": date(2025, 1, 1), **change})
    assert take_snapshot() == before


def test_an_event_of_an_unknown_partner_names_the_known_ones(partners: Store) -> None:
    with pytest.raises(NotFoundError, match=r"unknown partner 'Scael'.*did you mean 'Scale'"):
        partners.add_event("Scael", kind="layoff", date=date(2025, 1, 1))
    assert partners.list_events() == []
    assert "investment" in EVENT_KINDS and "other" in EVENT_KINDS


@pytest.fixture
def audited(partners: Store, tmp_path: Path) -> Store:
    batch = add_batch(partners, tmp_path / "in")
    partners.add_audit(audit_of(batch), files={})
    return partners


def test_a_dispute_is_opened_then_resolved_once(audited: Store, settings: Settings) -> None:
    opened = audited.open_dispute("f1", text="w2 is a careful worker.", opened_by="partner:Scale")
    assert (opened.id, opened.finding, opened.audit, opened.partner, opened.status) == (
        "d1",
        "f1",
        "a1",
        "Scale",
        "open",
    )
    assert (opened.resolved_by, opened.resolved_at, opened.resolution) == (None, None, None)
    with pytest.raises(ConflictError, match="finding f1 already has an open dispute, d1"):
        audited.open_dispute("f1", text="again")
    closed = audited.resolve_dispute(
        "d1", status="rejected", resolution="w2 fails 9 of 10 gold.", by="client:ada"
    )
    assert (closed.status, closed.resolved_by, closed.resolution) == (
        "rejected",
        "client:ada",
        "w2 fails 9 of 10 gold.",
    )
    assert closed.resolved_at is not None and closed.resolved_at >= closed.opened_at
    with pytest.raises(ConflictError, match=r"dispute d1 is already rejected \(by client:ada, "):
        audited.resolve_dispute("d1", status="upheld")
    with Store.open(settings) as reopened:
        assert reopened.get_dispute("d1") == closed
    log = audited.audit_log(subject="dispute:d1")
    assert [(e.action, e.detail.get("status")) for e in log] == [
        ("dispute.opened", None),
        ("dispute.resolved", "rejected"),
    ]
    again = audited.open_dispute(2, text="Late because of a holiday.")  # f2; opened_by defaults to the actor
    assert (again.id, again.opened_by) == ("d2", "local")
    second = audited.open_dispute("f1", text="New evidence.")  # f1's earlier dispute is resolved
    assert second.id == "d3"


def test_list_disputes_by_partner_audit_and_status(audited: Store, tmp_path: Path) -> None:
    other = add_batch(audited, tmp_path / "surge", b"surge", partner="Surge")
    audited.add_audit(audit_of(other), files={})  # a2 with f3, f4
    audited.open_dispute("f1", text="one")
    audited.open_dispute("f3", text="two")
    audited.resolve_dispute("d1", status="withdrawn")
    assert [d.id for d in audited.list_disputes()] == ["d2", "d1"]
    assert [d.id for d in audited.list_disputes(partner="Surge")] == ["d2"]
    assert [d.id for d in audited.list_disputes(audit="a1")] == ["d1"]
    assert [d.id for d in audited.list_disputes(status="open")] == ["d2"]
    assert [d.id for d in audited.list_disputes(status="withdrawn", partner="Scale")] == ["d1"]


def test_bad_disputes(audited: Store, take_snapshot: Callable[[], Snapshot]) -> None:
    before = take_snapshot()
    with pytest.raises(NotFoundError, match="unknown finding 'f9'"):
        audited.open_dispute("f9", text="x")
    with pytest.raises(InvalidInputError, match="finding id like f12"):
        audited.open_dispute("a1", text="x")
    with pytest.raises(InvalidInputError, match="non-blank"):
        audited.open_dispute("f1", text=" ")
    with pytest.raises(NotFoundError, match="unknown dispute 'd1'"):
        audited.resolve_dispute("d1", status="upheld")
    for blank in ("", "  ", "a\x1bb"):
        with pytest.raises(InvalidInputError, match="name of who acts") as refused:
            audited.open_dispute("f1", text="x", opened_by=blank)
        assert refused.value.column == "by"
    assert take_snapshot() == before
    audited.open_dispute("f1", text="x", opened_by=" partner:Scale ")
    with pytest.raises(InvalidInputError, match="upheld, rejected or withdrawn"):
        audited.resolve_dispute("d1", status="open")
    with pytest.raises(InvalidInputError, match="name of who acts"):
        audited.resolve_dispute("d1", status="upheld", by=" ")
    assert audited.list_disputes()[0].opened_by == "partner:Scale"


@pytest.mark.parametrize("table", ["disputes", "dispute_events", "events"])
def test_the_database_refuses_to_rewrite_the_ledger(audited: Store, settings: Settings, table: str) -> None:
    audited.add_event("Scale", kind="layoff", date=date(2025, 1, 1))
    audited.open_dispute("f1", text="x")
    engine = create_store_engine(settings.db_url)
    try:
        for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
            with pytest.raises(sa.exc.DatabaseError, match=f"{table} is append-only"), engine.begin() as conn:
                conn.execute(sa.text(statement))
    finally:
        engine.dispose()
    assert audited.get_dispute("d1").status == "open"


def test_a_second_resolution_of_the_same_state_is_refused_by_the_database(
    audited: Store, settings: Settings
) -> None:
    """The unique (dispute, seq) is the backstop if two resolvers got past the check at once."""
    audited.open_dispute("f1", text="x")
    audited.resolve_dispute("d1", status="upheld")
    engine = create_store_engine(settings.db_url)
    try:
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO dispute_events (dispute_id, seq, status, at, actor) "
                    "VALUES (1, 1, 'rejected', '2026-01-01 00:00:00', 'x')"
                )
            )
    finally:
        engine.dispose()
