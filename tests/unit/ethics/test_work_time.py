"""A worker's time on task is the union of their labels' intervals: tasks worked in parallel count once."""

from __future__ import annotations

import numpy as np
import pytest

import labelpact as lp
from labelpact.contracts.contract import parse_contract
from labelpact.ethics import EthicsReport
from labelpact.ethics.pay import pay_audit
from labelpact.ethics.reasons import ethics_reasons
from labelpact.ethics.work_time import work_intervals

MINUTE = 60_000  # ms


def _union_by_hand(worker: np.ndarray, start: np.ndarray, end: np.ndarray, n_workers: int) -> np.ndarray:
    """Per worker, the covered seconds counted millisecond by millisecond on a grid (a slow reference)."""
    out = np.zeros(n_workers)
    for w in range(n_workers):
        covered = np.zeros(int(end.max()) + 1, dtype=bool)
        for s, e in zip(start[worker == w], end[worker == w], strict=True):
            covered[s:e] = True
        out[w] = covered.sum() / 1000.0
    return out


def test_union_by_hand_and_merging_in_any_order() -> None:
    # w0: [0, 10), [5, 20), [30, 40) -> 30; w1: [0, 5), [5, 8) (touching) -> 8; w1 nested [1, 2) adds nothing
    iv = work_intervals([0, 0, 0, 1, 1, 1], [0, 5, 30, 0, 5, 1], [10, 20, 40, 5, 8, 2])
    assert iv.seconds(2).tolist() == [0.030, 0.008]
    assert (iv.worker.tolist(), iv.start.tolist(), iv.end.tolist()) == ([0, 0, 1], [0, 30, 0], [20, 40, 8])
    halves = work_intervals([0, 1, 1], [0, 0, 1], [10, 5, 2]) + work_intervals(
        [0, 0, 1], [5, 30, 5], [20, 40, 8]
    )
    assert halves.seconds(2).tolist() == iv.seconds(2).tolist()


def test_union_matches_a_slow_reference_on_random_intervals() -> None:
    rng = np.random.default_rng(3)
    n, n_workers = 400, 7
    worker = rng.integers(0, n_workers, n)
    start = rng.integers(0, 5_000, n)
    end = start + rng.integers(0, 300, n)
    iv = work_intervals(worker, start, end)
    np.testing.assert_allclose(iv.seconds(n_workers), _union_by_hand(worker, start, end, n_workers))
    same = iv.worker[1:] == iv.worker[:-1]
    assert (iv.start[1:][same] > iv.end[:-1][same]).all()  # disjoint and sorted within each worker


def test_ten_tasks_accepted_at_once_pay_their_wall_time() -> None:
    # the hunter's case: accepted at 09:00, submitted one a minute until 09:10; 10 x 0.50 in 10 minutes = 30/h
    t0 = np.datetime64("2026-01-05T09:00:00", "ms")
    a = lp.Annotations.from_columns(
        task=[f"t{i}" for i in range(10)],
        worker=["w1"] * 10,
        label=["a"] * 10,
        started_at=np.full(10, t0),
        submitted_at=t0 + np.arange(1, 11) * np.timedelta64(MINUTE, "ms"),
    )
    report = pay_audit(a, price_per_label=0.5, pay_floor_per_hour=15.0)
    (w1,) = report.workers
    assert w1.hours == pytest.approx(10 / 60) and w1.hourly_pay == pytest.approx(
        30.0
    )  # summed: 55 min, 5.45/h
    assert w1.below_floor is False
    assert report.hours_overlapping == pytest.approx(45 / 60)
    terms = parse_contract("[pay]\nprice_per_label = 0.5\npay_floor_per_hour = 15.0")
    (reason,) = [
        r for r in ethics_reasons(EthicsReport(pay=report), terms) if r.clause == "pay.pay_floor_per_hour"
    ]
    assert reason.outcome == "met" and "0.75 overlapping hour(s) counted once" in reason.detail
