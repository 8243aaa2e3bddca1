"""The buffer-reusing EM kernels equal the plain numpy/scipy forms they replace (``em_buffers``, ``used_columns``,
``repeat_share``)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from labelpact.core.aggregators.base import used_columns
from labelpact.core.aggregators.em_buffers import (
    add_columns_product,
    add_rows_product,
    fill_shifted,
)
from labelpact.core.aggregators.shared_accuracy_test import repeat_share
from labelpact.core.annotations import Annotations
from labelpact.core.kernels import normalize_log_posteriors, normalize_shifted


def _matrix(index_dtype: type = np.int32) -> sp.csr_matrix:
    x = sp.random(400, 90, density=0.05, format="csr", random_state=3)
    x.data = np.round(x.data * 3) + 1.0  # small counts, as in a count matrix
    x.indices = x.indices.astype(index_dtype)
    x.indptr = x.indptr.astype(index_dtype if index_dtype is np.int64 else np.int32)
    return x


@pytest.mark.parametrize("width", [None, 1, 7])
def test_products_equal_scipy_bit_for_bit(width: int | None) -> None:
    x = _matrix()
    rng = np.random.default_rng(0)
    rows, cols = ((400,), (90,)) if width is None else ((400, width), (90, width))
    dense, back = rng.normal(size=cols), rng.normal(size=rows)
    assert np.array_equal(add_rows_product(x, dense, np.zeros(rows)), x @ dense)  # same kernel, from zero
    assert np.array_equal(add_columns_product(x, back, np.zeros(cols)), x.T @ back)
    # a start other than zero is added to (the sums then start from it, so equal up to rounding)
    assert np.allclose(add_rows_product(x, dense, np.full(rows, 2.5)), 2.5 + x @ dense, rtol=1e-13)
    assert np.allclose(add_columns_product(x, back, np.full(cols, -1.0)), -1.0 + x.T @ back, rtol=1e-13)


def test_products_fall_back_when_dtypes_do_not_fit() -> None:
    x = _matrix()
    dense = np.random.default_rng(1).normal(size=(90, 3)).astype(np.float32)  # not float64: the operator path
    out = np.zeros((400, 3))
    assert np.allclose(add_rows_product(x, dense, out), x @ dense, rtol=1e-6)
    x64 = x.copy()
    x64.indices = x64.indices.astype(np.int64)  # index dtypes differ from indptr's
    dense64 = dense.astype(np.float64)
    assert np.allclose(add_rows_product(x64, dense64, np.zeros((400, 3))), x @ dense64, rtol=1e-14)


def test_fill_shifted_is_row_minus_shift_exactly() -> None:
    rng = np.random.default_rng(2)
    row, shift = rng.normal(size=6) * 50, rng.normal(size=300) * 700
    out = np.empty((300, 6))
    assert np.array_equal(fill_shifted(row, shift, out), row[None, :] - shift[:, None])
    assert np.array_equal(fill_shifted(row, None, out), np.broadcast_to(row, (300, 6)))


@pytest.mark.parametrize("guess", ["none", "close", "far"])
def test_normalize_shifted_matches_normalize_log_posteriors(guess: str) -> None:
    rng = np.random.default_rng(4)
    scores = rng.normal(size=(200, 5)) * 30 - 500
    scores[7] = -1e4  # a row far below any guess
    scores[8, 2] = -np.inf
    expected, evidence, log_norm = normalize_log_posteriors(scores.copy())
    if guess == "none":
        shift = None
        shifted = scores.copy()
    else:
        shift = log_norm + (0.3 if guess == "close" else 900.0)  # "far": every row is redone with its own max
        shifted = scores - shift[:, None]
    posteriors, total, norms = normalize_shifted(shifted, shift)
    assert np.allclose(posteriors, expected, rtol=1e-12, atol=1e-300)
    assert np.allclose(norms, log_norm, rtol=1e-12)
    assert total == pytest.approx(evidence, rel=1e-12)
    assert np.allclose(posteriors.sum(axis=1), 1.0)


def test_normalize_shifted_of_no_tasks() -> None:
    posteriors, total, norms = normalize_shifted(np.empty((0, 3)), None)
    assert posteriors.shape == (0, 3) and total == 0.0 and norms.shape == (0,)


@pytest.mark.parametrize("size", [50, 10**9])  # a table, then the sorting branch
def test_used_columns_equals_unique_and_searchsorted(size: int) -> None:
    column = np.random.default_rng(5).integers(0, 50, size=1000) * (size // 50)
    used, position = used_columns(column, size)
    assert np.array_equal(used, np.unique(column))
    assert np.array_equal(position, np.searchsorted(np.unique(column), column))
    assert used.dtype == np.intp and position.dtype == np.intp


def test_repeat_share_counts_labels_of_workers_with_two_tasks() -> None:
    rng = np.random.default_rng(6)
    for _ in range(100):
        n, n_tasks, n_workers, k = (int(v) for v in rng.integers(1, [60, 8, 10, 4]))
        a = Annotations(
            task=rng.integers(0, n_tasks, n),
            worker=rng.integers(0, n_workers, n),
            label=rng.integers(0, k, n),
            tasks=tuple(map(str, range(n_tasks))),
            workers=tuple(map(str, range(n_workers))),
            classes=tuple(map(str, range(k))),
        )
        distinct = {(w, t) for w, t in zip(a.worker.tolist(), a.task.tolist(), strict=True)}
        tasks_of = np.bincount([w for w, _ in distinct], minlength=n_workers)
        assert repeat_share(a) == pytest.approx(float(np.mean(tasks_of[a.worker] >= 2)), abs=1e-15)
