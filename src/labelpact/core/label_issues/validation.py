"""Checks of label-issue inputs, run once at each public function: probabilities and integer codes.

Every finder of ``labelpact.core.label_issues`` validates here, then hands trusted arrays to its internals.
"""

from __future__ import annotations

from typing import get_args

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import FloatArray, IntArray
from labelpact.errors import InvalidInputError

__all__ = ["ROW_SUM_TOLERANCE", "check_codes", "check_option", "check_pair", "check_probabilities"]

ROW_SUM_TOLERANCE = 1e-3


def check_probabilities(pred_probs: npt.ArrayLike, name: str) -> FloatArray:
    """``pred_probs`` as floats (n_tasks, n_classes >= 2), finite, in [0, 1], rows summing to 1."""
    probs = np.asarray(pred_probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[1] < 2:
        raise InvalidInputError(
            f"{name} of shape (n_tasks, n_classes) with n_classes >= 2", got=f"shape {probs.shape}"
        )
    if not np.isfinite(probs).all():
        raise InvalidInputError(f"finite probabilities in {name}", got="NaN or infinity")
    low, high = (float(probs.min()), float(probs.max())) if probs.size else (0.0, 0.0)
    if low < 0.0 or high > 1.0:
        raise InvalidInputError(
            f"probabilities in [0, 1] in {name}", got=f"values from {low:.6g} to {high:.6g}"
        )
    sums = probs.sum(axis=1)
    off = np.flatnonzero(np.abs(sums - 1.0) > ROW_SUM_TOLERANCE)
    if len(off):
        i = int(off[0])
        raise InvalidInputError(
            f"rows of {name} that sum to 1", got=f"a sum of {sums[i]:.6g} at task index {i}"
        )
    return probs


def check_codes(codes: npt.ArrayLike, name: str, n_values: int, length: int | None = None) -> IntArray:
    """``codes`` as a 1-D integer array (``length`` long when given) of values in [0, ``n_values``)."""
    array = np.asarray(codes)
    if array.ndim != 1 or not (np.issubdtype(array.dtype, np.integer) or array.size == 0):
        raise InvalidInputError(
            f"{name} as a 1-D array of integer codes", got=f"{array.dtype} of shape {array.shape}"
        )
    if length is not None and len(array) != length:
        raise InvalidInputError(f"one {name} value per row ({length})", got=f"{len(array)} values")
    if len(array) and (array.min() < 0 or array.max() >= n_values):
        raise InvalidInputError(
            f"{name} codes in [0, {n_values})", got=f"codes from {array.min()} to {array.max()}"
        )
    return array.astype(np.intp, copy=False)


def check_pair(labels: npt.ArrayLike, pred_probs: npt.ArrayLike) -> tuple[IntArray, FloatArray]:
    """Given labels (n,) and predicted probabilities (n, K) that agree in length and classes."""
    probs = check_probabilities(pred_probs, "pred_probs")
    return check_codes(labels, "labels", probs.shape[1], len(probs)), probs


def check_option(value: str, allowed: object, name: str) -> None:
    """Refuse ``value`` unless it is one of the ``Literal`` alias ``allowed``."""
    options = get_args(allowed)
    if value not in options:
        raise InvalidInputError(f"{name} in {list(options)}", got=repr(value))
