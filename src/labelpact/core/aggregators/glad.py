"""GLAD: worker ability times task easiness, fitted by EM with a gradient M-step over all parameters at once."""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.optimize import minimize

from labelpact.core.aggregators.base import (
    Aggregator,
    check_positive_int,
    check_tol,
    counts_of,
    warm_rows,
    warm_task_rows,
    warn_not_converged,
)
from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.core.kernels import (
    Triples,
    clamp_gold,
    group_sum,
    normalize_log_posteriors,
    triples,
)
from labelpact.errors import InvalidInputError

__all__ = ["GLAD", "LOG_SQRT_2PI", "Expectations", "log_sigmoid_of_minus", "score_and_information"]

LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


class GLAD(Aggregator):
    """P(label right) = sigmoid(alpha_w * exp(beta_t)); wrong labels spread evenly over the other classes.

    J. Whitehill, P. Ruvolo, T. Wu, J. Bergsma and J. Movellan, *Whose Vote Should Count More: Optimal
    Integration of Labels from Labelers of Unknown Expertise*, NIPS 2009. As in crowd-kit: N(1, 1)
    priors on alpha and beta, uniform class prior. The M-step takes at most ``m_step_max_iter`` steps
    (default 2 for Newton, a generalised EM, and crowd-kit's 25 for CG) until the gradient's largest
    entry is below ``m_step_tol``: ``"newton"`` alternates vectorised
    Fisher-scoring steps on all alphas, then all betas (each parameter's block is independent given
    the other), one pass over the labels per step; ``"cg"`` is crowd-kit's conjugate gradient on the
    full (n_workers + n_tasks) vector (several passes per step). ``skills_`` = ``alphas_`` (n_workers,),
    ``betas_`` (n_tasks,) is log easiness. With ``warm_start`` a refit starts from the last fit's
    alphas and betas, matched by worker and task name (new ones start at one), instead of all ones.
    """

    alphas_: FloatArray
    betas_: FloatArray
    skills_: FloatArray
    log_likelihood_: float

    def __init__(
        self,
        *,
        max_iter: int = 100,
        tol: float = 1e-5,
        m_step: Literal["newton", "cg"] = "newton",
        m_step_max_iter: int | None = None,
        m_step_tol: float = 1e-2,
        warm_start: bool = False,
    ) -> None:
        self.max_iter = max_iter
        self.tol = tol
        self.m_step = m_step
        self.m_step_max_iter = m_step_max_iter
        self.m_step_tol = m_step_tol
        self.warm_start = warm_start

    def _validate_params(self) -> None:
        check_positive_int("max_iter", self.max_iter)
        check_tol("tol", self.tol)
        if self.m_step_max_iter is not None:
            check_positive_int("m_step_max_iter", self.m_step_max_iter)
        check_tol("m_step_tol", self.m_step_tol)
        if self.m_step not in ("newton", "cg"):
            raise InvalidInputError("m_step 'newton' or 'cg'", got=repr(self.m_step))

    def _fit(self, a: Annotations, gold: Gold | None) -> FloatArray:
        t = triples(counts_of(a))
        x = np.ones(a.n_workers + a.n_tasks)
        alphas = warm_rows(self, "alphas_", (a.n_workers,), workers=a.workers, classes=a.classes)
        if alphas is not None:
            x[: a.n_workers] = alphas
            betas = warm_task_rows(self, "betas_", a.tasks, cold=1.0)  # matched by task name
            if betas is not None:
                x[a.n_workers :] = betas
        em = Expectations(t, a, gold)
        e_step, objective, expected_log_likelihood = em.e_step, em.objective, em.expected_log_likelihood
        posteriors, _ = e_step(x)
        q_value = expected_log_likelihood(x, posteriors.ravel()[t.task_label])
        scale = max(a.n_annotations, 1)
        converged = False
        for iteration in range(1, self.max_iter + 1):
            last = q_value
            posteriors, _ = e_step(x)
            hit = posteriors.ravel()[t.task_label]
            if self.m_step == "cg":
                result = minimize(
                    objective,
                    x,
                    args=(hit,),
                    method="CG",
                    jac=True,
                    tol=self.m_step_tol,
                    options={"maxiter": self.m_step_max_iter or 25},
                )
                x = result.x
            else:
                x = _newton_m_step(x, hit, t, a.n_workers, self.m_step_max_iter or 2, self.m_step_tol)
            q_value = expected_log_likelihood(x, hit) / scale
            self.n_iter_ = iteration
            if q_value - last < self.tol:
                converged = True
                break
        if not converged:
            warn_not_converged("GLAD", self.max_iter)
        posteriors, log_likelihood = e_step(x)
        self.alphas_ = x[: a.n_workers].copy()
        self.betas_ = x[a.n_workers :].copy()
        self.skills_ = self.alphas_
        self.log_likelihood_ = log_likelihood
        return posteriors


class Expectations:
    """GLAD's E-step and its expected complete log-likelihood Q at x = (alphas, betas), over the label triples
    ``t`` of one fit. Q after an M-step and the next E-step evaluate the same ``x``: its per-triple terms are
    computed once, and each E-step shifts by the last one's log normalisers."""

    def __init__(self, t: Triples, a: Annotations, gold: Gold | None) -> None:
        self.t, self.gold = t, gold
        self.n_workers, self.n_tasks, self.k = a.n_workers, a.n_tasks, a.n_classes
        self.log_wrong_share = np.log(max(self.k - 1, 1))
        self.log_prior = np.full(self.k, -np.log(self.k))
        self.log_norm: FloatArray | None = None  # each task's last log normaliser: the next E-step's shift
        self.last_x: list[FloatArray] = []
        self.last_terms: list[tuple[FloatArray, FloatArray]] = []
        self.last_e_step: list[tuple[FloatArray, float]] = []

    def margins_and_log_wrong(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """z (n_unique,) and log s(-z) at ``x``, reused while ``x`` is the same array."""
        if not self.last_x or self.last_x[0] is not x:
            z = _margins(x, self.t, self.n_workers)
            self.last_x[:], self.last_terms[:], self.last_e_step[:] = [x], [(z, log_sigmoid_of_minus(z))], []
        return self.last_terms[0]

    def e_step(self, x: FloatArray) -> tuple[FloatArray, float]:
        """Task posteriors (n_tasks, K), gold clamped, and the log-likelihood at ``x``."""
        t, k, n_tasks = self.t, self.k, self.n_tasks
        z, log_sigmoid_minus = self.margins_and_log_wrong(x)
        if self.last_e_step:
            return self.last_e_step[0]
        # log s(z) - log s(-z) = z: a label lifts its class by z + log(K - 1) over the others
        log_wrong = log_sigmoid_minus - self.log_wrong_share
        base = group_sum(t.task, t.count * log_wrong, n_tasks)
        lift = group_sum(t.task_label, t.count * (z + self.log_wrong_share), n_tasks * k)
        scores = self.log_prior + lift.reshape(n_tasks, k) + base[:, None]
        posteriors, log_likelihood, self.log_norm = normalize_log_posteriors(scores, self.log_norm)
        self.last_e_step[:] = [(clamp_gold(posteriors, self.gold), log_likelihood)]
        return self.last_e_step[0]

    def objective(self, x: FloatArray, hit: FloatArray) -> tuple[float, FloatArray]:
        """-Q and its gradient; ``hit`` (n_unique,) is the posterior of each triple's label."""
        t, n_workers = self.t, self.n_workers
        alpha, beta = x[:n_workers], x[n_workers:]
        easiness = np.exp(beta)
        z = alpha[t.worker] * easiness[t.task]
        log_right, log_wrong, right = _log_sigmoids_of(z)
        q = float(
            np.einsum("i,i->", t.count, hit * log_right + (1 - hit) * (log_wrong - self.log_wrong_share))
        )
        q -= 0.5 * float(np.dot(alpha - 1, alpha - 1) + np.dot(beta - 1, beta - 1)) + LOG_SQRT_2PI * len(x)
        residual = t.count * (hit - right)
        d_alpha = group_sum(t.worker, residual * easiness[t.task], n_workers) - (alpha - 1)
        d_beta = group_sum(t.task, residual * z, self.n_tasks) - (beta - 1)
        return -q, -np.concatenate([d_alpha, d_beta])

    def expected_log_likelihood(self, x: FloatArray, hit: FloatArray) -> float:
        """Q alone (the objective without its gradient): log s(z) = log s(-z) + z."""
        z, log_sigmoid_minus = self.margins_and_log_wrong(x)
        # einsum, not BLAS: no BLAS threads spinning beside the rest of the loop
        q = float(
            np.einsum("i,i->", self.t.count, log_sigmoid_minus + hit * z - (1 - hit) * self.log_wrong_share)
        )
        alpha, beta = x[: self.n_workers], x[self.n_workers :]
        penalty = 0.5 * float(np.dot(alpha - 1, alpha - 1) + np.dot(beta - 1, beta - 1))
        return q - penalty - float(LOG_SQRT_2PI * len(x))


def _newton_m_step(
    x: FloatArray, hit: FloatArray, t: Triples, n_workers: int, max_steps: int, tol: float
) -> FloatArray:
    """Maximise Q by alternating Fisher-scoring steps on alphas then betas, vectorised over each block.

    Q = sum_i c_i [hit_i log s(z_i) + (1 - hit_i) log s(-z_i)] - |alpha - 1|^2 / 2 - |beta - 1|^2 / 2 with
    z_i = alpha_w exp(beta_t): dQ/dz = hit - s(z) and the expected curvature is s(z)(1 - s(z)); a
    step is capped at 1 in each coordinate so a flat direction cannot send a parameter far away.
    """
    alpha, beta = x[:n_workers].copy(), x[n_workers:].copy()
    n_tasks = len(beta)
    count = None if bool(np.all(t.count == 1.0)) else t.count  # no repeated labels: skip the weights
    for _ in range(max_steps):
        easiness = np.exp(beta)[t.task]
        z = alpha[t.worker] * easiness
        grad, info = score_and_information(z, hit, count, easiness, t.worker, n_workers)
        grad -= alpha - 1
        alpha += np.clip(grad / info, -1.0, 1.0)
        largest = np.abs(grad).max(initial=0.0)
        z = alpha[t.worker] * easiness
        grad, info = score_and_information(z, hit, count, z, t.task, n_tasks)
        grad -= beta - 1
        beta += np.clip(grad / info, -1.0, 1.0)
        if max(largest, np.abs(grad).max(initial=0.0)) < tol:
            break
    return np.concatenate([alpha, beta])


def score_and_information(
    z: FloatArray, hit: FloatArray, count: FloatArray | None, slope: FloatArray, index: IntArray, size: int
) -> tuple[FloatArray, FloatArray]:
    """Per parameter (size,): sum of c (hit - s(z)) dz and, plus the N(1, 1) prior's 1, of c s(z) (1 - s(z)) dz^2.

    ``slope`` (n_unique,) is dz / dparameter for each triple, ``index`` the parameter it belongs to;
    ``count`` None means every triple counts once. Temporaries are reused in place.
    """
    right = _sigmoid(z)
    residual = np.subtract(hit, right)
    weight = np.subtract(1.0, right)
    weight *= right
    if count is not None:
        residual *= count
        weight *= count
    residual *= slope
    weight *= slope
    weight *= slope
    return group_sum(index, residual, size), group_sum(index, weight, size) + 1.0


def _margins(x: FloatArray, t: Triples, n_workers: int) -> FloatArray:
    """z = alpha_w * exp(beta_t) per triple (n_unique,)."""
    z: FloatArray = x[:n_workers][t.worker] * np.exp(x[n_workers:])[t.task]
    return z


def _sigmoid(z: FloatArray) -> FloatArray:
    """sigmoid(z) with one exp: numpy's vectorised exp is several times faster than scipy's ``expit``.

    z is clipped to [-40, 40] inside the exponential (no overflow, no subnormals); at 40 the
    sigmoid is 1 - 4e-18, which rounds to 1 in double precision, as it does unclipped.
    """
    result: FloatArray = np.clip(z, -40.0, 40.0)
    np.negative(result, out=result)
    np.exp(result, out=result)
    result += 1.0
    return np.reciprocal(result, out=result)


def log_sigmoid_of_minus(z: FloatArray) -> FloatArray:
    """log sigmoid(-z) = -(max(z, 0) + log1p(exp(-|z|))), stable for any z."""
    result: FloatArray = -(np.maximum(z, 0.0) + np.log1p(np.exp(-np.minimum(np.abs(z), 40.0))))
    return result


def _log_sigmoids_of(z: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """log sigmoid(z), log sigmoid(-z) and sigmoid(z) with one exp and one log1p.

    |z| is capped at 40 inside the exponential: exp(-40) is below double precision next to 1, and
    the cap keeps exp out of the subnormal range, where it runs several times slower.
    """
    e = np.exp(-np.minimum(np.abs(z), 40.0))
    soft = np.log1p(e)
    log_right = -(np.maximum(-z, 0.0) + soft)
    log_wrong = -(np.maximum(z, 0.0) + soft)
    inverse = 1.0 / (1.0 + e)
    right = np.where(z >= 0, inverse, e * inverse)
    return log_right, log_wrong, right


# the names ``labelpact.scale.glad`` imported before they were public (the distributed GLAD shares these kernels)
