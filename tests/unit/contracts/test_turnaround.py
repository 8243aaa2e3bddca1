"""``delivery.turnaround_days`` is a clause the verdict reads: a batch after its due time (``due_at``, else the
first label's start plus the turnaround) goes to review; the late finding names the clause only when set."""

from __future__ import annotations

from datetime import UTC, datetime

from labelpact.contracts.timeliness import late_finding, turnaround_reason

START = datetime(2026, 6, 1, tzinfo=UTC)


def test_a_batch_after_its_due_time_goes_to_review() -> None:
    r = turnaround_reason(2.0, datetime(2026, 6, 30, tzinfo=UTC), START, None)
    assert r is not None
    assert (r.clause, r.outcome, r.measured, r.limit) == ("delivery.turnaround_days", "review", 29.0, 2.0)
    assert r.detail.startswith("Delivered 29.0 days after it was due (due 2026-06-01)")


def test_without_a_due_time_the_turnaround_counts_from_the_first_start() -> None:
    late = turnaround_reason(2.0, datetime(2026, 6, 4, tzinfo=UTC), None, START)
    assert late is not None and (late.outcome, late.measured) == ("review", 1.0)
    assert "due 2 days after the first label was started" in late.detail
    # within the turnaround from the first start, but handed over before it by an unknown margin: not confirmed
    on_time = turnaround_reason(2.0, datetime(2026, 6, 2, 12, tzinfo=UTC), None, START)
    assert on_time is not None and (on_time.outcome, on_time.measured) == ("unchecked", -0.5)
    assert "on-time cannot be confirmed" in on_time.detail


def test_without_any_time_it_is_unchecked_and_unset_it_is_not_judged() -> None:
    r = turnaround_reason(2.0, datetime(2026, 6, 4, tzinfo=UTC), None, None)
    assert r is not None and r.outcome == "unchecked"
    assert turnaround_reason(None, datetime(2026, 6, 30, tzinfo=UTC), START, START) is None


def test_the_late_finding_names_only_a_clause_it_is_given() -> None:
    assert late_finding(3.0) is not None and late_finding(3.0).clause is None  # type: ignore[union-attr]
    found = late_finding(3.0, clause="delivery.turnaround_days")
    assert found is not None and found.clause == "delivery.turnaround_days"
