"""Monotone maps of each task's top-class probability, used by ``core.calibration``.

Each map replaces a task's top-class probability ``c`` by ``g(c)`` and shares ``1 - g`` among the
other classes in their old proportions, so the most probable class stays on top. Three maps: beta
calibration and isotonic regression (fitted on gold), and the crowd-share deflation (no gold needed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import isotonic_regression, minimize, minimize_scalar
from scipy.special import expit

from labelpact.core.annotations import FloatArray, IntArray

__all__ = ["TopLabelMap", "crowd_deflate", "fit_beta", "fit_crowd_weight", "fit_isotonic", "remap_top"]

BETA_BOUNDS = [(0.0, None), (0.0, None), (None, None)]  # a, b >= 0 keeps the map increasing


@dataclass(frozen=True, slots=True)
class TopLabelMap:
    """A monotone map ``g`` of each task's top-class probability ``c`` (see ``remap_top``).

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
        return remap_top(probas, self(probas.max(axis=1)) if len(probas) else np.empty(0))


def remap_top(probas: FloatArray, g: FloatArray) -> FloatArray:
    """``probas`` (n, K) with each row's top probability replaced by ``g`` (n,), the others rescaled to share
    ``1 - g`` in their old proportions; ``g`` is held at least at the level that keeps the top class on top."""
    n, k = probas.shape
    if not n:
        return probas.copy()
    rows = np.arange(n)
    top = probas.argmax(axis=1)
    second = np.partition(probas, k - 2, axis=1)[:, k - 2] if k > 1 else np.zeros(n)
    others = probas.copy()
    others[rows, top] = 0.0
    rest = others.sum(axis=1)  # summed, not 1 - c: exact even when c is within 1e-10 of one
    keep_top = np.divide(second, rest + second, out=np.zeros(n), where=rest + second > 0)
    g = np.clip(np.maximum(g, np.maximum(keep_top, 1.0 / k)), 0.0, 1.0)
    scale = np.divide(1.0 - g, rest, out=np.zeros(n), where=rest > 1e-12)
    out: FloatArray = others * scale[:, None]
    flat = rest <= 1e-12  # a one-hot row: the mass taken from the top goes evenly to the others
    if flat.any() and k > 1:
        out[flat] = ((1.0 - g[flat]) / (k - 1))[:, None]
    out[rows, top] = g
    return out


def crowd_deflate(probas: FloatArray, shares: FloatArray, weight: float) -> FloatArray:
    """``probas`` (n, K) with each top probability ``c`` lowered to ``c - weight * max(c - v, 0)``, ``v`` the
    share of the task's labels (``shares``, (n, K)) that chose that class; rows without labels unchanged.

    The mixture behind it: with probability ``weight`` a task is ambiguous, and on an ambiguous task the
    consensus class is right as often as the crowd chose it (experts disagree with a crowd on hard items
    in ways no label model sees; Aroyo and Welty, *Truth is a lie: crowd truth and the seven myths of
    human annotation*, AI Magazine 36, 2015). It only ever lowers a confidence.
    """
    if weight <= 0 or not len(probas):
        return probas
    rows = np.arange(len(probas))
    top = probas.argmax(axis=1)
    c = probas[rows, top]
    v = np.where(shares.sum(axis=1) > 0, shares[rows, top], c)
    return remap_top(probas, c - weight * np.maximum(c - v, 0.0))


def fit_crowd_weight(sets: Sequence[tuple[FloatArray, FloatArray, IntArray]]) -> float:
    """The ``crowd_deflate`` weight in [0, 0.99] with the least mean log loss over ``sets`` (each weighted
    equally): per set, posteriors (n, K) before the deflation, vote shares (n, K) and true classes (n,).

    How ``CROWD_WEIGHT`` in ``core.calibration`` was learned across public datasets
    (``benchmarks/calibration.py --lodo``, validated leave-one-dataset-out).
    """
    usable = [(p, s, np.asarray(y, dtype=np.intp)) for p, s, y in sets if len(y)]
    if not usable:
        return 0.0

    def loss(w: float) -> float:
        total = 0.0
        for p, s, y in usable:
            q = crowd_deflate(p, s, w)[np.arange(len(y)), y]
            total += float(-np.mean(np.log(np.maximum(q, 1e-12))))
        return total / len(usable)

    result = minimize_scalar(loss, bounds=(0.0, 0.99), method="bounded", options={"xatol": 1e-3})
    return float(result.x)


def fit_beta(confidence: FloatArray, hit: FloatArray) -> TopLabelMap:
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


def fit_isotonic(confidence: FloatArray, hit: FloatArray) -> TopLabelMap:
    """Isotonic regression of ``hit`` on the top-class probability (pool adjacent violators), kept off 0 and 1."""
    order = np.argsort(confidence, kind="stable")
    fitted = isotonic_regression(hit[order]).x
    knots, first = np.unique(confidence[order], return_index=True)
    values = np.maximum.reduceat(fitted, first)  # one value per distinct confidence (ties share a block)
    margin = 0.5 / (len(hit) + 1)
    values = np.clip(values, margin, 1.0 - margin)
    return TopLabelMap("isotonic", knots=tuple(knots.tolist()), values=tuple(values.tolist()))
