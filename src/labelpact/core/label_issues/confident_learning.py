"""Confident learning over out-of-sample predicted probabilities (Northcutt, Jiang & Chuang 2021,
"Confident Learning: Estimating Uncertainty in Dataset Labels", JAIR 70:1373-1411).

It counts the examples the model confidently places in another class than the given one (the *confident
joint*), calibrates those counts to the label frequencies, and flags that many examples per off-diagonal cell.
Our numpy implementation follows the definitions of the paper and the defaults of cleanlab 2.x
(``filter.find_label_issues``, ``rank.get_label_quality_scores``), against which it is tested.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy.special import xlogy

from labelpact.core.annotations import FloatArray, IntArray
from labelpact.core.label_issues.issues import LabelIssues
from labelpact.core.label_issues.validation import check_codes, check_option, check_pair, check_probabilities
from labelpact.errors import InvalidInputError

__all__ = [
    "EPS",
    "BoolArray",
    "FilterBy",
    "ScoreMethod",
    "confident_joint",
    "confident_thresholds",
    "contradicted_annotations",
    "find_label_issues",
    "label_quality_scores",
    "rank_label_issues",
]

BoolArray: TypeAlias = npt.NDArray[np.bool_]
FilterBy: TypeAlias = Literal[
    "prune_by_noise_rate", "prune_by_class", "both", "confident_learning", "predicted_neq_given"
]
ScoreMethod: TypeAlias = Literal["self_confidence", "normalized_margin", "confidence_weighted_entropy"]

EPS = 1e-6  # fuzzy comparison of probabilities, as in the paper's reference implementation
ABSENT_CLASS_THRESHOLD = 2.0  # no probability reaches it: nobody is counted into a class nobody was given
MIN_THRESHOLD = 2 * EPS


def _check_filter(filter_by: str, frac_noise: float, min_examples_per_class: int) -> None:
    check_option(filter_by, FilterBy, "filter_by")
    if not 0.0 <= frac_noise <= 1.0:
        raise InvalidInputError("frac_noise in [0, 1]", got=repr(frac_noise))
    if min_examples_per_class < 0:
        raise InvalidInputError("min_examples_per_class >= 0", got=repr(min_examples_per_class))


# -- confident learning ----------------------------------------------------------------------------
def _thresholds(labels: IntArray, probs: FloatArray) -> FloatArray:
    """t_j: the mean predicted probability of class j over the examples given class j, shape (K,)."""
    n_classes = probs.shape[1]
    counts = np.bincount(labels, minlength=n_classes)
    self_conf = probs[np.arange(len(labels)), labels]
    sums = np.bincount(labels, weights=self_conf, minlength=n_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), ABSENT_CLASS_THRESHOLD)
    return np.maximum(means, MIN_THRESHOLD)


def _confident_guess(labels: IntArray, probs: FloatArray) -> tuple[BoolArray, IntArray]:
    """Which examples have a confident class (p_j >= t_j), and that class (the likeliest when several are)."""
    above = probs >= _thresholds(labels, probs) - EPS
    n_above = above.sum(axis=1)
    guess = np.where(n_above > 1, probs.argmax(axis=1), above.argmax(axis=1))
    return n_above > 0, guess


def _round_preserving_row_sums(values: FloatArray) -> IntArray:
    """Round each row to integers whose sum is the rounded row sum (largest remainders move first)."""
    out = np.round(values)
    for i, row in enumerate(values):  # a loop over classes (K rows), never over examples
        target = np.round(np.sum(row))
        while abs(np.sum(out[i]) - target) > EPS:
            diff = float(np.round(target - np.sum(out[i])))
            step = 1.0 if diff > 0 else -1.0
            remainders = np.argsort(row - out[i])  # numpy's default sort keeps ties as the reference does
            chosen = (remainders[::-1] if step > 0 else remainders)[: min(int(abs(diff)), len(row))]
            out[i, chosen] += step
    return out.astype(np.intp)


def _confident_joint(labels: IntArray, probs: FloatArray, *, calibrate: bool = True) -> IntArray:
    n_classes = probs.shape[1]
    confident, guess = _confident_guess(labels, probs)
    flat = labels[confident] * n_classes + guess[confident]
    joint = np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)
    np.fill_diagonal(joint, np.maximum(joint.diagonal(), 1))  # every class keeps one confident example
    if not calibrate:
        return joint.astype(np.intp)
    counts = np.bincount(labels, minlength=n_classes)
    rows = joint / np.maximum(joint.sum(axis=1), 1e-100)[:, None] * counts[:, None]
    # summed in the memory order of cleanlab's (transposed) joint: ties of the rounding below then break alike
    rows = rows / max(float(np.sum(np.ascontiguousarray(rows.T))), 1e-100) * int(counts.sum())
    return _round_preserving_row_sums(rows)


def _prune_counts(joint: IntArray, min_examples_per_class: int, frac_noise: float) -> IntArray:
    """How many examples to flag per (true, given) cell: the confident joint, transposed, keeping at least
    ``min_examples_per_class`` per class and only ``frac_noise`` of the off-diagonal mass."""
    counts = joint.T
    diagonal = counts.diagonal()
    kept = np.maximum(diagonal, min_examples_per_class)
    n_noise_cells = np.maximum(np.count_nonzero(counts, axis=0) - 1.0, 1.0)
    spread = counts - (kept - diagonal) / n_noise_cells  # take what the diagonal gained from the column
    spread[spread < 0] = 0
    np.fill_diagonal(spread, kept)
    reduced = spread * frac_noise
    np.fill_diagonal(reduced, spread.diagonal())
    np.fill_diagonal(reduced, spread.diagonal() + np.sum(spread - reduced, axis=0))
    truncated: IntArray = reduced.astype(np.intp)  # truncation, as the reference does
    return truncated


def _by_class(labels: IntArray, n_classes: int) -> list[IntArray]:
    """Indices of the examples given each class, in dataset order (one stable sort, no per-class scan)."""
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n_classes + 1))
    return [order[bounds[k] : bounds[k + 1]] for k in range(n_classes)]


def _prune(
    labels: IntArray, probs: FloatArray, prune: IntArray, min_examples_per_class: int, *, by_class: bool
) -> BoolArray:
    mask = np.zeros(len(labels), dtype=bool)
    n_classes = probs.shape[1]
    for k, members in enumerate(_by_class(labels, n_classes)):
        if len(members) <= max(min_examples_per_class, 1):
            continue  # too few examples to spare any
        sub = probs[members]
        if by_class:  # the examples least likely to be in their given class
            n_issues = len(members) - int(prune[k, k])
            if n_issues >= 1:
                mask[members[np.argsort(sub[:, k])[:n_issues]]] = True
            continue
        for j in range(n_classes):  # for each true class j: the largest margins p_j - p_k
            n_prune = int(prune[j, k])
            if j != k and n_prune > 0:
                mask[members[np.argsort(-(sub[:, j] - sub[:, k]))[:n_prune]]] = True
    return mask


def _drop_close_calls(mask: BoolArray, labels: IntArray, probs: FloatArray) -> BoolArray:
    """Unflag examples whose given class is within EPS of the model's top class: no confident disagreement."""
    rows = np.flatnonzero(mask)
    sub = probs[rows]
    sub[np.arange(len(rows)), labels[rows]] += EPS
    out = mask.copy()
    out[rows[sub.argmax(axis=1) == labels[rows]]] = False
    return out


def _find_label_issues(
    labels: IntArray, probs: FloatArray, filter_by: FilterBy, frac_noise: float, min_examples_per_class: int
) -> BoolArray:
    if filter_by == "predicted_neq_given":
        mask = probs.argmax(axis=1) != labels
    elif filter_by == "confident_learning":
        confident, guess = _confident_guess(labels, probs)
        mask = confident & (guess != labels)
    else:
        prune = _prune_counts(_confident_joint(labels, probs), min_examples_per_class, frac_noise)
        mask = np.ones(len(labels), dtype=bool)
        if filter_by in ("prune_by_class", "both"):
            mask &= _prune(labels, probs, prune, min_examples_per_class, by_class=True)
        if filter_by in ("prune_by_noise_rate", "both"):
            mask &= _prune(labels, probs, prune, min_examples_per_class, by_class=False)
    return _drop_close_calls(mask, labels, probs)


# -- label-quality scores --------------------------------------------------------------------------
def _self_confidence(labels: IntArray, probs: FloatArray) -> FloatArray:
    return probs[np.arange(len(labels)), labels]


def _normalized_margin(labels: IntArray, probs: FloatArray) -> FloatArray:
    others = probs.copy()
    others[np.arange(len(labels)), labels] = -np.inf
    margin: FloatArray = (_self_confidence(labels, probs) - others.max(axis=1) + 1.0) / 2.0
    return margin


def _confidence_weighted_entropy(labels: IntArray, probs: FloatArray) -> FloatArray:
    """log(1 + s) / s with s = normalized entropy / self-confidence; 1 in the limit s -> 0.

    The reference implementation clips s at 1e-6 before dividing, which scores a one-hot correct
    prediction 0 (the worst); we use the limit there instead and agree everywhere else.
    """
    entropy = -np.sum(xlogy(probs, probs), axis=1) / np.log(probs.shape[1])
    ratio = entropy / np.maximum(_self_confidence(labels, probs), EPS)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.log(ratio + 1.0) / ratio
    limited: FloatArray = np.where(ratio < EPS, 1.0 - ratio / 2.0, score)
    return limited


_SCORES: dict[str, Callable[[IntArray, FloatArray], FloatArray]] = {
    "self_confidence": _self_confidence,
    "normalized_margin": _normalized_margin,
    "confidence_weighted_entropy": _confidence_weighted_entropy,
}


# -- public API ------------------------------------------------------------------------------------
def confident_thresholds(labels: npt.ArrayLike, pred_probs: npt.ArrayLike) -> FloatArray:
    """Per-class thresholds t_j (Northcutt et al. 2021, eq. 2), shape (K,); 2.0 for a class nobody was given."""
    codes, probs = check_pair(labels, pred_probs)
    return _thresholds(codes, probs)


def confident_joint(labels: npt.ArrayLike, pred_probs: npt.ArrayLike, *, calibrate: bool = True) -> IntArray:
    """C[i, j]: examples given class i confidently predicted as class j, shape (K, K).

    Calibrated (Northcutt et al. 2021, eq. 3) so that row i sums to the count of class i and the matrix to n.
    """
    codes, probs = check_pair(labels, pred_probs)
    return _confident_joint(codes, probs, calibrate=calibrate)


def find_label_issues(
    labels: npt.ArrayLike,
    pred_probs: npt.ArrayLike,
    *,
    filter_by: FilterBy = "prune_by_noise_rate",
    frac_noise: float = 1.0,
    min_examples_per_class: int = 1,
) -> BoolArray:
    """True for each example whose given label is probably wrong, shape (n,).

    ``labels`` (n,) are integer codes, ``pred_probs`` (n, K) out-of-sample predicted probabilities.
    ``filter_by`` picks the rule of Northcutt et al. (2021, sec. 3.2): prune by noise rate (the largest
    margins per off-diagonal cell of the calibrated confident joint), by class, both, the off-diagonals
    of the confident joint, or argmax != label. ``frac_noise`` keeps that share of the estimated errors.
    """
    codes, probs = check_pair(labels, pred_probs)
    _check_filter(filter_by, frac_noise, min_examples_per_class)
    return _find_label_issues(codes, probs, filter_by, frac_noise, int(min_examples_per_class))


def label_quality_scores(
    labels: npt.ArrayLike, pred_probs: npt.ArrayLike, *, method: ScoreMethod = "self_confidence"
) -> FloatArray:
    """A score in [0, 1] per example, shape (n,); low means the given label is probably wrong.

    ``self_confidence`` is p[label]; ``normalized_margin`` (p[label] - max other p + 1) / 2;
    ``confidence_weighted_entropy`` log(1 + s) / s with s = normalized entropy / p[label]
    (Kuan & Mueller 2022, "Model-agnostic label quality scoring", as defined in cleanlab 2.x).
    """
    codes, probs = check_pair(labels, pred_probs)
    check_option(method, ScoreMethod, "method")
    return _SCORES[method](codes, probs)


def rank_label_issues(
    labels: npt.ArrayLike,
    pred_probs: npt.ArrayLike,
    *,
    filter_by: FilterBy = "prune_by_noise_rate",
    method: ScoreMethod = "self_confidence",
    frac_noise: float = 1.0,
    min_examples_per_class: int = 1,
) -> LabelIssues:
    """The examples :func:`find_label_issues` flags, worst first by ``method``, with the model's suggestion."""
    codes, probs = check_pair(labels, pred_probs)
    _check_filter(filter_by, frac_noise, min_examples_per_class)
    check_option(method, ScoreMethod, "method")
    rows = np.flatnonzero(
        _find_label_issues(codes, probs, filter_by, frac_noise, int(min_examples_per_class))
    )
    quality = _SCORES[method](codes[rows], probs[rows])
    order = np.argsort(quality, kind="stable")
    rows = rows[order]
    return LabelIssues(
        task=rows,
        label=codes[rows],
        suggested=probs[rows].argmax(axis=1),
        quality=quality[order],
        n_tasks=len(codes),
    )


def contradicted_annotations(
    task: npt.ArrayLike, label: npt.ArrayLike, consensus: npt.ArrayLike, pred_probs: npt.ArrayLike
) -> BoolArray:
    """True for each annotation whose label contradicts a confident model prediction for its task.

    ``task``, ``label`` (n_annotations,) are codes; ``consensus`` (n_tasks,) the consensus class that
    serves as the given label for the thresholds t_j; ``pred_probs`` (n_tasks, K). An annotation is
    contradicted when the model is confident (p_j >= t_j) of a class j that beats the worker's class by EPS.
    """
    probs = check_probabilities(pred_probs, "pred_probs")
    n_tasks, n_classes = probs.shape
    given = check_codes(consensus, "consensus", n_classes, n_tasks)
    tasks = check_codes(task, "task", n_tasks)
    labels = check_codes(label, "label", n_classes, len(tasks))
    confident, guess = _confident_guess(given, probs)
    beaten = probs[tasks, guess[tasks]] > probs[tasks, labels] + EPS
    contradicted: BoolArray = confident[tasks] & (labels != guess[tasks]) & beaten
    return contradicted
