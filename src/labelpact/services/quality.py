"""Use cases of the quality judgement on one delivery: consensus, agreement and worker scorecards."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from labelpact.core.aggregators import METHODS
from labelpact.core.agreement import Agreement, Level, agreement, numeric_classes
from labelpact.core.consensus import Consensus, aggregate, consensus_codes
from labelpact.core.intervals import wilson_interval
from labelpact.core.label_errors import label_errors_of
from labelpact.core.workers import WorkerReport, score_workers
from labelpact.io import Delivery, read_delivery
from labelpact.io.export import write_consensus, write_rows
from labelpact.io.predictions import read_pred_probs
from labelpact.services.progress import Progress, Warn, reading, stage, warn_all

__all__ = [
    "ISSUES_METHOD",
    "METHOD_NAMES",
    "ConsensusReport",
    "ConsensusResult",
    "aggregate_file",
    "agreement_file",
    "agreement_of",
    "consensus_document",
    "consensus_of",
    "label_issues_file",
    "read_labels",
    "scale_by_name",
    "workers_file",
    "workers_of",
]

METHOD_NAMES: Final = tuple(sorted(METHODS))
"""The truth-inference methods a command, a contract or an API call may name (``auto`` included)."""


@dataclass(frozen=True, slots=True)
class ConsensusResult:
    """The consensus of a delivery, its out-of-sample gold accuracy (None without gold), and the time it took.

    ``accuracy`` is measured on gold tasks that did not inform the labels scored (never the anchored
    fit's ~100% on its own honeypots); ``accuracy_method`` says how, in words.
    """

    consensus: Consensus
    accuracy: float | None
    seconds: float
    accuracy_method: str | None = None


def consensus_of(
    delivery: Delivery, *, method: str = "auto", random_state: int | None = 0
) -> ConsensusResult:
    """Infer the true class of every task; gold, when the delivery has it, anchors the estimate.

    The accuracy reported is out of sample: the gold is split into folds and each fold scored by a fit
    anchored by the other folds' gold (cross-fitting; on deliveries over ``CROSS_FIT_LABELS`` labels,
    fits without gold). The stored confidence is calibrated (``core.calibration``). ``seconds`` covers all.
    """
    started = time.perf_counter()
    consensus = aggregate(delivery.annotations, method=method, gold=delivery.gold, random_state=random_state)
    seconds = time.perf_counter() - started
    held_out = consensus.held_out
    return ConsensusResult(
        consensus=consensus,
        accuracy=None if held_out is None else held_out.value,
        seconds=seconds,
        accuracy_method=None if held_out is None else held_out.procedure,
    )


def agreement_of(
    delivery: Delivery, *, level: Level = "nominal", n_bootstrap: int = 1000, random_state: int | None = 0
) -> Agreement:
    """Inter-annotator agreement of the delivery with bootstrap intervals over tasks."""
    return agreement(delivery.annotations, level=level, n_bootstrap=n_bootstrap, random_state=random_state)


def workers_of(
    delivery: Delivery, *, consensus: Consensus | None = None, method: str = "auto"
) -> WorkerReport:
    """Scorecards of every worker against gold and the consensus (inferred with ``method`` unless given)."""
    result = consensus if consensus is not None else consensus_of(delivery, method=method).consensus
    a = delivery.annotations
    codes = consensus_codes(a, result.probas)
    return score_workers(a, consensus=codes, probas=result.probas, gold=delivery.gold)


# -- use cases on a file: read, judge, write; what the CLI and the API call ------------------------


def read_labels(
    labels: str | Path,
    *,
    gold: str | Path | None = None,
    tasks: str | Path | None = None,
    task_column: str | None = None,
    worker_column: str | None = None,
    label_column: str | None = None,
    classes: Sequence[str] | None = None,
    progress: Progress | None = None,
    warn: Warn | None = None,
) -> Delivery:
    """Read a delivered labels file (and its gold answers and task payloads), reporting progress as it reads
    and its warnings (one number spelled several ways, payloads that miss tasks...) to ``warn``."""
    delivery = read_delivery(
        labels,
        gold=gold,
        tasks=tasks,
        task_column=task_column,
        worker_column=worker_column,
        label_column=label_column,
        classes=classes,
        progress=reading(progress, f"reading {Path(labels).name}"),
    )
    warn_all(warn, delivery.warnings)
    return delivery


@dataclass(frozen=True, slots=True)
class ConsensusReport:
    """``labelpact aggregate``'s result: the ``--json`` document, and what its table adds to it."""

    document: dict[str, Any]
    seconds: float  # unrounded (the document keeps 4 decimals)
    n_low_confidence: int  # tasks below 70% calibrated confidence


def aggregate_file(
    labels: str | Path,
    *,
    gold: str | Path | None = None,
    method: str = "auto",
    random_state: int | None = 0,
    out: str | Path | None = None,
    task_column: str | None = None,
    worker_column: str | None = None,
    label_column: str | None = None,
    progress: Progress | None = None,
    warn: Warn | None = None,
) -> ConsensusReport:
    """Infer the consensus of a labels file; with ``out``, write ``task,label,confidence`` there (CSV)."""
    delivery = read_labels(
        labels,
        gold=gold,
        task_column=task_column,
        worker_column=worker_column,
        label_column=label_column,
        progress=progress,
        warn=warn,
    )
    stage(progress, f"aggregating ({method})")
    result = consensus_of(delivery, method=method, random_state=random_state)
    c, a = result.consensus, delivery.annotations
    if out is not None:  # no label where no one labelled: empty label and confidence in --out
        write_consensus(c.tasks, c.labels, c.confidence, out)
    counts = (a.n_tasks, a.n_workers, a.n_annotations, a.n_classes)
    n_gold = len(delivery.gold) if delivery.gold is not None else 0
    document = consensus_document(result, counts, n_gold=n_gold, out=out)
    return ConsensusReport(document, result.seconds, int((c.confidence < 0.7).sum()))


def consensus_document(
    result: ConsensusResult, counts: tuple[int, int, int, int], *, n_gold: int, out: str | Path | None
) -> dict[str, Any]:
    """``labelpact aggregate --json`` of ``result``; ``counts`` are (tasks, workers, annotations, classes)."""
    c = result.consensus
    labelled = ~np.isnan(c.confidence)
    n_tasks, n_workers, n_annotations, n_classes = counts
    return {
        "method": c.method,
        "n_tasks": n_tasks,
        "n_workers": n_workers,
        "n_annotations": n_annotations,
        "n_classes": n_classes,
        "accuracy": result.accuracy,
        "accuracy_interval": _accuracy_interval(c),
        "accuracy_method": result.accuracy_method,
        "n_gold": n_gold,
        "seconds": round(result.seconds, 4),
        "n_iter": c.n_iter,
        "mean_confidence": float(np.nanmean(c.confidence)) if labelled.any() else None,
        "calibration": None
        if c.calibration is None
        else {
            "kind": c.calibration.kind,
            "source": c.calibration.source,
            "rho": c.calibration.rho,
            "tau": c.calibration.tau,
        },
        "n_unlabelled": len(c.unlabelled),
        "unlabelled": list(c.unlabelled),
        "out": str(out) if out else None,
    }


def _accuracy_interval(c: Consensus) -> list[float] | None:
    """The 95% Wilson interval of the held-out gold accuracy (its share of ``n_gold`` tasks right); None
    without gold. Two gold tasks say little, and the interval says how little."""
    held = c.held_out
    if held is None or held.n_gold <= 0:
        return None
    lo, hi = wilson_interval(round(held.value * held.n_gold), held.n_gold)
    return [float(lo), float(hi)]


def agreement_file(
    labels: str | Path,
    *,
    level: Level = "nominal",
    n_bootstrap: int = 1000,
    task_column: str | None = None,
    worker_column: str | None = None,
    label_column: str | None = None,
    classes: Sequence[str] | None = None,
    progress: Progress | None = None,
    warn: Warn | None = None,
) -> Agreement:
    """Inter-annotator agreement of a labels file, with bootstrap intervals over tasks; ``classes`` are the
    allowed classes, in scale order for the ordinal and interval levels (else numbers in numeric order, names
    in name order: the result's ``scale`` says which)."""
    delivery = read_labels(
        labels,
        classes=classes,
        task_column=task_column,
        worker_column=worker_column,
        label_column=label_column,
        progress=progress,
        warn=warn,
    )
    stage(progress, "measuring agreement")
    return agreement_of(delivery, level=level, n_bootstrap=n_bootstrap)


def scale_by_name(result: Agreement) -> str | None:
    """What to warn when an ordinal or interval scale was taken from class names in name order (the caller
    gave no order and the names are not numbers), else None."""
    if result.scale is None or numeric_classes(result.scale):
        return None
    return f"the {result.level} scale is the classes in name order ({' < '.join(result.scale)})"


def workers_file(
    labels: str | Path,
    *,
    gold: str | Path | None = None,
    method: str = "auto",
    out: str | Path | None = None,
    task_column: str | None = None,
    worker_column: str | None = None,
    label_column: str | None = None,
    progress: Progress | None = None,
    warn: Warn | None = None,
) -> dict[str, Any]:
    """The worker scorecards of a labels file (``labelpact workers --json``); ``out`` gets one row per worker."""
    delivery = read_labels(
        labels,
        gold=gold,
        task_column=task_column,
        worker_column=worker_column,
        label_column=label_column,
        progress=progress,
        warn=warn,
    )
    stage(progress, f"scoring workers ({method})")
    document = workers_of(delivery, method=method).to_dict()
    if out is not None:
        write_rows(document["workers"], out)
    return document


ISSUES_METHOD: Final = (
    "confident learning (Northcutt et al. 2021), prune by noise rate, self-confidence ranking"
)


def label_issues_file(
    labels: str | Path,
    pred_probs: str | Path,
    *,
    out: str | Path | None = None,
    task_column: str | None = None,
    worker_column: str | None = None,
    label_column: str | None = None,
    progress: Progress | None = None,
    warn: Warn | None = None,
) -> dict[str, Any]:
    """Labels that out-of-sample model predictions say are wrong (``labelpact issues --json``), worst first.

    With one label per task the given label is what is checked; otherwise the consensus is. Prediction
    columns of classes nobody chose are classes too (the suggestion may be one). ``out`` gets the issues
    as CSV or Parquet.
    """
    delivery = read_labels(
        labels,
        task_column=task_column,
        worker_column=worker_column,
        label_column=label_column,
        progress=progress,
        warn=warn,
    )
    a = delivery.annotations
    # a model trained on the full label set may know classes no worker chose here: CL runs over all of them
    predictions = read_pred_probs(pred_probs, tasks=a.tasks, classes=a.classes, extra_classes=True)
    classes = (*a.classes, *predictions.extra_classes)
    stage(progress, "finding label errors")
    per_task = a.labels_per_task()
    codes = np.full(a.n_tasks, -1, dtype=np.intp)
    if per_task.max(initial=0) <= 1:  # one label per task: it is the given label
        codes[a.task] = a.label
        probas = np.eye(max(a.n_classes, 1))[np.maximum(codes, 0)]
        source = "the given labels"
    else:
        consensus = aggregate(a)
        probas = consensus.probas
        codes = consensus_codes(a, probas)
        source = f"the consensus ({consensus.method})"
    found = label_errors_of(a, codes, probas, predictions=predictions).issues
    n_labelled = int((codes >= 0).sum())
    if found.n_tasks < n_labelled:  # the rate is a share of the tasks checked, not of the batch
        warn_all(
            warn,
            [
                f"predictions cover {found.n_tasks:,} of the {n_labelled:,} labelled tasks: only those are checked"
            ],
        )
    rows: list[dict[str, Any]] = [
        {
            "task": a.tasks[int(t)],
            "label": classes[int(y)],
            "suggested": classes[int(s)],
            "quality": float(q),
        }
        for t, y, s, q in zip(found.task, found.label, found.suggested, found.quality, strict=True)
    ]
    if out is not None:
        write_rows(rows, out)
    return {
        "n_tasks": found.n_tasks,  # the tasks checked (labelled, with a prediction): the base of ``rate``
        "issues": rows,
        "n_tasks_checked": found.n_tasks,
        "n_tasks_labelled": n_labelled,
        "n_issues": len(rows),
        "rate": found.rate,
        "label_source": source,
        "method": ISSUES_METHOD,
    }
