"""The ethics audit on the Dask engine: PII, licences, slice bias and pay of Parquet parts of labels and payloads.

The payload parts are scanned where they are read; slice bias and pay run on blocks of the label parts, to
which the payload parts send their tasks' slice values and word counts (``scale.label_ethics``). Only
findings, per-slice and per-worker tables come back, and the document is ``ethics_file``'s.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from labelpact.contracts.contract import Contract
from labelpact.ethics import EthicsReport
from labelpact.services.engine.session import Progress, engine_client, engine_progress
from labelpact.services.ethics import (
    check_phone_regions,
    check_slice_columns,
    contract_or_default,
    ethics_document,
    pay_per_label,
)
from labelpact.services.progress import Progress as StageProgress
from labelpact.services.progress import Warn, stage, warn_all

__all__ = ["ethics_parts_file", "scan_distributed"]


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
    warn: Warn | None = None,
) -> dict[str, Any]:
    """``ethics_file`` on the Dask engine: LABELS and TASKS are Parquet parts; the same ``--json`` document.

    The PII scan and licence vetting run on the payload parts. Slice bias (against the consensus of the
    contract's method, fitted on the cluster) and pay (durations from the label parts) run on blocks of the
    labels, which are read and checked (classes, gold) in any case, as in-process. Only the payload rows of
    the batch's tasks are scanned and vetted; tasks without a payload row are counted as not scanned, and a
    tasks folder naming none of the batch's tasks is refused, as in-process (``warn`` hears what is left out).
    """
    from labelpact.scale.inference import check_distributed
    from labelpact.scale.parts import part_files
    from labelpact.scale.payload_fields import payload_fields

    regions = check_phone_regions(phone_regions)
    terms = contract_or_default(contract)
    pay = _pay_terms(terms)
    text_field: str | None = None
    if slice_columns or pay is not None:
        fields = payload_fields(part_files(tasks), task_column)
        check_slice_columns(slice_columns, fields)
        text_field = "text" if "text" in fields else None
    if slice_columns:
        check_distributed(terms.method)  # the consensus the slices are judged against
    columns = {"task": task_column, "worker": worker_column, "label": label_column}
    with engine_client(scheduler, client=client) as c:
        stage(
            progress, "reading labels on dask"
        )  # always, as in-process: LABELS is checked even for PII alone
        blocks = _label_blocks(c, labels, gold, columns, terms, engine_progress(progress))
        stage(progress, "scanning payloads for personal data and licences on dask")
        batch = _batch_tasks(c, blocks)
        found = _scan(
            c, tasks, task_column, regions, terms, blocks, slice_columns, text_field, progress, batch
        )
        unscanned = _coverage(found, batch, Path(tasks), warn)
        bias, pay_report = (), None
        if slice_columns or pay is not None:
            stage(progress, "measuring slice bias and pay on dask")
            bias, pay_report = _label_ethics(blocks, found.pieces, terms, slice_columns, pay)
    report = EthicsReport(
        pii=found.pii, provenance=found.provenance, bias=bias, pay=pay_report, n_unscanned=unscanned
    )
    document = ethics_document(report, terms)
    document["engine"] = {"name": "dask", "n_parts": found.n_parts, "scheduler": scheduler or "LocalCluster"}
    document["engine"]["n_blocks"] = len(blocks.blocks)
    return document


def _pay_terms(contract: Contract) -> Any:
    """``scale.label_ethics.PayTerms`` of the contract (its pay per label to annotators), or None when the
    contract sets no price or no floor: no pay audit, as in-process."""
    from labelpact.scale.label_ethics import PayTerms

    price, floor = pay_per_label(contract), contract.pay.pay_floor_per_hour
    if price is None or floor is None:
        return None
    return PayTerms(float(price), float(floor), str(contract.pay.currency))


def _label_blocks(
    client: Any,
    labels: str | Path,
    gold: str | Path | None,
    columns: dict[str, str | None],
    terms: Contract,
    progress: Progress | None,
) -> Any:
    """The label parts as blocks on the cluster, with the gold (anchoring the consensus, scoring the slices)."""
    from labelpact.scale import distribute
    from labelpact.scale.gold import read_gold

    gold_names = (
        None if gold is None else read_gold(gold, task_column=columns["task"], label_column=columns["label"])
    )
    return distribute(
        client, labels, columns=columns, classes=terms.classes, gold=gold_names, progress=progress
    )


def _scan(
    client: Any,
    tasks: str | Path,
    task_column: str | None,
    regions: tuple[str, ...],
    terms: Contract,
    blocks: Any,
    slice_columns: Sequence[str],
    text_field: str | None,
    progress: StageProgress | None,
    batch: tuple[str, ...],
) -> Any:
    """The payload parts scanned on the cluster; with ``blocks``, their slice values and word counts cut for them."""
    from labelpact.scale.cluster import send
    from labelpact.scale.ethics import scan_parts
    from labelpact.scale.payload_fields import FieldSplit

    allowed = terms.data.allowed_licenses
    split = None if blocks is None else FieldSplit(tuple(slice_columns), text_field, len(blocks.blocks))
    return scan_parts(
        client,
        tasks,
        task_column=task_column,
        phone_regions=regions,
        allowed_licenses=None if allowed is None else tuple(allowed),
        split=split,
        batch=send(client, [frozenset(batch)])[0],
        progress=engine_progress(progress),
    )


def _batch_tasks(client: Any, blocks: Any) -> tuple[str, ...]:
    """The batch's tasks, held by the blocks, in the in-process reader's order (by their first row keys)."""
    import numpy as np

    from labelpact.scale.ethics import batch_tasks

    held = client.gather([client.submit(batch_tasks, b, pure=False) for b in blocks.blocks])
    keys = np.concatenate([k for k, _ in held]) if held else np.zeros(0, dtype=np.int64)
    names = [name for _, tasks in held for name in tasks]
    return tuple(names[i] for i in np.argsort(keys, kind="stable").tolist())


def _coverage(found: Any, batch: tuple[str, ...], tasks: Path, warn: Warn | None) -> int:
    """The batch's tasks without a payload row (never scanned), after ``io.reference.payload_coverage``'s
    check and warning, as in-process."""
    from labelpact.io.reference import payload_coverage

    n_kept = len(set(found.tasks))
    warning = payload_coverage(
        n_kept,
        n_rows=found.n_rows,
        n_tasks=len(batch),
        first_row=found.first_task,
        first_task=batch[0],
        file=tasks,
    )
    warn_all(warn, [warning] if warning else [])
    return len(batch) - n_kept


def _label_ethics(
    blocks: Any, pieces: Any, terms: Contract, slice_columns: Sequence[str], pay: Any
) -> tuple[Any, Any]:
    """Slice bias against the consensus of the contract's method (fitted on the blocks, as in-process with
    the gold anchoring it) and the pay report, computed on the blocks."""
    from labelpact.scale.inference import fit_distributed
    from labelpact.scale.label_ethics import join_payloads, label_ethics_distributed

    states = join_payloads(blocks, pieces)  # a bad tasks file is refused before the fit
    probas = None
    if slice_columns:
        probas = fit_distributed(blocks, terms.method, random_state=0).probas
    return label_ethics_distributed(blocks, states, slice_columns=slice_columns, probas=probas, pay=pay)
