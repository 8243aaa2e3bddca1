"""Annotator pay: effective hourly pay per worker against the contract's floor, and implausibly fast work.

Effective pay is labels x price per label / hours on task, over the annotations whose time is known and
plausible: a label too fast to have been read (0 s, or under the thresholds below) has no believable time,
so it neither lowers nor raises a rate. A worker with no plausible time is reported as unknown, never as
zero or infinite pay. When a label's time comes from ``started_at`` and ``submitted_at``, a worker's
hours are the union of those intervals (``work_time``): tasks worked in parallel count their minutes once.
An annotation is
too fast to have been read when it took less than ``min_seconds`` or, when the task's word count is
known, less than the time to read it at ``words_per_minute`` (Brysbaert 2019, J. Mem. Lang. 109:
silent reading of English non-fiction averages 238 wpm; 400 wpm is skimming).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import Annotations, FloatArray, TaskPayloads
from labelpact.errors import InvalidInputError
from labelpact.ethics.work_time import WorkIntervals, work_intervals

__all__ = [
    "MAX_DURATION_S",
    "MIN_SECONDS",
    "WORDS_PER_MINUTE",
    "PayReport",
    "PaySums",
    "WorkerPay",
    "durations_s",
    "pay_audit",
    "pay_report",
    "pay_sums",
    "text_words",
    "word_counts",
]

MAX_DURATION_S = 365 * 24 * 3600.0  # no label takes a year (io.column refuses longer ones at reading)
MIN_SECONDS = 2.0  # no label is read and answered faster
WORDS_PER_MINUTE = 400.0  # skimming speed (Brysbaert 2019): a task read faster was not read


@dataclass(frozen=True, slots=True)
class WorkerPay:
    """One worker's labels, known time and effective hourly pay (None where no time is known)."""

    worker: str
    n_labels: int
    n_timed: int  # labels whose duration is known
    hours: float  # over the timed labels that were not too fast; overlapping intervals counted once
    hourly_pay: float | None
    below_floor: bool | None
    n_too_fast: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "worker": self.worker,
            "n_labels": self.n_labels,
            "n_timed": self.n_timed,
            "hours": self.hours,
            "hourly_pay": self.hourly_pay,
            "below_floor": self.below_floor,
            "n_too_fast": self.n_too_fast,
        }


@dataclass(frozen=True, slots=True)
class PayReport:
    """Pay per worker, its distribution, the shares below the floor and the implausibly fast work."""

    price_per_label: float
    pay_floor_per_hour: float
    currency: str
    workers: tuple[WorkerPay, ...]
    quantiles: dict[
        str, float | None
    ]  # "p10", "p25", "p50", "p75", "p90" of hourly pay over workers with known pay
    share_workers_below_floor: float | None  # among workers with known pay
    share_hours_below_floor: float | None  # of the known hours, those worked by below-floor workers
    n_workers_unknown: int  # workers without any known duration
    n_annotations_untimed: int
    n_annotations_too_fast: int
    hours_overlapping: float  # summed interval hours counted once in ``hours`` (tasks worked in parallel)
    tasks_too_fast: tuple[str, ...]  # tasks where most timed annotations were too fast to be read
    min_seconds: float
    words_per_minute: float

    @property
    def workers_below_floor(self) -> tuple[str, ...]:
        return tuple(w.worker for w in self.workers if w.below_floor)

    @property
    def workers_unknown(self) -> tuple[str, ...]:
        return tuple(w.worker for w in self.workers if w.hourly_pay is None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "price_per_label": self.price_per_label,
            "pay_floor_per_hour": self.pay_floor_per_hour,
            "currency": self.currency,
            "quantiles": dict(self.quantiles),
            "share_workers_below_floor": self.share_workers_below_floor,
            "share_hours_below_floor": self.share_hours_below_floor,
            "workers_below_floor": list(self.workers_below_floor),
            "workers_unknown": list(self.workers_unknown),
            "n_workers_unknown": self.n_workers_unknown,
            "n_annotations_untimed": self.n_annotations_untimed,
            "n_annotations_too_fast": self.n_annotations_too_fast,
            "hours_overlapping": self.hours_overlapping,
            "tasks_too_fast": list(self.tasks_too_fast),
            "min_seconds": self.min_seconds,
            "words_per_minute": self.words_per_minute,
            "workers": [w.to_dict() for w in self.workers],
        }


def durations_s(annotations: Annotations) -> FloatArray:
    """Seconds on task per annotation (n_annotations,): ``duration_s``, else submitted - started, else NaN."""
    out = np.full(annotations.n_annotations, np.nan)
    if annotations.started_at is not None and annotations.submitted_at is not None:
        delta = (annotations.submitted_at - annotations.started_at).astype("timedelta64[ms]")
        known = ~np.isnat(delta)
        out[known] = delta[known].astype(np.int64) / 1000.0
    if annotations.duration_s is not None:
        given = ~np.isnan(annotations.duration_s)
        out[given] = annotations.duration_s[given]
    return out


def word_counts(
    annotations: Annotations, payloads: TaskPayloads, field: str = "text"
) -> npt.NDArray[np.float64]:
    """Words of payload ``field`` per task of ``annotations`` (n_tasks,), NaN where the task has no text."""
    if field not in payloads.fields:
        raise InvalidInputError(f"a payload field among {list(payloads.fields)}", column=field)
    lookup = dict(zip(payloads.task, payloads.fields[field], strict=True))
    return text_words([lookup.get(task) for task in annotations.tasks])


def text_words(texts: Sequence[str | None]) -> npt.NDArray[np.float64]:
    """Whitespace-separated words of each text (Python's ``str.split``), NaN where there is none."""
    return np.array([math.nan if t is None else len(t.split()) for t in texts], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class PaySums:
    """What pay is computed from, additive over disjoint sets of annotations: per worker (n_workers, 5) the
    labels, the timed labels, the seconds of the plausible ones (not too fast) timed by a ``duration_s``, the
    timed labels too fast to be read, and the seconds of the plausible ones timed by ``started_at`` and
    ``submitted_at``, each counted; the tasks (codes, in task order) where most timed labels were too fast;
    the labels without a known time; and the union of each worker's plausible timestamped intervals (a sum
    merges them)."""

    workers: FloatArray
    tasks_too_fast: npt.NDArray[np.intp]
    n_untimed: int
    intervals: WorkIntervals


def pay_audit(
    annotations: Annotations,
    *,
    price_per_label: float,
    pay_floor_per_hour: float,
    currency: str = "USD",
    durations: npt.ArrayLike | None = None,
    words: npt.ArrayLike | None = None,
    min_seconds: float = MIN_SECONDS,
    words_per_minute: float = WORDS_PER_MINUTE,
    quantiles: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9),
) -> PayReport:
    """Effective hourly pay per worker and the work too fast to be real.

    ``durations`` (n_annotations,) defaults to :func:`durations_s`; ``words`` (n_tasks,) is the word
    count of each task (NaN unknown) and raises the too-fast threshold to the reading time.
    """
    _check_terms(price_per_label, pay_floor_per_hour, min_seconds, words_per_minute)
    sums = pay_sums(
        annotations,
        durations=durations,
        words=words,
        min_seconds=min_seconds,
        words_per_minute=words_per_minute,
    )
    return pay_report(
        annotations.workers,
        sums.workers,
        tuple(annotations.tasks[i] for i in sums.tasks_too_fast.tolist()),
        sums.n_untimed,
        intervals=sums.intervals,
        price_per_label=price_per_label,
        pay_floor_per_hour=pay_floor_per_hour,
        currency=currency,
        min_seconds=min_seconds,
        words_per_minute=words_per_minute,
        quantiles=quantiles,
    )


def _check_terms(price_per_label: float, pay_floor_per_hour: float, min_seconds: float, wpm: float) -> None:
    if price_per_label < 0 or pay_floor_per_hour < 0 or min_seconds < 0 or wpm <= 0:
        raise InvalidInputError(
            "a non-negative price, pay floor and min_seconds, and a positive reading speed",
            got=f"{price_per_label}, {pay_floor_per_hour}, {min_seconds}, {wpm}",
        )


def pay_sums(
    annotations: Annotations,
    *,
    durations: npt.ArrayLike | None = None,
    words: npt.ArrayLike | None = None,
    min_seconds: float = MIN_SECONDS,
    words_per_minute: float = WORDS_PER_MINUTE,
) -> PaySums:
    """The per-worker and per-task sums of :func:`pay_audit` over ``annotations`` (``durations`` and ``words``
    as there), which :func:`pay_report` turns into the report wherever they were summed."""
    seconds = _seconds(annotations, durations)
    timed = ~np.isnan(seconds)
    n_w = annotations.n_workers
    fast = timed & (seconds < _fastest_plausible(annotations, words, min_seconds, words_per_minute))
    stamped = timed & ~fast & _from_times(annotations, durations)
    given = timed & ~fast & ~stamped
    table = np.column_stack(
        [
            np.bincount(annotations.worker, minlength=n_w),
            np.bincount(annotations.worker, weights=timed, minlength=n_w),
            np.bincount(annotations.worker, weights=np.where(given, seconds, 0.0), minlength=n_w),
            np.bincount(annotations.worker, weights=fast, minlength=n_w),
            np.bincount(annotations.worker, weights=np.where(stamped, seconds, 0.0), minlength=n_w),
        ]
    ).reshape(n_w, 5)
    intervals = work_intervals([], [], [])
    if stamped.any() and annotations.started_at is not None and annotations.submitted_at is not None:
        intervals = work_intervals(
            annotations.worker[stamped],
            annotations.started_at[stamped].astype(np.int64),
            annotations.submitted_at[stamped].astype(np.int64),
        )
    fast_per_task = np.bincount(annotations.task, weights=fast, minlength=annotations.n_tasks)
    timed_per_task = np.bincount(annotations.task, weights=timed, minlength=annotations.n_tasks)
    tasks_fast = np.flatnonzero((timed_per_task > 0) & (fast_per_task * 2 > timed_per_task))
    return PaySums(table.astype(np.float64), tasks_fast.astype(np.intp), int((~timed).sum()), intervals)


def _from_times(annotations: Annotations, durations: npt.ArrayLike | None) -> npt.NDArray[np.bool_]:
    """Which annotations (n_annotations,) take their time from ``started_at`` and ``submitted_at`` (no
    ``duration_s`` given for them, and no ``durations`` passed in place of both)."""
    a = annotations
    if durations is not None or a.started_at is None or a.submitted_at is None:
        return np.zeros(a.n_annotations, dtype=bool)
    both = ~np.isnat(a.started_at) & ~np.isnat(a.submitted_at)
    return both & (np.isnan(a.duration_s) if a.duration_s is not None else True)


def pay_report(
    workers: Sequence[str],
    sums: FloatArray,
    tasks_too_fast: Sequence[str],
    n_untimed: int,
    *,
    intervals: WorkIntervals | None = None,
    price_per_label: float,
    pay_floor_per_hour: float,
    currency: str = "USD",
    min_seconds: float = MIN_SECONDS,
    words_per_minute: float = WORDS_PER_MINUTE,
    quantiles: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9),
) -> PayReport:
    """The report of :func:`pay_audit` from a :class:`PaySums` table (n_workers, 5) of ``workers`` (in order),
    the names of the tasks too fast to be read, the untimed labels and the union of the timestamped intervals."""
    _check_terms(price_per_label, pay_floor_per_hour, min_seconds, words_per_minute)
    n_labels = sums[:, 0].astype(np.intp)
    n_timed = sums[:, 1].astype(np.intp)
    wall = intervals.seconds(len(workers)) if intervals is not None else sums[:, 4]
    hours = (sums[:, 2] + wall) / 3600.0
    n_fast = sums[:, 3].astype(np.intp)
    # pay over the plausible labels only: nine 0-second labels beside one of 60 s are 6/h at 0.10, not 60/h
    with np.errstate(divide="ignore", invalid="ignore"):
        hourly = np.where(hours > 0, (n_timed - n_fast) * price_per_label / hours, np.nan)
    known = np.isfinite(hourly)
    below = known & (hourly < pay_floor_per_hour)
    qs = np.quantile(hourly[known], quantiles) if known.any() else np.full(len(quantiles), np.nan)
    known_hours = hours[known].sum()
    return PayReport(
        price_per_label=float(price_per_label),
        pay_floor_per_hour=float(pay_floor_per_hour),
        currency=currency,
        workers=tuple(
            WorkerPay(
                worker=workers[i],
                n_labels=int(n_labels[i]),
                n_timed=int(n_timed[i]),
                hours=float(hours[i]),
                hourly_pay=float(hourly[i]) if known[i] else None,
                below_floor=bool(below[i]) if known[i] else None,
                n_too_fast=int(n_fast[i]),
            )
            for i in range(len(workers))
        ),
        quantiles={
            f"p{round(q * 100):02d}": None if math.isnan(v) else float(v)
            for q, v in zip(quantiles, qs.tolist(), strict=True)
        },
        share_workers_below_floor=float(below.sum() / known.sum()) if known.any() else None,
        share_hours_below_floor=float(hours[below].sum() / known_hours) if known_hours > 0 else None,
        n_workers_unknown=int((~known).sum()),
        n_annotations_untimed=int(n_untimed),
        n_annotations_too_fast=int(n_fast.sum()),
        hours_overlapping=float(max(sums[:, 4].sum() - wall.sum(), 0.0) / 3600.0),
        tasks_too_fast=tuple(tasks_too_fast),
        min_seconds=float(min_seconds),
        words_per_minute=float(words_per_minute),
    )


def _seconds(annotations: Annotations, durations: npt.ArrayLike | None) -> FloatArray:
    """Seconds on task per annotation (n_annotations,), NaN unknown: ``durations`` checked, or read from ``annotations``."""
    seconds = durations_s(annotations) if durations is None else np.asarray(durations, dtype=np.float64)
    if seconds.shape != (annotations.n_annotations,):
        raise InvalidInputError(
            f"one duration per annotation ({annotations.n_annotations})", column="duration_s"
        )
    bad = (seconds < 0) | (seconds > MAX_DURATION_S)  # bounded, so no sum over labels overflows to inf
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InvalidInputError(
            f"durations of zero seconds or more, at most one year ({MAX_DURATION_S:,.0f})",
            column="duration_s",
            got=f"{seconds[row]} at row {row + 1}",
        )
    return seconds


def _fastest_plausible(
    annotations: Annotations, words: npt.ArrayLike | None, min_seconds: float, words_per_minute: float
) -> FloatArray:
    """Seconds below which an annotation is too fast (n_annotations,): ``min_seconds``, or the reading time of
    its task's ``words`` (n_tasks,) at ``words_per_minute`` when longer."""
    threshold = np.full(annotations.n_annotations, float(min_seconds))
    if words is not None:
        w = np.asarray(words, dtype=np.float64)
        if w.shape != (annotations.n_tasks,):
            raise InvalidInputError(f"one word count per task ({annotations.n_tasks})", column="words")
        reading = w[annotations.task] / words_per_minute * 60.0
        threshold = np.fmax(threshold, reading)
    return threshold
