"""MACE: each worker either knows the answer or spams from a personal label distribution."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import numpy as np
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
from labelpact.core.aggregators.dawid_skene import EMSizes
from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.core.kernels import CountMatrix, gold_mask, group_sum
from labelpact.core.keyed import KeyArray, keyed_grid, keyed_uniform, name_keys
from labelpact.errors import InvalidInputError

__all__ = ["MACE", "MaceData", "MaceKernel", "random_strategies"]

STRATEGY_PRIOR = 10.0  # symmetric Dirichlet concentration on each worker's spam strategy (as crowd-kit)
# random starts are uniform on [1, 1 + default_noise] before normalising: beyond this a start is one class
MAX_NOISE = 1e6
# floor of a worker's knowing/spamming weight: with a small Beta prior (alpha=0.001) exp(digamma) underflows
# to 0, log(0) enters the E-step and two such workers disagreeing give inf - inf (NaN posteriors)
MIN_WEIGHT = 1e-200


class MACE(Aggregator):
    """Multi-Annotator Competence Estimation, variational Bayes (default) or EM, best of ``n_restarts``.

    D. Hovy, T. Berg-Kirkpatrick, A. Vaswani and E. Hovy, *Learning Whom to Trust with MACE*,
    NAACL-HLT 2013. Worker w knows the answer with probability ``skills_[w]`` and otherwise answers
    from ``spam_strategies_[w]`` (n_workers, K). Priors as in crowd-kit: Beta(alpha, beta) on
    competence, symmetric Dirichlet(10) on strategies; restarts draw fresh starts from ``random_state``, keyed by worker name.
    ``confusions_`` (n_workers, K, K) [worker, true, observed] is the implied label distribution.
    With ``warm_start`` a refit runs once, from the last fit's skills and strategies, not ``n_restarts`` times.
    """

    skills_: FloatArray
    spam_strategies_: FloatArray
    confusions_: FloatArray
    log_likelihood_: float

    def __init__(
        self,
        *,
        n_restarts: int = 10,
        max_iter: int = 50,
        tol: float = 1e-5,
        method: Literal["vb", "em"] = "vb",
        alpha: float = 0.5,
        beta: float = 0.5,
        default_noise: float = 0.5,
        random_state: int | None = 0,
        warm_start: bool = False,
    ) -> None:
        self.n_restarts = n_restarts
        self.max_iter = max_iter
        self.tol = tol
        self.method = method
        self.alpha = alpha
        self.beta = beta
        self.default_noise = default_noise
        self.random_state = random_state
        self.warm_start = warm_start

    def _validate_params(self) -> None:
        check_positive_int("n_restarts", self.n_restarts)
        check_seed("random_state", self.random_state)
        check_positive_int("max_iter", self.max_iter)
        check_tol("tol", self.tol)
        check_positive_float("alpha", self.alpha)  # Beta(0, .) is improper: digamma(0) is -inf
        check_positive_float("beta", self.beta)
        if check_tol("default_noise", self.default_noise) > MAX_NOISE:
            raise InvalidInputError(
                f"default_noise to be at most {MAX_NOISE:g}", got=repr(self.default_noise)
            )
        if self.method not in ("vb", "em"):
            raise InvalidInputError("method 'vb' or 'em'", got=repr(self.method))

    def dense_cells(self, a: Annotations) -> int:
        """(n_workers, K, K) confusion matrices."""
        return confusion_cells(a)

    def _fit(self, a: Annotations, gold: Gold | None) -> FloatArray:
        return self.fit_data(MaceKernel(counts_of(a), gold), a.workers, a.classes)

    def fit_data(self, model: MaceData, workers: Sequence[str], classes: Sequence[str]) -> FloatArray:
        """Restarts and variational (or EM) loops over ``model`` (this process's arrays or a cluster's blocks),
        whose worker and class codes name ``workers`` and ``classes``.

        Only per-worker and per-(worker, class) tables cross from ``model`` to the loop, so the same
        loop runs in-process and on a Dask cluster (``labelpact.scale``) with the same result. Random starts
        are keyed by worker and class name (``core.keyed``): neither the row order of the delivery nor the order
        the classes sort in moves them.
        """
        self._validate_params()
        self.n_iter_ = 0
        w, k = model.n_workers, model.n_classes
        keys = name_keys(workers, self.random_state)
        class_keys = name_keys(tuple(classes), self.random_state)
        scale = max(model.n_annotations, 1)
        best: tuple[float, FloatArray, FloatArray, FloatArray, bool, int] | None = None
        skills = warm_rows(self, "skills_", (w,), workers=workers, classes=classes)
        warm = warm_rows(self, "spam_strategies_", (w, k), workers=workers, classes=classes)
        for restart in range(1 if warm is not None else self.n_restarts):
            if skills is not None and warm is not None:
                knowing = np.stack([1.0 - skills, skills], axis=1).clip(1e-6, 1.0 - 1e-6)
                strategies = np.maximum(warm.ravel()[model.used], 1e-12)
            else:
                knowing = 1.0 + self.default_noise * keyed_uniform(keys, 2, stream=2 * restart)
                knowing /= knowing.sum(axis=1, keepdims=True)
                strategies = random_strategies(
                    model.used, keys, class_keys, self.default_noise, 2 * restart + 1
                )
            log_likelihood = model.e_step(knowing, strategies)
            converged = False
            iteration = 0
            while iteration < self.max_iter:
                iteration += 1
                knowing_counts, strategy_counts = model.expected_counts()
                knowing, strategies, unused = self._m_step(model, knowing_counts, strategy_counts)
                new_log_likelihood = model.e_step(knowing, strategies)
                gain = abs(new_log_likelihood - log_likelihood) / scale
                log_likelihood = new_log_likelihood
                if gain < self.tol:
                    converged = True
                    break
            if best is None or log_likelihood > best[0]:
                best = (log_likelihood, knowing, strategies, unused, converged, iteration)
        if best is None:  # unreachable: n_restarts >= 1 was checked
            raise InvalidInputError("n_restarts to be a positive integer", got=repr(self.n_restarts))
        log_likelihood, knowing, strategies, unused, converged, self.n_iter_ = best
        if not converged:
            warn_not_converged("MACE", self.max_iter)
        log_likelihood = model.e_step(knowing, strategies)
        posteriors = model.posteriors()
        self.skills_ = knowing[:, 1] / knowing.sum(axis=1)
        dense = np.repeat(unused[:, None], k, axis=1)  # (W, K): classes a worker never gave hold the prior
        dense.ravel()[model.used] = strategies
        self.spam_strategies_ = dense / dense.sum(axis=1, keepdims=True)
        eye = np.eye(k)[None]
        self.confusions_ = (
            self.skills_[:, None, None] * eye
            + (1 - self.skills_)[:, None, None] * self.spam_strategies_[:, None, :]
        )
        self.log_likelihood_ = log_likelihood
        return posteriors

    def _m_step(
        self, model: MaceData, knowing_counts: FloatArray, strategy_counts: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Normalise expected counts: variational (Beta / Dirichlet priors) or smoothed maximum likelihood.

        Returns (knowing (W, 2), strategies at the used (worker, class) pairs (n_used,), and each
        worker's strategy value for a class it never gave (W,)): the rows are never built densely.
        """
        k = model.n_classes
        totals = group_sum(model.worker, strategy_counts, model.n_workers)  # (W,)
        if self.method == "vb":
            theta_prior = np.array([self.alpha, self.beta])
            log_total = digamma(totals + STRATEGY_PRIOR * k)
            strategies = np.exp(digamma(strategy_counts + STRATEGY_PRIOR) - log_total[model.worker])
            unused = np.exp(digamma(STRATEGY_PRIOR) - log_total)
            knowing = np.maximum(_variational_normalize(knowing_counts, theta_prior), MIN_WEIGHT)
            return knowing, strategies, unused
        smoothing = 0.01 / k
        total = totals + smoothing * k
        return (
            _normalize(knowing_counts + smoothing),
            (strategy_counts + smoothing) / total[model.worker],
            smoothing / total,
        )


class MaceData(EMSizes, Protocol):
    """The annotations as a MACE fit sees them: sizes, the (worker, class) pairs some label used, and E-steps.

    ``MaceKernel`` holds them in this process; ``labelpact.scale`` spreads them over a cluster's blocks.
    """

    @property
    def used(self) -> IntArray:
        """The (worker * K + class) pairs some label used, sorted, (n_used,)."""
        ...

    @property
    def worker(self) -> IntArray:
        """The worker of each used pair, (n_used,)."""
        ...

    def e_step(self, knowing: FloatArray, strategies: FloatArray) -> float:
        """Posteriors under ``knowing`` (W, 2) and ``strategies`` (n_used,), kept; returns the log likelihood."""
        ...

    def expected_counts(self) -> tuple[FloatArray, FloatArray]:
        """Expected (spamming, knowing) counts (W, 2) and spam counts (n_used,) of the last E-step."""
        ...

    def posteriors(self) -> FloatArray:
        """The last E-step's posteriors (n_tasks, K) in task order."""
        ...


def random_strategies(
    used: IntArray, keys: KeyArray, class_keys: KeyArray, noise: float, stream: int, rows: int = 1 << 16
) -> FloatArray:
    """A random start's normalised strategies at the ``used`` pairs (n_used,), drawn as dense (W, K) rows
    would be (same draws, same values), in blocks of ``rows`` workers; ``keys`` (W,) and ``class_keys`` (K,)
    are the workers' and classes' name keys, and cell (w, c) is uniform on [1, 1 + ``noise``] before the row
    is normalised, a function of the two keys."""
    out = np.empty(len(used))
    n_workers, k = len(keys), len(class_keys)
    for first in range(0, n_workers, rows):
        block = 1.0 + noise * keyed_grid(keys[first : first + rows], class_keys, stream)
        block /= block.sum(axis=1, keepdims=True)
        lo, hi = np.searchsorted(used, [first * k, (first + len(block)) * k])
        out[lo:hi] = block.ravel()[used[lo:hi] - first * k]
    return out


class MaceKernel:
    """MACE's E-step and expected counts over the (worker, class) pairs some label used: one compiled pass
    over the labels per iteration (``fused.mace_pass``) and a few passes of length n_used (at most the
    number of labels).

    A worker's strategy for a class it never gave enters no likelihood term, only its row's
    normaliser, so nothing of size n_workers x K is built per iteration (1,000 classes and a million
    workers would be a billion entries).
    """

    def __init__(self, counts: CountMatrix, gold: Gold | None) -> None:
        self.counts = counts
        self.gold = gold
        x = counts.by_task
        k = counts.n_classes
        # used worker * K + class, sorted, and each label's pair among them
        self.used, position = used_columns(x.indices, counts.n_workers * k)
        self.position: IntArray = position.astype(np.int32 if len(self.used) < 2**31 else np.intp)
        self.worker: IntArray = self.used // k
        self.label_of: IntArray = self.used % k  # the class of each used pair
        self.data: FloatArray = np.asarray(x.data, dtype=np.float64)
        self.given: FloatArray = group_sum(position, self.data, len(self.used))
        self.gold_rows: IntArray = (  # gold class per task or -1; nothing without gold
            gold_mask(gold, counts.n_tasks) if gold is not None and len(gold) else np.empty(0, dtype=np.intp)
        )
        self.log_norm: FloatArray | None = None  # kept for callers that reset it; each pass uses row maxima
        self.n_annotations = int(self.given.sum())
        self._last: tuple[FloatArray, FloatArray, FloatArray] | None = None  # knowing, strategies, posteriors
        # the posteriors of the last pass and their mass on each used pair's class (n_used,)
        self._chose: tuple[FloatArray, FloatArray] | None = None

    @property
    def n_workers(self) -> int:
        return self.counts.n_workers

    @property
    def n_classes(self) -> int:
        return self.counts.n_classes

    def _spam(self, knowing: FloatArray, strategies: FloatArray) -> tuple[FloatArray, FloatArray]:
        """P(label l | spamming) and that plus P(label l | knowing l), at the used pairs (n_used,)."""
        spam = knowing[self.worker, 0] * strategies
        return spam, spam + knowing[self.worker, 1]

    def e_step(self, knowing: FloatArray, strategies: FloatArray) -> float:
        """Posteriors (n_tasks, K) under a uniform class prior, kept for ``expected_counts``; the log marginal likelihood.

        The last E-step's posteriors are spent once their counts are taken: their memory is reused.
        """
        out = None if self._last is None else self._last[2]
        posteriors, log_likelihood = self.e_step_posteriors(knowing, strategies, out=out)
        self._last = (knowing, strategies, posteriors)
        return log_likelihood

    def posteriors(self) -> FloatArray:
        if self._last is None:
            raise InvalidInputError("an E-step before the posteriors are read")
        return self._last[2]

    def expected_counts(self) -> tuple[FloatArray, FloatArray]:
        if self._last is None:
            raise InvalidInputError("an E-step before the expected counts are read")
        return self.counts_under(*self._last)

    def e_step_posteriors(
        self, knowing: FloatArray, strategies: FloatArray, *, out: FloatArray | None = None
    ) -> tuple[FloatArray, float]:
        """Posteriors (n_tasks, K) under a uniform class prior (into ``out`` when given), and the log marginal likelihood.

        Every label of a task contributes log P(label | spamming) whatever the true class: that part cancels
        from the posteriors, and its total over all labels comes from the small count table. The same pass
        sums each used pair's posterior mass on its class, which ``counts_under`` then reads.
        """
        from labelpact.core import fused  # numba: imported on the first fit, not with the package

        c = self.counts
        spam, either = self._spam(knowing, strategies)
        log_spam = np.log(spam)
        if (
            out is None
            or out.shape != (c.n_tasks, c.n_classes)
            or out.dtype != np.float64
            or not out.flags.c_contiguous
        ):
            out = np.empty((c.n_tasks, c.n_classes))
        log_evidence, chose_true = fused.mace_pass(
            c.by_task.indptr,
            self.position,
            self.label_of,
            self.data,
            np.log(either) - log_spam,
            self.gold_rows,
            out,
        )
        self._chose = (out, chose_true)
        common = float(np.einsum("i,i->", self.given, log_spam)) - c.n_tasks * np.log(c.n_classes)
        return out, log_evidence + common

    def counts_under(
        self, knowing: FloatArray, strategies: FloatArray, posteriors: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Expected (spamming, knowing) counts (n_workers, 2) and spam counts at the used pairs (n_used,)."""
        from labelpact.core import fused

        spam, either = self._spam(knowing, strategies)
        if self._chose is not None and self._chose[0] is posteriors:  # the pass that wrote them summed them
            chose_true = self._chose[1]
        else:
            posteriors = np.ascontiguousarray(posteriors, dtype=np.float64)
            _, chose_true = fused.mace_pass(
                self.counts.by_task.indptr,
                self.position,
                self.label_of,
                self.data,
                None,
                self.gold_rows,
                posteriors,
            )
        knew = (1.0 - spam / either) * chose_true
        strategy_counts = self.given - knew
        w = self.counts.n_workers
        knowing_counts = np.stack(
            [group_sum(self.worker, strategy_counts, w), group_sum(self.worker, knew, w)], axis=1
        )
        return knowing_counts, strategy_counts


def _normalize(x: FloatArray) -> FloatArray:
    total = x.sum(axis=1, keepdims=True)
    result: FloatArray = np.divide(x, total, out=np.zeros_like(x), where=total > 0)
    return result


def _variational_normalize(counts: FloatArray, prior: FloatArray | float) -> FloatArray:
    """exp(E[log p]) under the Dirichlet posterior ``counts + prior`` (rows sum to less than one)."""
    posterior = counts + prior
    result: FloatArray = np.exp(digamma(posterior) - digamma(posterior.sum(axis=1, keepdims=True)))
    return result
