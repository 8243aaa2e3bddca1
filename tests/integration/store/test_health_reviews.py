"""Partner health reads a reviewed batch by the review's decision, as ``audits list`` shows it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from labelpact.services.health import audit_series, partner_health
from labelpact.store import Store

from .audit_case import add_batch, audit_of


def test_a_batch_rejected_by_its_review_counts_as_rejected(store: Store, tmp_path: Path) -> None:
    """Before: health read the audit's verdict only, so a lot the reviewer's sample rejected stayed "review"
    in the scorecard and the rejection-rate signal (demo: Borealis's a2, rejection_rate_90d 0.5, not 1.0)."""
    store.add_partner("Scale", since=dt.date(2025, 1, 1))
    metrics = {
        "error_rate": {"value": 0.1},
        "n_tasks": 2,
        "timeliness": {"delivered_at": "2025-03-01T00:00:00"},
    }
    for name, content in (("a", b"task,worker,label\nt1,w1,pos\n"), ("b", b"task,worker,label\nt1,w1,neg\n")):
        store.add_audit(audit_of(add_batch(store, tmp_path / name, content), metrics=metrics), files={})
    results = tmp_path / "review.csv"
    results.write_bytes(b"task,label\nt1,neg\nt2,neg\n")
    reviewed = dt.datetime(2025, 3, 5, tzinfo=dt.UTC)  # a history entered later: the review's own day
    store.add_review(
        "a1",
        results=results,
        n_inspected=2,
        n_defective=2,
        decision="reject",
        reviewer=None,
        reviewed_at=reviewed,
    )
    day = dt.date(2025, 3, 10)
    assert sorted(r.verdict for r in audit_series(store, "Scale", as_of=day)) == ["reject", "review"]
    card = partner_health(store, "Scale", as_of=day).document["scorecard"]
    assert card["verdicts"] == {"accept": 0, "review": 1, "reject": 1} and card["rejection_rate_90d"] == 0.5


def test_a_batch_an_older_version_stored_dated_in_the_future_counts_from_its_audit(
    store: Store, tmp_path: Path
) -> None:
    """No delivery can be dated in the future now (``ingest.delivery_time``), but older versions stored some
    (a mistyped year): audited, such a batch was delivered by its audit, and health counts it from then
    instead of leaving it out until that year."""
    store.add_partner("Scale", since=dt.date(2025, 1, 1))
    metrics = {
        "error_rate": {"value": 0.1},
        "n_tasks": 2,
        "timeliness": {"delivered_at": "2099-01-01T00:00:00"},
    }
    batch = add_batch(store, tmp_path / "a", delivered_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    audit = store.add_audit(audit_of(batch, metrics=metrics), files={})
    series = audit_series(store, "Scale", as_of=dt.datetime.now(dt.UTC).date())
    assert [r.audit for r in series] == [audit.id] and series[0].delivered == audit.created_at.date()


def test_a_batch_whose_quality_cannot_be_measured_is_no_perfect_batch(store: Store, tmp_path: Path) -> None:
    """Before: an unmeasurable batch (every task unanimous: error 0.0% [0.0%, 0.0%] from a model that cannot
    tell) entered health as 0 wrong of its tasks, halving the partner's mean error (16.2% -> 8.1%) and
    feeding the charts and the forecast a perfect point."""
    store.add_partner("Scale", since=dt.date(2025, 1, 1))
    measured = {"error_rate": {"value": 0.162}, "n_tasks": 300, "measurable": True}
    unanimous = {"error_rate": {"value": 0.0}, "n_tasks": 300, "measurable": False}
    for name, metrics in (("a", measured), ("b", unanimous)):
        batch = add_batch(store, tmp_path / name, f"task,worker,label\nt1,w1,{name}\n".encode())
        store.add_audit(audit_of(batch, metrics=metrics), files={})
    day = dt.datetime.now(dt.UTC).date()
    series = audit_series(store, "Scale", as_of=day)
    assert sorted((r.inspected, r.error_rate) for r in series) == [(0, None), (300, 0.162)]
    card = partner_health(store, "Scale", as_of=day).document["scorecard"]
    assert card["n_batches"] == 2 and card["error_rate_mean"] == 0.162
