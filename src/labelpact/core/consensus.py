"""The consensus of a batch: one class per task, how sure we are, and which method said so."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from labelpact.core.aggregators import METHODS, Auto, create
from labelpact.core.annotations import Annotations, FloatArray, Gold
from labelpact.errors import InvalidInputError

__all__ = ["Consensus", "aggregate"]


@dataclass(frozen=True, slots=True)
class Consensus:
    """Inferred true classes: ``labels`` (class name per task, in ``tasks`` order), ``probas`` (n_tasks, n_classes).

    ``confidence`` is the largest posterior per task; ``method`` names the method actually used (for
    ``auto``, which models and how they were chosen); ``scores`` holds auto's selection scores, if any.
    """

    tasks: tuple[str, ...]
    classes: tuple[str, ...]
    labels: tuple[str, ...]
    probas: FloatArray
    confidence: FloatArray
    method: str
    n_iter: int
    scores: dict[str, float] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.labels)

    def accuracy(self, gold: Gold) -> float | None:
        """Share of gold tasks whose consensus class is the gold class; None without gold."""
        if not len(gold):
            return None
        chosen = self.probas[gold.task].argmax(axis=1)
        return float(np.mean(chosen == gold.label))


def aggregate(
    a: Annotations, method: str = "auto", gold: Gold | None = None, random_state: int | None = 0
) -> Consensus:
    """Infer the true class of every task of ``a`` with ``method`` (a name in ``METHODS``)."""
    if method not in METHODS:
        raise InvalidInputError(f"a method among {sorted(METHODS)}", column="method", got=repr(method))
    model = create(method)
    if "random_state" in model.get_params():
        model = create(method, random_state=random_state)
    model.fit(a, gold)
    probas = model.probas_.copy()
    probas.flags.writeable = False
    confidence = probas.max(axis=1) if len(probas) else np.empty(0)
    confidence.flags.writeable = False
    if isinstance(model, Auto):
        name, scores = model.description_, dict(model.scores_)
    else:
        name, scores = method, {}
    return Consensus(
        tasks=a.tasks,
        classes=a.classes,
        labels=tuple(str(x) for x in model.labels_),
        probas=probas,
        confidence=confidence,
        method=name,
        n_iter=model.n_iter_,
        scores=scores,
    )
