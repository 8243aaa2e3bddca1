"""Copy detection: pairs of workers who agree far more often than their skills explain.

Under the Dawid–Skene model two honest workers answer independently given the true class, so on a
shared task they agree with probability ``p = sum_z q(z) sum_l A_a[z, l] A_b[z, l]``, where ``q`` is
the posterior of the true class from the *other* workers' labels and ``A_a`` is worker a's confusion
matrix with its shared tasks judged without its partner's label (so a copier cannot vouch for its
source, nor the source for its copier). Copiers also agree on their errors, so their agreement count
exceeds the sum of those probabilities. That Poisson-binomial count is tested with the binomial tail
at its mean rate, which is never smaller (Hoeffding 1956, Ann. Math. Statist. 27, Thm 4); with 30
or more pairs the p-value is the larger of that and the tail under the empirical null of all pairs'
z-scores (Efron 2004), which absorbs the extra agreement hard tasks give every pair on real data.
p-values are adjusted over pairs with Benjamini–Hochberg (1995). Co-labels come from one vectorised
pass (``worker_pairs.co_labels``), never a loop over pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.special import ndtr
from scipy.stats import binom

from labelpact.core.aggregators.base import used_columns
from labelpact.core.annotations import Annotations, FloatArray, IntArray
from labelpact.core.intervals import benjamini_hochberg
from labelpact.core.worker_pairs import co_labels

__all__ = [
    "CopyTests",
    "confusion_counts",
    "copy_tests",
    "label_matrix",
    "shrunk_confusions",
    "task_log_likelihood",
]

LOG_FLOOR = 1e-12
_BLOCK = 1 << 22  # floats per block of count products
_SHRINK = 1.0  # pseudo-labels per confusion row drawn towards the crowd's row (empirical Bayes)


@dataclass(frozen=True, slots=True)
class CopyTests:
    """One row per tested worker pair (``n_shared >= min_shared``), arrays of shape (n_pairs,).

    ``observed`` counts shared tasks with the same label, ``expected`` its mean under independence;
    ``z`` is the standardised excess (continuity-corrected, for display), ``p_value`` the one-sided
    binomial tail, ``q_value`` its Benjamini–Hochberg adjustment; ``flagged`` marks likely copying.
    """

    worker_a: IntArray
    worker_b: IntArray
    n_shared: IntArray
    observed: IntArray
    expected: FloatArray
    z: FloatArray
    p_value: FloatArray
    q_value: FloatArray
    flagged: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.worker_a)

    def rows(self, workers: tuple[str, ...], *, only_flagged: bool = True) -> list[dict[str, Any]]:
        """JSON-ready rows, most significant first."""
        index = np.flatnonzero(self.flagged) if only_flagged else np.arange(len(self))
        index = index[np.lexsort((-self.z[index], self.p_value[index]))]
        return [
            {
                "worker_a": workers[self.worker_a[i]],
                "worker_b": workers[self.worker_b[i]],
                "n_shared": int(self.n_shared[i]),
                "observed_agreement": float(self.observed[i] / self.n_shared[i]),
                "expected_agreement": float(self.expected[i] / self.n_shared[i]),
                "z": float(self.z[i]),
                "p_value": float(self.p_value[i]),
                "q_value": float(self.q_value[i]),
                "flagged": bool(self.flagged[i]),
            }
            for i in index
        ]


def label_matrix(a: Annotations) -> sparse.csr_matrix:
    """Sparse (n_workers * K, n_tasks) count of each (worker, label) cell on each task.

    One product with it is one pass over the annotations: ``M @ posterior`` gives confusion counts,
    ``M.T @ log_confusions`` each task's log-likelihood (the CSR form of Dawid–Skene's EM).
    """
    cells = a.worker * a.n_classes + a.label
    shape = (a.n_workers * a.n_classes, a.n_tasks)
    return sparse.csr_matrix((np.ones(len(cells)), (cells, a.task)), shape=shape)


def confusion_counts(
    a: Annotations, reference: FloatArray, *, matrix: sparse.csr_matrix | None = None
) -> FloatArray:
    """Soft label counts (n_workers, K, K) indexed [worker, reference class, observed class].

    ``reference`` (n_tasks, K) weighs each label by its task's distribution over the true class;
    ``matrix`` is ``label_matrix(a)`` when the caller already has it.
    """
    m = label_matrix(a) if matrix is None else matrix
    counts = np.asarray(m @ reference).reshape(a.n_workers, a.n_classes, a.n_classes)  # [w, observed, true]
    return np.ascontiguousarray(counts.transpose(0, 2, 1))


def task_log_likelihood(
    a: Annotations, log_confusions: FloatArray, *, matrix: sparse.csr_matrix | None = None
) -> FloatArray:
    """Sum over each task's labels of log P(label | true class), shape (n_tasks, K)."""
    m = label_matrix(a) if matrix is None else matrix
    table = log_confusions.transpose(0, 2, 1).reshape(a.n_workers * a.n_classes, a.n_classes)  # [(w, l), z]
    return np.asarray(m.T @ table)


def shrunk_confusions(counts: FloatArray, *, crowd_counts: FloatArray | None = None) -> FloatArray:
    """Row-stochastic confusions from counts (..., K, K), each row drawn towards the crowd's row.

    ``_SHRINK`` pseudo-labels of the crowd's confusion (from ``crowd_counts``, default the sum of
    ``counts`` over its first axis) keep a worker with few labels near the crowd, not near chance.
    """
    k = counts.shape[-1]
    crowd = (counts.sum(0) if crowd_counts is None else crowd_counts) + 1.0 / k
    crowd = crowd / crowd.sum(1, keepdims=True)
    rows = np.maximum(counts, 0.0) + _SHRINK * crowd
    return np.asarray(rows / rows.sum(-1, keepdims=True), dtype=np.float64)


def copy_tests(
    a: Annotations,
    posterior: FloatArray,
    *,
    min_shared: int = 20,
    fdr: float = 0.05,
    min_excess: float = 0.1,
) -> CopyTests:
    """Test every worker pair sharing at least ``min_shared`` tasks for agreement beyond independence.

    ``posterior`` (n_tasks, K) is the truth as the aggregator (or gold) sees it. Each pair is judged
    with confusions estimated on the tasks its two workers did *not* share, so copied answers
    cannot make copiers look skilled. A pair is flagged when its q-value is at most ``fdr`` and it
    agrees on at least ``min_excess`` more of its shared tasks than expected.
    """
    co = co_labels(a)
    w = max(a.n_workers, 1)
    keys, pair, n_shared = np.unique(co.worker_a * w + co.worker_b, return_inverse=True, return_counts=True)
    keep = n_shared >= min_shared
    rows = keep[pair]
    pair = (np.cumsum(keep) - 1)[pair[rows]]
    task, wa, wb = co.task[rows], co.worker_a[rows], co.worker_b[rows]
    la, lb = co.label_a[rows], co.label_b[rows]
    n_pairs = int(keep.sum())
    worker_a, worker_b = (keys[keep] // w).astype(np.intp), (keys[keep] % w).astype(np.intp)

    first = a.one_per_pair()
    cells = _CellConfusions.fit(first, posterior)
    priors = posterior.sum(0) + 1.0
    log_post = np.log(priors / priors.sum()) + cells.task_log_likelihood(first)
    at_a, at_b = cells.find(wa, la), cells.find(wb, lb)
    # leave the pair out: the truth as the other workers on the task see it
    log_q = log_post[task] - cells.log_conf[at_a] - cells.log_conf[at_b]
    q = np.exp(log_q - log_q.max(axis=1, keepdims=True))
    q /= q.sum(axis=1, keepdims=True)
    # On shared tasks, judge each worker against the truth as everyone but its partner sees it: the
    # others' view times its own label's likelihood. Dropping its own label too would drag every
    # accuracy towards chance; keeping the partner's would let a copier vouch for its source.
    shift_a = posterior[task] - normalised_rows(q * cells.conf[at_a])
    shift_b = posterior[task] - normalised_rows(q * cells.conf[at_b])
    same_given_truth = cells.agreement_without_shared(
        pair, la, lb, shift_a, shift_b, worker_a, worker_b
    )  # (pairs, K)
    p = np.einsum("ez,ez->e", q, same_given_truth[pair])

    n = n_shared[keep].astype(np.intp)
    observed = np.bincount(pair, (la == lb).astype(np.float64), minlength=n_pairs).round().astype(np.intp)
    expected, z_score, p_value = _excess_agreement(observed, n, pair, p)
    q_value = benjamini_hochberg(p_value)
    flagged = (q_value <= fdr) & ((observed - expected) / np.maximum(n, 1) >= min_excess)
    return CopyTests(
        worker_a=worker_a,
        worker_b=worker_b,
        n_shared=n,
        observed=observed,
        expected=expected,
        z=z_score,
        p_value=np.asarray(p_value, dtype=np.float64),
        q_value=q_value,
        flagged=flagged,
    )


@dataclass(frozen=True, slots=True)
class _CellConfusions:
    """``shrunk_confusions(confusion_counts(first, posterior))`` kept only at the (worker, label) cells used.

    ``cells`` (n_cells,) holds the sorted codes ``worker * K + label``; ``counts``, ``conf`` and
    ``log_conf`` (n_cells, K) the column ``[w, :, l]`` of the counts, the confusions and their floored
    log; ``crowd`` (K, K) is the crowd's shrinkage target and ``row_sums`` (n_workers, K) the rows'
    totals before normalising (counts plus one pseudo-label). Memory follows labels, not workers x K^2.
    """

    cells: IntArray
    counts: FloatArray
    conf: FloatArray
    log_conf: FloatArray
    crowd: FloatArray
    row_sums: FloatArray
    n_workers: int
    n_classes: int

    @classmethod
    def fit(cls, first: Annotations, posterior: FloatArray) -> _CellConfusions:
        """Soft counts of ``first`` (one label per task and worker) against ``posterior`` (n_tasks, K), shrunk."""
        k, w = first.n_classes, first.n_workers
        cells, cell_of = used_columns(first.worker * k + first.label, w * k)
        label = cells % k
        counts = np.asarray(_gather(cell_of, len(cells), first.task, first.n_tasks) @ posterior)
        by_worker = _gather(cells // k, w, np.arange(len(cells)), len(cells))
        crowd = np.asarray(_gather(label, k, np.arange(len(cells)), len(cells)) @ counts).T + 1.0 / k
        crowd = crowd / crowd.sum(1, keepdims=True)
        row_sums = np.asarray(by_worker @ counts) + _SHRINK
        conf = (counts + _SHRINK * crowd[:, label].T) / row_sums[cells // k]
        log_conf = np.log(np.maximum(conf, LOG_FLOOR))
        return cls(cells, counts, conf, log_conf, crowd, row_sums, w, k)

    def find(self, worker: IntArray, label: IntArray) -> IntArray:
        """Row of each (worker, label) cell in ``cells`` (every one must be there)."""
        return np.searchsorted(self.cells, worker * self.n_classes + label).astype(np.intp)

    def task_log_likelihood(self, first: Annotations) -> FloatArray:
        """``task_log_likelihood(first, log(confusions))`` (n_tasks, K) from the used cells only."""
        at = self.find(first.worker, first.label)
        return np.asarray(_gather(first.task, first.n_tasks, at, len(self.cells)) @ self.log_conf)

    def agreement_without_shared(
        self,
        pair: IntArray,
        la: IntArray,
        lb: IntArray,
        shift_a: FloatArray,
        shift_b: FloatArray,
        worker_a: IntArray,
        worker_b: IntArray,
    ) -> FloatArray:
        """``sum_l A_a[z, l] A_b[z, l]`` (n_pairs, K), ``A_x`` worker x's shrunk confusions with its counts less
        the ``shift`` rows (entries, K) summed per (pair, label), computed without any (pairs, K, K) array.

        ``sum_l (D_a + c)(D_b + c) / (r_a r_b)`` splits into labels a pair's entries touch (``U``, summed
        directly), labels both workers used outside ``U`` (products of counts), and per-worker sums.
        """
        k, n_pairs = self.n_classes, len(worker_a)
        touched, at = used_columns(np.concatenate([pair * k + la, pair * k + lb]), n_pairs * k)
        u_pair, u_label = touched // k, touched % k
        n_entries = len(pair)
        gather_u = _gather(at[:n_entries], len(touched), np.arange(n_entries), n_entries)
        d_a, less_a = self._reduced(worker_a[u_pair], u_label, np.asarray(gather_u @ shift_a))
        gather_u = _gather(at[n_entries:], len(touched), np.arange(n_entries), n_entries)
        d_b, less_b = self._reduced(worker_b[u_pair], u_label, np.asarray(gather_u @ shift_b))
        crowd_u = self.crowd[:, u_label].T
        per_pair = _gather(u_pair, n_pairs, np.arange(len(touched)), len(touched))
        label = self.cells % k
        by_worker = _gather(self.cells // k, self.n_workers, np.arange(len(self.cells)), len(self.cells))
        with_crowd = np.asarray(by_worker @ (self.counts * self.crowd[:, label].T))  # (n_workers, K)
        numerator = np.asarray(per_pair @ (d_a * d_b + (less_a + less_b) * crowd_u))
        numerator += self._common_products(worker_a, worker_b, touched)
        numerator += with_crowd[worker_a] + with_crowd[worker_b] + (self.crowd**2).sum(1)
        rows_a = self.row_sums[worker_a] + np.asarray(per_pair @ less_a)
        rows_b = self.row_sums[worker_b] + np.asarray(per_pair @ less_b)
        return np.asarray(numerator / (rows_a * rows_b), dtype=np.float64)

    def _reduced(
        self, worker: IntArray, label: IntArray, shared: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Counts less ``shared`` (n, K), floored at 0, at cells (worker, label) that may be unused, and the
        change from the plain counts."""
        code = worker * self.n_classes + label
        at = np.minimum(np.searchsorted(self.cells, code), len(self.cells) - 1)
        counts = np.where((self.cells[at] == code)[:, None], self.counts[at], 0.0)
        reduced = np.maximum(counts - shared, 0.0)
        return reduced, reduced - counts

    def _common_products(self, worker_a: IntArray, worker_b: IntArray, touched: IntArray) -> FloatArray:
        """``sum_l counts[a, :, l] * counts[b, :, l]`` (n_pairs, K) over labels both used, less ``touched``."""
        k, n_pairs = self.n_classes, len(worker_a)
        start = np.searchsorted(self.cells, np.arange(self.n_workers + 1) * k)
        size = np.diff(start)[worker_a]
        pair = np.repeat(np.arange(n_pairs), size)
        offset = np.arange(len(pair)) - np.repeat(np.cumsum(size) - size, size)
        at_a = start[worker_a][pair] + offset
        label = self.cells[at_a] % k
        code_b = worker_b[pair] * k + label
        at_b = np.minimum(np.searchsorted(self.cells, code_b), max(len(self.cells) - 1, 0))
        keep = self.cells[at_b] == code_b
        code_u = pair * k + label
        at_u = np.minimum(np.searchsorted(touched, code_u), max(len(touched) - 1, 0))
        keep &= touched[at_u] != code_u
        pair, at_a, at_b = pair[keep], at_a[keep], at_b[keep]
        out = np.zeros((n_pairs, k))
        step = max(_BLOCK // max(k, 1), 1)
        for begin in range(0, len(pair), step):  # blocks of (pair, label) products, bounded memory
            end = begin + step
            product = self.counts[at_a[begin:end]] * self.counts[at_b[begin:end]]
            out += _gather(pair[begin:end], n_pairs, np.arange(len(product)), len(product)) @ product
        return out


def _gather(row: IntArray, n_rows: int, column: IntArray, n_columns: int) -> sparse.csr_matrix:
    """Sparse (n_rows, n_columns) 0/1 matrix with ones at (row[i], column[i]): a product with it sums rows
    of a dense array into groups."""
    return sparse.csr_matrix((np.ones(len(row)), (row, column)), shape=(n_rows, n_columns))


def _excess_agreement(
    observed: IntArray, n: IntArray, pair: IntArray, p: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Expected agreements, z-scores and p-values (n_pairs,) of ``observed`` agreements on ``n`` shared tasks,
    ``p`` (n_entries,) each shared task's chance of agreement for pair ``pair`` (n_entries,) if independent."""
    n_pairs = len(observed)
    expected = np.asarray(np.bincount(pair, p, minlength=n_pairs), dtype=np.float64)
    variance = np.bincount(pair, p * (1.0 - p), minlength=n_pairs)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_score = np.where(variance > 0, (observed - expected - 0.5) / np.sqrt(variance), 0.0)
        rate = np.clip(expected / n, 0.0, 1.0)
    p_value = np.where(observed >= expected + 1.0, binom.sf(observed - 1, n, rate), 1.0)
    centre, scale = empirical_null(z_score)
    p_value = np.clip(np.maximum(p_value, ndtr(-(z_score - centre) / scale)), 0.0, 1.0)
    return expected, z_score, np.asarray(p_value, dtype=np.float64)


def normalised_rows(rows: FloatArray) -> FloatArray:
    """Rows scaled to sum to 1, shape kept."""
    return np.asarray(rows / rows.sum(axis=1, keepdims=True), dtype=np.float64)


def empirical_null(z: FloatArray, *, min_pairs: int = 30) -> tuple[float, float]:
    """Centre and scale of the z-scores of the bulk of pairs, never below (0, 1) (Efron 2004, JASA 99).

    Real crowds share hard tasks, so honest workers' errors correlate and every pair agrees a little
    more than the model says; judging each pair against the spread of all pairs (median and MAD,
    robust to a minority of copiers) keeps that from flagging the whole crowd.
    """
    if len(z) < min_pairs:
        return 0.0, 1.0
    centre = float(np.median(z))
    scale = 1.4826 * float(np.median(np.abs(z - centre)))
    return max(centre, 0.0), max(scale, 1.0)
