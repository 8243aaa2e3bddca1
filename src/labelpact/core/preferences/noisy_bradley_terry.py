"""A noisy Bradley–Terry model: item strengths, per-worker skill and per-worker position bias, with ties.

Worker w comparing left item l and right item r sees ``z = skill_w * (theta_l - theta_r) + bias_w`` and
chooses by Davidson's model on ``z`` (``bradley_terry.py``). ``skill`` near 0 is a spammer, negative an
adversary; ``bias`` > 0 favours the left item ("always picks the left one"). This extends the noisy
Bradley–Terry of Bugakova et al. (2019, arXiv:1904.11366, crowd-kit's ``NoisyBT``) with ties and a
bias on the log-odds scale. Fitted by block-coordinate damped Newton (items, workers, nu), each block
concave; Gaussian priors skill ~ N(1, 1), bias ~ N(0, 1), theta ~ N(0, 1/alpha) with alpha from the plain
fit by default; the scale is pinned
by a comparison-weighted mean skill of 1.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.stats import norm

from labelpact.core.annotations import FloatArray, IntArray
from labelpact.core.intervals import check_confidence
from labelpact.core.preferences.bradley_terry import Ties, check_common, fit_davidson, pair_counts
from labelpact.core.preferences.comparisons import LEFT, RIGHT, TIE, Comparisons, distinct_rows
from labelpact.core.preferences.kernel import DavidsonTerms, davidson_terms, solve_laplacian
from labelpact.errors import warn_convergence

__all__ = ["NoisyBradleyTerry"]


class _Cells:
    """Comparisons summed by (worker, left, right): counts of left, right and tie; shape (n_cells,)."""

    def __init__(self, c: Comparisons) -> None:
        first, cell = distinct_rows(c.worker, c.left, c.right)  # packed int64 keys overflow on large files
        m = len(first)
        self.worker: IntArray = c.worker[first]
        self.left: IntArray = c.left[first]
        self.right: IntArray = c.right[first]
        self.n_left = np.bincount(cell, c.choice == LEFT, minlength=m).astype(np.float64)
        self.n_right = np.bincount(cell, c.choice == RIGHT, minlength=m).astype(np.float64)
        self.n_tie = np.bincount(cell, c.choice == TIE, minlength=m).astype(np.float64)


class _Blocks:
    """The three concave blocks of the fit (items, workers, tie parameter) over the cells of ``c``, with the
    priors: theta ~ N(0, 1/prior), skill ~ N(1, skill_sd^2), bias ~ N(0, bias_sd^2)."""

    def __init__(self, c: Comparisons, ties: Ties, prior: float, skill_sd: float, bias_sd: float) -> None:
        cells = _Cells(c)
        n_left, n_right, n_tie = cells.n_left, cells.n_right, cells.n_tie
        if ties == "half":
            n_left, n_right, n_tie = n_left + n_tie / 2, n_right + n_tie / 2, np.zeros_like(n_tie)
        self.n_left, self.n_right, self.n_tie = n_left, n_right, n_tie
        self.n_ties = float(n_tie.sum())
        self.nw, self.ni = c.n_workers, c.n_items
        self.prior = prior
        self.prec_s, self.prec_b = 1.0 / skill_sd**2, 1.0 / bias_sd**2
        self.w, self.lo, self.ro = cells.worker, cells.left, cells.right
        self.counts = np.bincount(self.w, n_left + n_right + n_tie, minlength=self.nw) + 1e-12

    def terms(self, z: FloatArray, log_nu: float) -> DavidsonTerms:
        return davidson_terms(z, self.n_left, self.n_right, self.n_tie, log_nu)

    def item_step(self, theta: FloatArray, skill: FloatArray, bias: FloatArray, log_nu: float) -> FloatArray:
        """Items: a Laplacian Newton step with edge weights skill^2 * hess, halved until it ascends."""
        w, lo, ro, prior = self.w, self.lo, self.ro, self.prior

        def objective(t: FloatArray) -> float:
            ll = self.terms(skill[w] * (t[lo] - t[ro]) + bias[w], log_nu).loglik
            return float(ll.sum() - prior / 2 * t @ t)

        terms = self.terms(skill[w] * (theta[lo] - theta[ro]) + bias[w], log_nu)
        g = terms.grad * skill[w]
        grad = np.bincount(lo, g, minlength=self.ni) - np.bincount(ro, g, minlength=self.ni) - prior * theta
        step = solve_laplacian(lo, ro, terms.hess * skill[w] ** 2, prior, grad)
        current, size = float(terms.loglik.sum() - prior / 2 * theta @ theta), 1.0
        for _ in range(30):
            if objective(theta + size * step) >= current - 1e-12 * abs(current):
                break
            size /= 2.0
        return theta + size * step

    def worker_step(
        self, theta: FloatArray, skill: FloatArray, bias: FloatArray, log_nu: float
    ) -> tuple[FloatArray, FloatArray, tuple[FloatArray, FloatArray, FloatArray]]:
        """Workers: independent 2x2 Newton steps on (skill, bias), halved per worker until each ascends; also
        the negative Hessian blocks (h_ss, h_sb, h_bb) per worker, for the bias intervals."""
        w, nw, prec_s, prec_b = self.w, self.nw, self.prec_s, self.prec_b
        d = theta[self.lo] - theta[self.ro]

        def objective(s: FloatArray, b: FloatArray) -> FloatArray:
            ll = self.terms(s[w] * d + b[w], log_nu).loglik
            return np.bincount(w, ll, minlength=nw) - prec_s * (s - 1) ** 2 / 2 - prec_b * b**2 / 2

        terms = self.terms(skill[w] * d + bias[w], log_nu)
        g_s = np.bincount(w, terms.grad * d, minlength=nw) - prec_s * (skill - 1)
        g_b = np.bincount(w, terms.grad, minlength=nw) - prec_b * bias
        h_ss = np.bincount(w, terms.hess * d * d, minlength=nw).astype(np.float64) + prec_s
        h_sb = np.bincount(w, terms.hess * d, minlength=nw).astype(np.float64)
        h_bb = np.bincount(w, terms.hess, minlength=nw).astype(np.float64) + prec_b
        det = h_ss * h_bb - h_sb**2
        ds, db = (h_bb * g_s - h_sb * g_b) / det, (h_ss * g_b - h_sb * g_s) / det
        before = (
            np.bincount(w, terms.loglik, minlength=nw) - prec_s * (skill - 1) ** 2 / 2 - prec_b * bias**2 / 2
        )
        factor = np.ones(nw)
        for _ in range(30):
            worse = objective(skill + factor * ds, bias + factor * db) < before - 1e-12 * np.abs(before)
            if not worse.any():
                break
            factor[worse] /= 2.0
        return skill + factor * ds, bias + factor * db, (h_ss, h_sb, h_bb)

    def tie_step(self, theta: FloatArray, skill: FloatArray, bias: FloatArray, log_nu: float) -> float:
        """The tie parameter: one clipped Newton step on log nu (unchanged without Davidson ties)."""
        if np.isfinite(log_nu) and self.n_ties > 0:
            w = self.w
            terms = self.terms(skill[w] * (theta[self.lo] - theta[self.ro]) + bias[w], log_nu)
            h = float((terms.p_tie * terms.p_decisive).sum())
            if h > 0:
                log_nu += float(np.clip((self.n_ties - terms.p_tie.sum()) / h, -2.0, 2.0))
        return log_nu


class NoisyBradleyTerry:
    """Item strengths with per-worker skill and position bias (see the module docstring).

    After ``fit``: ``strengths_`` (n_items,), ``skills_`` and ``biases_`` (n_workers,), ``bias_interval_``
    (n_workers, 2) a Wald interval for each bias given the strengths, ``tie_parameter_``, ``n_iter_``,
    ``converged_``. ``left_rate_`` (n_workers,) is sigma(bias): how often the worker would pick the left of
    two equal items when not calling a tie.
    """

    def __init__(
        self,
        *,
        ties: Ties = "davidson",
        alpha: float | Literal["auto"] = "auto",
        skill_prior_sd: float = 1.0,
        bias_prior_sd: float = 1.0,
        max_iter: int = 100,
        tol: float = 1e-5,
        confidence: float = 0.95,
    ):
        self.ties = ties
        self.alpha = alpha
        self.skill_prior_sd = skill_prior_sd
        self.bias_prior_sd = bias_prior_sd
        self.max_iter = max_iter
        self.tol = tol
        self.confidence = confidence

    def fit(self, c: Comparisons) -> NoisyBradleyTerry:
        """Fit on ``c``, starting from the plain Davidson–Bradley–Terry strengths."""
        alpha = check_common(self.ties, self.alpha, self.max_iter, self.tol)
        z_crit = float(norm.ppf(0.5 + check_confidence(self.confidence) / 2.0))
        start = fit_davidson(pair_counts(c), ties=self.ties, alpha=alpha, max_iter=50, tol=1e-6)
        theta, nu = start.theta, start.nu
        blocks = _Blocks(c, self.ties, start.alpha, self.skill_prior_sd, self.bias_prior_sd)
        log_nu = float(np.log(nu)) if nu > 0 and self.ties == "davidson" else -np.inf
        skill, bias = np.ones(c.n_workers), np.zeros(c.n_workers)
        hessian = (np.zeros(c.n_workers), np.zeros(c.n_workers), np.zeros(c.n_workers))
        converged, iteration = False, 0
        for iteration in range(1, self.max_iter + 1):  # noqa: B007 (read after the loop)
            old = (theta.copy(), skill.copy(), bias.copy())
            theta = blocks.item_step(theta, skill, bias, log_nu)
            skill, bias, hessian = blocks.worker_step(theta, skill, bias, log_nu)
            # the likelihood only sees skill * theta: pin the scale (count-weighted mean skill 1) so the
            # weak priors do not have to, which would take hundreds of iterations along that ridge
            scale = float(np.average(skill, weights=blocks.counts))
            if scale > 0.1:
                skill, theta = skill / scale, theta * scale
            log_nu = blocks.tie_step(theta, skill, bias, log_nu)
            change = max(
                float(np.max(np.abs(x - y), initial=0.0))
                for x, y in zip((theta, skill, bias), old, strict=True)
            )
            if change < self.tol:
                converged = True
                break
        if not converged:
            warn_convergence(f"NoisyBradleyTerry stopped at max_iter={self.max_iter}", stacklevel=2)
        h_ss, h_sb, h_bb = hessian
        se_b = np.sqrt(h_ss / (h_ss * h_bb - h_sb**2))  # (inverse 2x2 information)[1, 1]
        self.strengths_: FloatArray = theta
        self.skills_: FloatArray = skill
        self.biases_: FloatArray = bias
        self.bias_interval_: FloatArray = np.stack([bias - z_crit * se_b, bias + z_crit * se_b], axis=1)
        self.left_rate_: FloatArray = 1.0 / (1.0 + np.exp(-bias))
        self.tie_parameter_: float = float(np.exp(log_nu))
        self.n_iter_: int = iteration
        self.converged_: bool = converged
        return self

    def ranking(self) -> IntArray:
        """Item codes from strongest to weakest, shape (n_items,)."""
        return np.argsort(-self.strengths_, kind="stable").astype(np.intp)
