"""The result every label-issue finder returns: flagged tasks, worst first."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labelpact.core.annotations import FloatArray, IntArray

__all__ = ["LabelIssues"]


@dataclass(frozen=True, slots=True)
class LabelIssues:
    """Tasks whose label is probably wrong, worst first.

    ``task`` indexes the tasks; ``label`` is the given (or consensus) class, ``suggested`` the class the
    evidence prefers, ``quality`` the label-quality score in [0, 1] (low is bad). All have shape (n_issues,).
    """

    task: IntArray
    label: IntArray
    suggested: IntArray
    quality: FloatArray
    n_tasks: int

    def __post_init__(self) -> None:
        for name in ("task", "label", "suggested", "quality"):
            array = np.array(getattr(self, name), copy=True)
            array.flags.writeable = False
            object.__setattr__(self, name, array)

    def __len__(self) -> int:
        return len(self.task)

    @property
    def rate(self) -> float:
        """Share of tasks flagged (0 for an empty batch)."""
        return len(self.task) / self.n_tasks if self.n_tasks else 0.0
