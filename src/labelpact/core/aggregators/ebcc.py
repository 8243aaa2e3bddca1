"""EBCC: Bayesian classifier combination with subtypes per class that capture correlated worker errors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.special import digamma

from labelpact.core.aggregators.base import (
    Aggregator,
    check_positive_float,
    check_positive_int,
    check_seed,
    check_tol,
    confusion_cells,
    counts_of,
    used_columns,
    warm_rows,
    warn_not_converged,
)
from labelpact.core.aggregators.em_buffers import (
    add_columns_product,
    add_rows_product,
    fill_shifted,
)
from labelpact.core.aggregators.majority_vote import vote_shares
from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.core.kernels import CountMatrix, clamp_gold, normalize_shifted
from labelpact.core.keyed import keyed_grid, mix, name_keys

__all__ = ["EBCC", "UsedPairs", "subtype_shares"]


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
        check_seed("random_state", self.random_state)
        check_positive_int("n_subtypes", self.n_subtypes)
        check_positive_int("max_iter", self.max_iter)
        for name in ("a_pi", "alpha", "a_v", "b_v"):  # Dirichlet concentrations: zero or inf gives NaN
            check_positive_float(name, getattr(self, name))
        check_tol("tol", self.tol)

    _dense_shape = "tasks x classes x subtypes, or workers x classes x classes"

    def dense_cells(self, a: Annotations) -> int:
        """The (n_tasks, K * M) joint posterior and scores, and the (n_workers, K, K) confusions."""
        return max(a.n_tasks * a.n_classes * int(self.n_subtypes), confusion_cells(a))

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

        pairs = UsedPairs(counts)
        scores = np.empty((n, k * m))  # the E-step's scratch, reused (no fresh array, no page faults)
        prior_used = np.repeat(prior_v.T[pairs.label], m, axis=1)  # (n_used, K * M): prior of each used row
        prior_total = np.repeat(prior_v.sum(axis=1), m)  # (K * M,): prior mass of a whole confusion row
        log_norm: FloatArray | None = None  # each row's last log normaliser

        def e_step(
            eta: FloatArray, nu: FloatArray, mu: FloatArray, totals: FloatArray, out: FloatArray | None
        ) -> FloatArray:
            """Joint posterior (n, K * M) of class and subtype, class-major, under these Dirichlets (into ``out``).

            ``mu`` (n_used, K * M) holds the Dirichlet parameters of the used (worker, observed class)
            pairs only, ``totals`` (n_present, K * M) each present worker's row sums over observed classes.
            """
            log_pi = digamma(eta) - digamma(eta.sum(axis=1, keepdims=True))
            log_tau = digamma(nu) - digamma(nu.sum())
            log_v = digamma(mu)
            log_v -= digamma(totals)[pairs.group]
            # (n, K * M), class-major: the prior less the last iteration's row normaliser (no slow per-row
            # max over K * M columns), plus each label's log confusion row (one sparse product)
            nonlocal log_norm
            prior_row = (log_pi + log_tau[:, None]).reshape(k * m)
            add_rows_product(pairs.by_task, log_v, fill_shifted(prior_row, log_norm, scores))
            if len(excluded_rows):
                block = scores[excluded_rows]
                block[excluded_cols] = -np.inf
                scores[excluded_rows] = block
            # every row keeps at least one finite column (a gold task keeps its class)
            joint, _, log_norm = normalize_shifted(scores, log_norm, out)
            return joint

        warm = warm_rows(self, "mu_", (a.n_workers, k, m, k), workers=a.workers, classes=a.classes)
        if warm is not None and self.eta_.shape == (k, m):
            rows = np.moveaxis(warm, -1, 1).reshape(a.n_workers * k, k * m)[pairs.used]
            totals = warm.sum(axis=3).reshape(a.n_workers, k * m)[pairs.present]
            joint = e_step(self.eta_, self.nu_, rows, totals, None)
            posteriors: FloatArray = np.einsum("ikm->ik", joint.reshape(n, k, m))
        else:
            posteriors = clamp_gold(vote_shares(a), gold)
            shares = subtype_shares(a.tasks, a.classes, m, self.random_state).reshape(n, k, m)
            joint = np.multiply(shares, posteriors[:, :, None], out=shares).reshape(n, k * m)
        converged = False
        for iteration in range(1, self.max_iter + 1):
            # column sums by einsum: as fast as BLAS on one thread, and no BLAS threads spinning beside the
            # sparse kernels (which halved this loop's speed on a busy two-core machine)
            eta = self.a_pi / m + np.einsum("ij->j", joint).reshape(k, m)  # (K, M)
            nu = self.alpha + np.einsum("ij->j", posteriors)  # (K,)
            expected = add_columns_product(pairs.by_task, joint, np.zeros((len(pairs.used), k * m)))
            totals = (
                prior_total + np.add.reduceat(expected, pairs.starts, axis=0) if len(expected) else expected
            )
            mu = np.add(expected, prior_used, out=expected)
            joint = e_step(eta, nu, mu, totals, joint)  # the old joint is spent: reuse its memory
            last, posteriors = posteriors, np.einsum("ikm->ik", joint.reshape(n, k, m))  # subtypes summed
            self.n_iter_ = iteration
            if not n or float(np.abs(np.subtract(last, posteriors, out=last)).max()) <= self.tol:
                converged = True
                break
        if not converged:
            warn_not_converged("EBCC", self.max_iter)
        self.eta_, self.nu_ = eta, nu
        self._mu_used = (pairs.used, mu, prior_v, m)
        self.confusions_ = _confusions(pairs, eta, mu, totals, prior_v, prior_used, a.n_workers)
        self.priors_ = nu / nu.sum()
        return posteriors

    @property
    def mu_(self) -> FloatArray:
        """(n_workers, K, M, K) variational Dirichlet parameters, built on demand from the used pairs."""
        if not hasattr(self, "_mu_used"):
            raise AttributeError("mu_")
        used, mu, prior_v, m = self._mu_used
        k = len(prior_v)
        n_workers = len(self._worker_seen) if hasattr(self, "_worker_seen") else int(used.max() // k) + 1
        rows = np.tile(np.repeat(prior_v.T, m, axis=1), (n_workers, 1))  # (W * K_obs, K * M)
        rows[used] = mu
        return np.ascontiguousarray(np.moveaxis(rows.reshape(n_workers, k, k, m), 1, -1))


def _confusions(
    pairs: UsedPairs,
    eta: FloatArray,
    mu: FloatArray,
    totals: FloatArray,
    prior_v: FloatArray,
    prior_used: FloatArray,
    n_workers: int,
) -> FloatArray:
    """Confusions (n_workers, K, K) [w, k, l] = sum_m weight[k, m] mu[w, k, m, l] / total[w, k, m], from the
    Dirichlet parameters ``mu`` (n_used, K * M) of the used (worker, observed class) pairs and the ``totals``
    (n_present, K * M) of the present workers: the prior part for every class, then the used pairs' expected
    counts (no (n_workers, K, M, K) array)."""
    k, m = eta.shape
    prior_total = np.repeat(prior_v.sum(axis=1), m)  # (K * M,): prior mass of a whole confusion row
    all_totals = np.broadcast_to(prior_total, (n_workers, k * m)).copy()
    all_totals[pairs.present] = totals
    share = eta.ravel() / eta.sum(axis=1).repeat(m) / all_totals  # (W, K * M)
    by_observed = np.empty((n_workers, k, k))  # (W, K_obs, K), C order: rows (w, l) below are views
    np.multiply(share.reshape(-1, k, m).sum(axis=2)[:, None, :], prior_v.T[None], out=by_observed)
    extra = ((mu - prior_used) * share[pairs.worker]).reshape(-1, k, m).sum(axis=2)  # (n_used, K)
    by_observed.reshape(n_workers * k, k)[pairs.used] += extra
    return np.ascontiguousarray(np.moveaxis(by_observed, 1, 2))


class UsedPairs:
    """The (worker, observed class) pairs some label used, sorted: at most one per label.

    ``by_task`` (n_tasks, n_used) CSR counts; ``worker`` and ``label`` (n_used,); ``present`` the workers
    with a label, ``starts`` where each one's pairs begin, ``group`` (n_used,) its index in ``present``.
    A pair no label used enters no likelihood term, only its row's total: EBCC's per-iteration cost
    is then O(labels x K x M), not O(workers x K x K x M).
    """

    def __init__(self, counts: CountMatrix) -> None:
        x = counts.by_task
        k = counts.n_classes
        column = x.indices.astype(np.intp)
        self.used, position = used_columns(column, counts.n_workers * k)
        self.worker: IntArray
        self.label: IntArray
        self.worker, self.label = np.divmod(self.used, k)
        self.by_task = sp.csr_matrix((x.data, position, x.indptr), shape=(counts.n_tasks, len(self.used)))
        new_worker = np.r_[True, self.worker[1:] != self.worker[:-1]] if len(self.used) else np.zeros(0, bool)
        self.starts: IntArray = np.flatnonzero(new_worker)
        self.present: IntArray = self.worker[self.starts]
        self.group: IntArray = np.cumsum(new_worker) - 1


def subtype_shares(tasks: Sequence[str], classes: Sequence[str], m: int, seed: int | None) -> FloatArray:
    """The random start's subtype shares of each task's classes (n_tasks, K * M), class-major: Dirichlet(1)
    over the M subtypes of each class, drawn from the task's and the class's name keys (neither the row order
    nor the order the classes sort in moves them)."""
    k = len(classes)
    class_keys = name_keys(tuple(classes), seed)
    subtype = np.arange(1, m + 1, dtype=np.uint64)
    columns = mix(class_keys[:, None] ^ mix(subtype)[None, :]).ravel()  # (K * M,), class-major
    draws = -np.log(keyed_grid(name_keys(tasks, seed), columns)).reshape(len(tasks), k, m)
    draws /= draws.sum(axis=2, keepdims=True)
    return draws.reshape(len(tasks), k * m)
