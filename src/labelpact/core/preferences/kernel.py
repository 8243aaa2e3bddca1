"""Vectorised kernels shared by the Bradley–Terry models: Davidson probabilities and the Newton system.

Davidson (1970), "On extending the Bradley-Terry model to accommodate ties in paired comparison
experiments", JASA 65: with ``d = theta_a - theta_b`` and ``nu`` the tie parameter,
``P(a) = e^{d/2}/Z``, ``P(b) = e^{-d/2}/Z``, ``P(tie) = nu/Z``, ``Z = e^{d/2} + e^{-d/2} + nu``.
The log-likelihood is concave in (theta, log nu), so damped Newton steps converge; its Hessian in theta
is a weighted graph Laplacian, solved densely for a few hundred items and by preconditioned CG beyond.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg as scipy_linalg
from scipy import sparse
from scipy.sparse import linalg as sparse_linalg

from labelpact.core.annotations import FloatArray, IntArray

__all__ = ["DavidsonTerms", "davidson_terms", "solve_laplacian"]

DENSE_MAX_ITEMS = 300  # above this, Jacobi-preconditioned CG beat a dense Cholesky even on dense graphs


@dataclass(frozen=True, slots=True)
class DavidsonTerms:
    """Per-observation log-likelihood, first and second derivative in ``d`` and the tie-probability terms.

    Every array has the observations' shape; ``hess`` is minus the second derivative (>= 0),
    ``p_tie`` the expected number of ties, ``p_decisive`` and ``p_diff`` are P(a) + P(b) and P(a) - P(b).
    """

    loglik: FloatArray
    grad: FloatArray
    hess: FloatArray
    p_tie: FloatArray
    p_decisive: FloatArray
    p_diff: FloatArray


def davidson_terms(
    d: FloatArray, n_a: FloatArray, n_b: FloatArray, n_tie: FloatArray, log_nu: float
) -> DavidsonTerms:
    """Davidson terms for observations with ``n_a`` wins of a, ``n_b`` wins of b and ``n_tie`` ties."""
    half = d / 2.0
    n = n_a + n_b + n_tie
    m = np.abs(half)
    shrink = np.exp(-m)  # everything is scaled by e^{-|d|/2}: one exp and one log per observation
    nu = float(np.exp(log_nu)) if np.isfinite(log_nu) else 0.0
    z = 1.0 + shrink * shrink + nu * shrink
    p_big, p_small, p_tie = 1.0 / z, shrink * shrink / z, nu * shrink / z
    positive = d >= 0
    p_a = np.where(positive, p_big, p_small)
    p_b = np.where(positive, p_small, p_big)
    tie_term = n_tie * log_nu if nu > 0 else np.zeros_like(d)
    loglik = (n_a - n_b) * half + tie_term - n * (m + np.log(z))
    grad = (n_a - n_b) / 2.0 - n * (p_a - p_b) / 2.0
    hess = n * (p_a * p_b + (p_a + p_b) * p_tie / 4.0)
    return DavidsonTerms(
        loglik=loglik, grad=grad, hess=hess, p_tie=p_tie * n, p_decisive=p_a + p_b, p_diff=p_a - p_b
    )


def solve_laplacian(
    a: IntArray, b: IntArray, weight: FloatArray, ridge: float, rhs: FloatArray
) -> FloatArray:
    """Solve ``(L + ridge I) x = rhs`` where L is the Laplacian of edges (a, b) with ``weight``.

    ``rhs`` has shape (n,) or (n, k); the result has its shape.
    """
    n = rhs.shape[0]
    degree = np.bincount(a, weight, minlength=n) + np.bincount(b, weight, minlength=n) + ridge
    if n <= DENSE_MAX_ITEMS:
        flat = np.bincount(a * n + b, weight, minlength=n * n).reshape(n, n)
        matrix = -(flat + flat.T)
        matrix[np.diag_indices(n)] = degree
        return np.asarray(scipy_linalg.cho_solve(scipy_linalg.cho_factor(matrix), rhs), dtype=np.float64)
    off = sparse.coo_matrix((-weight, (a, b)), shape=(n, n)).tocsr()
    matrix = (off + off.T + sparse.diags(degree)).tocsr()
    preconditioner = sparse.diags(1.0 / degree)
    columns = rhs.reshape(n, -1)
    out = np.empty_like(columns)
    for j in range(columns.shape[1]):  # one CG per right-hand side (at most two)
        out[:, j], _ = sparse_linalg.cg(matrix, columns[:, j], rtol=1e-10, maxiter=2000, M=preconditioner)
    return np.asarray(out.reshape(rhs.shape), dtype=np.float64)
