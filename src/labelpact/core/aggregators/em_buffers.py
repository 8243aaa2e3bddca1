"""The E- and M-steps of the EM methods into buffers the caller owns: sparse products and normalisation.

``X @ dense`` through scipy's operator allocates a fresh (n_tasks, width) result every call; at millions
of tasks its first touch (page faults) costs as much as the product. These call the same scipy kernels
(``csr_matvecs``, ``csc_matvecs``: same loops, same order of sums, bit-identical results) into a
reused buffer, and fall back to the operator where the private kernels or the dtypes do not fit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from labelpact.core.annotations import FloatArray

try:  # scipy's compiled sparse kernels: private, stable since scipy 0.14; the operator is the fallback
    from scipy.sparse import _sparsetools
except ImportError:  # pragma: no cover - a scipy without them
    _sparsetools = None

__all__ = ["add_columns_product", "add_rows_product", "fill_shifted"]


def _direct(x: Any, dense: FloatArray, out: FloatArray) -> bool:
    """Whether the compiled kernels can write into ``out`` directly (float64, C order, one index dtype)."""
    return (
        _sparsetools is not None
        and x.data.dtype == np.float64
        and dense.dtype == np.float64
        and out.dtype == np.float64
        and dense.flags.c_contiguous
        and out.flags.c_contiguous
        and x.indptr.dtype == x.indices.dtype
    )


def add_rows_product(x: Any, dense: FloatArray, out: FloatArray) -> FloatArray:
    """``out += x @ dense`` for CSR ``x`` (n, m), ``dense`` (m, width) or (m,), ``out`` (n, width) or (n,)."""
    if not _direct(x, dense, out):
        out += x @ dense
        return out
    n, m = x.shape
    if dense.ndim == 1:
        _sparsetools.csr_matvec(n, m, x.indptr, x.indices, x.data, dense, out)
    else:
        _sparsetools.csr_matvecs(
            n, m, dense.shape[1], x.indptr, x.indices, x.data, dense.ravel(), out.ravel()
        )
    return out


def add_columns_product(x: Any, dense: FloatArray, out: FloatArray) -> FloatArray:
    """``out += x.T @ dense`` for CSR ``x`` (n, m), ``dense`` (n, width) or (n,), ``out`` (m, width) or (m,).

    The transpose is never built: scipy reads ``x`` as the CSC form of ``x.T`` and scatters into ``out``.
    """
    if not _direct(x, dense, out):
        out += x.T @ dense
        return out
    n, m = x.shape
    if dense.ndim == 1:
        _sparsetools.csc_matvec(m, n, x.indptr, x.indices, x.data, dense, out)
    else:
        _sparsetools.csc_matvecs(
            m, n, dense.shape[1], x.indptr, x.indices, x.data, dense.ravel(), out.ravel()
        )
    return out


def fill_shifted(row: FloatArray, shift: FloatArray | None, out: FloatArray) -> FloatArray:
    """``out[t, j] = row[j] - shift[t]`` (n, width), the start of an E-step's scores (``row`` alone when
    ``shift`` is None); returns ``out``.

    A product [1, -shift] (n, 2) @ [row; 1] (2, width) would be twice as fast on one BLAS thread, but BLAS
    threads spinning beside the single-threaded sparse kernels halve an EM loop's speed on a busy machine:
    the EM loops make no BLAS call.
    """
    if shift is None:
        out[:] = row
    else:
        np.subtract(row, shift[:, None], out=out)
    return out
