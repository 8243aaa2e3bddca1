"""Dawid-Skene with full confusion matrices, and its one-coin (one accuracy per worker) variant."""

from __future__ import annotations

import numpy as np

from labelpact.core.aggregators.base import (
    Aggregator,
    check_positive_int,
    check_tol,
    confusion_cells,
    counts_of,
    warm_rows,
    warn_not_converged,
)
from labelpact.core.aggregators.majority_vote import vote_shares
from labelpact.core.annotations import Annotations, FloatArray, Gold
from labelpact.core.kernels import (
    CountMatrix,
    clamp_gold,
    normalize_log_posteriors,
    safe_log,
)

__all__ = ["DawidSkene", "OneCoinDawidSkene"]

EPS = 1e-10  # floor of a confusion cell before normalising, as in crowd-kit


class DawidSkene(Aggregator):
    """Each worker has a confusion matrix; EM from the majority vote, class priors re-estimated.

    A. P. Dawid and A. M. Skene, *Maximum Likelihood Estimation of Observer Error-Rates Using the
    EM Algorithm*, JRSS C 28(1), 1979. ``confusions_`` (n_workers, K, K) is indexed [worker, true,
    observed], ``priors_`` (K,) the class prior; ``smoothing`` adds a pseudo-count to every cell (0 is the paper's maximum likelihood).
    Stops when the log-likelihood per annotation gains less than ``tol``. With ``warm_start`` a refit
    starts from the last fit's confusion matrices and prior instead of the majority vote.
    """

    confusions_: FloatArray
    priors_: FloatArray
    log_likelihood_: float

    def __init__(
        self, *, max_iter: int = 100, tol: float = 1e-5, smoothing: float = 0.0, warm_start: bool = False
    ) -> None:
        self.max_iter = max_iter
        self.tol = tol
        self.smoothing = smoothing
        self.warm_start = warm_start

    def _validate_params(self) -> None:
        check_positive_int("max_iter", self.max_iter)
        check_tol("tol", self.tol)
        check_tol("smoothing", self.smoothing)

    def dense_cells(self, a: Annotations) -> int:
        """(n_workers, K, K) confusion matrices."""
        return confusion_cells(a)

    def _fit(self, a: Annotations, gold: Gold | None) -> FloatArray:
        counts = counts_of(a)
        k = a.n_classes
        start = warm_rows(self, "confusions_", (a.n_workers, k, k))
        if start is not None and self.priors_.shape == (k,):
            posteriors = np.empty((a.n_tasks, k))  # scratch: the first E-step fills it
            priors, confusions = self.priors_.copy(), start
        else:
            posteriors = clamp_gold(vote_shares(a), gold)
            priors = posteriors.mean(axis=0) if a.n_tasks else np.full(k, 1.0 / k)
            confusions = self._m_step(a, counts, posteriors)
        log_likelihood = -np.inf
        scale = max(a.n_annotations, 1)
        converged = False
        log_norm: FloatArray | None = None
        for iteration in range(1, self.max_iter + 1):
            used_priors = priors
            log_scores = self._e_step(a, counts, confusions)
            log_scores += safe_log(priors)
            # the old posteriors are spent (the M-step used them): reuse their memory
            posteriors, new_log_likelihood, log_norm = normalize_log_posteriors(
                log_scores, log_norm, posteriors
            )
            clamp_gold(posteriors, gold)
            priors = posteriors.mean(axis=0) if a.n_tasks else priors
            confusions = self._m_step(a, counts, posteriors)
            self.n_iter_ = iteration
            gain = (new_log_likelihood - log_likelihood) / scale
            log_likelihood = new_log_likelihood
            if gain < self.tol:
                converged = True
                break
        if not converged:
            warn_not_converged(type(self).__name__, self.max_iter)
        self.confusions_ = confusions
        self.priors_ = used_priors  # the prior behind probas_
        self.log_likelihood_ = float(log_likelihood)
        return posteriors

    def _m_step(self, a: Annotations, counts: CountMatrix, posteriors: FloatArray) -> FloatArray:
        """Confusion matrices (n_workers, K, K) from expected counts; rows sum to one.

        Without smoothing this is the maximum-likelihood estimate: a class a worker never gave has
        probability 0 in every row, and the floor EPS only applies to classes the worker did give
        (crowd-kit's rule, so that a worker's rare true classes are not spread over unseen labels).
        """
        expected = counts.m_step_counts(posteriors)
        if self.smoothing > 0:
            expected = expected + float(self.smoothing)
        else:
            given = counts.given[:, None, :] > 0
            expected = np.where(given, np.maximum(expected, EPS), 0.0)
        total = expected.sum(axis=2, keepdims=True)
        result: FloatArray = np.divide(
            expected, total, out=np.full_like(expected, 1.0 / a.n_classes), where=total > 0
        )
        return result

    def _e_step(self, a: Annotations, counts: CountMatrix, confusions: FloatArray) -> FloatArray:
        """Unnormalised log posteriors (n_tasks, K) without the prior: one sparse product."""
        return counts.e_step_scores(safe_log(confusions))


class OneCoinDawidSkene(DawidSkene):
    """Dawid-Skene where a worker is right with probability ``skills_[w]`` and otherwise errs uniformly.

    Y. Zhang, X. Chen, D. Zhou and M. I. Jordan, *Spectral Methods Meet EM: A Provably Optimal
    Algorithm for Crowdsourcing*, JMLR 17, 2016 (the one-coin model). ``skills_`` (n_workers,) is each
    worker's expected accuracy; ``confusions_`` holds the implied matrices.
    """

    skills_: FloatArray

    def __init__(self, *, max_iter: int = 100, tol: float = 1e-5, warm_start: bool = False) -> None:
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start

    def _validate_params(self) -> None:
        check_positive_int("max_iter", self.max_iter)
        check_tol("tol", self.tol)

    def _m_step(self, a: Annotations, counts: CountMatrix, posteriors: FloatArray) -> FloatArray:
        """Skills (n_workers,) as the mean posterior of the class each worker chose; matrices from them.

        The posterior mass on the chosen class is the diagonal of the expected counts (one sparse
        product with K columns, as in Dawid-Skene's M-step).
        """
        k = a.n_classes
        expected = counts.m_step_counts(posteriors)  # (n_workers, K_true, K_observed)
        n = counts.given.sum(axis=1)
        skills = np.divide(np.einsum("wkk->w", expected), n, out=np.ones(a.n_workers), where=n > 0)
        self.skills_ = skills
        off = (1.0 - skills) / (k - 1) if k > 1 else np.zeros_like(skills)
        confusions = np.broadcast_to(off[:, None, None], (a.n_workers, k, k)).copy()
        confusions[:, np.arange(k), np.arange(k)] = skills[:, None]
        result: FloatArray = np.clip(confusions, EPS, 1 - EPS)
        return result
