"""Label issues without a model: tasks whose consensus is unsure, or whose labels a reliable worker
contradicts under the aggregator's own worker models."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from labelpact.core.label_issues.issues import LabelIssues
from labelpact.core.label_issues.validation import check_codes, check_probabilities
from labelpact.errors import InvalidInputError

__all__ = ["weak_consensus_issues"]


def weak_consensus_issues(
    probas: npt.ArrayLike,
    *,
    confidence_threshold: float = 0.7,
    task: npt.ArrayLike | None = None,
    likelihood: npt.ArrayLike | None = None,
    likelihood_threshold: float = 0.05,
) -> LabelIssues:
    """Tasks whose consensus is weak (max posterior < ``confidence_threshold``) or contradicted, worst first.

    ``probas`` (n_tasks, K) are consensus posteriors. With ``task`` and ``likelihood`` (n_annotations,):
    the probability, under the aggregator's model of that worker, of the label the worker gave given the
    task's consensus; a label less likely than ``likelihood_threshold`` (a reliable worker disagreeing)
    flags its task. ``label`` is the consensus class, ``suggested`` the runner-up, ``quality`` the max posterior.
    """
    probs = check_probabilities(probas, "probas")
    if not 0.0 <= confidence_threshold <= 1.0:
        raise InvalidInputError("confidence_threshold in [0, 1]", got=repr(confidence_threshold))
    n_tasks = len(probs)
    flagged = probs.max(axis=1) < confidence_threshold
    if (task is None) != (likelihood is None):
        raise InvalidInputError("task and likelihood given together (one value per annotation)")
    if task is not None and likelihood is not None:
        tasks = check_codes(task, "task", n_tasks)
        like = np.asarray(likelihood, dtype=np.float64)
        if like.shape != tasks.shape or not np.all((like >= 0) & (like <= 1)):
            raise InvalidInputError(
                f"one likelihood in [0, 1] per annotation ({len(tasks)})", got=f"shape {like.shape}"
            )
        flagged |= np.bincount(tasks[like < likelihood_threshold], minlength=n_tasks) > 0
    rows = np.flatnonzero(flagged)
    top2 = np.argsort(-probs[rows], axis=1, kind="stable")[:, :2]
    quality = probs[rows, top2[:, 0]]
    order = np.argsort(quality, kind="stable")
    return LabelIssues(
        task=rows[order],
        label=top2[order, 0],
        suggested=top2[order, 1],
        quality=quality[order],
        n_tasks=n_tasks,
    )
