"""Majority vote's confidence check and the copy tests against dense references, and at 1,000 classes.

Both once built per-worker (workers, K, K) and per-pair (pairs, K, K) arrays; they now keep only the
(worker, label) cells that labels use, and must give the dense formulas' numbers.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

from labelpact.core.aggregators.base import crowd_rows
from labelpact.core.aggregators.predictive import vote_confusion_columns
from labelpact.core.annotations import Annotations, FloatArray, IntArray
from labelpact.core.copying import (
    LOG_FLOOR,
    confusion_counts,
    copy_tests,
    label_matrix,
    shrunk_confusions,
    task_log_likelihood,
)
from labelpact.core.kernels import count_matrix
from labelpact.core.worker_pairs import co_labels
from labelpact.simulate import simulate_many_classes


def _random(rng: np.random.Generator, n_tasks: int, n_workers: int, k: int, n: int) -> Annotations:
    """Random annotations with every vocabulary entry named."""
    return Annotations(
        task=rng.integers(0, n_tasks, n),
        worker=rng.integers(0, n_workers, n),
        label=rng.integers(0, k, n),
        tasks=tuple(f"t{i}" for i in range(n_tasks)),
        workers=tuple(f"w{i}" for i in range(n_workers)),
        classes=tuple(f"c{i}" for i in range(k)),
    )


def _dense_vote_columns(
    train: Annotations, posteriors: FloatArray, worker: IntArray, label: IntArray
) -> FloatArray:
    """The (workers, K, K) formula the sparse columns replace: one smoothed M-step, unseen workers the crowd."""
    expected = count_matrix(train).m_step_counts(posteriors) + 1.0
    confusions = expected / expected.sum(axis=2, keepdims=True)
    seen = np.bincount(train.worker, minlength=train.n_workers) > 0
    return crowd_rows(confusions, seen)[worker, :, label]


def test_vote_columns_match_the_dense_matrices() -> None:
    """Seen and unseen workers alike, to rounding, over random small deliveries."""
    rng = np.random.default_rng(0)
    for _ in range(30):
        k, w, t = int(rng.integers(2, 7)), int(rng.integers(1, 9)), int(rng.integers(1, 25))
        train = _random(rng, t, w, k, int(rng.integers(1, 60)))
        posteriors = rng.dirichlet(np.ones(k), t)
        worker, label = rng.integers(0, w, 15), rng.integers(0, k, 15)
        got = vote_confusion_columns(train, posteriors, worker, label)
        np.testing.assert_allclose(
            got, _dense_vote_columns(train, posteriors, worker, label), rtol=0, atol=1e-13
        )


def _dense_agreement(a: Annotations, posterior: FloatArray, min_shared: int) -> FloatArray:
    """Each shared entry's chance of agreement under independence, from (workers, K, K) and (pairs, K, K) arrays."""
    co, k, w = co_labels(a), a.n_classes, a.n_workers
    keys, pair, n_shared = np.unique(co.worker_a * w + co.worker_b, return_inverse=True, return_counts=True)
    keep = n_shared >= min_shared
    rows = keep[pair]
    pair = (np.cumsum(keep) - 1)[pair[rows]]
    task, wa, wb, la, lb = (
        co.task[rows],
        co.worker_a[rows],
        co.worker_b[rows],
        co.label_a[rows],
        co.label_b[rows],
    )
    first = a.one_per_pair()
    counts = confusion_counts(first, posterior, matrix=label_matrix(first))
    confusions = shrunk_confusions(counts)
    log_conf = np.log(np.maximum(confusions, LOG_FLOOR))
    priors = posterior.sum(0) + 1.0
    log_q = np.log(priors / priors.sum()) + task_log_likelihood(first, log_conf)
    log_q = log_q[task] - log_conf[wa, :, la] - log_conf[wb, :, lb]
    q = np.exp(log_q - log_q.max(axis=1, keepdims=True))
    q /= q.sum(axis=1, keepdims=True)
    conf = []
    for worker, lab in ((wa, la), (wb, lb)):
        mine = q * confusions[worker, :, lab]
        shift = posterior[task] - mine / mine.sum(axis=1, keepdims=True)
        shared = np.zeros((int(keep.sum()), k, k))
        np.add.at(shared, (pair, slice(None), lab), shift)
        owner = (keys[keep] // w if worker is wa else keys[keep] % w).astype(np.intp)
        conf.append(shrunk_confusions(counts[owner] - shared, crowd_counts=counts.sum(0)))
    same = np.einsum("pzl,pzl->pz", conf[0], conf[1])
    return np.einsum("ez,ez->e", q, same[pair])


def test_copy_tests_match_the_dense_formulas() -> None:
    """Expected agreements equal the dense (pairs, K, K) computation's sums to rounding."""
    rng = np.random.default_rng(1)
    for _ in range(20):
        k, w, t = int(rng.integers(2, 7)), int(rng.integers(2, 8)), int(rng.integers(20, 60))
        a = _random(rng, t, w, k, int(rng.integers(60, 300)))
        posterior = rng.dirichlet(np.full(k, 0.5), t)
        result = copy_tests(a, posterior, min_shared=3)
        co = co_labels(a)
        keys, pair = np.unique(co.worker_a * w + co.worker_b, return_inverse=True)
        kept = np.isin(keys, result.worker_a * w + result.worker_b)
        p = _dense_agreement(a, posterior, 3)
        expected = np.bincount(
            np.searchsorted(keys[kept], (keys[pair])[kept[pair]]), p, minlength=len(result)
        )
        np.testing.assert_allclose(result.expected, expected, rtol=1e-12, atol=1e-12)


def _many_classes(k: int = 1000, n_workers: int = 300, n_tasks: int = 800) -> tuple[Annotations, FloatArray]:
    """Five labels per task from neighbouring workers, 60% right, over ``k`` classes, and a posterior."""
    a, _ = simulate_many_classes(k, n_tasks=n_tasks, n_workers=n_workers, seed=2)
    task, label = a.task, a.label
    votes = np.zeros((n_tasks, k))
    np.add.at(votes, (task, label), 1.0)
    return a, (votes + 0.01) / (votes + 0.01).sum(axis=1, keepdims=True)


def test_a_thousand_classes_stay_small_and_fast() -> None:
    """300 workers x 1,000 classes: one dense (workers, K, K) array would take 2.4 GB; both paths stay far below."""
    a, posterior = _many_classes()
    tracemalloc.start()
    began = time.perf_counter()
    columns = vote_confusion_columns(a, posterior, a.worker[:2000], a.label[:2000])
    tests = copy_tests(a, posterior)
    elapsed = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert columns.shape == (2000, 1000) and np.all(columns > 0)
    assert len(tests) > 0 and np.all(np.isfinite(tests.expected))
    assert peak < 600e6, f"peak {peak / 1e6:.0f} MB"
    assert elapsed < 10.0, f"{elapsed:.1f} s"
