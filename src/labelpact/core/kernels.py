"""Vectorised building blocks shared by the truth-inference methods.

The central object is the sparse count matrix ``X`` of shape (n_tasks, n_workers * n_classes):
``X[t, w * K + l]`` counts how often worker ``w`` gave task ``t`` the class ``l``. One E-step of a
confusion-matrix model is then one sparse product ``X @ log_confusions`` and one M-step is
``X.T @ posteriors``: two passes over the annotations, no Python loop and no join.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray

__all__ = [
    "CountMatrix",
    "Triples",
    "clamp_gold",
    "count_matrix",
    "gold_mask",
    "group_sum",
    "label_frequencies",
    "normalize_log_posteriors",
    "normalize_shifted",
    "safe_log",
    "task_label_matrix",
    "triples",
    "vote_counts",
]

TINY = 1e-300  # keeps log() finite; any probability this small is zero for every decision we make


@dataclass(frozen=True, slots=True)
class CountMatrix:
    """Annotations as sparse counts: ``by_task`` (n_tasks, n_workers * n_classes), CSR.

    The E-step is ``by_task @ dense`` (row-major pass, output rows contiguous); the M-step is
    ``by_task.T @ dense``, which scipy runs over the same arrays as a CSC product that scatters into
    the small (n_workers * K, ...) output, cache-resident, so no transposed copy is ever built.
    ``given`` (n_workers, K) counts the labels each worker gave per class.
    """

    by_task: Any  # scipy.sparse.csr_matrix (n_tasks, n_workers * n_classes)
    given: FloatArray  # (n_workers, n_classes)
    n_tasks: int
    n_workers: int
    n_classes: int

    def e_step_scores(self, log_confusions: FloatArray) -> FloatArray:
        """Sum over each task's labels of ``log_confusions[w, :, l]``: shape (n_tasks, K).

        ``log_confusions`` is (n_workers, K_true, K_observed); extra trailing true-class axes (subtypes)
        are allowed as (n_workers, K_true, M, K_observed) and give (n_tasks, K_true * M).
        """
        w, k = self.n_workers, self.n_classes
        moved = np.moveaxis(log_confusions, -1, 1)  # (W, K_obs, K_true, ...)
        width = int(np.prod(log_confusions.shape[1:-1]))
        dense = np.ascontiguousarray(moved.reshape(w * k, width))
        return np.asarray(self.by_task @ dense)

    def m_step_counts(self, posteriors: FloatArray) -> FloatArray:
        """Expected counts ``[w, true, observed]`` from task posteriors (n_tasks, K_true[*M])."""
        w, k = self.n_workers, self.n_classes
        counts = np.asarray(self.by_task.T @ posteriors)  # (W * K_obs, K_true[*M])
        return np.ascontiguousarray(np.moveaxis(counts.reshape(w, k, posteriors.shape[1]), 1, -1))


def count_matrix(a: Annotations) -> CountMatrix:
    """Build the task-by-(worker, class) count matrix (duplicates summed) in one O(n) pass."""
    k = max(a.n_classes, 1)
    shape = (a.n_tasks, a.n_workers * k)
    data = np.ones(a.n_annotations, dtype=np.float64)
    column = a.worker * k + a.label
    by_task = sp.coo_matrix((data, (a.task, column)), shape=shape).tocsr()  # sums duplicates
    given = np.bincount(column, minlength=a.n_workers * k).reshape(a.n_workers, k).astype(np.float64)
    return CountMatrix(by_task, given, a.n_tasks, a.n_workers, k)


def task_label_matrix(counts: CountMatrix) -> Any:
    """CSR (n_tasks * K, n_workers * K): entry (t * K + l, w * K + l) counts worker w giving task t class l.

    With it, a sum over each task's labels of a per-(worker, class) value lands directly in the
    column of the class given (one sparse mat-vec), and its transpose gathers, per (worker, class),
    the posterior of the class the worker chose (the M-step of one-parameter-per-label models).
    """
    x = counts.by_task
    k = counts.n_classes
    task = np.repeat(np.arange(counts.n_tasks, dtype=np.intp), np.diff(x.indptr))
    column = x.indices.astype(np.intp)
    rows = task * k + column % k
    shape = (counts.n_tasks * k, counts.n_workers * k)
    return sp.csr_matrix((x.data, (rows, column)), shape=shape)


def vote_counts(a: Annotations, weights: FloatArray | None = None) -> FloatArray:
    """(Weighted) votes per task and class, shape (n_tasks, n_classes)."""
    flat = np.bincount(a.task * a.n_classes + a.label, weights=weights, minlength=a.n_tasks * a.n_classes)
    return flat.reshape(a.n_tasks, a.n_classes).astype(np.float64)


def label_frequencies(a: Annotations) -> FloatArray:
    """Share of each class among all labels, shape (n_classes,); uniform when there are none."""
    counts = np.bincount(a.label, minlength=a.n_classes).astype(np.float64)
    total = counts.sum()
    return counts / total if total > 0 else np.full(a.n_classes, 1.0 / max(a.n_classes, 1))


def safe_log(x: FloatArray) -> FloatArray:
    """``log(x)`` with zeros mapped to a large finite negative number instead of -inf."""
    return np.log(np.maximum(x, TINY))


def normalize_log_posteriors(
    log_post: FloatArray, shift: FloatArray | None = None, out: FloatArray | None = None
) -> tuple[FloatArray, float, FloatArray]:
    """Posteriors (n_tasks, K) from unnormalised log scores, the total log evidence, and each row's log normaliser.

    Overwrites ``log_post`` (callers pass a scratch array) and writes into ``out`` when given, so an
    EM loop allocates nothing. ``shift`` (n_tasks,) is a guess of each row's log normaliser (the
    previous iteration's): subtracting it instead of the row max avoids a slow small-axis reduction;
    rows where the guess is far off are redone with their own max.
    """
    if log_post.size == 0:
        return log_post, 0.0, np.zeros(len(log_post))
    shift = log_post.max(axis=1) if shift is None else shift.copy()
    log_post -= shift[:, None]
    return normalize_shifted(log_post, shift, out)


def gold_mask(gold: Gold | None, n_tasks: int) -> IntArray:
    """Gold class per task (n_tasks,), -1 where there is none."""
    return np.full(n_tasks, -1, dtype=np.intp) if gold is None else gold.as_dense(n_tasks)


def clamp_gold(posteriors: FloatArray, gold: Gold | None) -> FloatArray:
    """Posteriors with each gold task's row set to its known class (in place, returned for chaining)."""
    if gold is not None and len(gold):
        posteriors[gold.task] = 0.0
        posteriors[gold.task, gold.label] = 1.0
    return posteriors


@dataclass(frozen=True, slots=True)
class Triples:
    """Distinct (task, worker, label) triples with their multiplicity, sorted by task: shape (n_unique,) each.

    Methods whose per-label terms depend on the task (GLAD) work over these instead of raw rows, so
    a worker repeating a label costs one weighted term, not many.
    """

    task: IntArray
    worker: IntArray
    label: IntArray
    count: FloatArray
    worker_label: IntArray  # worker * K + label
    task_label: IntArray  # task * K + label


def triples(counts: CountMatrix) -> Triples:
    """Unpack the count matrix into its distinct triples (already grouped by task)."""
    x = counts.by_task
    k = counts.n_classes
    task = np.repeat(np.arange(counts.n_tasks, dtype=np.intp), np.diff(x.indptr))
    column = x.indices.astype(np.intp)
    worker, label = np.divmod(column, k)
    return Triples(task, worker, label, np.asarray(x.data, dtype=np.float64), column, task * k + label)


def group_sum(index: IntArray, weights: FloatArray, size: int) -> FloatArray:
    """Sum of ``weights`` per value of ``index``, shape (size,): the one scatter-add every kernel uses."""
    result: FloatArray = np.bincount(index, weights=weights, minlength=size).astype(np.float64, copy=False)
    return result


def normalize_shifted(
    shifted: FloatArray, shift: FloatArray | None, out: FloatArray | None = None
) -> tuple[FloatArray, float, FloatArray]:
    """Posteriors (n, K) from log scores already less ``shift`` (n,) per row, the log evidence, and each row's
    log normaliser (``normalize_log_posteriors`` for callers that folded the shift into the scores).

    ``shift`` None: the scores are unshifted and each row's max is subtracted here. Overwrites
    ``shifted``; writes into ``out`` when given. Rows whose shift was far off are redone with their max.
    """
    if shift is None:
        shift = shifted.max(axis=1) if shifted.size else np.zeros(len(shifted))
        shifted -= shift[:, None]
    else:
        shift = shift.copy()
    if shifted.size == 0:
        return shifted, 0.0, np.zeros(len(shifted))
    with np.errstate(over="ignore", under="ignore"):  # rows that over- or underflow are redone below
        posteriors = np.exp(shifted, out=out)
    total = np.einsum("ij->i", posteriors)
    bad = ~((total > 1e-200) & (total < 1e200))
    if bad.any():
        rows = shifted[bad]
        row_max = rows.max(axis=1)
        exact = np.exp(rows - row_max[:, None])
        posteriors[bad] = exact
        total[bad] = exact.sum(axis=1)
        shift[bad] += row_max
    posteriors /= total[:, None]
    log_norm: FloatArray = np.log(total) + shift
    return posteriors, float(log_norm.sum()), log_norm
