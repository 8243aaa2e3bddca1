"""Each worker's median duration on a Dask cluster, equal to ``core.worker_speed.median_durations`` in one process.

Blocks hold whole tasks, so a worker's durations are spread over every block; a median needs them in one
place. Each block cuts its timed labels (global worker code, seconds) into groups by worker code, each
group's pieces meet in one task (a shuffle of 16 bytes per timed label, once), and that task computes its
workers' medians with the in-process function on global codes, so the sort and the medians are the same.
"""

from __future__ import annotations

import itertools
import operator
from typing import Any

import numpy as np

from labelpact.core.annotations import FloatArray, IntArray
from labelpact.core.worker_speed import annotation_durations, median_durations
from labelpact.scale.blocks import Block, SparseRows
from labelpact.scale.cluster import BlockSet, tree_reduce

__all__ = ["group_medians", "timed_pieces", "worker_medians"]


def timed_pieces(block: Block, n_groups: int) -> tuple[tuple[IntArray, FloatArray], ...]:
    """The block's labels with a known duration as (global worker codes, seconds), cut into ``n_groups``
    pieces by worker code modulo ``n_groups``; empty pieces when the block has no durations."""
    a = block.annotations
    seconds = annotation_durations(a)
    if seconds is None:
        return tuple((np.empty(0, dtype=np.intp), np.empty(0)) for _ in range(n_groups))
    known = np.isfinite(seconds)
    worker, seconds = block.worker_index[a.worker[known]], seconds[known]
    group = worker % n_groups
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(n_groups + 1))
    return tuple(
        (worker[order[lo:hi]], seconds[order[lo:hi]]) for lo, hi in itertools.pairwise(bounds.tolist())
    )


def group_medians(n_workers: int, *pieces: tuple[IntArray, FloatArray]) -> tuple[SparseRows]:
    """One group's workers (those with a timed label): their median seconds and counts, (n, 2) rows."""
    worker = np.concatenate([p[0] for p in pieces])
    seconds = np.concatenate([p[1] for p in pieces])
    median, count = median_durations(worker, seconds, n_workers)
    used = np.flatnonzero(count > 0)
    return (SparseRows(used.astype(np.intp), np.column_stack([median[used], count[used]])),)


def worker_medians(blocks: BlockSet) -> tuple[FloatArray, IntArray]:
    """Median known duration per worker (n_workers,; NaN when none) and how many durations each has."""
    client, w = blocks.client, blocks.n_workers
    n_groups = max(1, min(len(blocks.blocks), len(client.scheduler_info().get("workers", {}))))
    pieces = [client.submit(timed_pieces, b, n_groups, pure=False) for b in blocks.blocks]
    groups: list[Any] = [
        client.submit(
            group_medians, w, *(client.submit(operator.getitem, p, j, pure=False) for p in pieces), pure=False
        )
        for j in range(n_groups)
    ]
    (rows,) = tree_reduce(client, groups, _union)
    table = rows.dense(w) if len(rows.index) else np.zeros((w, 2))
    count = table[:, 1].astype(np.intp)
    return np.where(count > 0, table[:, 0], np.nan), count


def _union(x: tuple[SparseRows], y: tuple[SparseRows]) -> tuple[SparseRows]:
    """Two groups' rows as one table (their workers differ: a sum is their union)."""
    return (x[0].merged(y[0]),)
