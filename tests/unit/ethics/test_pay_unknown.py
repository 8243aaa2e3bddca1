"""The pay_unknown finding tells workers without any time on task from workers whose every timed label was
too fast to be read: the second delivered durations, so asking them for durations would be wrong."""

from __future__ import annotations

from labelpact.contracts.contract import Contract
from labelpact.core.annotations import Annotations
from labelpact.ethics import EthicsReport, pay_audit
from labelpact.ethics.findings import ethics_findings


def _finding(durations: list[float]) -> tuple[str, str, dict[str, object]]:
    a = Annotations.from_columns(
        task=["t1", "t2", "t3"] * 3, worker=["w1"] * 3 + ["w2"] * 3 + ["w3"] * 3, label=["a"] * 9
    )
    pay = pay_audit(a, price_per_label=0.1, pay_floor_per_hour=15.0, durations=durations)
    (found,) = [
        f for f in ethics_findings(EthicsReport(pay=pay), Contract.default()) if f.kind == "pay_unknown"
    ]
    return found.detail, found.action, dict(found.evidence)


def test_too_fast_and_untimed_workers_are_told_apart() -> None:
    nan = float("nan")
    detail, action, evidence = _finding([30, 30, 30, 1, 1, 0.5, nan, nan, nan])
    assert detail == (
        "1 of 3 worker(s) have no time on task; 1 of 3 worker(s) have only times too fast to be read: pay unknown."
    )
    assert evidence["workers_untimed"] == ["w3"] and evidence["workers_too_fast"] == ["w2"]
    assert "Deliver duration_s" in action and "too fast" in action


def test_only_too_fast_workers_are_not_asked_for_durations() -> None:
    detail, action, _ = _finding([30, 30, 30, 1, 1, 0.5, 30, 30, 30])
    assert detail == "1 of 3 worker(s) have only times too fast to be read: pay unknown."
    assert "Deliver duration_s" not in action


def test_no_time_at_all_is_said_once() -> None:
    nan = float("nan")
    detail, action, _ = _finding([nan] * 9)
    assert detail == "No label has a time on task: effective pay cannot be checked."
    assert action.startswith("Deliver duration_s")
