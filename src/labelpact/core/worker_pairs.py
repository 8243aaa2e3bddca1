"""Pairs of workers who labelled the same tasks: their co-labels, and Cohen's kappa for each pair.

``co_labels`` lists every (task, worker pair) meeting without a loop over annotations; the copy tests
(``core.copying``) and the pairwise kappas of ``core.agreement`` both read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from labelpact.core.annotations import Annotations, FloatArray, IntArray
from labelpact.core.intervals import percentile_interval
from labelpact.core.keyed import name_keys

__all__ = ["CoLabels", "PairwiseKappa", "co_labels", "cohen_kappas"]


@dataclass(frozen=True, slots=True)
class PairwiseKappa:
    """Cohen's kappa (Cohen 1960) for each pair of workers with enough shared tasks, a sparse matrix.

    Arrays share one order, shape (n_pairs,); ``worker_a < worker_b`` are codes into ``Annotations.workers``.
    """

    worker_a: IntArray
    worker_b: IntArray
    n_shared: IntArray
    kappa: FloatArray

    def matrix(self, n_workers: int) -> FloatArray:
        """Dense symmetric (n_workers, n_workers) kappa matrix, NaN where a pair was not scored."""
        out = np.full((n_workers, n_workers), np.nan)
        out[self.worker_a, self.worker_b] = self.kappa
        out[self.worker_b, self.worker_a] = self.kappa
        return out


@dataclass(frozen=True, slots=True)
class CoLabels:
    """Every unordered pair of labels two different workers gave one task, shape (n_entries,) each.

    ``worker_a < worker_b``; ``label_a`` is ``worker_a``'s label. Built from one label per
    (task, worker) pair (``Annotations.one_per_pair``: the worker's most frequent label there, whatever the
    row order), so a pair of workers meets at most once per task.
    """

    task: IntArray
    worker_a: IntArray
    worker_b: IntArray
    label_a: IntArray
    label_b: IntArray


def co_labels(a: Annotations) -> CoLabels:
    """All co-labelled (task, worker pair) entries, vectorised; size is sum over tasks of m*(m-1)/2."""
    first = a.one_per_pair()
    order = np.argsort(first.task, kind="stable")
    task = first.task[order]
    per_task = np.bincount(task, minlength=a.n_tasks)
    start = np.repeat(np.cumsum(per_task) - per_task, per_task)
    position = np.arange(len(task)) - start
    n_after = np.repeat(per_task, per_task) - 1 - position
    left = np.repeat(np.arange(len(task)), n_after)
    block_start = np.repeat(np.cumsum(n_after) - n_after, n_after)
    right = left + 1 + (np.arange(len(left)) - block_start)
    rows_l, rows_r = order[left], order[right]
    wl, wr = first.worker[rows_l], first.worker[rows_r]
    ll, lr = first.label[rows_l], first.label[rows_r]
    swap = wl > wr
    return CoLabels(
        task=first.task[rows_l],
        worker_a=np.where(swap, wr, wl),
        worker_b=np.where(swap, wl, wr),
        label_a=np.where(swap, lr, ll),
        label_b=np.where(swap, ll, lr),
    )


def cohen_kappas(
    a: Annotations, min_pair_tasks: int, n_bootstrap: int, confidence: float, rng: np.random.Generator
) -> tuple[PairwiseKappa, float, tuple[float, float]]:
    """Cohen's kappa (Cohen 1960) per worker pair sharing at least ``min_pair_tasks`` tasks, their mean, and
    the mean's percentile bootstrap interval over tasks (NaN without pairs or replicates).

    Each pair's statistics (shared tasks, agreements, both workers' class counts) are sums over
    tasks, so one sparse (statistics x tasks) matrix times a block of task weights gives a block of
    bootstrap replicates at once.
    """
    co = co_labels(a)
    k, w = a.n_classes, max(a.n_workers, 1)
    keys, pair, n_shared = np.unique(co.worker_a * w + co.worker_b, return_inverse=True, return_counts=True)
    keep = n_shared >= min_pair_tasks
    remap = np.cumsum(keep) - 1
    rows = keep[pair]
    pair, task = remap[pair[rows]], co.task[rows]
    la, lb = co.label_a[rows], co.label_b[rows]
    n_pairs = int(keep.sum())
    # statistic rows: [n (P) | agree (P) | worker_a's, then worker_b's count of each (pair, class) both used]:
    # a class only one of the two used adds nothing to chance agreement, so K classes cost no P*K rows
    a_keys, b_keys = pair * k + la, pair * k + lb
    both = np.intersect1d(a_keys, b_keys)
    n_both = len(both)
    in_a, in_b = np.isin(a_keys, both), np.isin(b_keys, both)
    stat = np.concatenate(
        [
            pair,
            n_pairs + pair,
            2 * n_pairs + np.searchsorted(both, a_keys[in_a]),
            2 * n_pairs + n_both + np.searchsorted(both, b_keys[in_b]),
        ]
    )
    ones = np.ones(len(pair))
    value = np.concatenate([ones, (la == lb).astype(np.float64), ones[in_a], ones[in_b]])
    columns = np.concatenate([task, task, task[in_a], task[in_b]])
    sums = sparse.csr_matrix((value, (stat, columns)), shape=(2 * n_pairs + 2 * n_both, a.n_tasks))
    of_pair = sparse.csr_matrix(
        (np.ones(n_both), (both // max(k, 1), np.arange(n_both))), shape=(n_pairs, n_both)
    )

    def kappa(totals: FloatArray) -> FloatArray:  # totals: (n_stats, replicates) -> (replicates, P)
        if n_pairs == 0:
            return np.zeros((totals.shape[1], 0))
        n, agree = totals[:n_pairs].T, totals[n_pairs : 2 * n_pairs].T
        ma, mb = totals[2 * n_pairs : 2 * n_pairs + n_both], totals[2 * n_pairs + n_both :]
        with np.errstate(divide="ignore", invalid="ignore"):
            pe = np.asarray(of_pair @ (ma * mb)).T / (n * n)  # integer sums: exact, as the dense sum was
            kappa = (agree / n - pe) / (1.0 - pe)
            return np.where(np.isfinite(kappa), kappa, np.nan)

    point = kappa(np.asarray(sums.sum(1), dtype=np.float64))[0]
    pairs = PairwiseKappa(
        worker_a=(keys[keep] // w).astype(np.intp),
        worker_b=(keys[keep] % w).astype(np.intp),
        n_shared=n_shared[keep].astype(np.intp),
        kappa=point,
    )
    mean = nan_mean(point)
    if n_pairs == 0 or n_bootstrap == 0:
        return pairs, float(mean[0]), (float("nan"), float("nan"))
    # Only tasks that some scored pair shares move the statistics. Resampling all n labelled tasks
    # and keeping those is exactly: Binomial(n, |S|/n) draws land in S, uniformly over S.
    n_labelled = int((a.labels_per_task() > 0).sum())
    relevant = np.unique(task)
    # the draws go to tasks in the order of their name keys, not of their codes: the same replicates
    # whatever the order of the file's rows (``core.keyed``)
    relevant = relevant[np.argsort(name_keys(a.tasks, 0)[relevant], kind="stable")]
    sums = sums[:, relevant].tocsr()
    # the block size of the dense (2 + 2K) * P statistics: the same blocks draw the same replicates
    block = max(1, 4_000_000 // max(len(relevant), (2 + 2 * k) * n_pairs))
    reps = []
    for done in range(0, n_bootstrap, block):
        size = min(block, n_bootstrap - done)
        hits = rng.binomial(n_labelled, len(relevant) / n_labelled, size=size)
        weights = np.stack(
            [np.bincount(rng.integers(0, len(relevant), h), minlength=len(relevant)) for h in hits]
        )
        reps.append(nan_mean(kappa(np.asarray(sums @ weights.T.astype(np.float64)))))
    return pairs, float(mean[0]), percentile_interval(np.concatenate(reps), confidence=confidence)


def nan_mean(values: FloatArray) -> FloatArray:
    """Row means over finite entries, shape (rows,); NaN for a row with none (no warning)."""
    values = np.atleast_2d(values)
    finite = np.isfinite(values)
    count = finite.sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 0, np.where(finite, values, 0.0).sum(1) / count, np.nan)
