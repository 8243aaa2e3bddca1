"""The fused EM passes (``core.fused``, numba) equal the sparse-product forms they replace, on any thread count."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from labelpact.core import fused, fused_kernels
from labelpact.core.annotations import Annotations

RNG = np.random.default_rng(7)


@pytest.fixture
def threads() -> Iterator[None]:
    yield
    fused.set_threads(None)


def delivery(n_tasks: int, n_workers: int, k: int, per_task: int = 5) -> Any:
    """A CSR count matrix (n_tasks, W * K) with repeats (counts above 1) and some unlabelled tasks."""
    task = np.repeat(np.arange(n_tasks), per_task)
    keep = RNG.random(len(task)) > 0.15
    task = task[keep]
    column = RNG.integers(0, n_workers, len(task)) * k + RNG.integers(0, k, len(task))
    return sp.coo_matrix((np.ones(len(task)), (task, column)), shape=(n_tasks, n_workers * k)).tocsr()


def reference_ds(x: Any, log_conf: np.ndarray, log_prior: np.ndarray, gold: np.ndarray) -> tuple[Any, ...]:
    scores = log_prior + x @ log_conf
    top = scores.max(axis=1, keepdims=True)
    total = np.exp(scores - top).sum(axis=1, keepdims=True)
    posteriors = np.exp(scores - top) / total
    evidence = float((top + np.log(total)).sum())
    if len(gold):
        rows = np.flatnonzero(gold >= 0)
        posteriors[rows] = 0.0
        posteriors[rows, gold[rows]] = 1.0
    return evidence, posteriors, posteriors.sum(axis=0), x.T @ posteriors


def test_exp_is_within_an_ulp_of_numpy_and_zero_below_its_floor() -> None:
    x = np.concatenate(
        [-RNG.random(200_000) * 40, -RNG.random(50_000) * 708, [0.0, -0.0, -708.0, -709.0, -1e4]]
    )
    out = x.copy()
    fused_kernels.exp_nonpositive(out, np.empty(len(x), dtype=np.int64), len(x))
    inside = x >= fused_kernels.EXP_FLOOR
    assert np.all(np.abs(out[inside] - np.exp(x[inside])) <= 2.3e-16 * np.exp(x[inside]))
    assert np.all(out[~inside] == 0.0) and out[-5] == 1.0


@pytest.mark.parametrize(("k", "with_gold"), [(2, False), (3, True), (10, True), (17, False)])
@pytest.mark.usefixtures("threads")
def test_ds_pass_equals_the_sparse_products_on_one_and_three_threads(k: int, with_gold: bool) -> None:
    x = delivery(3000, 40, k)
    log_conf = np.log(RNG.dirichlet(np.ones(k), size=40 * k))
    log_prior = np.log(RNG.dirichlet(np.ones(k)))
    gold = (
        np.where(RNG.random(3000) < 0.1, RNG.integers(0, k, 3000), -1) if with_gold else np.empty(0, np.intp)
    )
    expected = reference_ds(x, log_conf, log_prior, gold)
    for n in (1, 3):
        fused.set_threads(n)
        fused.MIN_LABELS_PER_PART, saved = (
            1000,
            fused.MIN_LABELS_PER_PART,
        )  # several parts on a small delivery
        try:
            posteriors = np.full((3000, k), np.nan)
            evidence, posterior_sum, tables = fused.ds_pass(x, log_conf, log_prior, gold, posteriors)
        finally:
            fused.MIN_LABELS_PER_PART = saved
        assert evidence == pytest.approx(expected[0], rel=1e-13)
        np.testing.assert_allclose(posteriors, expected[1], rtol=0, atol=1e-14)
        np.testing.assert_allclose(posterior_sum, expected[2], rtol=1e-13)
        np.testing.assert_allclose(tables, expected[3], rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("k", [2, 10])
def test_tasks_with_counts_of_one_skip_the_counts_and_give_the_same_bits(k: int) -> None:
    x = delivery(3000, 40, k)  # repeats: some tasks have a count of 2 or more
    plain = fused.plain_tasks(x)
    repeated = np.unique(np.repeat(np.arange(3000), np.diff(x.indptr))[x.data != 1])
    assert len(repeated) > 0 and not plain[repeated].any()
    assert plain.sum() == 3000 - len(repeated)
    log_conf = np.log(RNG.dirichlet(np.ones(k), size=40 * k))
    log_prior = np.log(RNG.dirichlet(np.ones(k)))
    gold = np.empty(0, np.intp)
    general, flagged = np.empty((3000, k)), np.empty((3000, k))
    a = fused.ds_pass(x, log_conf, log_prior, gold, general)
    b = fused.ds_pass(x, log_conf, log_prior, gold, flagged, plain=plain)
    assert a[0] == b[0]
    assert np.array_equal(general, flagged) and np.array_equal(a[1], b[1]) and np.array_equal(a[2], b[2])
    expected = reference_ds(x, log_conf, log_prior, gold)
    np.testing.assert_allclose(flagged, expected[1], rtol=0, atol=1e-14)
    np.testing.assert_allclose(b[2], expected[3], rtol=1e-13, atol=1e-13)


def test_mace_pass_equals_the_sparse_products_with_and_without_values() -> None:
    k, n_tasks = 4, 2000
    x = delivery(n_tasks, 30, k)
    used, position = np.unique(x.indices, return_inverse=True)
    label_of = used % k
    value = RNG.normal(size=len(used))
    task = np.repeat(np.arange(n_tasks), np.diff(x.indptr))
    by_label = sp.csr_matrix((x.data, (task * k + x.indices % k, position)), shape=(n_tasks * k, len(used)))
    scores = (by_label @ value).reshape(n_tasks, k)
    posteriors = np.exp(scores - scores.max(axis=1, keepdims=True))
    posteriors /= posteriors.sum(axis=1, keepdims=True)
    evidence = float(np.log(np.exp(scores).sum(axis=1)).sum())
    chose_true = by_label.T @ posteriors.reshape(-1)
    out = np.empty((n_tasks, k))
    args = (x.indptr, position.astype(np.int32), label_of, x.data)
    got, got_chose = fused.mace_pass(*args, value, np.empty(0, np.intp), out)
    assert got == pytest.approx(evidence, rel=1e-13)
    np.testing.assert_allclose(out, posteriors, atol=1e-14)
    np.testing.assert_allclose(got_chose, chose_true, rtol=1e-13)
    _, alone = fused.mace_pass(*args, None, np.empty(0, np.intp), posteriors)
    np.testing.assert_allclose(alone, chose_true, rtol=1e-13)


@pytest.mark.usefixtures("threads")
def test_task_parts_cut_the_labels_evenly_and_cover_every_task() -> None:
    fused.set_threads(4)
    indptr = np.concatenate([[0], np.cumsum(RNG.integers(0, 20, 100_000))])
    parts = fused.task_parts(indptr, table_cells=100)
    assert parts[0] == 0 and parts[-1] == 100_000 and np.all(np.diff(parts) > 0)
    sizes = np.diff(indptr[parts])
    assert len(sizes) == 4 and sizes.max() - sizes.min() < 50
    assert len(fused.task_parts(indptr, table_cells=2**40)) == 2  # tables too large to copy: one part
    assert list(fused.task_parts(np.zeros(1, dtype=np.intp), 10)) == [0, 0]  # no tasks


def test_a_fit_with_no_tasks_or_unlabelled_tasks_runs() -> None:
    from labelpact.core.aggregators import MACE, DawidSkene

    a = Annotations(
        task=np.array([0, 0, 2]),
        worker=np.array([0, 1, 1]),
        label=np.array([1, 1, 0]),
        tasks=("a", "b", "c"),
        workers=("u", "v"),
        classes=("x", "y"),
    )
    for model in (DawidSkene(), MACE(n_restarts=2)):
        probas = model.fit(a).probas_
        assert probas.shape == (3, 2) and np.allclose(probas.sum(axis=1), 1.0)


def test_an_unwritable_cache_falls_back_to_compiling_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """numba refuses ``cache=True`` at decoration where no cache directory is writable; the kernels still compile."""
    calls: list[bool] = []
    real = fused_kernels.numba.njit

    def njit(**options: Any) -> Any:
        calls.append(options["cache"])
        if options["cache"]:
            raise RuntimeError("cannot cache function 'f': no locator available for file 'f.py'")
        return real(**options)

    monkeypatch.setattr(fused_kernels.numba, "njit", njit)

    def double(x: float) -> float:
        return 2.0 * x

    assert fused_kernels.compiled(double)(1.5) == 3.0 and calls == [True, False]
