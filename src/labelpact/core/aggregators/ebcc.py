"""EBCC: Bayesian classifier combination with subtypes per class that capture correlated worker errors."""

from __future__ import annotations

import numpy as np
from scipy.special import digamma

from labelpact.core.aggregators.base import (
    Aggregator,
    check_positive_float,
    check_positive_int,
    check_tol,
    counts_of,
    warm_rows,
    warn_not_converged,
)
from labelpact.core.aggregators.majority_vote import vote_shares
from labelpact.core.annotations import Annotations, FloatArray, Gold
from labelpact.core.kernels import CountMatrix, clamp_gold, normalize_log_posteriors

__all__ = ["EBCC"]


class EBCC(Aggregator):
    """Enhanced Bayesian Classifier Combination, mean-field variational inference.

    Y. Li, B. I. P. Rubinstein and T. Cohn, *Exploiting Worker Correlation for Label Aggregation in
    Crowdsourcing*, ICML 2019. Each true class has ``n_subtypes`` latent subtypes, each worker a
    confusion matrix per (class, subtype) with a Dirichlet prior of ``a_v`` on the diagonal and ``b_v``
    elsewhere; defaults are the paper's. ``confusions_`` (n_workers, K, K) [worker, true, observed]
    averages the subtypes by their expected weight. The variational Dirichlet parameters, in the
    paper's notation, are kept: ``eta_`` (K, M) over subtypes, ``nu_`` (K,) over classes, ``mu_``
    (n_workers, K, M, K) over each worker's subtype confusion rows. With ``warm_start`` a refit
    starts from them (one E-step) instead of random subtype weights on the majority vote.
    """

    confusions_: FloatArray
    priors_: FloatArray
    eta_: FloatArray
    nu_: FloatArray
    mu_: FloatArray

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
        warm_start: bool = False,
    ) -> None:
        self.n_subtypes = n_subtypes
        self.a_pi = a_pi
        self.alpha = alpha
        self.a_v = a_v
        self.b_v = b_v
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.warm_start = warm_start

    def _validate_params(self) -> None:
        check_positive_int("n_subtypes", self.n_subtypes)
        check_positive_int("max_iter", self.max_iter)
        for name in ("a_pi", "alpha", "a_v", "b_v"):  # Dirichlet concentrations: zero or inf gives NaN
            check_positive_float(name, getattr(self, name))
        check_tol("tol", self.tol)

    def _fit(self, a: Annotations, gold: Gold | None) -> FloatArray:
        counts = counts_of(a)
        n, k, m = a.n_tasks, a.n_classes, int(self.n_subtypes)
        prior_v = np.full((k, k), float(self.b_v))
        np.fill_diagonal(prior_v, float(self.a_v))
        excluded = np.zeros((n, k), dtype=bool)  # (class, subtype) pairs a gold task cannot have
        if gold is not None and len(gold):
            excluded[gold.task] = True
            excluded[gold.task, gold.label] = False
        excluded_rows = np.flatnonzero(excluded.any(axis=1))
        excluded_cols = np.repeat(excluded[excluded_rows], m, axis=1)

        scores_of = _BlockedScores(counts, k * m)
        log_norm: FloatArray | None = None  # each row's last log normaliser
        ones = np.ones(n)
        by_class = np.repeat(np.eye(k), m, axis=0)  # (K * M, K): joint @ by_class sums the subtypes (BLAS)

        def e_step(eta: FloatArray, nu: FloatArray, mu: FloatArray, out: FloatArray | None) -> FloatArray:
            """Joint posterior (n, K * M) of class and subtype, class-major, under these Dirichlets (into ``out``)."""
            log_pi = digamma(eta) - digamma(eta.sum(axis=1, keepdims=True))
            log_tau = digamma(nu) - digamma(nu.sum())
            log_v = digamma(mu) - digamma(mu.sum(axis=3, keepdims=True))
            scores = scores_of(log_v)  # (n, K * M), class-major
            scores += (log_pi + log_tau[:, None]).reshape(k * m)
            if len(excluded_rows):
                block = scores[excluded_rows]
                block[excluded_cols] = -np.inf
                scores[excluded_rows] = block
            # every row keeps at least one finite column (a gold task keeps its class); the last
            # iteration's row normalisers shift the scores (no slow per-row max over K * M columns)
            nonlocal log_norm
            joint, _, log_norm = normalize_log_posteriors(scores, log_norm, out)
            return joint

        warm = warm_rows(self, "mu_", (a.n_workers, k, m, k))
        if warm is not None and self.eta_.shape == (k, m):
            joint = e_step(self.eta_, self.nu_, warm, None)
            posteriors = joint @ by_class
        else:
            rng = np.random.default_rng(self.random_state)
            posteriors = clamp_gold(vote_shares(a), gold)
            shares = rng.dirichlet(np.ones(m), size=(n, k))  # (n, K, M) subtype shares of each class
            joint = np.multiply(shares, posteriors[:, :, None], out=shares).reshape(n, k * m)
        converged = False
        for iteration in range(1, self.max_iter + 1):
            eta = self.a_pi / m + (ones @ joint).reshape(k, m)  # (K, M); column sums by BLAS
            nu = self.alpha + posteriors.sum(axis=0)  # (K,)
            mu = prior_v[None, :, None, :] + counts.m_step_counts(joint).reshape(-1, k, m, k)
            joint = e_step(eta, nu, mu, joint)  # the old joint is spent: reuse its memory
            last, posteriors = posteriors, joint @ by_class
            self.n_iter_ = iteration
            if not n or float(np.max(np.abs(last - posteriors))) <= self.tol:
                converged = True
                break
        if not converged:
            warn_not_converged("EBCC", self.max_iter)
        self.eta_, self.nu_, self.mu_ = eta, nu, mu
        weights = eta / eta.sum(axis=1, keepdims=True)  # (K, M)
        expected_v = mu / mu.sum(axis=3, keepdims=True)
        self.confusions_ = np.einsum("km,wkml->wkl", weights, expected_v)
        self.priors_ = nu / nu.sum()
        return posteriors


class _BlockedScores:
    """``CountMatrix.e_step_scores`` for (n_workers, K, M, K) log confusions, into one reused buffer.

    The whole product would allocate a fresh (n_tasks, K * M) array every iteration, whose first
    touch costs page faults (a third of the E-step at 1M labels); blocks of ``rows`` tasks write into
    a buffer that stays resident. Each row's sum runs in the same order: the result is bit-identical.
    """

    def __init__(self, counts: CountMatrix, width: int, rows: int = 16384) -> None:
        x = counts.by_task
        self.n_workers, self.n_classes = counts.n_workers, counts.n_classes
        self.blocks = [(start, x[start : start + rows]) for start in range(0, counts.n_tasks, rows)]
        self.out = np.empty((counts.n_tasks, width))

    def __call__(self, log_confusions: FloatArray) -> FloatArray:
        moved = np.moveaxis(log_confusions, -1, 1)  # (W, K_observed, K_true, M)
        dense = np.ascontiguousarray(moved.reshape(self.n_workers * self.n_classes, self.out.shape[1]))
        for start, block in self.blocks:
            self.out[start : start + block.shape[0]] = block @ dense
        return self.out
