"""A worker's time on task as the union of their labels' [started_at, submitted_at) intervals.

Tasks accepted in a batch or worked in several tabs overlap: summing each label's interval counts the same
minutes many times (ten tasks accepted at 09:00 and submitted one a minute until 09:10 are 55 minutes summed,
10 worked). Effective hourly pay divides by the wall time, the union of each worker's intervals, as Hara et
al. (2018, "A Data-Driven Analysis of Workers' Earnings on Amazon Mechanical Turk", CHI) do for MTurk earnings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import FloatArray, IntArray

__all__ = ["WorkIntervals", "work_intervals"]

Int64Array = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class WorkIntervals:
    """Each worker's disjoint intervals [start, end) in milliseconds, sorted by worker then start (n,);
    a sum is the union of both sets, so blocks of a cluster can merge theirs in any order."""

    worker: IntArray
    start: Int64Array
    end: Int64Array

    def __add__(self, other: WorkIntervals) -> WorkIntervals:
        return work_intervals(
            np.concatenate([self.worker, other.worker]),
            np.concatenate([self.start, other.start]),
            np.concatenate([self.end, other.end]),
        )

    def seconds(self, n_workers: int) -> FloatArray:
        """Wall seconds per worker (n_workers,): the length of the union of their intervals."""
        return np.bincount(self.worker, weights=(self.end - self.start) / 1000.0, minlength=n_workers).astype(
            np.float64
        )

    def with_workers(self, codes: npt.ArrayLike) -> WorkIntervals:
        """The same intervals under other worker codes (``codes[w]`` for worker ``w``: a block's to global)."""
        return work_intervals(np.asarray(codes, dtype=np.intp)[self.worker], self.start, self.end)


def work_intervals(worker: npt.ArrayLike, start: npt.ArrayLike, end: npt.ArrayLike) -> WorkIntervals:
    """The union of each worker's intervals [start[i], end[i]) (n,), in one vectorised pass: sort by worker and
    start, carry the running latest end within each worker (a cumulative max over worker-major ranks), and
    open a new interval wherever a start comes after every earlier end of the same worker."""
    w = np.asarray(worker, dtype=np.intp)
    s = np.asarray(start, dtype=np.int64)
    e = np.asarray(end, dtype=np.int64)
    n = len(w)
    if n == 0:
        return WorkIntervals(w, s, e)
    order = np.lexsort((s, w))
    w, s, e = w[order], s[order], e[order]
    # cumulative max of e within each worker: ranks of e keyed by worker, so a new worker starts afresh
    by_end = np.argsort(e, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[by_end] = np.arange(n, dtype=np.int64)
    key = np.maximum.accumulate(w.astype(np.int64) * n + rank)
    latest = e[by_end][key - w.astype(np.int64) * n]
    opens = np.ones(n, dtype=bool)
    opens[1:] = (w[1:] != w[:-1]) | (s[1:] > latest[:-1])
    first = np.flatnonzero(opens)
    return WorkIntervals(w[first], s[first], np.maximum.reduceat(e, first))
