"""Whether a batch's labels can measure label quality at all, and if not, why (one sentence).

Agreement coefficients, worker accuracies and the consensus error rate are all learned from workers who
label the same task differently some of the time. A batch without that signal is not "perfect": its
quality is unidentifiable, and an audit must say so instead of passing it.
"""

from __future__ import annotations

import numpy as np

from labelpact.core.annotations import Annotations, FloatArray

__all__ = ["MIN_DISAGREEMENTS", "unidentifiable_quality", "unidentifiable_reason"]

# fewer tasks than this on which two workers disagree, and the workers' error rates rest on a handful of
# events (the rule of five of a normal count): 500 tasks copied from one annotator but for one disagreement
# had stated an error of 0.0% (95% CI 0.0% to 0.3%) against a true 31%
MIN_DISAGREEMENTS = 5


def unidentifiable_quality(a: Annotations) -> str | None:
    """Why the labels of ``a`` cannot measure label quality at all, in one sentence; None when they can.

    Agreement, worker accuracy and the consensus error rate all rest on workers who label the same task
    differently some of the time: with no label, one class only, one label per task, no task labelled by
    two different workers, or every task unanimous (or all but fewer than ``MIN_DISAGREEMENTS``), chance
    agreement and skill cannot be told apart.
    Linear in the annotations (each label is compared with its task's first label and worker; no sort).
    """
    if a.n_annotations == 0:
        return unidentifiable_reason(0, np.zeros(a.n_classes), 0, 0, 0, 0, a.classes)
    per_task = a.labels_per_task()
    first_worker = np.empty(a.n_tasks, dtype=np.intp)
    first_label = np.empty(a.n_tasks, dtype=np.intp)
    first_worker[a.task[::-1]] = a.worker[::-1]  # the last write wins: each task's first annotation
    first_label[a.task[::-1]] = a.label[::-1]
    shared = np.bincount(a.task[a.worker != first_worker[a.task]], minlength=a.n_tasks) > 0
    disagree = np.bincount(a.task[a.label != first_label[a.task]], minlength=a.n_tasks) > 0
    return unidentifiable_reason(
        a.n_annotations,
        np.bincount(a.label, minlength=a.n_classes).astype(np.float64),
        int(per_task.max()),
        int((per_task > 0).sum()),
        int(shared.sum()),
        int((disagree & shared).sum()),
        a.classes,
    )


def unidentifiable_reason(
    n_annotations: int,
    per_class: FloatArray,
    max_per_task: int,
    n_labelled: int,
    n_shared: int,
    n_informative: int,
    classes: tuple[str, ...],
) -> str | None:
    """``unidentifiable_quality``'s sentence from its counts (labels, labels per class (K,), most labels on a
    task, labelled tasks, tasks two different workers labelled, those of them with a disagreement): the Dask
    engine sums the same counts over blocks."""
    if n_annotations == 0:
        return "no task has a label"
    used = np.flatnonzero(per_class)
    if len(used) < 2:
        return (
            f"every label is the same class ({classes[int(used[0])]!r}): with one class only, agreement "
            "and accuracy cannot be told from chance"
        )
    if max_per_task < 2:
        return f"every one of the {n_labelled} labelled tasks has one label: no two workers saw the same task"
    if not n_shared:
        return (
            "no task was labelled by two different workers (only repeats by the same worker): "
            "no overlap between workers"
        )
    if not n_informative:
        return (
            f"all {n_shared} tasks labelled by two or more workers are unanimous: workers never "
            "disagree, so their error rates cannot be estimated"
        )
    if n_informative < MIN_DISAGREEMENTS:
        return (
            f"workers disagree on only {n_informative} of the {n_shared} tasks labelled by two or more "
            f"(fewer than {MIN_DISAGREEMENTS}): too few to estimate how often they err"
        )
    return None
