"""Bradley–Terry strengths with Davidson ties, fitted by damped Newton on comparisons aggregated by pair.

Bradley and Terry (1952), Biometrika 39; ties as in Davidson (1970), JASA 65. A Gaussian prior
``alpha/2 * ||theta||^2`` keeps every strength finite (an item that never loses has no maximum
likelihood estimate; Ford 1957) and fixes the location; by default its precision is set by empirical
Bayes, which shrinks sparse comparisons as much as the spread of the strengths warrants (Caron and
Doucet 2012, J. Comput. Graph. Stat. 21). The comparison graph (``graph.py``) says which items are
ranked by the prior alone. One iteration costs O(n_pairs) bincounts plus one Laplacian solve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias, get_args

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import FloatArray, IntArray
from labelpact.core.preferences.comparisons import LEFT, RIGHT, TIE, Comparisons
from labelpact.core.preferences.kernel import davidson_terms, solve_laplacian
from labelpact.errors import InvalidInputError, warn_convergence

__all__ = ["BradleyTerry", "PairCounts", "Ties", "pair_counts"]

Ties: TypeAlias = Literal["davidson", "half"]


@dataclass(frozen=True, slots=True)
class PairCounts:
    """Comparisons summed by unordered item pair ``a < b``: wins of a, wins of b and ties; shape (n_pairs,)."""

    a: IntArray
    b: IntArray
    wins_a: FloatArray
    wins_b: FloatArray
    ties: FloatArray
    n_items: int


def pair_counts(c: Comparisons, weights: npt.ArrayLike | None = None) -> PairCounts:
    """Sum the (optionally weighted) comparisons of ``c`` by unordered item pair, across tasks and workers."""
    w = np.ones(c.n_comparisons) if weights is None else np.asarray(weights, dtype=np.float64)
    low = np.minimum(c.left, c.right)
    high = np.maximum(c.left, c.right)
    key = low.astype(np.int64) * c.n_items + high
    low_won = np.where(c.left < c.right, c.choice == LEFT, c.choice == RIGHT)
    high_won = (c.choice != TIE) & ~low_won
    tie = c.choice == TIE
    cells = c.n_items * c.n_items
    if cells <= max(4 * c.n_comparisons, 1 << 22):  # few items: count in a dense table, no sort
        sums = [np.bincount(key, w * x, minlength=cells) for x in (low_won, high_won, tie)]
        uniq = np.flatnonzero(np.bincount(key, minlength=cells))
        wins_a, wins_b, ties = (x[uniq] for x in sums)
    else:
        uniq, pair = np.unique(key, return_inverse=True)
        pair = pair.reshape(-1)
        wins_a, wins_b, ties = (
            np.bincount(pair, w * x, minlength=len(uniq)) for x in (low_won, high_won, tie)
        )
    return PairCounts(
        a=(uniq // c.n_items).astype(np.intp),
        b=(uniq % c.n_items).astype(np.intp),
        wins_a=wins_a.astype(np.float64),
        wins_b=wins_b.astype(np.float64),
        ties=ties.astype(np.float64),
        n_items=c.n_items,
    )


@dataclass(frozen=True, slots=True)
class DavidsonFit:
    """A fitted Davidson–Bradley–Terry model: strengths (n_items,), tie parameter, prior precision used."""

    theta: FloatArray
    nu: float
    alpha: float
    n_iter: int
    converged: bool


def fit_davidson(
    p: PairCounts,
    *,
    ties: Ties,
    alpha: float | None,
    max_iter: int,
    tol: float,
    theta0: FloatArray | None = None,
) -> DavidsonFit:
    """Damped Newton on (theta, log nu); ``alpha=None`` sets the prior precision by empirical Bayes.

    The empirical-Bayes step is MacKay's (1992, Neural Comput. 4) evidence fixed point
    ``alpha = gamma / ||theta||^2``, the effective number of parameters ``gamma`` taken from the
    Hessian diagonal; inputs are trusted.
    """
    wins_a, wins_b, tie_counts = p.wins_a, p.wins_b, p.ties
    if ties == "half":
        wins_a, wins_b, tie_counts = (
            wins_a + tie_counts / 2.0,
            wins_b + tie_counts / 2.0,
            np.zeros_like(p.ties),
        )
    q = PairCounts(p.a, p.b, wins_a, wins_b, tie_counts, p.n_items)
    total, n_ties = float((wins_a + wins_b + tie_counts).sum()), float(tie_counts.sum())
    tie_share = n_ties / total if total else 0.0
    log_nu = float(np.log(2.0 * tie_share / (1.0 - tie_share))) if 0.0 < tie_share < 1.0 else -np.inf
    theta = np.zeros(p.n_items) if theta0 is None else theta0.copy()
    n = p.n_items
    compared = np.bincount(q.a, minlength=n) + np.bincount(q.b, minlength=n) > 0
    prior = 1.0 if alpha is None else alpha
    with_ties = np.isfinite(log_nu)
    terms = davidson_terms(theta[q.a] - theta[q.b], q.wins_a, q.wins_b, q.ties, log_nu)
    for iteration in range(1, max_iter + 1):
        current = float(terms.loglik.sum()) - prior / 2.0 * float(theta @ theta)
        grad: FloatArray = (
            np.bincount(q.a, terms.grad, minlength=n)
            - np.bincount(q.b, terms.grad, minlength=n)
            - prior * theta
        ).astype(np.float64)
        if with_ties:  # joint Newton step in (theta, log nu) by the Schur complement of the theta block
            cross = terms.p_tie * terms.p_diff / 2.0
            c = np.bincount(q.a, cross, minlength=n) - np.bincount(q.b, cross, minlength=n)
            u_v = solve_laplacian(q.a, q.b, terms.hess, prior, np.stack([grad, c], axis=1))
            g_nu = n_ties - float(terms.p_tie.sum())
            h_nu = float((terms.p_tie * terms.p_decisive).sum())
            nu_step = (g_nu + float(c @ u_v[:, 0])) / max(h_nu - float(c @ u_v[:, 1]), 1e-12)
            step = u_v[:, 0] + u_v[:, 1] * nu_step
        else:
            step, nu_step = solve_laplacian(q.a, q.b, terms.hess, prior, grad), 0.0
        size = 1.0
        for _ in range(40):  # backtracking: the objective is concave, so a short enough step ascends
            trial = davidson_terms(
                (theta + size * step)[q.a] - (theta + size * step)[q.b],
                q.wins_a,
                q.wins_b,
                q.ties,
                log_nu + size * nu_step,
            )
            candidate = float(trial.loglik.sum()) - prior / 2.0 * float(
                (theta + size * step) @ (theta + size * step)
            )
            if candidate >= current - 1e-12 * abs(current):
                break
            size /= 2.0
        theta, log_nu, terms = theta + size * step, log_nu + size * nu_step, trial
        prior_step = 0.0
        if alpha is None and compared.any():
            degree = np.bincount(q.a, terms.hess, minlength=n) + np.bincount(q.b, terms.hess, minlength=n)
            # MacKay's fixed point: alpha = (effective number of parameters) / ||theta||^2
            effective = float(np.sum(degree[compared] / (degree[compared] + prior)))
            spread = float(theta[compared] @ theta[compared])
            new_prior = float(np.clip(effective / max(spread, 1e-12), 1e-4, 1e4))
            prior_step, prior = float(np.log(new_prior / prior)), new_prior
        if max(float(np.max(np.abs(size * step), initial=0.0)), abs(size * nu_step), abs(prior_step)) < tol:
            return DavidsonFit(theta, _nu(log_nu, tie_share), prior, iteration, True)
    return DavidsonFit(theta, _nu(log_nu, tie_share), prior, max_iter, False)


def _nu(log_nu: float, tie_share: float) -> float:
    """Davidson's nu: 0 without ties, unbounded (inf) when every comparison is a tie."""
    return float("inf") if tie_share == 1.0 else float(np.exp(log_nu))


def check_common(ties: str, alpha: float | str, max_iter: int, tol: float) -> float | None:
    """Validate the options every Bradley–Terry model shares and return alpha (None for "auto")."""
    if ties not in get_args(Ties):
        raise InvalidInputError(f"ties in {list(get_args(Ties))}", got=repr(ties))
    if alpha == "auto":
        if max_iter < 1 or not tol > 0:
            raise InvalidInputError("max_iter >= 1 and tol > 0", got=f"{max_iter}, {tol}")
        return None
    if isinstance(alpha, str) or not alpha > 0:
        raise InvalidInputError(
            "a prior precision alpha > 0 (it keeps unbeaten items finite)", got=repr(alpha)
        )
    if max_iter < 1 or not tol > 0:
        raise InvalidInputError("max_iter >= 1 and tol > 0", got=f"{max_iter}, {tol}")
    return float(alpha)


class BradleyTerry:
    """Bradley–Terry (Davidson ties) maximum a posteriori strengths of the items.

    After ``fit``: ``strengths_`` (n_items,) on the log scale, ``tie_parameter_`` (Davidson's nu, 0
    without ties), ``alpha_`` (the prior precision used), ``n_iter_``, ``converged_``. ``ties="half"``
    counts a tie as half a win for each side. ``alpha="auto"`` picks the prior by empirical Bayes.
    """

    def __init__(
        self,
        *,
        ties: Ties = "davidson",
        alpha: float | Literal["auto"] = "auto",
        max_iter: int = 100,
        tol: float = 1e-7,
    ):
        self.ties = ties
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, c: Comparisons, *, weights: npt.ArrayLike | None = None) -> BradleyTerry:
        """Fit on ``c``; ``weights`` (n_comparisons,) >= 0 repeat comparisons (a bootstrap draw, say)."""
        alpha = check_common(self.ties, self.alpha, self.max_iter, self.tol)
        if weights is not None:
            w = np.asarray(weights, dtype=np.float64)
            if w.shape != (c.n_comparisons,) or not np.all(w >= 0):
                raise InvalidInputError(f"{c.n_comparisons} weights >= 0", got=f"shape {w.shape}")
        fit = fit_davidson(
            pair_counts(c, weights), ties=self.ties, alpha=alpha, max_iter=self.max_iter, tol=self.tol
        )
        if not fit.converged:
            warn_convergence(f"BradleyTerry stopped at max_iter={self.max_iter}", stacklevel=2)
        self.strengths_: FloatArray = fit.theta
        self.tie_parameter_: float = fit.nu
        self.alpha_: float = fit.alpha
        self.n_iter_: int = fit.n_iter
        self.converged_: bool = fit.converged
        self.items_: tuple[str, ...] = c.items
        return self

    def probabilities(self, left: npt.ArrayLike, right: npt.ArrayLike) -> FloatArray:
        """P(left wins), P(right wins), P(tie) for item codes ``left``, ``right``; shape (n, 3)."""
        d = (
            self.strengths_[np.asarray(left, dtype=np.intp)]
            - self.strengths_[np.asarray(right, dtype=np.intp)]
        )
        return davidson_probabilities(d, self.tie_parameter_)

    def ranking(self) -> IntArray:
        """Item codes from strongest to weakest, shape (n_items,)."""
        return np.argsort(-self.strengths_, kind="stable").astype(np.intp)


def davidson_probabilities(d: FloatArray, nu: float) -> FloatArray:
    """Davidson (P(a), P(b), P(tie)) for strength differences ``d``; shape (len(d), 3)."""
    if np.isinf(nu):  # every comparison a tie
        return np.tile(np.array([0.0, 0.0, 1.0]), (len(d), 1))
    logits = np.stack([d / 2.0, -d / 2.0, np.full_like(d, np.log(nu) if nu > 0 else -np.inf)], axis=1)
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    return np.asarray(probs / probs.sum(axis=1, keepdims=True), dtype=np.float64)
