"""Calibration of consensus posteriors: make a stated 90% confidence right nine times in ten.

Truth-inference posteriors assume that workers err independently given the true class. Real crowds
share mistakes (an ambiguous item misleads many workers at once), so each extra label carries less
evidence than the model credits and the posteriors are overconfident. The map used here is a
per-task temperature from survey sampling's *design effect* (Kish, *Survey Sampling*, 1965): with an
intra-task correlation ``rho`` between labels, ``n`` labels carry the evidence of
``n / (1 + rho (n - 1))`` independent ones, so the log posterior of a task with ``n`` labels is divided
by ``T = tau * (1 + rho * (n - 1))`` (``tau`` a plain temperature; Guo et al., *On Calibration of Modern
Neural Networks*, ICML 2017). Any ``T > 0`` keeps each task's most probable class.

Without gold, ``rho`` is chosen by a predictive check on labels held out of the fit
(``fit_rho_on_labels``): the tempered posterior of a task, passed through the worker's confusion row,
is a forecast of a label the fit never saw, and the log score of that forecast is a proper score
for the posterior itself when the hidden label is independent of the others given the truth (the
model's own assumption) and the confusion matrix is invertible. Overdispersed tasks (workers split
more often than the model expects) make it choose ``rho > 0``. Its blind spot: errors that every
worker shares on a task, or gold that disagrees with any crowd, look like agreement; gold fixes that.

With gold, the candidates (the no-gold map; ``tau`` fitted on gold on top of it; ``rho`` fitted on gold;
with enough gold, a beta or isotonic map of the top-class probability) are compared by cross-validated log loss on the gold tasks (``fit_on_gold``), each scored only on gold
tasks whose posteriors came from fits that never saw their gold label.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from scipy.optimize import isotonic_regression, minimize, minimize_scalar
from scipy.special import expit

from labelpact.core.annotations import FloatArray, IntArray
from labelpact.errors import InvalidInputError

__all__ = [
    "Calibration",
    "TopLabelMap",
    "expected_calibration_error",
    "fit_on_gold",
    "fit_rho_on_labels",
    "fit_temperature",
    "log_loss",
    "temper",
]

PREDICTIVE_FLOOR = 1e-3  # forecasts of a held-out label are mixed with this much of the uniform
LOG_TAU_BOUNDS = (-3.0, 4.0)  # temperatures between 0.05 and 55
LOG_RHO_BOUNDS = (-9.0, 0.0)  # intra-task correlation between 1e-4 and 1 (0 is checked on its own)
BETA_MIN_GOLD = (
    50  # a three-parameter map needs some gold; fewer gold tasks choose among the one-parameter maps
)
ISOTONIC_MIN_GOLD = (
    200  # a free-form map needs more (Niculescu-Mizil and Caruana, ICML 2005: it overfits small sets)
)
MAX_FIT_GOLD = 1000  # gold tasks a map is fitted on at most (a seeded subset of larger gold sets)
BETA_BOUNDS = [(0.0, None), (0.0, None), (None, None)]  # a, b >= 0 keeps the map increasing


@dataclass(frozen=True, slots=True)
class TopLabelMap:
    """A monotone map ``g`` of each task's top-class probability ``c``; the other classes share ``1 - g(c)``
    in their old proportions, so the top class stays on top (``g`` is held at least at the level that keeps it).

    ``kind`` "beta": ``g(c) = sigmoid(a ln c - b ln(1 - c) + m)``, ``params`` (a, b, m) with a, b >= 0
    (beta calibration: Kull, Silva Filho and Flach, *Beyond sigmoids*, Electronic Journal of Statistics
    11, 2017). ``kind`` "isotonic": linear between ``knots`` (confidences) and ``values`` of an isotonic
    fit (Zadrozny and Elkan, *Transforming classifier scores into accurate multiclass probability
    estimates*, KDD 2002).
    """

    kind: str
    params: tuple[float, ...] = ()
    knots: tuple[float, ...] = ()
    values: tuple[float, ...] = ()

    def __call__(self, confidence: FloatArray) -> FloatArray:
        """``g`` at each confidence (n,)."""
        c = np.clip(np.asarray(confidence, dtype=np.float64), 1e-12, 1.0 - 1e-12)
        if self.kind == "beta":
            a, b, m = self.params
            result: FloatArray = expit(a * np.log(c) - b * np.log1p(-c) + m)
            return result
        interpolated: FloatArray = np.asarray(np.interp(c, self.knots, self.values), dtype=np.float64)
        return interpolated

    def remap(self, probas: FloatArray) -> FloatArray:
        """``probas`` (n, K) with each row's top probability replaced by ``g`` of it, the rest rescaled."""
        n, k = probas.shape
        if not n:
            return probas.copy()
        rows = np.arange(n)
        top = probas.argmax(axis=1)
        c = probas[rows, top]
        second = np.partition(probas, k - 2, axis=1)[:, k - 2] if k > 1 else np.zeros(n)
        others = probas.copy()
        others[rows, top] = 0.0
        rest = others.sum(axis=1)  # summed, not 1 - c: exact even when c is within 1e-10 of one
        keep_top = np.divide(second, rest + second, out=np.zeros(n), where=rest + second > 0)
        g = np.clip(np.maximum(self(c), np.maximum(keep_top, 1.0 / k)), 0.0, 1.0)
        scale = np.divide(1.0 - g, rest, out=np.zeros(n), where=rest > 1e-12)
        out: FloatArray = others * scale[:, None]
        flat = rest <= 1e-12  # a one-hot row: the mass taken from the top goes evenly to the others
        if flat.any() and k > 1:
            out[flat] = ((1.0 - g[flat]) / (k - 1))[:, None]
        out[rows, top] = g
        return out


@dataclass(frozen=True, slots=True)
class Calibration:
    """The map ``T_t = tau * (1 + rho * (n_t - 1))`` applied to the log posteriors of task ``t`` with ``n_t``
    labels, then ``top`` (a ``TopLabelMap``), if any, on each task's top-class probability.

    ``source`` says what chose it ("held-out labels", "N gold tasks", "none"); ``kind`` which candidate
    ("identity", "design effect", "temperature", "design effect + temperature", "design effect on gold",
    "design effect + beta", "design effect + isotonic"); ``log_loss`` is its cross-validated log loss
    on the gold (None without gold).
    """

    rho: float = 0.0
    tau: float = 1.0
    kind: str = "identity"
    source: str = "none"
    log_loss: float | None = None
    top: TopLabelMap | None = None

    def temperatures(self, n_labels: IntArray | FloatArray) -> FloatArray:
        """Per-task temperatures (n_tasks,) for tasks with ``n_labels`` labels each."""
        n = np.maximum(np.asarray(n_labels, dtype=np.float64) - 1.0, 0.0)
        result: FloatArray = self.tau * (1.0 + self.rho * n)
        return result

    def apply(self, members: Sequence[FloatArray], n_labels: IntArray | FloatArray) -> FloatArray:
        """Calibrated posteriors (n_tasks, K): each member's posteriors tempered, averaged, then ``top``."""
        return self.apply_logs(_logs(np.stack(members)), n_labels)

    def apply_logs(self, logs: FloatArray, n_labels: IntArray | FloatArray) -> FloatArray:
        """``apply`` from the members' log posteriors stacked (n_members, n_tasks, K), -inf for a zero.

        A fit takes the logs once and calls this many times; one array keeps each call to a few passes.
        """
        if self.rho == 0 and self.tau == 1:
            tempered = np.exp(logs)
        else:
            tempered = _softmax(logs, self.temperatures(n_labels))
        result: FloatArray = tempered.mean(axis=0)
        return result if self.top is None else self.top.remap(result)


def temper(probas: FloatArray, temperature: float | FloatArray) -> FloatArray:
    """``softmax(log(probas) / T)`` row by row (n, K); ``temperature`` a scalar or one per row, all > 0.

    Zero probabilities stay zero and the largest entry of each row stays the largest.
    """
    t = np.asarray(temperature, dtype=np.float64)
    if np.any(~(t > 0)):
        raise InvalidInputError("temperatures above 0", column="temperature", got=str(t.min()))
    return _softmax(_logs(probas), t)


def _logs(probas: FloatArray) -> FloatArray:
    """Elementwise log (n, K), -inf where a probability is zero."""
    with np.errstate(divide="ignore"):
        result: FloatArray = np.log(np.asarray(probas, dtype=np.float64))
    return result


def _softmax(logs: FloatArray, temperature: float | FloatArray) -> FloatArray:
    """``softmax(logs / T)`` over the last axis of (..., n, K); ``T`` a scalar or (n,); a -inf stays a zero."""
    t = np.asarray(temperature, dtype=np.float64)
    z = logs / (t[:, None] if t.ndim else t)
    if z.size:
        z -= z.max(axis=-1, keepdims=True)
    out: FloatArray = np.exp(z, out=z)
    out /= out.sum(axis=-1, keepdims=True)
    return out


def log_loss(probas: FloatArray, labels: IntArray) -> float:
    """Mean negative log probability of ``labels`` (n,) under ``probas`` (n, K), floored at 1e-12."""
    if not len(labels):
        return 0.0
    p = np.asarray(probas)[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(np.maximum(p, 1e-12))))


def expected_calibration_error(confidence: npt.ArrayLike, correct: npt.ArrayLike, n_bins: int = 10) -> float:
    """ECE: sum over ``n_bins`` equal-width confidence bins of (share of tasks) * |accuracy - mean confidence|.

    Naeini, Cooper and Hauskrecht, *Obtaining Well Calibrated Probabilities Using Bayesian Binning*,
    AAAI 2015. ``confidence`` (n,) in [0, 1], ``correct`` (n,) booleans; 1.0 falls in the last bin. NaN when empty.
    """
    conf = np.asarray(confidence, dtype=np.float64)
    hit = np.asarray(correct, dtype=np.float64)
    if not len(conf):
        return float("nan")
    bins = np.minimum((conf * n_bins).astype(np.intp), n_bins - 1)
    gap = np.bincount(bins, weights=hit - conf, minlength=n_bins)
    return float(np.abs(gap).sum() / len(conf))


def fit_temperature(probas: FloatArray, labels: IntArray) -> float:
    """The temperature minimising the log loss of ``labels`` under ``temper(probas, T)`` (Guo et al. 2017)."""
    return float(np.exp(_minimise(lambda x: log_loss(temper(probas, np.exp(x)), labels), LOG_TAU_BOUNDS)))


def fit_rho_on_labels(
    task_posteriors: Sequence[FloatArray], confusion_rows: Sequence[FloatArray], n_labels: IntArray
) -> float:
    """The intra-task correlation ``rho`` whose design-effect temperatures best forecast held-out labels.

    For each held-out label ``l`` of worker ``w`` on task ``t``, each member model gives the posterior of
    ``t`` from the labels left in (``task_posteriors``, (n_held, K) per member, from fits that never saw
    the held-out labels) and ``w``'s confusion column for ``l`` (``confusion_rows``: entry ``[i, k]`` is
    ``p(l | true k)``, (n_held, K)); ``n_labels`` (n_held,) counts the labels left in on ``t``. The
    forecast is the members' mean of ``sum_k temper(q, T)_k C_k``; ``rho`` maximises its mean log.
    """
    if not len(n_labels) or not task_posteriors:
        return 0.0
    k = task_posteriors[0].shape[1]
    logs = _logs(np.stack(task_posteriors))
    rows = np.stack(confusion_rows)

    def loss(rho: float) -> float:
        t = 1.0 + rho * np.maximum(np.asarray(n_labels, dtype=np.float64) - 1.0, 0.0)
        p = np.mean(
            np.einsum("mnk,mnk->mn", _softmax(logs, t), rows),
            axis=0,
        )
        return float(-np.mean(np.log((1.0 - PREDICTIVE_FLOOR) * p + PREDICTIVE_FLOOR / k)))

    best = float(np.exp(_minimise(lambda x: loss(float(np.exp(x))), LOG_RHO_BOUNDS)))
    return best if loss(best) < loss(0.0) else 0.0


def fit_on_gold(
    members: Sequence[FloatArray],
    n_labels: IntArray,
    labels: IntArray,
    prior: Calibration,
    *,
    n_folds: int = 5,
    random_state: int | None = 0,
) -> Calibration:
    """The candidate map with the lowest cross-validated log loss on the gold tasks.

    ``members`` (n_gold, K) each: out-of-sample posteriors of the gold tasks (fits that did not see
    their gold label); ``n_labels`` (n_gold,) their label counts; ``labels`` (n_gold,) the gold classes.
    Candidates: ``prior`` (the no-gold map, nothing fitted on gold: scored on every gold task); ``tau``
    fitted on top of ``prior``; ``rho`` fitted with ``tau = 1``; with at least ``BETA_MIN_GOLD`` gold
    tasks a beta map, and with ``ISOTONIC_MIN_GOLD`` an isotonic one, of the top-class probability on
    top of ``prior``. Each fitted candidate is fitted on all folds but one and scored on the held-out
    fold; the winner is refitted on all the gold (at most ``MAX_FIT_GOLD`` tasks: a seeded subset of a
    larger gold set). The prior wins ties: it fits nothing.
    """
    labels = np.asarray(labels, dtype=np.intp)
    logs = _logs(np.stack(members))
    if len(labels) > MAX_FIT_GOLD:  # a seeded subset: enough for these maps, and the cost stays flat
        rows = np.sort(np.random.default_rng(random_state).permutation(len(labels))[:MAX_FIT_GOLD])
        logs, n_labels, labels = logs[:, rows], np.asarray(n_labels)[rows], labels[rows]
    n = len(labels)
    prior_loss = log_loss(prior.apply_logs(logs, n_labels), labels)
    keep = replace(prior, log_loss=prior_loss)
    if n < 2:
        return keep
    folds = min(n_folds, n)
    fold = np.random.default_rng(random_state).permutation(n) % folds
    kinds = ["temperature", "rho"]
    kinds += ["beta"] if n >= BETA_MIN_GOLD else []
    kinds += ["isotonic"] if n >= ISOTONIC_MIN_GOLD else []
    scores = {"prior": prior_loss}
    for kind in kinds:
        total = 0.0
        for f in range(folds):
            train, test = fold != f, fold == f
            fitted = _fit_candidate(kind, logs[:, train], n_labels[train], labels[train], prior)
            total += test.sum() * log_loss(fitted.apply_logs(logs[:, test], n_labels[test]), labels[test])
        scores[kind] = total / n
    best = min(scores, key=lambda name: scores[name])
    if best == "prior":
        return keep
    chosen = _fit_candidate(best, logs, n_labels, labels, prior)
    return replace(chosen, source=f"{n} gold tasks", log_loss=scores[best])


def _fit_candidate(
    kind: str, logs: FloatArray, n_labels: IntArray, labels: IntArray, prior: Calibration
) -> Calibration:
    """One candidate of ``fit_on_gold`` fitted on these gold tasks: "temperature" (``tau`` on top of
    ``prior``), "rho" (``rho`` with ``tau = 1``), "beta" or "isotonic" (a top-class map on top of ``prior``)."""
    if kind == "temperature":

        def loss_tau(x: float) -> float:
            return log_loss(Calibration(prior.rho, float(np.exp(x))).apply_logs(logs, n_labels), labels)

        tau = float(np.exp(_minimise(loss_tau, LOG_TAU_BOUNDS)))
        name = "design effect + temperature" if prior.rho > 0 else "temperature"
        return Calibration(prior.rho, tau, name)
    if kind == "rho":

        def loss_rho(x: float) -> float:
            return log_loss(Calibration(float(np.exp(x))).apply_logs(logs, n_labels), labels)

        rho = float(np.exp(_minimise(loss_rho, LOG_RHO_BOUNDS)))
        if log_loss(Calibration(0.0).apply_logs(logs, n_labels), labels) <= loss_rho(np.log(rho)):
            rho = 0.0
        return Calibration(rho, 1.0, "design effect on gold" if rho > 0 else "identity")
    base = Calibration(prior.rho, prior.tau).apply_logs(logs, n_labels)
    confidence = base.max(axis=1)
    hit = (base.argmax(axis=1) == labels).astype(np.float64)
    top = _fit_beta(confidence, hit) if kind == "beta" else _fit_isotonic(confidence, hit)
    return Calibration(prior.rho, prior.tau, f"design effect + {kind}" if prior.rho > 0 else kind, top=top)


def _fit_beta(confidence: FloatArray, hit: FloatArray) -> TopLabelMap:
    """Beta calibration of the top-class probability: logistic regression of ``hit`` on (ln c, -ln(1 - c))."""
    c = np.clip(confidence, 1e-12, 1.0 - 1e-12)
    features = np.column_stack([np.log(c), -np.log1p(-c), np.ones_like(c)])

    def loss(x: FloatArray) -> tuple[float, FloatArray]:
        z = features @ x
        p = expit(z)
        value = float(np.sum(np.logaddexp(0.0, z) - hit * z))
        return value, features.T @ (p - hit)

    result = minimize(loss, np.array([1.0, 1.0, 0.0]), jac=True, method="L-BFGS-B", bounds=BETA_BOUNDS)
    a, b, m = (float(v) for v in result.x)
    return TopLabelMap("beta", params=(a, b, m))


def _fit_isotonic(confidence: FloatArray, hit: FloatArray) -> TopLabelMap:
    """Isotonic regression of ``hit`` on the top-class probability (pool adjacent violators), kept off 0 and 1."""
    order = np.argsort(confidence, kind="stable")
    fitted = isotonic_regression(hit[order]).x
    knots, first = np.unique(confidence[order], return_index=True)
    values = np.maximum.reduceat(fitted, first)  # one value per distinct confidence (ties share a block)
    margin = 0.5 / (len(hit) + 1)
    values = np.clip(values, margin, 1.0 - margin)
    return TopLabelMap("isotonic", knots=tuple(knots.tolist()), values=tuple(values.tolist()))


def _minimise(loss: Callable[[float], float], bounds: tuple[float, float]) -> float:
    """Bounded scalar minimisation (Brent) of ``loss`` over ``bounds``; the argument at the minimum."""
    result = minimize_scalar(loss, bounds=bounds, method="bounded", options={"xatol": 1e-2})
    return float(result.x)
