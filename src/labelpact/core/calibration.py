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
worker shares on a task, or gold that disagrees with any crowd, look like agreement. No label model
can see those, so a second step, the crowd-share deflation (``calibration_maps.crowd_deflate``), says
how often they happen in real deliveries: with probability ``CROWD_WEIGHT`` a task is ambiguous, and
then its consensus class is right only as often as the crowd chose it. ``CROWD_WEIGHT`` is one number
learned across nine public crowdsourcing datasets with gold (``fit_crowd_weight``, 0.40; fitted on
eight and tested on the ninth, it ranged from 0.34 to 0.43 and cut the mean ECE of the stored
confidence from 0.083 to 0.061: ``benchmarks/calibration.py --lodo``). Its price: a crowd whose workers
truly err independently is left underconfident (conservative) until gold says otherwise.

With gold, the candidates (the no-gold map; ``tau``, ``rho`` or the crowd weight fitted on gold; with
enough gold, a beta or isotonic map of the top-class probability) are scored by cross-validated
top-label log loss on the gold tasks (the binary log loss of the stated confidence), each only on gold tasks whose posteriors came from fits that never saw their
gold label, and blended by those scores (pseudo-BMA, ``fit_on_gold``). Each map fitted on gold is shrunk
toward the no-gold map, which counts as ``PRIOR_TASKS`` gold tasks: with a handful of gold the no-gold
map mostly stands, with hundreds the gold decides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import minimize_scalar

from labelpact.core.annotations import Annotations, FloatArray, IntArray
from labelpact.core.calibration_maps import (
    TopLabelMap,
    crowd_deflate,
    fit_beta,
    fit_crowd_weight,
    fit_isotonic,
)
from labelpact.core.calibration_scores import (
    expected_calibration_error,
    log_loss,
    shrunk_targets,
    top_log_loss,
)
from labelpact.core.kernels import vote_counts
from labelpact.errors import InvalidInputError

__all__ = [
    "CROWD_WEIGHT",
    "Calibration",
    "TopLabelMap",
    "expected_calibration_error",
    "fit_crowd_weight",
    "fit_on_gold",
    "fit_rho_on_labels",
    "fit_temperature",
    "log_loss",
    "no_gold_calibration",
    "temper",
    "vote_shares",
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
# How often a task is ambiguous (its consensus right only as often as the crowd chose it): fitted on nine
# public datasets with gold (benchmarks/calibration.py --lodo); read at call time, so a study can set it
CROWD_WEIGHT = 0.40
# how a blend's kind names its maps: the no-gold map, or the part of it fitted on gold
CANDIDATE_NAMES = {
    "prior": "no-gold map",
    "temperature": "temperature",
    "rho": "design effect",
    "crowd": "crowd share",
    "beta": "beta",
    "isotonic": "isotonic",
}
BLEND_FLOOR = 1e-3  # candidates whose pseudo-BMA weight is below this are left out of the blend
# How many gold tasks the no-gold map counts as when a map is fitted on gold: p(1 - p) / d^2, the gold
# sample whose standard error of accuracy (p ~ 0.86) equals the no-gold map's typical miss of a dataset's
# accuracy (d, 0.058 RMS over nine public datasets; 32-63 leaving each out). Mean ECE with 10% gold is
# flat from 12 to 100 (benchmarks/calibration.py); 0, the gold alone, is worse. Read at call time.
PRIOR_TASKS = 36.0


@dataclass(frozen=True, slots=True)
class Calibration:
    """The map ``T_t = tau * (1 + rho * (n_t - 1))`` applied to the log posteriors of task ``t`` with ``n_t``
    labels, then the crowd-share deflation with weight ``crowd`` (``calibration_maps.crowd_deflate``),
    then ``top`` (a ``TopLabelMap``), if any, on each task's top-class probability.

    ``blend``, when not empty, holds (weight, map) pairs and the map is their weighted mean (``fit_on_gold``;
    the other fields are then the heaviest map's). ``source`` says what chose it ("held-out labels",
    "N gold tasks", "none"); ``kind`` which candidate
    (e.g. "identity", "design effect + crowd share", "design effect + temperature", "design effect on gold",
    "crowd share on gold", "design effect + beta"); ``log_loss`` is its cross-validated top-label log loss
    on the gold (None without gold).
    """

    rho: float = 0.0
    tau: float = 1.0
    kind: str = "identity"
    source: str = "none"
    log_loss: float | None = None
    top: TopLabelMap | None = None
    crowd: float = 0.0
    blend: tuple[tuple[float, Calibration], ...] = ()

    def temperatures(self, n_labels: IntArray | FloatArray) -> FloatArray:
        """Per-task temperatures (n_tasks,) for tasks with ``n_labels`` labels each."""
        n = np.maximum(np.asarray(n_labels, dtype=np.float64) - 1.0, 0.0)
        result: FloatArray = self.tau * (1.0 + self.rho * n)
        return result

    def apply(
        self, members: Sequence[FloatArray], n_labels: IntArray | FloatArray, shares: FloatArray | None = None
    ) -> FloatArray:
        """Calibrated posteriors (n_tasks, K): each member's posteriors tempered, averaged, deflated towards
        the vote ``shares`` (n_tasks, K; ``vote_shares``, needed when ``crowd > 0``), then ``top``."""
        return self.apply_logs(_logs(np.stack(members)), n_labels, shares)

    def apply_logs(
        self, logs: FloatArray, n_labels: IntArray | FloatArray, shares: FloatArray | None = None
    ) -> FloatArray:
        """``apply`` from the members' log posteriors stacked (n_members, n_tasks, K), -inf for a zero.

        A fit takes the logs once and calls this many times; one array keeps each call to a few passes.
        A blend tempers once per distinct (``rho``, ``tau``) of its maps.
        """
        if not self.blend:
            return self._finish(self._tempered_mean(logs, n_labels), shares)
        means: dict[tuple[float, float], FloatArray] = {}
        total: FloatArray = np.zeros(logs.shape[1:])
        for weight, part in self.blend:
            key = (part.rho, part.tau)
            if key not in means:
                means[key] = part._tempered_mean(logs, n_labels)
            total += weight * part._finish(means[key], shares)
        return total

    def _tempered_mean(self, logs: FloatArray, n_labels: IntArray | FloatArray) -> FloatArray:
        """The members' posteriors tempered by this map's temperatures and averaged (n_tasks, K)."""
        if self.rho == 0 and self.tau == 1:
            tempered = np.exp(logs)
        else:
            tempered = _softmax(logs, self.temperatures(n_labels))
        result: FloatArray = tempered.mean(axis=0)
        return result

    def _finish(self, mean: FloatArray, shares: FloatArray | None) -> FloatArray:
        """The crowd-share deflation, then ``top``, applied to a tempered mean (n_tasks, K)."""
        result = mean
        if self.crowd > 0:
            if shares is None:
                raise InvalidInputError("vote shares for a crowd-share calibration", column="shares")
            result = crowd_deflate(result, shares, self.crowd)
        return result if self.top is None else self.top.remap(result)


def no_gold_calibration(rho: float) -> Calibration:
    """The map used without gold: the design effect with ``rho`` from held-out labels (0: none), then the
    crowd-share deflation with the cross-dataset ``CROWD_WEIGHT`` (read now, so a study may change it)."""
    kind = " + ".join(
        part for part, used in (("design effect", rho > 0), ("crowd share", CROWD_WEIGHT > 0)) if used
    )
    source = "held-out labels" if rho > 0 else "none"
    if CROWD_WEIGHT > 0:
        source += "; crowd weight learned on public datasets"
    return Calibration(rho, 1.0, kind or "identity", source, crowd=CROWD_WEIGHT)


def vote_shares(a: Annotations) -> FloatArray:
    """Share of each task's labels given to each class (n_tasks, K); a row of zeros for a task nobody labelled."""
    votes = vote_counts(a)
    total = votes.sum(axis=1, keepdims=True)
    shares: FloatArray = np.divide(votes, total, out=np.zeros_like(votes), where=total > 0)
    return shares


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
    shares: FloatArray | None = None,
    n_folds: int = 5,
    random_state: int | None = 0,
) -> Calibration:
    """The candidate maps blended by their cross-validated top-label log loss (``top_log_loss``: the proper
    score of a stated confidence; the full log loss let a few confidently wrong gold tasks flatten them all).

    ``members`` (n_gold, K) each: out-of-sample posteriors of the gold tasks (fits that did not see
    their gold label); ``n_labels`` (n_gold,) their label counts; ``labels`` (n_gold,) the gold classes;
    ``shares`` (n_gold, K) their vote shares (``vote_shares``; needed when ``prior.crowd > 0``).
    Candidates: ``prior`` (the no-gold map, nothing fitted on gold: scored on every gold task); ``tau``,
    ``rho`` (with ``tau = 1``) or the crowd weight fitted on top of ``prior``'s design effect; with at
    least ``BETA_MIN_GOLD`` gold tasks a beta map, and with ``ISOTONIC_MIN_GOLD`` an isotonic one, of the
    top-class probability on top of the design effect. Only the crowd candidate keeps a crowd weight.
    Each fitted candidate is fitted on all folds but one, shrunk toward ``prior`` (its targets are the gold
    classes plus ``prior``'s posteriors of the same tasks counted as ``PRIOR_TASKS`` gold tasks in all: a
    few gold tasks that happen to be right cannot sharpen every confidence to one), and scored on the
    held-out fold's gold classes alone; candidate ``i`` with mean held-out loss ``L_i`` gets the weight
    ``exp(-n_gold L_i)``, normalised (pseudo-BMA:
    Yao, Vehtari, Simpson and Gelman, *Using stacking to average Bayesian predictive distributions*,
    Bayesian Analysis 13, 2018), so a few gold tasks spread the weight and many pick the best map. The
    calibrated posteriors are the weighted mean of the maps refitted on all the gold (at most
    ``MAX_FIT_GOLD`` tasks: a seeded subset of a larger gold set); weights under ``BLEND_FLOOR`` are dropped.
    """
    labels = np.asarray(labels, dtype=np.intp)
    logs = _logs(np.stack(members))
    n_labels = np.asarray(n_labels)
    k = logs.shape[-1]
    shares = np.zeros((len(labels), k)) if shares is None else np.asarray(shares, dtype=np.float64)
    if len(labels) > MAX_FIT_GOLD:  # a seeded subset: enough for these maps, and the cost stays flat
        rows = np.sort(np.random.default_rng(random_state).permutation(len(labels))[:MAX_FIT_GOLD])
        logs, n_labels, labels, shares = logs[:, rows], n_labels[rows], labels[rows], shares[rows]
    n = len(labels)
    prior_probas = prior.apply_logs(logs, n_labels, shares)
    onehot = np.eye(k)[labels]
    prior_loss = top_log_loss(prior_probas, onehot)
    keep = replace(prior, log_loss=prior_loss)
    if n < 2:
        return keep
    folds = min(n_folds, n)
    fold = np.random.default_rng(random_state).permutation(n) % folds
    kinds = ["temperature", "rho", "crowd"] if prior.crowd > 0 else ["temperature", "rho"]
    kinds += ["beta"] if n >= BETA_MIN_GOLD else []
    kinds += ["isotonic"] if n >= ISOTONIC_MIN_GOLD else []
    scores = {"prior": prior_loss}
    for kind in kinds:
        total = 0.0
        for f in range(folds):
            tr, te = fold != f, fold == f
            targets = shrunk_targets(labels[tr], prior_probas[tr], PRIOR_TASKS)
            fitted = _fit_candidate(kind, logs[:, tr], n_labels[tr], shares[tr], targets, prior)
            total += te.sum() * top_log_loss(
                fitted.apply_logs(logs[:, te], n_labels[te], shares[te]), onehot[te]
            )
        scores[kind] = total / n
    best = min(scores, key=lambda name: scores[name])
    weights = {name: float(np.exp(-n * (score - scores[best]))) for name, score in scores.items()}
    total = sum(weights.values())
    targets = shrunk_targets(labels, prior_probas, PRIOR_TASKS)
    parts = tuple(
        (w / total, keep if name == "prior" else _fit_candidate(name, logs, n_labels, shares, targets, prior))
        for name, w in weights.items()
        if w / total >= BLEND_FLOOR
    )
    if len(parts) == 1:
        return (
            keep if best == "prior" else replace(parts[0][1], source=f"{n} gold tasks", log_loss=scores[best])
        )
    head = max(parts, key=lambda part: part[0])[1]
    used = [name for name, w in weights.items() if w / total >= BLEND_FLOOR]
    kind = "blend of " + ", ".join(
        f"{CANDIDATE_NAMES[name]} {w:.2f}" for name, (w, _) in zip(used, parts, strict=True)
    )
    return replace(head, kind=kind, source=f"{n} gold tasks", log_loss=scores[best], blend=parts)


def _fit_candidate(
    kind: str,
    logs: FloatArray,
    n_labels: IntArray,
    shares: FloatArray,
    targets: FloatArray,
    prior: Calibration,
) -> Calibration:
    """One candidate of ``fit_on_gold`` fitted to these gold tasks' soft ``targets`` (n, K; the gold classes
    shrunk toward the no-gold map, ``calibration_scores.shrunk_targets``): "temperature" (``tau``), "rho" (``rho``
    with ``tau = 1``), "crowd" (the crowd weight), "beta" or "isotonic" (a top-class map), each on top of
    ``prior``'s design effect. Only "crowd" keeps the crowd-share deflation (refitted): a map fitted on
    gold learns from the gold what the cross-dataset weight only guesses."""
    plain = replace(prior, top=None, log_loss=None, crowd=0.0)
    if kind in ("beta", "isotonic"):
        base = plain.apply_logs(logs, n_labels, shares)
        confidence = base.max(axis=1)
        hit = targets[np.arange(len(targets)), base.argmax(axis=1)]
        top = fit_beta(confidence, hit) if kind == "beta" else fit_isotonic(confidence, hit)
        return _named(replace(plain, top=top))
    build: dict[str, Callable[[float], Calibration]] = {
        "temperature": lambda x: replace(plain, tau=float(np.exp(x))),
        "rho": lambda x: replace(plain, rho=float(np.exp(x)), tau=1.0),
        "crowd": lambda x: replace(plain, crowd=float(x)),
    }
    bounds = {"temperature": LOG_TAU_BOUNDS, "rho": LOG_RHO_BOUNDS, "crowd": (0.0, 0.99)}[kind]

    def loss(x: float) -> float:
        return top_log_loss(build[kind](x).apply_logs(logs, n_labels, shares), targets)

    x = _minimise(loss, bounds)
    chosen = build[kind](x)
    if kind == "rho" and loss(-np.inf) <= loss(x):  # rho = 0 checked on its own
        chosen = replace(chosen, rho=0.0)
    return _named(chosen)


def _named(c: Calibration) -> Calibration:
    """``c`` with ``kind`` naming the parts of the map that are in use ("identity" when none)."""
    parts = [
        ("design effect", c.rho > 0),
        ("temperature", c.tau != 1),
        ("crowd share", c.crowd > 0),
        (c.top.kind if c.top is not None else "", c.top is not None),
    ]
    return replace(c, kind=" + ".join(name for name, used in parts if used) or "identity")


def _minimise(loss: Callable[[float], float], bounds: tuple[float, float]) -> float:
    """Bounded scalar minimisation (Brent) of ``loss`` over ``bounds``; the argument at the minimum."""
    result = minimize_scalar(loss, bounds=bounds, method="bounded", options={"xatol": 1e-2})
    return float(result.x)
