"""Agreement coefficients on a Dask cluster, equal to ``core.agreement.agreement`` on the same rows.

Krippendorff's alpha, Fleiss' kappa, Gwet's AC1, percent agreement and the per-class figures are functions
of the distinct per-task count vectors and how many tasks have each (``core.agreement``): each block finds
its own, the tables are merged by a tree reduction, and the driver puts them in the in-process order, so
the bootstrap draws the very same replicates. Cohen's kappa per worker pair: pair counts are reduced, the
tasks a scored pair shares are put in global task order (their first row keys), and each bootstrap
replicate's task weights go to the blocks, which return their statistics' weighted sums (integers: the
sums are exact, so the replicates equal in-process ones bit for bit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from labelpact.core.agreement import Agreement, Level, agreement_of_patterns, count_patterns
from labelpact.core.intervals import check_confidence, percentile_interval
from labelpact.core.keyed import KeyArray, name_keys
from labelpact.core.worker_pairs import PairwiseKappa, co_labels, nan_mean
from labelpact.errors import InvalidInputError
from labelpact.scale.blocks import Block, SparseRows
from labelpact.scale.cluster import BlockSet, tree_reduce
from labelpact.scale.identifiability import block_signal

__all__ = ["Patterns", "agreement_distributed"]

Int64Array = Any


@dataclass(frozen=True, slots=True)
class Patterns:
    """Distinct per-task label-count vectors (n, K) and how many labelled tasks have each (n,); ``+`` merges."""

    rows: Int64Array
    sizes: Int64Array

    def __add__(self, other: Patterns) -> Patterns:
        rows, inverse = np.unique(np.vstack([self.rows, other.rows]), axis=0, return_inverse=True)
        sizes = np.bincount(inverse.reshape(-1), weights=np.concatenate([self.sizes, other.sizes]))
        return Patterns(rows, sizes.astype(np.int64))

    def in_process_order(self) -> Patterns:
        """The order ``core.agreement.count_patterns`` gives the same set: by packed key where it packs, else rows."""
        rows = self.rows.astype(np.int64)
        if rows.size == 0:
            return self
        base = int(rows.max()) + 1
        if rows.shape[1] * np.log2(base) < 62:
            order = np.argsort(rows @ (base ** np.arange(rows.shape[1], dtype=np.int64)), kind="stable")
        else:
            order = np.lexsort(rows.T[::-1])
        return Patterns(rows[order], self.sizes[order])


def block_patterns(block: Block) -> tuple[Any, ...]:
    """A block's patterns and its quality signal (``identifiability``), for the reduction."""
    a = block.annotations
    rows, sizes = count_patterns(a.label_counts()[a.labels_per_task() > 0])
    return Patterns(rows, sizes), block_signal(block)


def agreement_distributed(
    blocks: BlockSet,
    *,
    level: Level = "nominal",
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    random_state: int | None = 0,
    min_pair_tasks: int = 10,
    pair_bootstrap: int | None = None,
) -> Agreement:
    """``core.agreement.agreement`` of the annotations in ``blocks``, with the same intervals (same draws)."""
    if n_bootstrap < 0:
        raise InvalidInputError("a number of bootstrap replicates >= 0", got=repr(n_bootstrap))
    if min_pair_tasks < 1:
        raise InvalidInputError("min_pair_tasks >= 1", got=repr(min_pair_tasks))
    confidence = check_confidence(confidence)
    rng = np.random.default_rng(random_state)
    classes = blocks.vocabulary.classes
    found, signal = blocks.map_reduce(block_patterns)
    merged = found.in_process_order()
    return agreement_of_patterns(
        merged.rows.reshape(-1, len(classes)),
        merged.sizes,
        classes,
        level=level,
        n_bootstrap=n_bootstrap,
        confidence=confidence,
        rng=rng,
        pair_bootstrap=pair_bootstrap,
        cohen=lambda replicates, draws: _cohen_kappas(blocks, min_pair_tasks, replicates, confidence, draws),
        unidentifiable=signal.reason(classes),
    )


# -- Cohen's kappa per worker pair ---------------------------------------------------------------


def _pair_keys(block: Block, n_workers: int) -> tuple[Any, Any, Any]:
    """The block's co-labels with global pair keys (worker_a * W + worker_b, worker_a < worker_b)."""
    co = co_labels(block.annotations)
    w = max(n_workers, 1)
    index = block.worker_index
    return co, index[co.worker_a] * w + index[co.worker_b], w


def block_pair_counts(block: Block, n_workers: int) -> tuple[Any, ...]:
    """Tasks each global worker pair shares in this block, as a table keyed by pair."""
    _, keys, _ = _pair_keys(block, n_workers)
    unique, counts = np.unique(keys, return_counts=True)
    return (SparseRows(unique.astype(np.intp), counts.astype(np.float64)),)


@dataclass(frozen=True, slots=True)
class PairSums:
    """A block's statistics (n_stats, n_relevant_local) over the tasks some scored pair shares, and those
    tasks' name keys (``core.keyed``; the bootstrap deals its draws in their order)."""

    sums: sparse.csr_matrix
    order_key: KeyArray


def block_pair_sums(block: Block, n_workers: int, kept: Any) -> PairSums:
    """``worker_pairs.cohen_kappas``' statistic rows for the scored pairs ``kept`` (sorted keys), per task."""
    co, keys, _ = _pair_keys(block, n_workers)
    k, n_pairs = block.annotations.n_classes, len(kept)
    position = np.searchsorted(kept, keys)
    rows = position < n_pairs
    rows[rows] = kept[position[rows]] == keys[rows]
    pair, task = position[rows], co.task[rows]
    la, lb = co.label_a[rows], co.label_b[rows]
    relevant, column = np.unique(task, return_inverse=True)
    stat = np.concatenate(
        [pair, n_pairs + pair, 2 * n_pairs + pair * k + la, (2 + k) * n_pairs + pair * k + lb]
    )
    ones = np.ones(len(pair))
    value = np.concatenate([ones, (la == lb).astype(np.float64), ones, ones])
    n_stats = (2 + 2 * k) * n_pairs
    sums = sparse.csr_matrix((value, (stat, np.tile(column.reshape(-1), 4))), shape=(n_stats, len(relevant)))
    return PairSums(sums, name_keys(block.annotations.tasks, 0)[relevant])


def pair_order_keys(ps: PairSums) -> KeyArray:
    return ps.order_key


def pair_totals(ps: PairSums) -> tuple[Any, ...]:
    return (np.asarray(ps.sums.sum(1), dtype=np.float64).reshape(-1),)


def pair_replicates(ps: PairSums, weights: Any) -> tuple[Any, ...]:
    """The block's weighted statistic sums (n_stats, replicates) under task weights (replicates, n_relevant_local)."""
    return (np.asarray(ps.sums @ weights.T.astype(np.float64)),)


def _cohen_kappas(
    blocks: BlockSet, min_pair_tasks: int, n_bootstrap: int, confidence: float, rng: np.random.Generator
) -> tuple[PairwiseKappa, float, tuple[float, float]]:
    """``worker_pairs.cohen_kappas`` over the blocks: the same pairs, point values and replicates."""
    client, w, k = blocks.client, max(blocks.n_workers, 1), blocks.n_classes
    (counts,) = blocks.map_reduce(block_pair_counts, blocks.n_workers)
    keep = counts.values >= min_pair_tasks
    kept = counts.index[keep]
    n_pairs = len(kept)
    n_stats = (2 + 2 * k) * n_pairs
    kept_future = blocks.params(kept)
    states = [
        client.submit(block_pair_sums, b, blocks.n_workers, kept_future, pure=False) for b in blocks.blocks
    ]

    def kappa(totals: Any) -> Any:  # totals: (n_stats, replicates) -> (replicates, P), as in-process
        if n_pairs == 0:
            return np.zeros((totals.shape[1], 0))
        n, agree = totals[:n_pairs].T, totals[n_pairs : 2 * n_pairs].T
        ma = totals[2 * n_pairs : (2 + k) * n_pairs].T.reshape(-1, n_pairs, k)
        mb = totals[(2 + k) * n_pairs :].T.reshape(-1, n_pairs, k)
        with np.errstate(divide="ignore", invalid="ignore"):
            pe = (ma * mb).sum(2) / (n * n)
            value = (agree / n - pe) / (1.0 - pe)
            return np.where(np.isfinite(value), value, np.nan)

    totals = _reduce(client, [client.submit(pair_totals, s, pure=False) for s in states], n_stats)
    point = kappa(totals.reshape(-1, 1))[0]
    pairs = PairwiseKappa(
        worker_a=(kept // w).astype(np.intp),
        worker_b=(kept % w).astype(np.intp),
        n_shared=counts.values[keep].astype(np.intp),
        kappa=point,
    )
    mean = nan_mean(point)
    if n_pairs == 0 or n_bootstrap == 0:
        return pairs, float(mean[0]), (float("nan"), float("nan"))
    n_labelled = blocks.n_tasks - len(blocks.unlabelled)
    firsts = client.gather([client.submit(pair_order_keys, s, pure=False) for s in states])
    order = np.argsort(np.concatenate(firsts), kind="stable")  # relevant tasks in name-key order
    position = np.empty(len(order), dtype=np.intp)
    position[order] = np.arange(len(order))
    bounds = np.cumsum([0, *(len(f) for f in firsts)])
    n_relevant = len(order)
    block = max(1, 4_000_000 // max(n_relevant, n_stats))
    reps = []
    for done in range(0, n_bootstrap, block):
        size = min(block, n_bootstrap - done)
        hits = rng.binomial(n_labelled, n_relevant / n_labelled, size=size)
        weights = np.stack([np.bincount(rng.integers(0, n_relevant, h), minlength=n_relevant) for h in hits])
        futures = [
            client.submit(pair_replicates, s, weights[:, position[lo:hi]], pure=False)
            for s, lo, hi in zip(states, bounds[:-1], bounds[1:], strict=True)
        ]
        reps.append(nan_mean(kappa(_reduce(client, futures, n_stats, size))))
    return pairs, float(mean[0]), percentile_interval(np.concatenate(reps), confidence=confidence)


def _reduce(client: Any, futures: list[Any], *shape: int) -> Any:
    """The sum of the blocks' one-item tables; zeros of ``shape`` when there are none."""
    from labelpact.scale.blocks import add_tables

    if not futures:
        return np.zeros(shape)
    (total,) = tree_reduce(client, futures, add_tables)
    return total
