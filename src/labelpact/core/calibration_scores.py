"""Proper scores of stated probabilities against known classes, used to fit and judge calibration maps.

The log loss (hard or soft targets) is what the maps of ``core.calibration`` minimise; the expected
calibration error is what the benchmarks and the audit report about a stored confidence.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import FloatArray, IntArray
from labelpact.errors import InvalidInputError

__all__ = ["expected_calibration_error", "log_loss", "shrunk_targets", "soft_log_loss", "top_log_loss"]


def log_loss(probas: FloatArray, labels: IntArray) -> float:
    """Mean negative log probability of ``labels`` (n,) under ``probas`` (n, K), floored at 1e-12."""
    if not len(labels):
        return 0.0
    p = np.asarray(probas)[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(np.maximum(p, 1e-12))))


def soft_log_loss(probas: FloatArray, targets: FloatArray) -> float:
    """Mean cross-entropy of soft ``targets`` (n, K) under ``probas`` (n, K), floored at 1e-12."""
    if not len(targets):
        return 0.0
    return float(-np.mean(np.sum(targets * np.log(np.maximum(probas, 1e-12)), axis=1)))


def top_log_loss(probas: FloatArray, targets: FloatArray) -> float:
    """Mean binary cross-entropy of the top class's probability (n,) against the chance it is right (soft
    ``targets`` (n, K), or one-hot gold): the proper score of the confidence a consensus states. Classes tied
    at the top (within 1e-12) share it, 1/m each: which of them is the label must not hang on float noise
    (the same labels in another row order)."""
    if not len(targets):
        return 0.0
    p = np.asarray(probas)
    top = p.max(axis=1)
    tied = p >= top[:, None] - 1e-12
    c = np.clip(top, 1e-12, 1.0 - 1e-12)
    y = (np.asarray(targets) * tied).sum(axis=1) / tied.sum(axis=1)
    return float(-np.mean(y * np.log(c) + (1.0 - y) * np.log1p(-c)))


def shrunk_targets(labels: IntArray, prior_probas: FloatArray, prior_tasks: float) -> FloatArray:
    """Soft targets (n, K): each gold class one-hot, plus the no-gold map's posterior of the same task
    weighted so that all of them count as ``prior_tasks`` gold tasks; each row sums to one."""
    n, k = prior_probas.shape
    targets = np.zeros((n, k))
    targets[np.arange(n), labels] = 1.0
    targets += (prior_tasks / max(n, 1)) * prior_probas
    targets /= targets.sum(axis=1, keepdims=True)
    return targets


def expected_calibration_error(confidence: npt.ArrayLike, correct: npt.ArrayLike, n_bins: int = 10) -> float:
    """ECE: sum over ``n_bins`` equal-width confidence bins of (share of tasks) * |accuracy - mean confidence|.

    Naeini, Cooper and Hauskrecht, *Obtaining Well Calibrated Probabilities Using Bayesian Binning*,
    AAAI 2015. ``confidence`` (n,) in [0, 1], ``correct`` (n,) booleans (or 0/1); 1.0 falls in the last bin.
    A NaN confidence (a task no one labelled: ``lp.aggregate`` states none) is left out with its flag,
    so ``Consensus.confidence`` can be passed as it is. NaN when no task is left. InvalidInputError for
    arrays of other lengths, values outside [0, 1], flags other than 0/1 and ``n_bins`` below 1.
    """
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise InvalidInputError("n_bins to be a positive integer", column="n_bins", got=repr(n_bins))
    conf = _column(confidence, "confidence")
    flags = _column(correct, "correct")
    if conf.shape != flags.shape:
        raise InvalidInputError(
            "one correctness flag per confidence", column="correct", got=f"{len(flags)} for {len(conf)}"
        )
    known = ~np.isnan(conf)
    conf, flags = conf[known], flags[known]
    if len(conf) and not (conf.min() >= 0.0 and conf.max() <= 1.0):
        raise InvalidInputError("confidences in [0, 1]", column="confidence", got=repr(float(conf.max())))
    if not np.isin(flags, (0.0, 1.0)).all():
        raise InvalidInputError("correct as booleans (or 0/1)", column="correct", got=repr(float(flags[0])))
    if not len(conf):
        return float("nan")
    bins = np.minimum((conf * n_bins).astype(np.intp), n_bins - 1)
    gap = np.bincount(bins, weights=flags - conf, minlength=n_bins)
    return float(np.abs(gap).sum() / len(conf))


def _column(values: npt.ArrayLike, name: str) -> FloatArray:
    """``values`` as a 1-D float array (n,), or an InvalidInputError naming ``name``."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInputError("a 1-D array of numbers", column=name, got=type(values).__name__) from error
    if array.ndim != 1:
        raise InvalidInputError("a 1-D array", column=name, got=f"shape {array.shape}")
    return array
