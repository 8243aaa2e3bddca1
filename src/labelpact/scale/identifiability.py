"""Whether the labels spread over a cluster can measure quality at all: ``core.identifiability`` by reduction.

Each block counts what ``unidentifiable_quality`` looks at (labels, classes used, the largest number of labels
on a task, labelled tasks, tasks two different workers labelled, and those of them with a disagreement); the
sums decide, with the in-process sentences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labelpact.core.annotations import FloatArray
from labelpact.core.identifiability import unidentifiable_reason
from labelpact.scale.blocks import Block

__all__ = ["QualitySignal", "block_signal"]


@dataclass(frozen=True, slots=True)
class QualitySignal:
    """The counts ``unidentifiable_quality`` decides on, summed over blocks (``max_per_task`` by maximum)."""

    n_annotations: int
    per_class: FloatArray  # (K,) labels of each class
    max_per_task: int
    n_labelled: int
    n_shared: int
    n_informative: int  # tasks labelled by two different workers who disagree somewhere on them

    def __add__(self, other: QualitySignal) -> QualitySignal:
        return QualitySignal(
            self.n_annotations + other.n_annotations,
            self.per_class + other.per_class,
            max(self.max_per_task, other.max_per_task),
            self.n_labelled + other.n_labelled,
            self.n_shared + other.n_shared,
            self.n_informative + other.n_informative,
        )

    def reason(self, classes: tuple[str, ...]) -> str | None:
        """``core.identifiability.unidentifiable_quality``'s sentence for these counts; None when quality is
        measurable."""
        return unidentifiable_reason(
            self.n_annotations,
            self.per_class,
            self.max_per_task,
            self.n_labelled,
            self.n_shared,
            self.n_informative,
            classes,
        )


def block_signal(block: Block) -> QualitySignal:
    """A block's counts: every task is whole in its block, so the per-task tests run here (as in-process)."""
    a = block.annotations
    per_task = a.labels_per_task()
    first_worker = np.empty(a.n_tasks, dtype=np.intp)
    first_label = np.empty(a.n_tasks, dtype=np.intp)
    first_worker[a.task[::-1]] = a.worker[::-1]
    first_label[a.task[::-1]] = a.label[::-1]
    shared = np.bincount(a.task[a.worker != first_worker[a.task]], minlength=a.n_tasks) > 0
    disagree = np.bincount(a.task[a.label != first_label[a.task]], minlength=a.n_tasks) > 0
    return QualitySignal(
        a.n_annotations,
        np.bincount(a.label, minlength=a.n_classes).astype(np.float64),
        int(per_task.max(initial=0)),
        int((per_task > 0).sum()),
        int(shared.sum()),
        int((disagree & shared).sum()),
    )
