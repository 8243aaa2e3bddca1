"""EBCC: Bayesian classifier combination with subtypes per class that capture correlated worker errors."""

from __future__ import annotations

import numpy as np
from scipy.special import digamma

from labelpact.core.aggregators.base import (
    Aggregator,
    check_positive_float,
    check_positive_int,
    check_tol,
    warn_not_converged,
)
from labelpact.core.aggregators.majority_vote import vote_shares
from labelpact.core.annotations import Annotations, FloatArray, Gold
from labelpact.core.kernels import clamp_gold, count_matrix

__all__ = ["EBCC"]


class EBCC(Aggregator):
    """Enhanced Bayesian Classifier Combination, mean-field variational inference.

    Y. Li, B. I. P. Rubinstein and T. Cohn, *Exploiting Worker Correlation for Label Aggregation in
    Crowdsourcing*, ICML 2019. Each true class has ``n_subtypes`` latent subtypes, each worker a
    confusion matrix per (class, subtype) with a Dirichlet prior of ``a_v`` on the diagonal and ``b_v``
    elsewhere; defaults are the paper's. ``confusions_`` (n_workers, K, K) [worker, true, observed]
    averages the subtypes by their expected weight.
    """

    confusions_: FloatArray
    priors_: FloatArray

    def __init__(
        self,
        *,
        n_subtypes: int = 10,
        a_pi: float = 0.1,
        alpha: float = 1.0,
        a_v: float = 4.0,
        b_v: float = 1.0,
        max_iter: int = 500,
        tol: float = 1e-3,
        random_state: int | None = 0,
    ) -> None:
        self.n_subtypes = n_subtypes
        self.a_pi = a_pi
        self.alpha = alpha
        self.a_v = a_v
        self.b_v = b_v
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _validate_params(self) -> None:
        check_positive_int("n_subtypes", self.n_subtypes)
        check_positive_int("max_iter", self.max_iter)
        for name in ("a_pi", "alpha", "a_v", "b_v"):  # Dirichlet concentrations: zero or inf gives NaN
            check_positive_float(name, getattr(self, name))
        check_tol("tol", self.tol)

    def _fit(self, a: Annotations, gold: Gold | None) -> FloatArray:
        counts = count_matrix(a)
        n, k, m = a.n_tasks, a.n_classes, int(self.n_subtypes)
        prior_v = np.full((k, k), float(self.b_v))
        np.fill_diagonal(prior_v, float(self.a_v))
        rng = np.random.default_rng(self.random_state)
        posteriors = clamp_gold(vote_shares(a), gold)
        # (class, subtype) pairs a gold task cannot have: every column but its gold class's M subtypes
        excluded = np.zeros((n, k), dtype=bool)
        if gold is not None and len(gold):
            excluded[gold.task] = True
            excluded[gold.task, gold.label] = False
        excluded_rows = np.flatnonzero(excluded.any(axis=1))
        excluded_cols = np.repeat(excluded[excluded_rows], m, axis=1)
        joint = (rng.dirichlet(np.ones(m), size=(n, k)) * posteriors[:, :, None]).reshape(n, k * m)
        converged = False
        for iteration in range(1, self.max_iter + 1):
            eta = self.a_pi / m + joint.sum(axis=0).reshape(k, m)  # (K, M)
            nu = self.alpha + posteriors.sum(axis=0)  # (K,)
            mu = prior_v[None, :, None, :] + counts.m_step_counts(joint).reshape(-1, k, m, k)
            log_pi = digamma(eta) - digamma(eta.sum(axis=1, keepdims=True))
            log_tau = digamma(nu) - digamma(nu.sum())
            log_v = digamma(mu) - digamma(mu.sum(axis=3, keepdims=True))
            scores = counts.e_step_scores(log_v)  # (n, K * M), class-major
            scores += (log_pi + log_tau[:, None]).reshape(k * m)
            if len(excluded_rows):
                block = scores[excluded_rows]
                block[excluded_cols] = -np.inf
                scores[excluded_rows] = block
            # every row keeps at least one finite column (a gold task keeps its class), so the max is finite
            scores -= scores.max(axis=1, keepdims=True) if n else 0.0
            joint = np.exp(scores, out=scores)
            joint /= joint.sum(axis=1, keepdims=True)
            last, posteriors = posteriors, joint.reshape(n, k, m).sum(axis=2)
            self.n_iter_ = iteration
            if not n or float(np.max(np.abs(last - posteriors))) <= self.tol:
                converged = True
                break
        if not converged:
            warn_not_converged("EBCC", self.max_iter)
        weights = eta / eta.sum(axis=1, keepdims=True)  # (K, M)
        expected_v = mu / mu.sum(axis=3, keepdims=True)
        self.confusions_ = np.einsum("km,wkml->wkl", weights, expected_v)
        self.priors_ = nu / nu.sum()
        return posteriors
