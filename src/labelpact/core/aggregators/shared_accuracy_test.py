"""The held-out-label test of ``Auto``: does one accuracy shared by every worker predict unseen labels better
than the worker-specific models? (cross-validated predictive likelihood of the annotations, ``predictive``).

``repeat_share`` says whether the test can say anything (a one-label worker's reliability is not
identifiable); ``shared_accuracy_z`` is the paired z statistic; ``LabelCheck`` keeps what its folds saw, so that
``calibration.fit_rho_on_labels`` can calibrate the chosen model on the same held-out labels without a refit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from labelpact.core.aggregators.base import Aggregator, counts_of
from labelpact.core.aggregators.crossfit import held_out_labels, refit, subset
from labelpact.core.aggregators.predictive import FLOOR, label_rows, shared_accuracy_rows
from labelpact.core.annotations import Annotations, FloatArray, IntArray
from labelpact.core.keyed import KeyArray, name_keys

__all__ = [
    "MIN_REPEAT_SHARE",
    "Z_EARLY",
    "LabelCheck",
    "repeat_share",
    "sample_tasks",
    "shared_accuracy_z",
    "shared_check",
    "task_sample",
]

Z_EARLY = 4.0  # after the first fold of held-out labels, a verdict this clear needs no more folds
# Below this share of labels from workers who labelled two or more tasks, worker-specific models are not fitted
MIN_REPEAT_SHARE = 0.05


def repeat_share(a: Annotations) -> float:
    """Share of the labels given by workers who labelled at least two distinct tasks (1.0 without labels).

    Only these labels can teach a worker-specific model anything a shared accuracy does not know (a
    worker repeating one task's label twice is still one observation of that worker).
    """
    if not a.n_annotations:
        return 1.0
    x = counts_of(a).by_task  # a row's columns (worker * K + class) sorted: a worker's entries are adjacent
    if not x.has_sorted_indices:
        x = x.sorted_indices()
    worker = x.indices // max(a.n_classes, 1)
    first = np.ones(len(worker), dtype=bool)  # the first entry of each distinct (task, worker)
    first[1:] = worker[1:] != worker[:-1]
    first[x.indptr[:-1][np.diff(x.indptr) > 0]] = True
    tasks_per_worker = np.bincount(worker[first], minlength=a.n_workers)
    labels_per_worker = np.bincount(a.worker, minlength=a.n_workers)
    return float(labels_per_worker[tasks_per_worker >= 2].sum() / a.n_annotations)


@dataclass
class LabelCheck:
    """What the held-out-label test saw, for ``calibration.fit_rho_on_labels``: per held-out label, each
    candidate's task posterior and confusion column (lists over folds, then members), the shared-accuracy
    model's, and the number of labels left in on the task."""

    members: list[tuple[list[FloatArray], list[FloatArray]]] = field(default_factory=list)
    shared: list[tuple[FloatArray, FloatArray]] = field(default_factory=list)
    n_left: list[IntArray] = field(default_factory=list)

    def of(self, default: str) -> tuple[list[FloatArray], list[FloatArray], IntArray]:
        """(posteriors per member, confusion columns per member, labels left in) for ``default``'s model."""
        n_left = np.concatenate(self.n_left) if self.n_left else np.empty(0, dtype=np.intp)
        if default == "mv":
            if not self.shared:
                return [], [], n_left
            return (
                [np.concatenate([q for q, _ in self.shared])],
                [np.concatenate([c for _, c in self.shared])],
                n_left,
            )
        if not self.members:
            return [], [], n_left
        count = len(self.members[0][0])
        posteriors = [np.concatenate([fold[0][m] for fold in self.members]) for m in range(count)]
        rows = [np.concatenate([fold[1][m] for fold in self.members]) for m in range(count)]
        return posteriors, rows, n_left


def shared_accuracy_z(
    a: Annotations, factories: Mapping[str, Callable[[], Aggregator]], n_folds: int, seed: int | None
) -> tuple[float, dict[str, Aggregator], LabelCheck]:
    """Paired z statistic of held-out label log-likelihood: majority vote's model minus the mixture of the
    candidates ``factories`` builds (name -> a fresh unfitted model).

    The annotations are split into ``n_folds`` folds; each fold's labels are predicted by models
    fitted on the others (``predictive.py``). Positive: one accuracy shared by every worker explains
    unseen labels better than the worker-specific models, which then overfit. After the first fold a
    verdict beyond ``Z_EARLY`` stops early (large deliveries), so the cost is one to ``n_folds`` refits
    of the candidates, the last of which are returned, with what the folds saw (for calibration).
    0 when there are too few labels to split.
    """
    check = LabelCheck()
    if a.n_annotations < 2 * n_folds or a.n_classes < 2:
        return 0.0, {}, check
    # folds follow the sorted (task, worker, label) triples, so the order of the rows does not matter
    fold = held_out_labels(a, n_folds, seed)
    parts: list[FloatArray] = []
    z = 0.0
    fits: dict[str, Aggregator] = {}
    for f in range(n_folds):
        held = fold == f
        train = subset(a, ~held)
        task, worker, label = a.task[held], a.worker[held], a.label[held]
        fits = {name: refit(None, factory(), train, None) for name, factory in factories.items()}
        rows = [label_rows(fit, train, task, worker, label) for fit in fits.values()]
        mixture = np.mean([np.einsum("nk,nk->n", q, c) for q, c in rows], axis=0)
        shared = shared_accuracy_rows(train, task, label)
        check.members.append(([q for q, _ in rows], [c for _, c in rows]))
        check.shared.append(shared)
        check.n_left.append(train.labels_per_task()[task])
        parts.append(
            np.log(_floor(np.einsum("nk,nk->n", *shared), a.n_classes)) - np.log(_floor(mixture, a.n_classes))
        )
        d = np.concatenate(parts)
        sd = float(d.std())
        z = float(d.mean() / sd * np.sqrt(len(d))) if sd > 0 else 0.0
        if f == 0 and abs(z) >= Z_EARLY:
            break
    return z, fits, check


def _floor(p: FloatArray, k: int) -> FloatArray:
    """The predictive floor of ``predictive.FLOOR``: a surprising label costs log(K / FLOOR), not inf."""
    floored: FloatArray = (1.0 - FLOOR) * p + FLOOR / max(k, 1)
    return floored


def shared_check(sample: Annotations, n_folds: int, seed: int | None) -> LabelCheck:
    """The held-out-label check of the shared-accuracy model alone (for its calibration), one fold of ``sample``
    (in ``Auto``, the ``SAMPLE``-label sample of whole tasks the first step of its label test draws)."""
    check = LabelCheck()
    if sample.n_annotations < 2 * n_folds or sample.n_classes < 2:
        return check
    held = held_out_labels(sample, n_folds, seed) == 0
    train = subset(sample, ~held)
    task = sample.task[held]
    check.shared.append(shared_accuracy_rows(train, task, sample.label[held]))
    check.n_left.append(train.labels_per_task()[task])
    return check


def sample_tasks(per_task: IntArray, size: int, keys: KeyArray) -> IntArray:
    """The tasks (sorted codes) of a seeded random set of whole tasks with at most ``size`` labels in all;
    ``per_task`` (n_tasks,) counts each task's labels and ``keys`` (n_tasks,) are the tasks' name keys
    (``core.keyed``), whose order is the random order: a larger sample contains the smaller, and the
    row order of the delivery does not change which tasks are drawn."""
    order = np.argsort(keys, kind="stable")
    keep: IntArray = np.sort(order[np.cumsum(per_task[order]) <= size])
    return keep


def task_sample(a: Annotations, size: int, seed: int | None) -> Annotations:
    """The labels of ``sample_tasks``' tasks, at most ``size`` labels; ``a`` itself when it has no more.

    Workers and classes keep their codes (fits on the sample can warm-start fits on ``a``), tasks are recoded.
    """
    if a.n_annotations <= size:
        return a
    keep = sample_tasks(np.bincount(a.task, minlength=a.n_tasks), size, name_keys(a.tasks, seed))
    code = np.full(a.n_tasks, -1, dtype=np.intp)
    code[keep] = np.arange(len(keep))
    rows = code[a.task] >= 0
    return Annotations(
        task=code[a.task[rows]],
        worker=a.worker[rows],
        label=a.label[rows],
        tasks=tuple(a.tasks[i] for i in keep),
        workers=a.workers,
        classes=a.classes,
    )
