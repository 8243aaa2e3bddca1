"""The pay clause is met only when every worker's pay is known; otherwise it says what it stands on."""

from __future__ import annotations

import labelpact as lp
from labelpact.contracts.contract import parse_contract
from labelpact.contracts.findings import Reason
from labelpact.ethics import EthicsReport
from labelpact.ethics.pay import pay_audit
from labelpact.ethics.reasons import ethics_reasons

NAN = float("nan")
TERMS = parse_contract("[pay]\nprice_per_label = 0.1\npay_floor_per_hour = 15.0")


def _pay(report: EthicsReport) -> list[Reason]:
    return [r for r in ethics_reasons(report, TERMS) if r.clause == "pay.pay_floor_per_hour"]


def _report(durations: list[float]) -> EthicsReport:
    # ten workers with five labels each (the hunter's mostly_untimed case)
    workers = [f"w{w}" for w in range(10) for _ in range(5)]
    a = lp.Annotations.from_columns(task=[f"t{i % 5}" for i in range(50)], worker=workers, label=["a"] * 50)
    return EthicsReport(pay=pay_audit(a, price_per_label=0.1, pay_floor_per_hour=15.0, durations=durations))


def test_one_timed_worker_of_ten_leaves_the_floor_unchecked() -> None:
    (reason,) = _pay(_report([10.0] * 5 + [NAN] * 45))
    assert reason.outcome == "unchecked"
    assert "1 of 10 worker(s) (5 of 50 labels" in reason.detail
    assert "9 worker(s) have no plausible time" in reason.detail
    assert reason.measured == 36.0


def test_every_worker_timed_and_paid_above_the_floor_is_met() -> None:
    (reason,) = _pay(_report([10.0] * 50))
    assert reason.outcome == "met" and "known for only" not in reason.detail


def test_a_worker_below_the_floor_still_sends_to_review_and_says_what_is_unknown() -> None:
    (reason,) = _pay(_report([100.0] * 5 + [NAN] * 45))
    assert reason.outcome == "review" and "1 of 1 worker(s)" in reason.detail
    assert "known for only 1 of 10" in reason.detail
