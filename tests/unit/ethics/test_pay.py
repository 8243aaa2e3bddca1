"""Pay on a hand-made batch: price 0.10 per label, floor 15 per hour."""

from __future__ import annotations

import json

import numpy as np
import pytest

from labelpact.core.annotations import Annotations, TaskPayloads
from labelpact.errors import InvalidInputError
from labelpact.ethics.pay import durations_s, pay_audit, word_counts

NAN = float("nan")
ROWS = [  # task, worker, seconds
    *[(t, "A", 60.0) for t in ("t1", "t2", "t3", "t4")],  # 0.4 / (240/3600) = 6 per hour
    *[(t, "B", 10.0) for t in ("t1", "t2", "t3", "t4")],  # 0.4 / (40/3600) = 36; t5 is too fast to count
    ("t5", "B", 1.0),
    ("t1", "C", NAN),  # no known time: unknown, never 0 or inf
    ("t2", "C", NAN),
    ("t1", "D", 30.0),  # 0.1 / (30/3600) = 12 per hour; its second label is untimed
    ("t3", "D", NAN),
    ("t5", "E", 1.0),  # too fast to be read (under 2 s): no plausible time, unknown (not 360 per hour)
]


def batch() -> Annotations:
    task, worker, seconds = zip(*ROWS, strict=True)
    return Annotations.from_columns(task=task, worker=worker, label=["x"] * len(ROWS), duration_s=seconds)


def test_hourly_pay_shares_and_unknowns_by_hand() -> None:
    report = pay_audit(batch(), price_per_label=0.10, pay_floor_per_hour=15.0)
    pay = {w.worker: w.hourly_pay for w in report.workers}
    assert pay["A"] == pytest.approx(6.0)
    assert pay["B"] == pytest.approx(0.4 * 3600 / 40)
    assert pay["C"] is None
    assert pay["D"] == pytest.approx(12.0)
    assert pay["E"] is None
    assert report.workers_below_floor == ("A", "D")
    assert report.workers_unknown == ("C", "E")
    assert report.n_workers_unknown == 2 and report.n_annotations_untimed == 3
    assert report.share_workers_below_floor == pytest.approx(2 / 3)
    assert report.share_hours_below_floor == pytest.approx((240 + 30) / (240 + 40 + 30))
    assert report.quantiles["p50"] == pytest.approx(12.0)
    d = next(w for w in report.workers if w.worker == "D")
    assert (d.n_labels, d.n_timed) == (2, 1)


def test_too_fast_by_floor_and_by_reading_time() -> None:
    a = batch()
    plain = pay_audit(a, price_per_label=0.1, pay_floor_per_hour=15, min_seconds=2.0)
    assert plain.n_annotations_too_fast == 2  # B and E on t5, 1 s each
    assert plain.tasks_too_fast == ("t5",)  # both of its timed labels
    words = np.array([100.0, NAN, 5.0, 5.0, NAN])  # t1..t5: t1 takes 15 s to read at 400 wpm
    read = pay_audit(a, price_per_label=0.1, pay_floor_per_hour=15, words=words)
    assert read.n_annotations_too_fast == 3  # plus B's 10 s on t1
    assert {w.worker: w.n_too_fast for w in read.workers}["B"] == 2
    assert read.tasks_too_fast == ("t5",)  # t1: 1 of 3 timed labels is too fast, not most


def test_word_counts_and_durations_from_timestamps() -> None:
    a = Annotations.from_columns(
        task=["t1", "t2", "t2"],
        worker=["A", "A", "B"],
        label=["x", "x", "x"],
        started_at=np.array(["2026-01-01T10:00:00", "2026-01-01T10:01:00", "NaT"], dtype="datetime64[ms]"),
        submitted_at=np.array(
            ["2026-01-01T10:00:45", "2026-01-01T10:01:30", "2026-01-01T10:02:00"], dtype="datetime64[ms]"
        ),
    )
    assert np.allclose(durations_s(a), [45.0, 30.0, NAN], equal_nan=True)
    payloads = TaskPayloads(task=("t2", "t1"), fields={"text": ("two words", None)})
    assert np.allclose(word_counts(a, payloads), [NAN, 2.0], equal_nan=True)


def test_no_timing_at_all_is_unknown_not_zero() -> None:
    a = Annotations.from_columns(task=["t1"], worker=["A"], label=["x"])
    report = pay_audit(a, price_per_label=0.1, pay_floor_per_hour=15)
    assert report.share_workers_below_floor is None and report.share_hours_below_floor is None
    assert report.quantiles["p50"] is None
    json.dumps(report.to_dict(), allow_nan=False)


def test_bad_input() -> None:
    a = batch()
    with pytest.raises(InvalidInputError, match="duration"):
        pay_audit(a, price_per_label=0.1, pay_floor_per_hour=15, durations=-np.ones(a.n_annotations))
    with pytest.raises(InvalidInputError, match="one word count per task"):
        pay_audit(a, price_per_label=0.1, pay_floor_per_hour=15, words=[1.0])
    with pytest.raises(InvalidInputError):
        pay_audit(a, price_per_label=-1, pay_floor_per_hour=15)
