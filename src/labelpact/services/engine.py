"""Use cases on the Dask engine: consensus and the ethics scan of Parquet parts too large for one process.

They return the local path's result types (``ConsensusResult``, ``PiiReport``), so a command renders
either engine's answer the same way. Without ``scheduler`` a ``LocalCluster`` sized to this machine runs
them (one single-threaded worker process per core). Needs the ``dask`` extra.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd

from labelpact.core.calibration import Calibration
from labelpact.core.consensus import Consensus, HeldOutAccuracy
from labelpact.errors import ConvergenceWarning, InvalidInputError
from labelpact.ethics import EthicsReport
from labelpact.io.export import write_consensus
from labelpact.services.ethics import check_phone_regions, contract_or_default, ethics_document
from labelpact.services.progress import UNKNOWN, stage
from labelpact.services.progress import Progress as StageProgress
from labelpact.services.quality import ConsensusReport, ConsensusResult

__all__ = [
    "ENGINES",
    "DistributedConsensus",
    "Engine",
    "aggregate_distributed",
    "aggregate_parts_file",
    "engine_client",
    "engine_progress",
    "ethics_parts_file",
    "scan_distributed",
]

Engine: TypeAlias = Literal["local", "dask"]
ENGINES: tuple[Engine, ...] = ("local", "dask")
Progress: TypeAlias = Any  # labelpact.scale.Progress: (stage, done, total or None) -> None


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


@contextmanager
def engine_client(
    scheduler: str | None = None, *, n_workers: int | None = None, client: Any = None
) -> Iterator[Any]:
    """``client`` when given, else a client of ``scheduler``, else of a new ``LocalCluster`` on this machine."""
    if client is not None:
        yield client
        return
    try:
        from labelpact.scale import cluster_client
    except ImportError as error:  # pragma: no cover - the dask extra is missing
        raise InvalidInputError(
            "the dask extra installed (pip install 'labelpact[dask]')", got=str(error)
        ) from None
    with cluster_client(scheduler, n_workers=n_workers) as made:
        yield made


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
    anchored by it and ``held_out`` is the method refitted without the gold, scored on it (the local rule
    above 50,000 labels). The confidence is the posterior of the label: this engine does not calibrate.
    """
    from labelpact.scale import DISTRIBUTED_METHODS, distribute, fit_distributed
    from labelpact.scale.parts import read_gold_names

    if method not in DISTRIBUTED_METHODS:
        raise InvalidInputError(
            f"a method the dask engine runs: {list(DISTRIBUTED_METHODS)}", column="method", got=repr(method)
        )
    gold_names = (
        None if gold is None else read_gold_names(gold, task_column=task_column, label_column=label_column)
    )
    columns = {"task": task_column, "worker": worker_column, "label": label_column}
    started = time.perf_counter()
    with engine_client(scheduler, n_workers=n_workers, client=client) as c:
        blocks = distribute(
            c, parts, columns=columns, classes=classes, gold=gold_names, n_blocks=n_blocks, progress=progress
        )
        fit = fit_distributed(blocks, method, random_state=random_state)
        held_out, n_gold = (
            (None, 0)
            if gold_names is None
            else _held_out(blocks, fit, gold_names, method, random_state=random_state)
        )
    seconds = time.perf_counter() - started
    consensus = _consensus(fit, blocks.vocabulary.classes, method, held_out)
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
    """``method`` refitted on the cluster without the gold, scored on the gold tasks in the batch."""
    from labelpact.scale import fit_distributed

    rows = pd.Index(fit.tasks).get_indexer(gold_names.index)
    in_batch = rows >= 0
    n_gold = int(in_batch.sum())
    if not n_gold:
        return None, 0
    with warnings.catch_warnings():  # the delivered fit has already warned about convergence
        warnings.simplefilter("ignore", ConvergenceWarning)
        blind = fit_distributed(blocks, method, random_state=random_state, use_gold=False)
    truth = pd.Index(blocks.vocabulary.classes).get_indexer(pd.Index(gold_names.to_numpy()[in_batch]))
    value = float(np.mean(blind.probas[rows[in_batch]].argmax(axis=1) == truth))
    return HeldOutAccuracy(
        value, n_gold, f"{method} refitted without the {n_gold} gold tasks, scored on them"
    ), n_gold


def _consensus(
    fit: Any, classes: tuple[str, ...], method: str, held_out: HeldOutAccuracy | None
) -> Consensus:
    """The distributed fit as a ``Consensus``; its posteriors are not calibrated, and it says so."""
    probas = fit.probas
    codes = probas.argmax(axis=1)
    confidence = probas[np.arange(len(codes)), codes]
    for array in (probas, confidence):
        array.flags.writeable = False
    return Consensus(
        tasks=fit.tasks,
        classes=classes,
        labels=tuple(classes[c] for c in codes.tolist()),
        probas=probas,
        confidence=confidence,
        method=method,
        n_iter=fit.n_iter,
        held_out=held_out,
        calibrated_probas=probas,
        calibration=Calibration(source="none (dask engine: posteriors as fitted)"),
    )


def scan_distributed(
    payload_parts: str | Path,
    *,
    scheduler: str | None = None,
    client: Any = None,
    n_workers: int | None = None,
    task_column: str | None = None,
    fields: Sequence[str] | None = None,
    phone_regions: Sequence[str] = ("US",),
    names: str = "auto",
    allowed_licenses: Collection[str] | None = None,
    progress: Progress | None = None,
) -> Any:
    """The PII scan (and licence vetting with ``allowed_licenses``) of Parquet parts of task payloads on
    a Dask cluster: a ``labelpact.scale.ethics.DistributedEthics`` (findings as the local scan's)."""
    from labelpact.scale.ethics import scan_parts

    with engine_client(scheduler, n_workers=n_workers, client=client) as c:
        return scan_parts(
            c,
            payload_parts,
            task_column=task_column,
            fields=fields,
            phone_regions=phone_regions,
            names=names,
            allowed_licenses=allowed_licenses,
            progress=progress,
        )


def engine_progress(progress: StageProgress | None) -> Progress | None:
    """The scale layer's ``(stage, done, total)`` reports as the services' ``(what, fraction)`` callback."""
    if progress is None:
        return None
    report = progress

    def forward(what: str, done: int, total: int | None) -> None:
        if total:
            report(f"{what} ({done}/{total})", done / total)
        else:
            report(f"{what} ({done})", UNKNOWN)

    return forward


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
    document = {
        "method": c.method,
        "n_tasks": found.n_tasks,
        "n_workers": found.n_workers,
        "n_annotations": found.n_annotations,
        "n_classes": found.n_classes,
        "accuracy": found.result.accuracy,
        "accuracy_method": found.result.accuracy_method,
        "n_gold": found.n_gold,
        "seconds": round(found.result.seconds, 4),
        "n_iter": c.n_iter,
        "mean_confidence": float(np.mean(c.confidence)) if len(c.confidence) else None,
        "calibration": None
        if c.calibration is None
        else {
            "kind": c.calibration.kind,
            "source": c.calibration.source,
            "rho": c.calibration.rho,
            "tau": c.calibration.tau,
        },
        "n_unlabelled": 0,
        "unlabelled": [],
        "out": str(out) if out else None,
        "engine": {"name": "dask", "n_blocks": found.n_blocks, "scheduler": scheduler or "LocalCluster"},
    }
    return ConsensusReport(document, found.result.seconds, int((c.confidence < 0.7).sum()))


def ethics_parts_file(
    labels: str | Path,
    *,
    tasks: str | Path,
    contract: str | Path | None = None,
    gold: str | Path | None = None,
    slice_columns: Sequence[str] = (),
    phone_regions: Sequence[str] = (),
    task_column: str | None = None,
    worker_column: str | None = None,
    label_column: str | None = None,
    progress: StageProgress | None = None,
    scheduler: str | None = None,
    client: Any = None,
) -> dict[str, Any]:
    """``ethics_file`` on the Dask engine: the PII scan and licence vetting of TASKS (Parquet parts of
    payloads), judged by the contract; the same ``--json`` document. Slice bias and pay need the labels
    in one process: ask for them with ``--engine local``."""
    if slice_columns:
        raise InvalidInputError(
            "no --slice-column with --engine dask (slice bias runs with --engine local)",
            column="slice column",
            got=", ".join(slice_columns),
        )
    regions = check_phone_regions(phone_regions)
    terms = contract_or_default(contract)
    stage(progress, "scanning payloads for personal data and licences on dask")
    allowed = terms.data.allowed_licenses
    found = scan_distributed(
        tasks,
        scheduler=scheduler,
        client=client,
        task_column=None,
        phone_regions=regions,
        allowed_licenses=None if allowed is None else tuple(allowed),
        progress=engine_progress(progress),
    )
    document = ethics_document(EthicsReport(pii=found.pii, provenance=found.provenance), terms)
    document["engine"] = {"name": "dask", "n_parts": found.n_parts, "scheduler": scheduler or "LocalCluster"}
    return document
