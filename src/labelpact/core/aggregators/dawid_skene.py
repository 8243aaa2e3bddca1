"""Dawid-Skene with full confusion matrices, and its one-coin (one accuracy per worker) variant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

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
from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.core.kernels import CountMatrix, clamp_gold, gold_mask, safe_log

__all__ = ["DawidSkene", "DawidSkeneData", "EMSizes", "EMTables", "LocalData", "OneCoinDawidSkene"]

EPS = 1e-10  # floor of a confusion cell before normalising, as in crowd-kit


class DawidSkene(Aggregator):
    """Each worker has a confusion matrix; EM from the majority vote, class priors re-estimated.

    A. P. Dawid and A. M. Skene, *Maximum Likelihood Estimation of Observer Error-Rates Using the
    EM Algorithm*, JRSS C 28(1), 1979. ``confusions_`` (n_workers, K, K) is indexed [worker, true,
    observed], ``priors_`` (K,) the class prior; ``smoothing`` adds a pseudo-count to every cell (0 is the paper's maximum likelihood).
    ``pooling`` adds that many pseudo-labels to each row of every worker's matrix, spread as the crowd's
    pooled confusion matrix spreads that row (a hierarchical prior with the crowd's matrix as its mean,
    re-estimated each M-step; Paun et al., *Comparing Bayesian Models of Annotation*, TACL 2018, found
    hierarchical DS among the best models): a worker with few labels borrows the crowd's confusions
    instead of an extreme estimate. ``pooling=1`` took DS from 0.843 to 0.855 mean accuracy on nine real
    datasets (``docs/accuracy.md``); 0 (the default) is the paper's model, equal to crowd-kit's.
    Stops when the log-likelihood per annotation gains less than ``tol``. ``probas_`` and ``priors_`` come
    from the last E-step; ``confusions_`` from the M-step after it (as crowd-kit's), one step ahead: at
    convergence the two agree, at ``max_iter`` an E-step under (``priors_``, ``confusions_``) may differ from
    ``probas_``. With ``warm_start`` a refit starts from the last fit's confusion matrices and prior instead
    of the majority vote.
    """

    confusions_: FloatArray
    priors_: FloatArray
    log_likelihood_: float

    def __init__(
        self,
        *,
        max_iter: int = 100,
        tol: float = 1e-5,
        smoothing: float = 0.0,
        pooling: float = 0.0,
        warm_start: bool = False,
    ) -> None:
        self.max_iter = max_iter
        self.tol = tol
        self.smoothing = smoothing
        self.pooling = pooling
        self.warm_start = warm_start

    def _validate_params(self) -> None:
        check_positive_int("max_iter", self.max_iter)
        check_tol("tol", self.tol)
        check_tol("smoothing", self.smoothing)
        check_tol("pooling", self.pooling)

    def dense_cells(self, a: Annotations) -> int:
        """(n_workers, K, K) confusion matrices."""
        return confusion_cells(a)

    def _fit(self, a: Annotations, gold: Gold | None) -> FloatArray:
        return self.fit_data(LocalData(a, counts_of(a), gold), a.workers, a.classes)

    def fit_data(
        self,
        data: DawidSkeneData,
        workers: Sequence[str] | None = None,
        classes: Sequence[str] | None = None,
    ) -> FloatArray:
        """The EM loop over ``data`` (this process's arrays or a cluster's blocks): posteriors (n_tasks, K).

        Only the small tables of ``EMTables`` cross from ``data`` to the loop, which is why the same loop
        runs in-process and on a Dask cluster (``labelpact.scale``) with the same result. ``workers`` and
        ``classes`` (the names behind the codes) let a ``warm_start`` refit take each worker's own matrix.
        """
        self._validate_params()
        self.n_iter_ = 0
        k = data.n_classes
        start = warm_rows(self, "confusions_", (data.n_workers, k, k), workers=workers, classes=classes)
        if start is not None and self.priors_.shape == (k,):
            priors, confusions = self.priors_.copy(), start
        else:
            tables = data.vote_tables()
            priors = tables.posterior_sum / data.n_tasks if data.n_tasks else np.full(k, 1.0 / k)
            confusions = self._m_step(tables.expected, data.given)
        log_likelihood = -np.inf
        scale = max(data.n_annotations, 1)
        converged = False
        for iteration in range(1, self.max_iter + 1):
            used_priors = priors
            new_log_likelihood, tables = data.em_tables(priors, confusions)
            priors = tables.posterior_sum / data.n_tasks if data.n_tasks else priors
            confusions = self._m_step(tables.expected, data.given)
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
        return data.posteriors()

    def _m_step(self, expected: FloatArray, given: FloatArray) -> FloatArray:
        """Confusion matrices (n_workers, K, K) from expected counts [w, true, observed]; rows sum to one.

        Without smoothing this is the maximum-likelihood estimate: a class a worker never gave has
        probability 0 in every row, and the floor EPS only applies to classes the worker did give
        (crowd-kit's rule, so that a worker's rare true classes are not spread over unseen labels).
        ``given`` (n_workers, K) counts the labels each worker gave per class. With ``pooling``, each row
        gains ``pooling`` pseudo-labels spread as the same row of the crowd's pooled matrix.
        """
        pooling = float(self.pooling)
        if pooling > 0:
            crowd = expected.sum(axis=0)  # (K, K) [true, observed], summed over workers
            rows = crowd.sum(axis=1, keepdims=True)
            share = np.divide(crowd, rows, out=np.full_like(crowd, 1.0 / crowd.shape[1]), where=rows > 0)
            expected = expected + pooling * share[None]
        if self.smoothing > 0:
            expected = expected + float(self.smoothing)
        elif pooling > 0:
            expected = np.maximum(expected, EPS)
        else:
            expected = np.where(given[:, None, :] > 0, np.maximum(expected, EPS), 0.0)
        total = expected.sum(axis=2, keepdims=True)
        result: FloatArray = np.divide(
            expected, total, out=np.full_like(expected, 1.0 / expected.shape[1]), where=total > 0
        )
        return result


class EMTables(NamedTuple):
    """What one E-step leaves for the M-step: posterior mass per class (K,) and expected counts (n_workers, K, K)."""

    posterior_sum: FloatArray
    expected: FloatArray


class EMSizes(Protocol):
    """The sizes an EM loop reads from its data, wherever the data lives."""

    @property
    def n_workers(self) -> int: ...
    @property
    def n_classes(self) -> int: ...
    @property
    def n_annotations(self) -> int: ...


class DawidSkeneData(EMSizes, Protocol):
    """The annotations as a Dawid-Skene fit sees them: sizes, labels given per worker and class, and E-steps.

    ``LocalData`` holds them in this process; ``labelpact.scale`` spreads them over a cluster's blocks.
    """

    @property
    def n_tasks(self) -> int: ...
    @property
    def given(self) -> FloatArray:
        """Labels each worker gave per class, (n_workers, K)."""
        ...

    def vote_tables(self) -> EMTables:
        """The tables of the vote shares (gold clamped): the start of EM."""
        ...

    def em_tables(self, priors: FloatArray, confusions: FloatArray) -> tuple[float, EMTables]:
        """One E-step under ``priors`` (K,) and ``confusions`` (n_workers, K, K): log-likelihood and tables."""
        ...

    def posteriors(self) -> FloatArray:
        """The last E-step's posteriors (n_tasks, K) in task order."""
        ...


class LocalData:
    """``DawidSkeneData`` over one process's arrays; reuses the posteriors' memory from step to step."""

    def __init__(self, a: Annotations, counts: CountMatrix, gold: Gold | None) -> None:
        self.counts = counts
        self.gold = gold
        self.votes = a
        self.n_annotations = a.n_annotations
        self._posteriors: FloatArray | None = None
        self._plain: npt.NDArray[np.bool_] | None = (
            None  # tasks whose counts are all 1: found on the first pass
        )
        # gold class per task or -1, or nothing: the compiled pass clamps gold rows as it writes them
        self._gold_rows: IntArray = (
            gold_mask(gold, counts.n_tasks) if gold is not None and len(gold) else np.empty(0, dtype=np.intp)
        )

    @property
    def n_tasks(self) -> int:
        return self.counts.n_tasks

    @property
    def n_workers(self) -> int:
        return self.counts.n_workers

    @property
    def n_classes(self) -> int:
        return self.counts.n_classes

    @property
    def given(self) -> FloatArray:
        return self.counts.given

    def vote_tables(self) -> EMTables:
        posteriors = clamp_gold(vote_shares(self.votes), self.gold)
        self._posteriors = posteriors
        return EMTables(posteriors.sum(axis=0), self.counts.m_step_counts(posteriors))

    def em_tables(self, priors: FloatArray, confusions: FloatArray) -> tuple[float, EMTables]:
        """One E-step and its M-step tables in one compiled pass over the labels (``fused.ds_pass``), into
        posteriors kept from step to step (no (n_tasks, K) allocation after the first)."""
        from labelpact.core import fused  # numba: imported on the first fit, not with the package

        c = self.counts
        w, k = c.n_workers, c.n_classes
        log_confusions = np.ascontiguousarray(np.moveaxis(safe_log(confusions), -1, 1).reshape(w * k, k))
        posteriors = self._posteriors
        if (
            posteriors is None
            or posteriors.shape != (c.n_tasks, k)
            or posteriors.dtype != np.float64
            or not posteriors.flags.c_contiguous
        ):
            posteriors = np.empty((c.n_tasks, k))
        if self._plain is None:
            self._plain = fused.plain_tasks(c.by_task)
        # the old posteriors are spent (the M-step used them): the pass overwrites them
        log_likelihood, posterior_sum, expected = fused.ds_pass(
            c.by_task, log_confusions, safe_log(priors), self._gold_rows, posteriors, plain=self._plain
        )
        self._posteriors = posteriors
        return log_likelihood, EMTables(
            posterior_sum, np.ascontiguousarray(np.moveaxis(expected.reshape(w, k, k), 1, -1))
        )

    def posteriors(self) -> FloatArray:
        if self._posteriors is None:  # max_iter >= 1 runs an E-step first; kept for a direct caller
            return clamp_gold(vote_shares(self.votes), self.gold)
        return self._posteriors


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

    def _m_step(self, expected: FloatArray, given: FloatArray) -> FloatArray:
        """Skills (n_workers,) as the mean posterior of the class each worker chose; matrices from them.

        The posterior mass on the chosen class is the diagonal of the expected counts (one sparse
        product with K columns, as in Dawid-Skene's M-step).
        """
        w, k = expected.shape[0], expected.shape[1]
        n = given.sum(axis=1)
        skills = np.divide(np.einsum("wkk->w", expected), n, out=np.ones(w), where=n > 0)
        self.skills_ = skills
        off = (1.0 - skills) / (k - 1) if k > 1 else np.zeros_like(skills)
        confusions = np.broadcast_to(off[:, None, None], (w, k, k)).copy()
        confusions[:, np.arange(k), np.arange(k)] = skills[:, None]
        result: FloatArray = np.clip(confusions, EPS, 1 - EPS)
        return result
