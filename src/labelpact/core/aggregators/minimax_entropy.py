"""Regularised minimax conditional entropy: a confusion matrix per worker and one per task, fitted by EM."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from labelpact.core.aggregators.base import (
    Aggregator,
    check_positive_float,
    check_positive_int,
    check_seed,
    check_sequence,
    check_tol,
    confusion_cells,
    counts_of,
    crowd_rows,
    warm_rows,
    warm_task_rows,
    warn_not_converged,
)
from labelpact.core.aggregators.lbfgs import dot, lbfgs
from labelpact.core.aggregators.majority_vote import vote_shares
from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.core.kernels import Triples, clamp_gold, normalize_log_posteriors, triples
from labelpact.core.keyed import annotation_keys, in_key_order
from labelpact.errors import quiet_convergence, warn_convergence

__all__ = [
    "MIN_HELD_OUT",
    "PENALTY_SCALES",
    "MinimaxEntropy",
    "Objective",
    "default_penalties",
    "held_out_rows",
    "one_se_choice",
]

# Scales of the released default penalties that held-out labels choose among: powers of four, fixed before any
# accuracy was measured. The defaults were tuned on binary and few-class sets; K^2 / 4 grows with the classes.
PENALTY_SCALES = (1.0, 0.25, 0.0625, 0.015625)
# held-out labels below which a standard error of the difference in held-out log p is not estimated: the
# penalty scale stays the authors' default (the usual n >= 30 of a normal approximation)
MIN_HELD_OUT = 30
FLAT = 1e-3  # a task's top two posteriors within this: the fit cannot tell its classes apart


class MinimaxEntropy(Aggregator):
    """p(label l | worker w, task t, true class c) ∝ exp(sigma_w[c, l] + tau_t[c, l]), L2-penalised, fitted by EM.

    D. Zhou, Q. Liu, J. C. Platt, C. Meek and N. B. Shah, *Regularized Minimax Conditional Entropy for
    Crowdsourcing*, arXiv:1503.07240, 2015 (first as D. Zhou, J. C. Platt, S. Basu and Y. Mao, *Learning
    from the Wisdom of Crowds by Minimax Entropy*, NIPS 2012). The labelling model the minimax principle
    derives has a worker confusion ``sigma`` and a task confusion ``tau`` (an item's own ambiguity
    between classes, which Dawid-Skene and GLAD cannot express: GLAD's difficulty is symmetric). The
    dual of the regularised problem is the penalised likelihood
    ``sum_labels E_q[log p] - worker_penalty |sigma|^2 / 2 - task_penalty |tau|^2 / 2`` under a uniform
    class prior, which the paper maximises by alternating M-steps over (sigma, tau) with E-steps of the
    true-class posterior ``q``. Here one L-BFGS M-step (at most ``m_step_max_iter`` steps) from the majority
    vote breaks the classes' symmetry, then L-BFGS runs on the penalised marginal likelihood itself (its
    gradient is the M-step's at the current posteriors, so its minima are EM's fixed points) until the
    gradient's largest entry is below ``tol`` or ``max_iter`` steps: the same optimum, several times faster.
    Penalties: as given; otherwise the authors' released defaults (``default_penalties``) times the scale
    among ``penalty_scales`` whose fit on all but one random label per task predicts the held-out labels
    best, or within one standard error of the best with a heavier penalty (``held_out_scores_``,
    ``one_se_choice``; the draw is seeded by ``random_state`` and keyed by name): one extra fit per scale.
    ``sigmas_`` (n_workers, K, K) and ``taus_`` (n_tasks, K, K) are indexed [.., true, observed];
    ``confusions_`` (n_workers, K, K) is each worker's matrix on a task with ``tau = 0``;
    ``log_likelihood_`` the marginal log-likelihood of the labels; ``worker_penalty_`` and ``task_penalty_``
    the penalties used. With ``warm_start`` a refit starts from the last fit's sigmas (and taus when the
    tasks are the same).
    """

    sigmas_: FloatArray
    taus_: FloatArray
    worker_penalty_: float
    task_penalty_: float
    confusions_: FloatArray
    log_likelihood_: float

    def __init__(
        self,
        *,
        worker_penalty: float | None = None,
        task_penalty: float | None = None,
        max_iter: int = 500,
        tol: float = 1e-3,
        m_step_max_iter: int = 25,
        penalty_scales: tuple[float, ...] = PENALTY_SCALES,
        random_state: int | None = 0,
        warm_start: bool = False,
    ) -> None:
        self.worker_penalty = worker_penalty
        self.task_penalty = task_penalty
        self.penalty_scales = penalty_scales
        self.max_iter = max_iter
        self.tol = tol
        self.m_step_max_iter = m_step_max_iter
        self.random_state = random_state
        self.warm_start = warm_start

    def _validate_params(self) -> None:
        for name in ("worker_penalty", "task_penalty"):
            if getattr(self, name) is not None:
                check_positive_float(name, getattr(self, name))
        check_positive_int("max_iter", self.max_iter)
        check_tol("tol", self.tol)
        check_positive_int("m_step_max_iter", self.m_step_max_iter)
        check_seed("random_state", self.random_state)
        for scale in check_sequence("penalty_scales", self.penalty_scales):
            check_positive_float("penalty_scales", scale)

    _dense_shape = "labels x classes x classes, or tasks x classes x classes"

    def dense_cells(self, a: Annotations) -> int:
        """The (n_labels, K, K) per-label confusions of one objective call, (n_tasks, K, K) taus, (n_workers, K, K) sigmas."""
        k2 = a.n_classes * a.n_classes
        return max(a.n_annotations * k2, a.n_tasks * k2, confusion_cells(a))

    def _fit(self, a: Annotations, gold: Gold | None) -> FloatArray:
        """Fit on ``a`` re-coded in name-key order (``in_key_order``): L-BFGS stops on a tolerance, so the
        order of its sums would otherwise carry the file's row order into the labels."""
        b, task_code, worker_code = in_key_order(a)
        coded_gold = None if gold is None else Gold(task=task_code[gold.task], label=gold.label)
        posteriors = self._fit_coded(b, coded_gold)
        labelled = np.bincount(b.task, minlength=b.n_tasks) > 0  # a task nobody labelled stays at the prior
        top = np.sort(posteriors[labelled], axis=1)[:, -2:] if a.n_classes > 1 else np.zeros((0, 2))
        tied = int(np.count_nonzero(top[:, 1] - top[:, 0] < FLAT))
        if tied:
            warn_convergence(
                f"MinimaxEntropy: {tied:,} of {len(top):,} labelled tasks have two classes within {FLAT:g} at the top: the "
                "model cannot tell them apart (its penalties, or task confusions that explain the labels under "
                "any class, outweigh the labels), so their labels are arbitrary; another method labels them "
                "from the votes"
            )
        self.sigmas_, self.confusions_ = self.sigmas_[worker_code], self.confusions_[worker_code]
        self.taus_ = self.taus_[task_code]
        return posteriors[task_code]

    def _fit_coded(self, a: Annotations, gold: Gold | None) -> FloatArray:
        """The fit on key-ordered ``a`` (a warm start matches the last fit's parameters to it by name)."""
        t = triples(counts_of(a))
        self.worker_penalty_, self.task_penalty_ = self._penalties(a, t, gold)
        objective = Objective(
            t, a.n_workers, a.n_tasks, a.n_classes, self.worker_penalty_, self.task_penalty_
        )
        x = self._start(objective, a)
        if len(t.task):
            if not x.any():  # cold: one M-step from the majority vote breaks the classes' symmetry
                start = clamp_gold(vote_shares(a), gold)
                x = lbfgs(objective.value_and_gradient, x, (start,), self.m_step_max_iter).x
            # then EM's fixed point directly: L-BFGS on the penalised marginal likelihood
            result = lbfgs(objective.marginal, x, (gold,), self.max_iter, self.tol)
            x, self.n_iter_ = result.x, result.n_iter
            if not result.converged:
                warn_not_converged("MinimaxEntropy", self.max_iter)
        posteriors, self.log_likelihood_ = objective.posteriors(x, gold)
        self.sigmas_, self.taus_ = objective.split(x)
        log_z = np.logaddexp.reduce(self.sigmas_, axis=2, keepdims=True)
        self.confusions_ = np.exp(self.sigmas_ - log_z)
        return posteriors

    def _penalties(self, a: Annotations, t: Triples, gold: Gold | None) -> tuple[float, float]:
        """The (worker, task) penalties: as given; else the released defaults times the scale among
        ``penalty_scales`` whose fit best predicts held-out labels (``held_out_scores_``, mean log p per label),
        chosen by the one-standard-error rule (``one_se_choice``)."""
        worker, task = default_penalties(t, a.n_classes)
        if self.worker_penalty is not None:
            given = float(self.worker_penalty)
            return given, given * task / worker if self.task_penalty is None else float(self.task_penalty)
        if self.task_penalty is not None:
            return worker, float(self.task_penalty)
        from labelpact.core.aggregators.predictive import label_predictive  # (predictive imports this module)

        scales = tuple(float(s) for s in self.penalty_scales)
        self.held_out_scores_: dict[float, float] = {}
        held = held_out_rows(a, self.random_state)
        if len(scales) > 1 and held.any():
            train, test = a.select(~held), a.select(held)
            logs: dict[float, FloatArray] = {}
            for scale in scales:
                model = MinimaxEntropy(
                    worker_penalty=worker * scale,
                    task_penalty=task * scale,
                    max_iter=self.max_iter,
                    tol=self.tol,
                    m_step_max_iter=self.m_step_max_iter,
                )
                with quiet_convergence():  # a sub-fit that stops at max_iter still scores
                    model.fit(train, gold)
                logs[scale] = np.log(label_predictive(model, train, test.task, test.worker, test.label))
                self.held_out_scores_[scale] = float(np.mean(logs[scale]))
            best = one_se_choice(logs, scales)
        else:
            best = scales[0]
        return worker * best, task * best

    def label_columns(self, task: IntArray, worker: IntArray, label: IntArray) -> FloatArray:
        """p(label_i | true class c, worker_i, task_i) (n, K) under the fit, for labels it may not have seen: the
        fitted sigma and tau; a worker without labels in the fit gets the mean sigma of those with labels."""
        scores = crowd_rows(self.sigmas_, self._worker_seen)[worker] + self.taus_[task]  # (n, K, K)
        columns: FloatArray = np.exp(
            scores[np.arange(len(label)), :, label] - np.logaddexp.reduce(scores, axis=2)
        )
        return columns

    def _start(self, objective: Objective, a: Annotations) -> FloatArray:
        """Zeros (every confusion uniform), or the last fit's parameters with ``warm_start``, matched to the
        workers and tasks of ``a`` by name (a task the last fit did not have starts at zero)."""
        x = np.zeros(objective.size)
        w, k = objective.n_workers, objective.k
        sigmas = warm_rows(self, "sigmas_", (w, k, k), workers=a.workers, classes=a.classes)
        if sigmas is not None:
            x[: w * k * k] = sigmas.ravel()
            taus = warm_task_rows(self, "taus_", a.tasks, cold=0.0)
            if taus is not None and taus.shape[1:] == (k, k):
                x[w * k * k :] = taus.ravel()
        return x


def one_se_choice(logs: dict[float, FloatArray], scales: tuple[float, ...]) -> float:
    """The one-standard-error rule (Hastie, Tibshirani and Friedman, *Elements of Statistical Learning*, 7.10):
    the first of ``scales`` (listed from the heaviest penalty) whose mean held-out log p is within one standard
    error (of its paired difference) of the best scale's. Under ``MIN_HELD_OUT`` held-out labels that error
    cannot be estimated, and the first scale, the authors' default, is kept."""
    best = max(scales, key=lambda scale: float(np.mean(logs[scale])))
    if len(logs[best]) < MIN_HELD_OUT:
        return scales[0]
    for scale in scales:
        gap = logs[best] - logs[scale]
        if float(np.mean(gap)) <= float(np.std(gap, ddof=1)) / np.sqrt(len(gap)):
            return scale
    return best


def held_out_rows(a: Annotations, seed: int | None) -> npt.NDArray[np.bool_]:
    """One label drawn at random from each task with labels from two or more workers (n_annotations,) mask."""
    # by task, then by a key of each label's names (core.keyed): the row order does not move the draw
    order = np.lexsort((annotation_keys(a, seed), a.task))
    first = np.r_[True, a.task[order][1:] != a.task[order][:-1]] if a.n_annotations else np.zeros(0, bool)
    workers = np.bincount(a.task[~a.duplicate_mask()], minlength=a.n_tasks)  # distinct workers per task
    held = np.zeros(a.n_annotations, dtype=bool)
    held[order[first]] = True
    return held & (workers[a.task] >= 2)


def default_penalties(t: Triples, k: int) -> tuple[float, float]:
    """The released defaults of Zhou et al.: worker penalty K^2 / 4, and a task penalty larger by the ratio of the
    mean labels per worker to the mean labels per task (over workers and tasks with a label).

    That ratio is n_tasks / n_workers: a task's confusion, seen through fewer labels than a worker's, is
    shrunk harder towards the worker's alone.
    """
    worker = 0.25 * k * k
    n_workers, n_tasks = np.unique(t.worker).size, np.unique(t.task).size
    return worker, worker * n_tasks / n_workers if n_workers else worker


class Objective:
    """The M-step's negative penalised expected log-likelihood over the label triples ``t`` and its gradient, at
    x = (sigma (n_workers, K, K), tau (n_tasks, K, K)) raveled, and the E-step at x.

    Per triple u the scores are M_u = sigma[w_u] + tau[t_u] (K, K); log p_u(c) = M_u[c, l_u] - logsumexp M_u[c].
    A sparse (n_workers, n_triples) and (n_tasks, n_triples) sum gathers each parameter's gradient.
    """

    def __init__(
        self, t: Triples, n_workers: int, n_tasks: int, k: int, worker_penalty: float, task_penalty: float
    ) -> None:
        self.t, self.n_workers, self.n_tasks, self.k = t, n_workers, n_tasks, k
        self.worker_penalty, self.task_penalty = worker_penalty, task_penalty
        self.size = (n_workers + n_tasks) * k * k
        u = len(t.task)
        ones, rows = np.ones(u), np.arange(u)
        self.by_worker = sp.csr_matrix((ones, (t.worker, rows)), shape=(n_workers, u))
        self.by_task = sp.csr_matrix((ones, (t.task, rows)), shape=(n_tasks, u))

    def split(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """sigma (n_workers, K, K) and tau (n_tasks, K, K), views of ``x``."""
        cut = self.n_workers * self.k * self.k
        return x[:cut].reshape(self.n_workers, self.k, self.k), x[cut:].reshape(self.n_tasks, self.k, self.k)

    def label_log_probs(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """log p_u(c) of each triple's label under each true class (n_triples, K), and p_u (n_triples, K, K)."""
        sigma, tau = self.split(x)
        scores = sigma[self.t.worker]
        scores += tau[self.t.task]
        # max and sum over the small last axis by a loop over classes and einsum: numpy's reduce over an
        # axis of K is several times slower
        top = scores[:, :, 0].copy()
        for observed in range(1, self.k):
            np.maximum(top, scores[:, :, observed], out=top)
        log_p = scores[np.arange(len(self.t.label)), :, self.t.label] - top
        probs = np.subtract(scores, top[:, :, None], out=scores)
        np.exp(probs, out=probs)
        total = np.einsum("ucl->uc", probs)
        probs /= total[:, :, None]
        log_p -= np.log(total)
        return log_p, probs

    def value_and_gradient(self, x: FloatArray, posteriors: FloatArray) -> tuple[float, FloatArray]:
        """-(sum_u count_u sum_c q[t_u, c] log p_u(c)) + the penalties, and its gradient (x's shape)."""
        log_p, probs = self.label_log_probs(x)
        weight = posteriors[self.t.task] * self.t.count[:, None]  # (n_triples, K)
        value = -float(np.einsum("uc,uc->", weight, log_p))
        return self._penalised(x, value, probs, weight)

    def marginal(self, x: FloatArray, gold: Gold | None) -> tuple[float, FloatArray]:
        """-(log-likelihood of the labels, true class summed out) + the penalties, and its gradient: the M-step's
        gradient at the posteriors of ``x`` itself (Fisher's identity), so its minima are EM's fixed points."""
        log_p, probs = self.label_log_probs(x)
        posteriors, log_likelihood = self._e_step(log_p, gold)
        weight = posteriors[self.t.task] * self.t.count[:, None]
        return self._penalised(x, -log_likelihood, probs, weight)

    def _penalised(
        self, x: FloatArray, value: float, probs: FloatArray, weight: FloatArray
    ) -> tuple[float, FloatArray]:
        """``value`` plus the penalties, and the gradient from the label probabilities and weights (n_triples, K)."""
        sigma, tau = self.split(x)
        value += 0.5 * (self.worker_penalty * dot(sigma.ravel(), sigma.ravel()))
        value += 0.5 * (self.task_penalty * dot(tau.ravel(), tau.ravel()))
        # d(-E log p_u)/dM_u[c, l] = weight_u(c) (p_u[c, l] - [l == l_u])
        grad = probs
        grad *= weight[:, :, None]
        grad[np.arange(len(self.t.label)), :, self.t.label] -= weight
        flat = grad.reshape(len(grad), self.k * self.k)
        d_sigma = np.asarray(self.by_worker @ flat).ravel() + self.worker_penalty * sigma.ravel()
        d_tau = np.asarray(self.by_task @ flat).ravel() + self.task_penalty * tau.ravel()
        return value, np.concatenate([d_sigma, d_tau])

    def posteriors(self, x: FloatArray, gold: Gold | None) -> tuple[FloatArray, float]:
        """E-step: true-class posteriors (n_tasks, K) under a uniform prior, gold clamped, and the marginal
        log-likelihood of the labels (gold tasks: of their labels given the gold class)."""
        return self._e_step(self.label_log_probs(x)[0], gold)

    def _e_step(self, log_p: FloatArray, gold: Gold | None) -> tuple[FloatArray, float]:
        scores = np.asarray(self.by_task @ (log_p * self.t.count[:, None])) - np.log(max(self.k, 1))
        if gold is not None and len(gold):  # a gold task's class is known: only its row counts
            known = np.full((len(gold), self.k), -np.inf)
            known[np.arange(len(gold)), gold.label] = scores[gold.task, gold.label]
            scores[gold.task] = known
        posteriors, log_likelihood, _ = normalize_log_posteriors(scores)
        return posteriors, float(log_likelihood)
