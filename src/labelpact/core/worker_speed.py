"""How fast each worker labels: seconds on task per annotation, the median per worker, and the speed flag.

A worker far faster than the crowd (a modified z-score of the log median duration, Iglewicz & Hoaglin 1993)
is ``too_fast``; the scorecards (``core.workers``) and the Dask engine's (``scale.workers``) share these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import Annotations, FloatArray, IntArray

if TYPE_CHECKING:
    from labelpact.core.workers import WorkerThresholds

__all__ = ["annotation_durations", "median_durations", "speed_scores"]

_MIN_DURATION_S = 0.1  # durations below this (including 0) count as this, so their log is finite


def annotation_durations(a: Annotations) -> FloatArray | None:
    """Seconds on task per annotation (n_annotations,): ``duration_s``, else submitted minus started; None
    when unknown."""
    if a.duration_s is not None:
        return a.duration_s
    if a.started_at is not None and a.submitted_at is not None:
        delta = (a.submitted_at - a.started_at).astype("timedelta64[ms]")
        seconds = delta.astype(np.float64) / 1000.0
        return np.where(np.isnat(delta), np.nan, seconds)
    return None


def median_durations(worker: IntArray, durations: FloatArray, n_workers: int) -> tuple[FloatArray, IntArray]:
    """Median known duration per worker (n_workers,; NaN when none) and how many durations each has, from
    each annotation's worker code and seconds (NaN unknown; below ``_MIN_DURATION_S`` counted as that)."""
    ok = np.isfinite(durations)
    worker, seconds = worker[ok], np.maximum(durations[ok], _MIN_DURATION_S)
    # one sort on worker + a monotone squash of the seconds into [0, 1): cheaper than a two-key lexsort
    order = np.argsort(worker + np.arctan(np.log(seconds)) / np.pi + 0.5)
    worker, seconds = worker[order], seconds[order]
    count = np.bincount(worker, minlength=n_workers)
    start = np.cumsum(count) - count
    has = count > 0
    lo = start[has] + (count[has] - 1) // 2
    hi = start[has] + count[has] // 2
    median = np.full(n_workers, np.nan)
    median[has] = (seconds[lo] + seconds[hi]) / 2.0
    return median, count.astype(np.intp)


def speed_scores(
    median_duration: FloatArray, n_timed: IntArray, limits: WorkerThresholds
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Each worker's speed z (modified z of its log median duration against the workers with
    ``min_labels`` timed labels) and whether it is ``too_fast``; arrays of shape (n_workers,)."""
    timed = n_timed >= limits.min_labels
    speed_z = _modified_z(np.log(median_duration), reference=timed)
    crowd = _crowd_median(median_duration, timed)
    too_fast = timed & (speed_z <= limits.too_fast_z) & (median_duration <= limits.too_fast_ratio * crowd)
    return speed_z, too_fast


def _crowd_median(values: FloatArray, mask: npt.NDArray[np.bool_]) -> float:
    """Median of the finite ``values`` where ``mask``; NaN when there are none."""
    chosen = values[mask & np.isfinite(values)]
    return float(np.median(chosen)) if len(chosen) else float("nan")


def _modified_z(values: FloatArray, *, reference: npt.NDArray[np.bool_]) -> FloatArray:
    """Iglewicz & Hoaglin's (1993) modified z-score 0.6745 (x - median) / MAD, against ``reference`` rows."""
    base = values[reference & np.isfinite(values)]
    if len(base) < 3:
        return np.full(len(values), np.nan)
    centre = float(np.median(base))
    mad = float(np.median(np.abs(base - centre)))
    if mad == 0.0:  # when half the values tie, z = (x - median) / (1.2533 * mean absolute deviation)
        mad = 0.6745 * 1.253314 * float(np.mean(np.abs(base - centre)))
    if mad == 0.0:
        return np.full(len(values), np.nan)
    return np.asarray(0.6745 * (values - centre) / mad, dtype=np.float64)
