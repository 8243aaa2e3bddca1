"""Whether a batch's labels can measure label quality at all, and if not, why (one sentence).

Agreement coefficients, worker accuracies and the consensus error rate are all learned from workers who
label the same task differently some of the time. A batch without that signal is not "perfect": its
quality is unidentifiable, and an audit must say so instead of passing it.
"""

from __future__ import annotations

import numpy as np

from labelpact.core.annotations import Annotations

__all__ = ["unidentifiable_quality"]


def unidentifiable_quality(a: Annotations) -> str | None:
    """Why the labels of ``a`` cannot measure label quality at all, in one sentence; None when they can.

    Agreement, worker accuracy and the consensus error rate all rest on workers who label the same task
    differently some of the time: with no label, one class only, one label per task, no task labelled by
    two different workers, or every task unanimous, chance agreement and skill cannot be told apart.
    Linear in the annotations (each label is compared with its task's first label and worker; no sort).
    """
    if a.n_annotations == 0:
        return "no task has a label"
    used = np.flatnonzero(np.bincount(a.label, minlength=a.n_classes))
    if len(used) < 2:
        return (
            f"every label is the same class ({a.classes[int(used[0])]!r}): with one class only, agreement "
            "and accuracy cannot be told from chance"
        )
    per_task = a.labels_per_task()
    if int(per_task.max()) < 2:
        return (
            f"every one of the {int((per_task > 0).sum())} labelled tasks has one label: "
            "no two workers saw the same task"
        )
    first_worker = np.empty(a.n_tasks, dtype=np.intp)
    first_label = np.empty(a.n_tasks, dtype=np.intp)
    first_worker[a.task[::-1]] = a.worker[::-1]  # the last write wins: each task's first annotation
    first_label[a.task[::-1]] = a.label[::-1]
    shared = np.bincount(a.task[a.worker != first_worker[a.task]], minlength=a.n_tasks) > 0
    if not shared.any():
        return (
            "no task was labelled by two different workers (only repeats by the same worker): "
            "no overlap between workers"
        )
    disagree = np.bincount(a.task[a.label != first_label[a.task]], minlength=a.n_tasks) > 0
    if not (disagree & shared).any():
        return (
            f"all {int(shared.sum())} tasks labelled by two or more workers are unanimous: workers never "
            "disagree, so their error rates cannot be estimated"
        )
    return None
