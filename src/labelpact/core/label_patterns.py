"""Distinct label-count patterns of tasks and the sums every agreement coefficient is built from.

A task's labels are a count per class; tasks with the same counts form one pattern, and Krippendorff's
alpha (every level), Fleiss' kappa, Gwet's AC1, percent agreement and the per-class figures are sums over
patterns of per-pattern statistics weighted by how many tasks show each. Patterns are kept as a sparse
(n_patterns, n_classes) matrix and no statistic is indexed by a pair of classes, so a bootstrap replicate
costs O(nnz + n_classes) (nnz: non-zero pattern counts), not O(n_patterns * n_classes ** 2): with 150+
classes nearly every task is its own pattern. The coincidence matrix of Krippendorff (2011) is never
built: its row sums, diagonal and off-diagonal sums, and (for the interval and ordinal metrics, which are
squared differences of class positions) each pattern's spread of those positions are all alpha needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import sparse

from labelpact.core.annotations import Annotations, FloatArray

__all__ = ["PatternSums", "coefficients", "count_patterns", "label_patterns", "pattern_sums"]

Level: TypeAlias = Literal["nominal", "ordinal", "interval"]
Int64Array: TypeAlias = npt.NDArray[np.int64]
CELLS = 2_000_000  # floats per working block of the ordinal observed disagreement


def label_patterns(a: Annotations) -> tuple[Any, Int64Array]:
    """The distinct label counts of the labelled tasks of ``a`` as a CSR matrix (n_patterns, n_classes) and
    how many tasks show each (n_patterns,), in ``count_patterns``' order (the bootstrap's draws depend on it)."""
    counts = sparse.csr_matrix(
        (np.ones(len(a.task)), (a.task, a.label)), shape=(a.n_tasks, a.n_classes), dtype=np.float64
    )
    counts.sum_duplicates()
    return distinct_rows(counts[np.diff(counts.indptr) > 0])


def count_patterns(counts: FloatArray) -> tuple[Int64Array, Int64Array]:
    """Distinct per-task count vectors (n_patterns, n_classes) and how many tasks have each."""
    rows, sizes = distinct_rows(sparse.csr_matrix(np.asarray(counts, dtype=np.float64)))
    return np.asarray(rows.toarray(), dtype=np.int64).reshape(-1, np.shape(counts)[1]), sizes


def distinct_rows(counts: Any) -> tuple[Any, Int64Array]:
    """Distinct rows of a CSR count matrix (n, K) and their multiplicities, ordered as the packed dense key
    (last class most significant) where K * log2(max + 1) < 62, else lexicographically (first class first)."""
    counts = sparse.csr_matrix(counts, dtype=np.int64)
    counts.sum_duplicates()
    n, k = counts.shape
    if n == 0:
        return sparse.csr_matrix((0, k), dtype=np.int64), np.zeros(0, dtype=np.int64)
    base = int(counts.data.max(initial=0)) + 1
    if k * np.log2(base) < 62:  # pack each row into one integer: the order the dense key gives
        key = counts @ (base ** np.arange(k, dtype=np.int64))
        _, first, sizes = np.unique(key, return_index=True, return_counts=True)
        return counts[first], sizes.astype(np.int64)
    order, starts = _lexicographic_groups(counts, base)
    return counts[order[starts]], np.diff(np.append(starts, n)).astype(np.int64)


def _lexicographic_groups(counts: Any, base: int) -> tuple[Any, Any]:
    """Row order sorting the dense rows lexicographically, and where each run of equal rows starts.

    Each non-zero (class c, count) becomes (K - c) * base + count; a row's codes in class order, padded with
    0, compare as the dense rows do (an earlier non-zero class makes a row larger, a missing one smaller), so
    the sort takes (n, most non-zeros in a row) keys, not (n, K).
    """
    n, k = counts.shape
    per_row = np.diff(counts.indptr)
    row = np.repeat(np.arange(n), per_row)
    slot = np.arange(counts.nnz) - counts.indptr[row]
    codes = np.zeros((n, int(per_row.max(initial=0))), dtype=np.int64)
    codes[row, slot] = (k - counts.indices.astype(np.int64)) * base + counts.data
    order = np.lexsort(codes.T[::-1])
    ordered = codes[order]
    new = np.ones(n, dtype=bool)
    new[1:] = (ordered[1:] != ordered[:-1]).any(1)
    return order, np.flatnonzero(new)


@dataclass(frozen=True, slots=True)
class PatternSums:
    """Per-pattern statistics, summed by ``totals`` under pattern weights (replicates, n_patterns).

    ``per_class`` (P, 4K) sparse: pairable values n_c (on tasks with two or more labels), off-diagonal
    coincidences n_c (m - n_c) / (m - 1), diagonal ones n_c (n_c - 1) / (m - 1), proportions n_c / m.
    ``scalars`` (P, 4): share of agreeing pairs, pairable, 1 (labelled), interval observed disagreement.
    ``counts`` (P or 2P mirrored, K) and ``spread_weight`` feed the ordinal observed disagreement, whose
    class positions depend on each replicate's marginals.
    """

    per_class: Any
    scalars: FloatArray
    counts: Any
    spread_weight: FloatArray
    reference: npt.NDArray[np.intp]
    n_classes: int
    mirrored: bool

    def totals(self, weights: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Weighted sums (replicates, 4K) and (replicates, 4) of the per-pattern statistics."""
        return np.asarray((self.per_class.T @ weights.T).T), weights @ self.scalars

    def ordinal_observed(self, weights: FloatArray, ranks: FloatArray) -> FloatArray:
        """Observed ordinal disagreement per replicate (replicates,): the interval metric on the mid-ranks
        (replicates, K) u_c = C_c - n_c / 2 of each replicate's marginals (C cumulative), so
        sum_p w_p 2 (m sum_c n_c u_c^2 - (sum_c n_c u_c)^2) / (m - 1), in blocks of replicates."""
        if self.mirrored:
            weights = np.hstack([weights, weights])
        block = max(1, CELLS // max(self.counts.nnz, 1))
        out = [
            _spread(self.counts, self.reference, ranks[lo : lo + block].T) * self.spread_weight[:, None]
            for lo in range(0, len(ranks), block)
        ]
        spread = np.hstack(out) if out else np.zeros((self.counts.shape[0], 0))
        return np.asarray(np.einsum("bp,pb->b", weights, spread), dtype=np.float64)


def _spread(counts: Any, reference: npt.NDArray[np.intp], positions: FloatArray) -> FloatArray:
    """m * sum_c n_c d_c^2 - (sum_c n_c d_c)^2 per pattern and column of ``positions`` (K, b), d_c the
    position of c less that of the pattern's ``reference`` class (so a one-class pattern gives exactly 0)."""
    row = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    d = positions[counts.indices] - positions[reference[row]]
    member = sparse.csr_matrix(
        (np.ones(counts.nnz), np.arange(counts.nnz), counts.indptr), shape=(counts.shape[0], counts.nnz)
    )
    nd = counts.data[:, None] * d
    m = np.asarray(counts.sum(1), dtype=np.float64)
    first, second = member @ (nd * d), member @ nd
    return np.asarray(m * first - second * second)


def pattern_sums(patterns: Any, values: FloatArray, mirror: tuple[int, ...] | None = None) -> PatternSums:
    """The statistics of ``patterns`` (P, K), dense or sparse; with ``mirror`` each pattern counts half as
    given and half with its classes permuted by ``mirror`` (see ``agreement.agreement_of_patterns``)."""
    n = sparse.csr_matrix(patterns, dtype=np.float64)
    n.sum_duplicates()
    n.eliminate_zeros()
    n.sort_indices()
    per_class, scalars = _statistics(n, values)
    counts = n
    if mirror is not None:
        flipped = sparse.csr_matrix(n[:, list(mirror)])
        flipped.sort_indices()
        per_class_m, scalars_m = _statistics(flipped, values)
        per_class, scalars = (per_class + per_class_m) * 0.5, (scalars + scalars_m) / 2.0
        counts = sparse.csr_matrix(sparse.vstack([n, flipped]))
    m = np.asarray(counts.sum(1), dtype=np.float64).reshape(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(m >= 2, 2.0 / (m - 1.0), 0.0) * (0.5 if mirror is not None else 1.0)
    return PatternSums(
        sparse.csr_matrix(per_class),
        scalars,
        counts,
        weight,
        _first_class(counts),
        n.shape[1],
        mirror is not None,
    )


def _first_class(n: Any) -> npt.NDArray[np.intp]:
    """Each row's first non-zero class (0 for an empty row): the reference of ``_spread``."""
    first = np.zeros(n.shape[0], dtype=np.intp)
    filled = np.diff(n.indptr) > 0
    first[filled] = n.indices[n.indptr[:-1][filled]]
    return first


def _statistics(n: Any, values: FloatArray) -> tuple[Any, FloatArray]:
    """``PatternSums.per_class`` and ``scalars`` of one orientation of the patterns ``n`` (CSR, sorted)."""
    k = n.shape[1]
    m = np.asarray(n.sum(1), dtype=np.float64).reshape(-1)
    pair = m >= 2
    row = np.repeat(np.arange(n.shape[0]), np.diff(n.indptr))
    x, mr = n.data, m[row]
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(pair, 1.0 / (m - 1.0), 0.0)[row]
        share = np.where(pair, (n.multiply(n) - n).sum(1).A1 / (m * (m - 1.0)), 0.0)
        props = np.where(mr > 0, x / mr, 0.0)
    blocks = [pair[row] * x, x * (mr - x) * inv, x * (x - 1.0) * inv, props]
    per_class = sparse.csr_matrix(
        (np.concatenate(blocks), (np.tile(row, 4), np.concatenate([n.indices + j * k for j in range(4)]))),
        shape=(n.shape[0], 4 * k),
    )
    spread = _spread(n, _first_class(n), values[:, None]).reshape(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        interval = np.where(pair, 2.0 * spread / (m - 1.0), 0.0)
    scalars = np.column_stack([share, pair.astype(np.float64), np.ones(n.shape[0]), interval])
    return per_class, scalars


def coefficients(
    sums: PatternSums, weights: FloatArray, level: Level, values: FloatArray
) -> dict[str, FloatArray]:
    """Every coefficient under pattern ``weights`` (replicates, n_patterns), vectorised over replicates."""
    weights = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    k = sums.n_classes
    per_class, scalars = sums.totals(weights)
    marg, off, diag, props = (per_class[:, j * k : (j + 1) * k] for j in range(4))
    share, pairable, labelled, interval = scalars.T
    n = marg.sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if level == "nominal":
            observed, expected = off.sum(1), (marg * (n[:, None] - marg)).sum(1)
        elif level == "interval":
            observed, expected = interval, _expected(marg, np.broadcast_to(values, marg.shape))
        else:
            ranks = np.cumsum(marg, axis=1) - marg / 2.0
            observed, expected = sums.ordinal_observed(weights, ranks), _expected(marg, ranks)
        alpha = 1.0 - (n - 1.0) * observed / expected
        pa = share / pairable
        pi = props / labelled[:, None]
        pe_fleiss = (pi * pi).sum(1)
        pe_ac1 = (pi * (1.0 - pi)).sum(1) / max(k - 1, 1)
        fleiss = (pa - pe_fleiss) / (1.0 - pe_fleiss)
        ac1 = (pa - pe_ac1) / (1.0 - pe_ac1)
        class_alpha = 1.0 - (n[:, None] - 1.0) * off / (marg * (n[:, None] - marg))
        specific = diag / marg
    return {
        "alpha": _clean(alpha),
        "fleiss": _clean(fleiss),
        "ac1": _clean(ac1),
        "percent": _clean(pa),
        "class_alpha": _clean(class_alpha),
        "specific": _clean(specific),
    }


def _expected(marg: FloatArray, positions: FloatArray) -> FloatArray:
    """sum_ck n_c n_k (x_c - x_k)^2 = 2 (n sum n_c d_c^2 - (sum n_c d_c)^2), d from the modal class's x (one
    class present gives exactly 0, as the pairwise sum does), per replicate (rows of ``marg``, ``positions``)."""
    mode = np.argmax(marg, axis=1)
    d = positions - np.take_along_axis(positions, mode[:, None], axis=1)
    nd = marg * d
    return np.asarray(2.0 * (marg.sum(1) * (nd * d).sum(1) - nd.sum(1) ** 2))


def _clean(x: FloatArray) -> FloatArray:
    return np.where(np.isfinite(x), x, np.nan)
