"""Truth inference on the Dask engine: the consensus of Parquet parts, as ``aggregate_file``'s document.

Returns the local path's result types (``ConsensusResult``), so a command renders either engine's answer
the same way. Labels and posteriors equal the in-process fit's (posteriors within 1e-9).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from labelpact.core.aggregators import Auto
from labelpact.core.aggregators.crossfit import CROSS_FIT_LABELS
from labelpact.core.calibration import Calibration
from labelpact.core.consensus import Consensus, HeldOutAccuracy, aggregate, gold_posteriors
from labelpact.errors import quiet_convergence
from labelpact.io.export import write_consensus
from labelpact.services.engine.session import Progress, engine_client, engine_progress
from labelpact.services.progress import Progress as StageProgress
from labelpact.services.progress import stage
from labelpact.services.quality import ConsensusReport, ConsensusResult, consensus_document

if TYPE_CHECKING:  # pandas comes with the Dask engine's extra, not with labelpact itself
    import pandas as pd

__all__ = ["DistributedConsensus", "aggregate_distributed", "aggregate_parts_file", "consensus_of_fit"]


@dataclass(frozen=True, slots=True)
class DistributedConsensus:
    """A consensus computed on the Dask engine, with the sizes of the parts it read."""

    result: ConsensusResult
    n_tasks: int
    n_workers: int
    n_annotations: int
    n_classes: int
    n_gold: int
    n_blocks: int


def aggregate_distributed(
    parts: str | Path,
    method: str = "ds",
    *,
    gold: str | Path | None = None,
    scheduler: str | None = None,
    client: Any = None,
    n_workers: int | None = None,
    n_blocks: int | None = None,
    task_column: str | None = None,
    worker_column: str | None = None,
    label_column: str | None = None,
    classes: Sequence[str] | None = None,
    random_state: int | None = 0,
    progress: Progress | None = None,
) -> DistributedConsensus:
    """Truth inference over the Parquet parts at ``parts`` (a folder, a glob or a URL) on a Dask cluster.

    Labels and posteriors equal the in-process fit's (posteriors within 1e-9). With ``gold`` the fit is
    anchored by it and ``held_out`` is measured as in-process (``_held_out``). The confidence is calibrated
    as in-process: ``auto`` on the blocks, a named method on the delivery brought here up to
    ``CROSS_FIT_LABELS`` labels (``_calibrated_here``); above, a named method's is its posterior, and
    ``calibration.source`` says so.
    """
    from labelpact.scale import distribute, fit_distributed
    from labelpact.scale.gold import read_gold
    from labelpact.scale.inference import check_distributed

    check_distributed(method)
    gold_names = None if gold is None else read_gold(gold, task_column=task_column, label_column=label_column)
    columns = {"task": task_column, "worker": worker_column, "label": label_column}
    started = time.perf_counter()
    with engine_client(scheduler, n_workers=n_workers, client=client) as c:
        blocks = distribute(
            c, parts, columns=columns, classes=classes, gold=gold_names, n_blocks=n_blocks, progress=progress
        )
        fit = fit_distributed(blocks, method, random_state=random_state)
        local = _calibrated_here(blocks, method, random_state)
        held_out = (
            None
            if gold_names is None
            else local.held_out
            if local is not None
            else _held_out(blocks, fit, gold_names.names, method, random_state=random_state)[0]
        )
    n_gold = 0 if gold_names is None else len(gold_names.names)  # as in-process: all, every one in the batch
    seconds = time.perf_counter() - started
    calibrated = None if local is None else (local.calibrated_probas, local.calibration)
    consensus = consensus_of_fit(
        fit, blocks.vocabulary.classes, method, held_out, blocks.unlabelled, calibrated=calibrated
    )
    result = ConsensusResult(
        consensus=consensus,
        accuracy=None if held_out is None else held_out.value,
        seconds=seconds,
        accuracy_method=None if held_out is None else held_out.procedure,
    )
    return DistributedConsensus(
        result,
        blocks.n_tasks,
        blocks.n_workers,
        blocks.n_annotations,
        blocks.n_classes,
        n_gold,
        len(blocks.blocks),
    )


def _held_out(
    blocks: Any, fit: Any, gold_names: pd.Series, method: str, *, random_state: int | None
) -> tuple[HeldOutAccuracy | None, int]:
    """``method``'s accuracy on the gold tasks in the batch, measured as in-process: up to ``CROSS_FIT_LABELS``
    labels cross-fitted over gold folds on the delivery brought to this process, above refitted on the
    cluster without the gold."""
    import pandas as pd

    from labelpact.scale import fit_distributed

    rows = pd.Index(fit.tasks).get_indexer(gold_names.index)
    in_batch = (rows >= 0) & ~gold_names.index.isin(list(blocks.unlabelled))  # scored: labelled tasks
    n_gold = int(in_batch.sum())
    if not n_gold:
        return None, 0
    own = fit.model.held_out_accuracy_ if isinstance(fit.model, Auto) else None
    if own is not None:  # auto scores its own gold
        return HeldOutAccuracy(own, n_gold, str(fit.model.held_out_procedure_)), n_gold
    if blocks.n_annotations <= CROSS_FIT_LABELS:  # as in-process: the gold cross-fitted on the delivery here
        from labelpact.scale.auto import delivery_on_driver

        a, gold = delivery_on_driver(blocks, random_state)
        if gold is not None and len(gold):
            with quiet_convergence():
                at_gold, procedure = gold_posteriors(a, gold, method, random_state)
            value = float(np.mean(at_gold[0].argmax(axis=1) == gold.label))
            return HeldOutAccuracy(value, len(gold), procedure), len(gold)
    with quiet_convergence():  # the delivered fit has already warned about convergence
        blind = fit_distributed(blocks, method, random_state=random_state, use_gold=False)
    truth = pd.Index(blocks.vocabulary.classes).get_indexer(pd.Index(gold_names.to_numpy()[in_batch]))
    value = float(np.mean(blind.probas[rows[in_batch]].argmax(axis=1) == truth))
    return HeldOutAccuracy(
        value, n_gold, f"{method} refitted without the {n_gold} gold tasks, scored on them"
    ), n_gold


def _calibrated_here(blocks: Any, method: str, random_state: int | None) -> Consensus | None:
    """A named method's in-process consensus of the delivery brought to this process, for its calibration
    (``core.consensus.aggregate``: a refit on held-out labels, cross-fits over the gold) and held-out
    accuracy, up to ``CROSS_FIT_LABELS`` labels, where in-process cross-fits too; None for ``auto`` (it
    calibrates itself on the blocks) and above (a named method is then not calibrated, and says so)."""
    if method == "auto" or blocks.n_annotations > CROSS_FIT_LABELS:
        return None
    from labelpact.scale.auto import delivery_on_driver

    a, gold = delivery_on_driver(blocks, random_state)
    with quiet_convergence():  # the delivered fit has already warned about convergence
        return aggregate(a, method, gold, random_state)


def consensus_of_fit(
    fit: Any,
    classes: tuple[str, ...],
    method: str,
    held_out: HeldOutAccuracy | None,
    unlabelled: frozenset[str] = frozenset(),
    *,
    calibrated: tuple[Any, Calibration | None] | None = None,
) -> Consensus:
    """The distributed fit as a ``Consensus``: ``auto``'s posteriors calibrated as in-process
    (``core.consensus.aggregate``), a named method's by ``calibrated`` (posteriors (n_tasks, K) in the fit's
    task order, and the map) when given, else not calibrated, and it says so. A task nobody labelled gets no
    label (None) and a NaN confidence, as in-process (``consensus_codes``)."""
    probas = fit.probas
    codes = probas.argmax(axis=1)
    if unlabelled:
        codes[np.isin(np.asarray(fit.tasks, dtype=object), list(unlabelled))] = -1
    labelled = codes >= 0
    calibrated_probas, calibration = (
        probas,
        Calibration(
            source=f"none (dask engine: a named method over CROSS_FIT_LABELS = {CROSS_FIT_LABELS:,} labels is "
            "not calibrated; auto is)"
        ),
    )
    if calibrated is not None:
        calibrated_probas, calibration = np.array(calibrated[0]), calibrated[1] or calibration
    scores: dict[str, float] = {}
    if isinstance(fit.model, Auto):
        auto = fit.model
        calibrated_probas, calibration, scores = (
            auto.calibrated_probas_.copy(),
            auto.calibration_,
            dict(auto.scores_),
        )
        method = auto.description_
    confidence = np.full(len(codes), np.nan)
    confidence[labelled] = calibrated_probas[np.flatnonzero(labelled), codes[labelled]]
    for array in (probas, calibrated_probas, confidence):
        array.flags.writeable = False
    named = np.asarray(classes, dtype=object)[np.maximum(codes, 0)]
    named[~labelled] = None
    return Consensus(
        tasks=fit.tasks,
        classes=classes,
        labels=tuple(named.tolist()),
        probas=probas,
        confidence=confidence,
        method=method,
        n_iter=fit.n_iter,
        scores=scores,
        held_out=held_out,
        calibrated_probas=calibrated_probas,
        calibration=calibration,
    )


def aggregate_parts_file(
    labels: str | Path,
    *,
    gold: str | Path | None = None,
    method: str = "ds",
    random_state: int | None = 0,
    out: str | Path | None = None,
    task_column: str | None = None,
    worker_column: str | None = None,
    label_column: str | None = None,
    progress: StageProgress | None = None,
    scheduler: str | None = None,
    client: Any = None,
) -> ConsensusReport:
    """``aggregate_file`` on the Dask engine: LABELS is Parquet parts; the same ``--json`` document."""
    stage(progress, f"aggregating ({method}) on dask")
    found = aggregate_distributed(
        labels,
        method,
        gold=gold,
        scheduler=scheduler,
        client=client,
        task_column=task_column,
        worker_column=worker_column,
        label_column=label_column,
        random_state=random_state,
        progress=engine_progress(progress),
    )
    c = found.result.consensus
    if out is not None:
        write_consensus(c.tasks, c.labels, c.confidence, out)
    counts = (found.n_tasks, found.n_workers, found.n_annotations, found.n_classes)
    document = consensus_document(found.result, counts, n_gold=found.n_gold, out=out) | {
        "engine": {"name": "dask", "n_blocks": found.n_blocks, "scheduler": scheduler or "LocalCluster"}
    }
    return ConsensusReport(document, found.result.seconds, int((c.confidence < 0.7).sum()))
