"""The consensus of a batch: one class per task, how sure we are, and which method said so."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from labelpact.core.aggregators import METHODS, Aggregator, Auto, canonical_method, create
from labelpact.core.aggregators.crossfit import (
    CROSS_FIT_LABELS,
    cross_fit,
    cross_fit_procedure,
    label_check_rho,
)
from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.core.calibration import Calibration, fit_on_gold, no_gold_calibration, vote_shares
from labelpact.core.keyed import gold_in_name_order
from labelpact.errors import InvalidInputError, quiet_convergence

__all__ = [
    "Consensus",
    "HeldOutAccuracy",
    "aggregate",
    "consensus_codes",
    "gold_posteriors",
    "held_out_accuracy",
]


@dataclass(frozen=True, slots=True)
class HeldOutAccuracy:
    """Accuracy of a consensus method on ``n_gold`` gold tasks that did not inform the labels scored; ``procedure`` says how."""

    value: float
    n_gold: int
    procedure: str


@dataclass(frozen=True, slots=True)
class Consensus:
    """Inferred true classes: ``labels`` (class name per task, in ``tasks`` order; None for a task nobody
    labelled), ``probas`` (n_tasks, n_classes), the method's raw posteriors.

    ``calibrated_probas`` (n_tasks, n_classes) are the posteriors after calibration (``calibration`` says
    which map; None only for a Consensus built by hand). ``confidence`` (n_tasks,) is the *calibrated*
    probability of each task's label (NaN where unlabelled): the number every error estimate sums.
    ``method`` names the method actually used (for ``auto``, which models and how they were chosen);
    ``scores`` holds auto's selection scores, if any; ``held_out`` is the accuracy on gold that did not
    inform the labels scored (None without gold).
    """

    tasks: tuple[str, ...]
    classes: tuple[str, ...]
    labels: tuple[str | None, ...]
    probas: FloatArray
    confidence: FloatArray
    method: str
    n_iter: int
    scores: dict[str, float] = field(default_factory=dict)
    held_out: HeldOutAccuracy | None = None
    calibrated_probas: FloatArray | None = None
    calibration: Calibration | None = None

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def unlabelled(self) -> tuple[str, ...]:
        """The tasks nobody labelled: they have no consensus label (None) and a NaN confidence."""
        return tuple(t for t, label in zip(self.tasks, self.labels, strict=True) if label is None)

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


def _check_inputs(a: object, method: object, gold: object) -> None:
    """``aggregate``'s arguments are what it takes (a DataFrame goes through ``labelpact.frames`` first),
    refused with InvalidInputError naming the argument rather than failing deep inside a fit."""
    if not isinstance(a, Annotations):
        raise InvalidInputError(
            "Annotations (a DataFrame: labelpact.frames.annotations_from_frame)",
            column="a",
            column_kind="field",
            got=type(a).__name__,
        )
    if not isinstance(method, str) or method not in METHODS:
        raise InvalidInputError(f"a method among {sorted(METHODS)}", column="method", got=repr(method))
    if gold is not None and not isinstance(gold, Gold):
        raise InvalidInputError(
            "Gold or None (labelpact.Gold.from_names codes gold given by names)",
            column="gold",
            column_kind="field",
            got=type(gold).__name__,
        )


def aggregate(
    a: Annotations,
    method: str = "auto",
    gold: Gold | None = None,
    random_state: int | None = 0,
    *,
    held_out: bool = True,
) -> Consensus:
    """Infer the true class of every task of ``a`` with ``method`` (a name in ``METHODS``), calibrated.

    Gold, when given, anchors the fit. The posteriors are calibrated (``core.calibration``: on held-out
    labels, and on gold through cross-fitted posteriors when there is gold); ``confidence`` is the
    calibrated probability of each task's label. A task nobody labelled gets no label (None) and a NaN
    confidence, the rule of ``consensus_codes``. With ``held_out`` (the default) the consensus also
    carries its accuracy on gold tasks that did not inform the labels scored (``held_out_accuracy``).
    """
    _check_inputs(a, method, gold)
    method = canonical_method(method)  # an alias (bcc) is reported by the name of the method it runs
    gold = gold_in_name_order(gold, a.tasks)  # its folds follow task names, not the file's order
    gold = gold.labelled(a) if gold is not None else None  # gold on a task nobody labelled checks nothing
    model = _new(method, random_state).fit(a, gold)
    probas = model.probas_.copy()
    if isinstance(model, Auto):
        name, scores = model.description_, dict(model.scores_)
        calibration, calibrated = model.calibration_, model.calibrated_probas_.copy()
        score = (
            None
            if model.held_out_accuracy_ is None
            else (model.held_out_accuracy_, model.held_out_procedure_)
        )
    else:
        name, scores = method, {}
        calibration, calibrated, score = _calibrate(a, gold, method, model, random_state)
    codes = consensus_codes(a, probas)
    named = np.asarray(a.classes, dtype=object)[np.maximum(codes, 0)]  # a fit has at least one class
    named[codes < 0] = None
    labels = tuple(named.tolist())
    confidence = np.full(a.n_tasks, np.nan)
    labelled = codes >= 0
    confidence[labelled] = calibrated[labelled, codes[labelled]]
    for array in (probas, calibrated, confidence):
        array.flags.writeable = False
    accuracy = None
    if held_out and gold is not None and len(gold):
        accuracy = (
            HeldOutAccuracy(score[0], len(gold), str(score[1]))
            if score is not None
            else held_out_accuracy(a, gold, method, model, random_state)
        )
    return Consensus(
        tasks=a.tasks,
        classes=a.classes,
        labels=labels,
        probas=probas,
        confidence=confidence,
        method=name,
        n_iter=model.n_iter_,
        scores=scores,
        held_out=accuracy,
        calibrated_probas=calibrated,
        calibration=calibration,
    )


def _calibrate(
    a: Annotations, gold: Gold | None, method: str, model: Aggregator, random_state: int | None
) -> tuple[Calibration, FloatArray, tuple[float, str] | None]:
    """Calibration of a named method's fit (``model``), its calibrated posteriors, and its gold accuracy with
    how it was measured (None without gold).

    Costs one refit on four fifths of the labels (the held-out-label check), plus, with gold, one fit per
    gold fold (up to ``CROSS_FIT_LABELS`` labels) or one fit without gold (above).
    """
    make = {method: lambda: _new(method, random_state)}
    with quiet_convergence():  # the delivered fit has already warned about its own convergence
        rho = label_check_rho(a, make, seed=random_state)
        prior = no_gold_calibration(rho)
        n_labels, shares = a.labels_per_task(), vote_shares(a)
        score = None
        calibration = prior
        if gold is not None and len(gold):
            at_gold, procedure = gold_posteriors(a, gold, method, random_state)
            score = (float(np.mean(at_gold[0].argmax(axis=1) == gold.label)), procedure)
            calibration = fit_on_gold(
                at_gold,
                n_labels[gold.task],
                gold.label,
                prior,
                shares=shares[gold.task],
                random_state=random_state,
            )
    calibrated = calibration.apply([model.probas_], n_labels, shares)
    if gold is not None and len(gold):
        calibrated[gold.task] = 0.0
        calibrated[gold.task, gold.label] = 1.0
    return calibration, calibrated, score


def gold_posteriors(
    a: Annotations, gold: Gold, method: str, random_state: int | None
) -> tuple[list[FloatArray], str]:
    """``[posteriors (n_gold, K)]`` of ``method`` at the gold tasks from fits that did not see them, and how:
    cross-fitted over gold folds up to ``CROSS_FIT_LABELS`` labels, else one fit without gold. The Dask engine
    calls it on the delivery brought to its driver, so both engines score a named method alike."""
    if a.n_annotations <= CROSS_FIT_LABELS:
        make = {method: lambda: _new(method, random_state)}
        return cross_fit(a, gold, make, random_state=random_state), cross_fit_procedure(method, len(gold))
    blind = _new(method, random_state).fit(a)
    return [blind.probas_[gold.task]], f"{method} refitted without the {len(gold)} gold tasks, scored on them"


def held_out_accuracy(
    a: Annotations, gold: Gold | None, method: str, fitted: Aggregator, random_state: int | None = 0
) -> HeldOutAccuracy | None:
    """Accuracy on the gold of ``method`` when the gold does not inform the labels it is scored against.

    ``auto`` reports its own (``Auto.held_out_accuracy_``, ``held_out_procedure_``): its choice
    cross-fitted over the gold folds (each fold scored by fits anchored by the other folds' gold) on
    deliveries up to ``CROSS_FIT_LABELS`` labels, else the cross-validated replay of its selection
    with fits without gold. Here, any other case: the method refitted once without the gold and scored
    on every gold task (conservative: the delivered consensus also uses the gold). None without gold.
    """
    if gold is None or not len(gold):
        return None
    n = len(gold)
    if isinstance(fitted, Auto) and fitted.held_out_accuracy_ is not None:
        return HeldOutAccuracy(fitted.held_out_accuracy_, n, str(fitted.held_out_procedure_))
    with quiet_convergence():  # the delivered fit has already warned about its own convergence
        blind = _new(method, random_state).fit(a)
    value = float(np.mean(blind.probas_[gold.task].argmax(axis=1) == gold.label))
    return HeldOutAccuracy(value, n, f"{method} refitted without the {n} gold tasks, scored on them")


def _new(method: str, random_state: int | None) -> Aggregator:
    model = create(method)
    if "random_state" in model.get_params():
        model = create(method, random_state=random_state)
    return model
