"""Pay is computed over plausible time records only: labels too fast to be read neither raise nor lower a rate."""

from __future__ import annotations

import pytest

import labelpact as lp
from labelpact.ethics.pay import pay_audit


def _batch() -> lp.Annotations:
    # w1: nine labels at 0 s and one at 60 s; w2: ten labels at 60 s (the hunter's payzero case)
    return lp.Annotations.from_columns(
        task=[f"t{i}" for i in range(20)], worker=["w1"] * 10 + ["w2"] * 10, label=["a"] * 20
    )


def test_zero_second_labels_do_not_lift_a_worker_above_the_floor() -> None:
    durations = [0.0] * 9 + [60.0] + [60.0] * 10
    report = pay_audit(_batch(), price_per_label=0.10, pay_floor_per_hour=15.0, durations=durations)
    w1, w2 = report.workers
    assert w1.hourly_pay == pytest.approx(
        6.0
    )  # one plausible label: 0.10 per minute, not 10 labels per minute
    assert w1.below_floor is True and w1.n_too_fast == 9 and w1.n_timed == 10
    assert w2.hourly_pay == pytest.approx(6.0)
    assert report.workers_below_floor == ("w1", "w2")


def test_a_worker_with_only_implausible_times_has_unknown_pay() -> None:
    durations = [0.0] * 10 + [60.0] * 10
    report = pay_audit(_batch(), price_per_label=0.10, pay_floor_per_hour=15.0, durations=durations)
    assert report.workers[0].hourly_pay is None and report.workers[0].below_floor is None
    assert report.workers_unknown == ("w1",)
