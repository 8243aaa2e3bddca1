"""The reads behind the dashboard (``services.dashboard``) on the service tests' seeded store: the scoping
rules, the numbers against the services they come from, and the sample CSV that ``labelpact review`` reads."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from tests.integration.server.conftest import BACKENDS, backend_settings
from tests.integration.server.seed import Seeded, seed

from labelpact.errors import ForbiddenError, NotFoundError
from labelpact.services.access import Principal
from labelpact.services.audit import audit_stored_batch
from labelpact.services.dashboard import audit_view, dispute_views, partner_view, portfolio_view, sample_csv
from labelpact.services.events import record_event
from labelpact.services.health import partner_health
from labelpact.services.review import consensus_table, review_sample
from labelpact.store import Store

CLIENT = Principal(user="ada", role="client")
ACME = Principal(user="acme-bot", role="partner:Acme", partner="Acme")


@pytest.fixture(params=BACKENDS)
def seeded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, Seeded, str]]:
    """The service tests' seed and one real audit, on SQLite and on PostgreSQL."""
    with backend_settings(str(request.param), tmp_path / "ws") as settings:
        seeded = seed(settings, tmp_path / "incoming")
        with Store.open(settings) as store:
            real = audit_stored_batch(store, seeded.batch["Acme"]).audit.id
            yield store, seeded, real


def test_a_partner_sees_only_its_own(seeded: tuple[Store, Seeded, str]) -> None:
    store, s, real = seeded
    with pytest.raises(ForbiddenError):
        portfolio_view(store, ACME)
    own = partner_view(store, ACME, "Acme")
    assert own["client"] is None  # no forecast, alarms or ledger
    assert {a["partner"] for a in own["audits"]} == {"Acme"}
    for call in (
        lambda: partner_view(store, ACME, "Other"),
        lambda: audit_view(store, ACME, s.audit["Other"]),
        lambda: sample_csv(store, ACME, s.audit["Other"]),
        lambda: dispute_views(store, ACME, partner="Other"),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert {d["partner"] for d in dispute_views(store, ACME)} == {"Acme"}
    assert {d["partner"] for d in dispute_views(store, CLIENT, partner="Other")} == {"Other"}
    assert audit_view(store, ACME, real)["partner"] == "Acme"


def test_portfolio_numbers_are_the_health_services(seeded: tuple[Store, Seeded, str]) -> None:
    store, _, real = seeded
    view = portfolio_view(store, CLIENT)
    assert [row["partner"] for row in view["partners"]] == ["Acme", "Other"]
    today = dt.date.fromisoformat(view["as_of"])
    for row in view["partners"]:
        health = partner_health(store, row["partner"], as_of=today)
        before = partner_health(store, row["partner"], as_of=today - dt.timedelta(days=30))
        assert row["risk"] == pytest.approx(health.risk.probability, abs=1e-12)
        assert row["risk_change"] == pytest.approx(
            health.risk.probability - before.risk.probability, abs=1e-12
        )
        assert [v["audit"] for v in row["last_verdicts"]] == [r.audit for r in health.records][-5:]
    acme, other = view["partners"]
    assert [p["audit"] for p in acme["defect_rate"]] == [
        real
    ]  # the seeded hand-made audits have no error rate
    # both partners delivered one batch of 30 tasks x 4 workers today: half the current work each
    assert (acme["share"], other["share"]) == (0.5, 0.5)


def test_what_if_removes_one_event(seeded: tuple[Store, Seeded, str]) -> None:
    store, _, _ = seeded
    event = record_event(store, "Acme", kind="investment", date=dt.date.today(), actor="Rival", magnitude=0.3)
    event_id = event.to_dict()["id"]
    view = partner_view(store, CLIENT, "Acme", without=event_id)
    client = view["client"]
    assert [e["id"] for e in client["events"]] == [event_id]
    without = partner_health(store, "Acme", as_of=dt.date.fromisoformat(view["as_of"]), without=(event_id,))
    assert client["what_if"]["probability"] == pytest.approx(without.risk.probability, abs=1e-12)
    assert client["what_if"]["change"] < 0  # a rival's stake raises the risk; removing it lowers it
    with pytest.raises(NotFoundError):
        partner_view(store, CLIENT, "Acme", without="e999")


def test_sample_csv_is_what_labelpact_review_reads(seeded: tuple[Store, Seeded, str], tmp_path: Path) -> None:
    store, _, real = seeded
    audit, text = sample_csv(store, CLIENT, real)
    record = store.get_audit(real)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["task", "label", "consensus", "confidence"]
    assert [row["task"] for row in rows] == list(record.sample_tasks)
    assert len(rows) == record.sampling_plan["sample_size"]
    assert all(row["label"] == row["consensus"] for row in rows)  # it starts as the consensus
    answers = tmp_path / "sample.csv"
    answers.write_text(text, encoding="utf-8")  # the reviewer agrees with every consensus label
    outcome = review_sample(store, audit, answers, reviewer="test")
    assert outcome.document["n_defective"] == 0
    assert outcome.document["sample_decision"] == "accept"
    [shown] = audit_view(store, CLIENT, audit)["reviews"]
    assert (shown["reviewer"], shown["n_defective"], shown["decision"]) == ("test", 0, "accept")
    # the estimate the review verified, as labelpact review printed it (the page showed none)
    assert shown["error_rate"] == outcome.document["error_rate"] and shown["error_rate"]["verified"]
    # the portfolio shows the review's outcome beside the audit's "review" (it showed an open review)
    [last] = [
        v
        for row in portfolio_view(store, CLIENT)["partners"]
        for v in row["last_verdicts"]
        if v["audit"] == audit
    ]
    assert last == {"audit": audit, "verdict": record.verdict, "review": "accept"}


def test_label_error_candidates_are_the_weakest_consensus(seeded: tuple[Store, Seeded, str]) -> None:
    store, _, real = seeded
    view = audit_view(store, CLIENT, real)
    table = consensus_table(store, store.get_audit(real))
    confidence = np.asarray(table.column("confidence").to_pylist(), dtype=float)
    expected = np.sort(confidence)[: len(view["candidates"])]
    assert len(view["candidates"]) == min(20, len(confidence))
    assert [c["confidence"] for c in view["candidates"]] == pytest.approx(expected.tolist())
    flagged = {w["worker"] for w in view["workers"]["rows"] if w["flags"]}
    named = {
        w for f in view["findings"] for w in (f["evidence"] or {}).get("workers", ()) if isinstance(w, str)
    }
    assert flagged == named
