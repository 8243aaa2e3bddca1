"""Which consensus labels of a batch are probably wrong, from model predictions or from the workers alone.

With out-of-sample model predictions this is confident learning (Northcutt, Jiang & Chuang 2021, JAIR 70);
without, a task is suspect when its consensus is weak or a worker contradicts it with a label that the
worker's own confusion matrix makes very unlikely. ``core.label_issues`` ranks; this module chooses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.core.label_issues import LabelIssues, rank_label_issues, weak_consensus_issues
from labelpact.core.workers import WorkerReport
from labelpact.errors import InvalidInputError

__all__ = [
    "LIKELIHOOD_THRESHOLD",
    "WEAK_CONFIDENCE",
    "LabelErrors",
    "PredictedProbs",
    "label_errors_of",
]

WEAK_CONFIDENCE = 0.7
LIKELIHOOD_THRESHOLD = 0.05


class PredictedProbs(Protocol):
    """Model class probabilities for some tasks: ``task`` (n,) codes, ``probs`` (n, n_classes)."""

    @property
    def task(self) -> IntArray: ...

    @property
    def probs(self) -> FloatArray: ...


@dataclass(frozen=True, slots=True)
class LabelErrors:
    """Consensus labels that are probably wrong: ``issues`` (worst first) and where the evidence came from."""

    issues: LabelIssues
    source: str  # "confident learning on model predictions" or "weak or contradicted consensus"


def label_errors_of(
    a: Annotations,
    consensus: IntArray,
    probas: FloatArray,
    *,
    predictions: PredictedProbs | None = None,
    report: WorkerReport | None = None,
    gold: Gold | None = None,
) -> LabelErrors:
    """Label-error candidates among the labelled tasks (``consensus`` (n_tasks,) >= 0, ``probas`` (n_tasks, n_classes)).

    Tasks with a ``gold`` answer are not candidates: their truth is known (a consensus fitted with the gold
    equals it there), so a model or a worker disputing it finds no label error; ``n_tasks`` counts the rest.

    With out-of-sample model ``predictions``: confident learning (Northcutt et al. 2021, prune by noise
    rate) with the consensus as the given label, on the tasks that have both. Without: tasks whose
    consensus is weak (max posterior < 0.7) or contradicted by a label that the worker's own confusion
    matrix (from ``report``) says is very unlikely (< 5%) under the consensus class.
    """
    unknown = consensus >= 0
    if gold is not None and len(gold):
        unknown[gold.task] = False
    if a.n_classes < 2:  # one class: no label can be wrong against another
        return LabelErrors(issues=_none_of(int(unknown.sum())), source="none (one class only)")
    if predictions is not None:
        return _from_predictions(consensus, predictions, unknown)
    labelled = np.flatnonzero(unknown)
    likelihood = None
    task = None
    if report is not None and a.n_annotations:
        counts = report.confusion + 1.0  # add-one smoothing: a class never seen is unlikely, not impossible
        rates = counts / counts.sum(axis=2, keepdims=True)
        given = consensus[a.task]
        keep = unknown[a.task]  # labels of the candidate tasks (labelled, no gold)
        task_of = np.full(a.n_tasks, -1, dtype=np.intp)
        task_of[labelled] = np.arange(len(labelled))
        task = task_of[a.task[keep]]
        likelihood = rates[a.worker[keep], given[keep], a.label[keep]]
    found = weak_consensus_issues(
        probas[labelled],
        confidence_threshold=WEAK_CONFIDENCE,
        task=task,
        likelihood=likelihood,
        likelihood_threshold=LIKELIHOOD_THRESHOLD,
    )
    issues = LabelIssues(
        task=labelled[found.task],
        label=found.label,
        suggested=found.suggested,
        quality=found.quality,
        n_tasks=len(labelled),
    )
    return LabelErrors(issues=issues, source="weak or contradicted consensus")


def _none_of(n_tasks: int) -> LabelIssues:
    nothing = np.empty(0, dtype=np.intp)
    return LabelIssues(nothing, nothing, nothing, np.empty(0), n_tasks)


def _from_predictions(
    consensus: IntArray, predictions: PredictedProbs, unknown: npt.NDArray[np.bool_]
) -> LabelErrors:
    """Confident learning on the labelled tasks without gold (``unknown`` (n_tasks,) True) that have a prediction."""
    if not (consensus[predictions.task] >= 0).any():
        raise InvalidInputError("predictions for at least one labelled task of the batch")
    rows = predictions.task[unknown[predictions.task]]
    if not len(rows):  # every predicted task has gold: nothing left to doubt
        return LabelErrors(issues=_none_of(0), source="confident learning on model predictions")
    order = np.argsort(predictions.task, kind="stable")
    position = order[np.searchsorted(predictions.task[order], rows)]
    found = rank_label_issues(consensus[rows], predictions.probs[position])
    issues = LabelIssues(
        task=rows[found.task],
        label=found.label,
        suggested=found.suggested,
        quality=found.quality,
        n_tasks=len(rows),
    )
    return LabelErrors(issues=issues, source="confident learning on model predictions")
