"""Label-error candidates: confident learning over model predictions (``confident_learning``), and weak or
contradicted consensus without a model (``weak_consensus``); inputs are checked once (``validation``).

With out-of-sample predicted probabilities, confident learning (Northcutt, Jiang & Chuang 2021, JAIR)
flags the examples the model confidently places in another class than the given one. Without a model,
:func:`weak_consensus_issues` flags tasks whose consensus is unsure or whose labels contradict the fitted
worker models. Every finder returns a ``LabelIssues`` (``issues``); all public names are re-exported here.
"""

from __future__ import annotations

from labelpact.core.label_issues.confident_learning import (
    FilterBy,
    ScoreMethod,
    confident_joint,
    confident_thresholds,
    contradicted_annotations,
    find_label_issues,
    label_quality_scores,
    rank_label_issues,
)
from labelpact.core.label_issues.issues import LabelIssues
from labelpact.core.label_issues.weak_consensus import weak_consensus_issues

__all__ = [
    "FilterBy",
    "LabelIssues",
    "ScoreMethod",
    "confident_joint",
    "confident_thresholds",
    "contradicted_annotations",
    "find_label_issues",
    "label_quality_scores",
    "rank_label_issues",
    "weak_consensus_issues",
]
