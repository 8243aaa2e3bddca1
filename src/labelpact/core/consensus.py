"""The consensus of a batch: one class per task, how sure we are, and which method said so."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from labelpact.core.aggregators import METHODS, Aggregator, Auto, create
from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.errors import ConvergenceWarning, InvalidInputError

__all__ = ["Consensus", "HeldOutAccuracy", "aggregate", "consensus_codes", "held_out_accuracy"]


@dataclass(frozen=True, slots=True)
class HeldOutAccuracy:
    """Accuracy of a consensus method on ``n_gold`` gold tasks that did not inform the labels scored; ``procedure`` says how."""

    value: float
    n_gold: int
    procedure: str


@dataclass(frozen=True, slots=True)
class Consensus:
    """Inferred true classes: ``labels`` (class name per task, in ``tasks`` order), ``probas`` (n_tasks, n_classes).

    ``confidence`` is the largest posterior per task; ``method`` names the method actually used (for
    ``auto``, which models and how they were chosen); ``scores`` holds auto's selection scores, if any;
    ``held_out`` is the accuracy on gold that did not inform the labels scored (None without gold).
    ``calibrated_probas`` (n_tasks, n_classes) are the posteriors after calibration (None until calibrated);
    ``probas`` stay the method's raw posteriors.
    """

    tasks: tuple[str, ...]
    classes: tuple[str, ...]
    labels: tuple[str, ...]
    probas: FloatArray
    confidence: FloatArray
    method: str
    n_iter: int
    scores: dict[str, float] = field(default_factory=dict)
    held_out: HeldOutAccuracy | None = None
    calibrated_probas: FloatArray | None = None

    def __len__(self) -> int:
        return len(self.labels)

    def accuracy(self, gold: Gold) -> float | None:
        """In-sample share of gold tasks whose consensus class is the gold class; None without gold.

        Gold that was given to ``aggregate`` anchors those tasks, so this is ~1 for them: it only
        measures the consensus on gold it did not see. ``held_out`` is the honest number.
        """
        if not len(gold):
            return None
        chosen = self.probas[gold.task].argmax(axis=1)
        return float(np.mean(chosen == gold.label))


def consensus_codes(a: Annotations, probas: FloatArray) -> IntArray:
    """The consensus class code per task of ``a`` (n_tasks,) from posteriors (n_tasks, K); -1 for a task
    nobody labelled, which has no consensus to agree or disagree with."""
    codes = np.full(a.n_tasks, -1, dtype=np.intp)
    labelled = a.labels_per_task() > 0
    codes[labelled] = np.asarray(probas)[labelled].argmax(axis=1)
    return codes


def aggregate(
    a: Annotations,
    method: str = "auto",
    gold: Gold | None = None,
    random_state: int | None = 0,
    *,
    held_out: bool = True,
) -> Consensus:
    """Infer the true class of every task of ``a`` with ``method`` (a name in ``METHODS``).

    Gold, when given, anchors the fit. With ``held_out`` (the default) the consensus also carries
    its accuracy on gold tasks that did not inform the labels scored (see ``held_out_accuracy``):
    free for ``auto`` with at least 5 gold tasks, one more fit of the method otherwise.
    """
    if method not in METHODS:
        raise InvalidInputError(f"a method among {sorted(METHODS)}", column="method", got=repr(method))
    model = _new(method, random_state).fit(a, gold)
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
        held_out=held_out_accuracy(a, gold, method, model, random_state) if held_out else None,
    )


def held_out_accuracy(
    a: Annotations, gold: Gold | None, method: str, fitted: Aggregator, random_state: int | None = 0
) -> HeldOutAccuracy | None:
    """Accuracy on the gold of ``method`` when the gold does not inform the labels it is scored against.

    ``auto`` that selected a method by gold reports its own cross-validated selection
    (``Auto.held_out_accuracy_``: choose on four fifths of the gold, score on the last fifth, fits
    without gold). Any other method, or ``auto`` with too little gold to select, is refitted once
    without the gold and scored on every gold task. Both are conservative: the delivered consensus
    also uses the gold as anchors. None without gold.
    """
    if gold is None or not len(gold):
        return None
    n = len(gold)
    if isinstance(fitted, Auto) and fitted.held_out_accuracy_ is not None:
        procedure = (
            f"{fitted.n_folds}-fold cross-validation of auto's choice over {n} gold tasks, "
            "each option fitted without gold"
        )
        return HeldOutAccuracy(fitted.held_out_accuracy_, n, procedure)
    with warnings.catch_warnings():  # the delivered fit has already warned about its own convergence
        warnings.simplefilter("ignore", ConvergenceWarning)
        blind = _new(method, random_state).fit(a)
    value = float(np.mean(blind.probas_[gold.task].argmax(axis=1) == gold.label))
    return HeldOutAccuracy(value, n, f"{method} refitted without the {n} gold tasks, scored on them")


def _new(method: str, random_state: int | None) -> Aggregator:
    model = create(method)
    if "random_state" in model.get_params():
        model = create(method, random_state=random_state)
    return model
