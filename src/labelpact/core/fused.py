"""One EM iteration's pass over the labels for Dawid-Skene and MACE: E-step and M-step tables together.

The compiled kernels (``fused_kernels``, numba) read the count matrix's CSR arrays once per iteration: each
label's log-likelihood row is added to its task's scores, the task's posterior is normalised (log-sum-exp,
gold clamped) and scattered back into the label's per-worker table while it is still in cache, so the
annotations are read once, not twice, and no (n_tasks, K) temporary is made. Tasks are cut into parts of
about equal labels, one per thread (the kernels release the GIL), each into its own tables, summed in part
order: results agree with one thread's to rounding.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import FloatArray, IntArray
from labelpact.core.fused_kernels import ds_rows, mace_counts, mace_rows

__all__ = ["ds_pass", "mace_pass", "plain_tasks", "set_threads", "task_parts", "thread_count"]

MIN_LABELS_PER_PART = 200_000  # below this a thread's start costs more than its share of the pass
MAX_PART_TABLE_BYTES = 256 * 2**20  # per-part copies of the M-step tables beyond this: fewer parts
MAX_THREADS = 8

_SETTINGS: dict[str, Any] = {"threads": None, "pool": None, "key": None}


def set_threads(n: int | None) -> None:
    """Threads the EM passes may use (None: this process's CPUs, at most 8). Results agree to rounding
    whatever the number: each part's tables are summed in part order."""
    _SETTINGS["threads"] = n


def thread_count() -> int:
    """The configured threads, else this process's CPUs (its affinity where the OS says), at most ``MAX_THREADS``."""
    configured = _SETTINGS["threads"]
    if configured is not None:
        return max(1, int(configured))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(MAX_THREADS, cpus))


def task_parts(indptr: IntArray, table_cells: int) -> IntArray:
    """Task boundaries (n_parts + 1,) that cut the labels into parts of about equal size, one per thread,
    as many as the labels (``MIN_LABELS_PER_PART`` each) and per-part tables of ``table_cells`` allow."""
    n_tasks, nnz = len(indptr) - 1, int(indptr[-1])
    by_memory = MAX_PART_TABLE_BYTES // max(8 * table_cells, 1)
    parts = min(thread_count(), max(1, nnz // MIN_LABELS_PER_PART), max(1, by_memory))
    if parts <= 1 or n_tasks < 2:
        return np.array([0, n_tasks], dtype=np.intp)
    cuts = np.searchsorted(indptr, np.linspace(0, nnz, parts + 1)[1:-1]).astype(np.intp)
    return np.unique(np.concatenate([[0], np.clip(cuts, 0, n_tasks), [n_tasks]]))


def _run_parts(work: Callable[[int], float], n_parts: int) -> list[float]:
    """``work(i)`` for each part, on the thread pool when there are several (the kernels release the GIL)."""
    if n_parts == 1:
        return [work(0)]
    key = (os.getpid(), thread_count())  # a forked child inherits a pool without threads: it makes its own
    if _SETTINGS["key"] != key:
        old, old_key = _SETTINGS["pool"], _SETTINGS["key"]
        _SETTINGS.update(
            pool=ThreadPoolExecutor(max_workers=key[1], thread_name_prefix="labelpact-em"), key=key
        )
        if old is not None and old_key[0] == key[0]:  # this process's pool, of another size
            old.shutdown(wait=False)
    pool: ThreadPoolExecutor = _SETTINGS["pool"]
    return list(pool.map(work, range(n_parts)))


def ds_pass(
    by_task: Any,
    log_conf: FloatArray,
    log_prior: FloatArray,
    gold: IntArray,
    posteriors: FloatArray,
    *,
    plain: npt.NDArray[np.bool_] | None = None,
) -> tuple[float, FloatArray, FloatArray]:
    """One Dawid-Skene E-step into ``posteriors`` (n_tasks, K) and its M-step tables, in one pass.

    ``by_task``: CSR count matrix (n_tasks, W * K); ``log_conf`` (W * K, K) [worker * K + observed, true];
    ``gold`` (n_tasks,) class or -1, or (0,) for none; ``plain`` (n_tasks,): the tasks whose counts are
    all 1 (``plain_tasks``), whose counts the pass does not read. Returns the log evidence, the posterior sum (K,) and the expected counts
    (W * K, K) [worker * K + observed, true].
    """
    k = len(log_prior)
    cells = log_conf.shape[0] * k
    parts = task_parts(by_task.indptr, cells)
    n = len(parts) - 1
    expected = np.zeros((n, log_conf.shape[0], k))
    sums = np.zeros((n, k))
    data = np.asarray(by_task.data, dtype=np.float64)
    flags = np.empty(0, dtype=np.bool_) if plain is None else plain
    args = (by_task.indptr, by_task.indices, data, log_conf, log_prior, gold)

    def work(i: int) -> float:
        return float(ds_rows(*args, parts[i], parts[i + 1], posteriors, expected[i], sums[i], flags))

    evidence = _run_parts(work, n)
    for i in range(1, n):
        expected[0] += expected[i]
        sums[0] += sums[i]
    return float(sum(evidence)), sums[0], expected[0]


def plain_tasks(by_task: Any) -> npt.NDArray[np.bool_]:
    """Per task of a CSR count matrix, whether all its counts are 1 (no worker gave it one class twice),
    the common case: ``ds_pass`` then skips reading those counts, with the same sums."""
    plain = np.ones(by_task.shape[0], dtype=np.bool_)
    repeated = np.flatnonzero(by_task.data != 1)
    plain[np.searchsorted(by_task.indptr, repeated, side="right") - 1] = False
    return plain


def mace_pass(
    indptr: IntArray,
    position: IntArray,
    label_of: IntArray,
    data: FloatArray,
    value: FloatArray | None,
    gold: IntArray,
    posteriors: FloatArray,
) -> tuple[float, FloatArray]:
    """MACE's E-step into ``posteriors`` (n_tasks, K) with each used pair's posterior mass on the class it
    gave (n_used,), or (``value`` None) that mass alone from the given ``posteriors``; see ``mace_rows``."""
    parts = task_parts(indptr, len(label_of))
    n = len(parts) - 1
    chose_true = np.zeros((n, len(label_of)))

    def work(i: int) -> float:
        lo, hi = parts[i], parts[i + 1]
        if value is None:
            return float(mace_counts(indptr, position, label_of, data, lo, hi, posteriors, chose_true[i]))
        return float(
            mace_rows(indptr, position, label_of, data, value, gold, lo, hi, posteriors, chose_true[i])
        )

    evidence = _run_parts(work, n)
    for i in range(1, n):
        chose_true[0] += chose_true[i]
    return float(sum(evidence)), chose_true[0]
