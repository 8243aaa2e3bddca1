"""The ethics scan of task payloads on a Dask cluster: the PII scan mapped over Parquet parts of payloads.

Each part's tasks are scanned by ``ethics.pii.scan_pii`` where the part is read; only findings (masked)
and counts come back. Licence vetting needs each task's source and licence, a few short strings per
task, which are gathered and vetted by ``ethics.provenance.vet_provenance`` in this process. With a
``FieldSplit`` the same read also cuts the slice values and word counts of its tasks for the blocks of the
labels (``scale.payload_fields``), which keep them for slice bias and pay (``scale.label_ethics``).
"""

from __future__ import annotations

import operator
import time
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import TaskPayloads
from labelpact.ethics.pii.scan import PiiReport, scan_pii
from labelpact.ethics.provenance import ProvenanceReport, provenance_columns, vet_provenance
from labelpact.io.column import task_column_of
from labelpact.scale.blocks import Progress
from labelpact.scale.parts import part_files, part_sources, read_frame
from labelpact.scale.payload_fields import FieldPiece, FieldSplit, field_text, payload_fields, split_fields

__all__ = [
    "DistributedEthics",
    "PartScan",
    "batch_tasks",
    "merge_pii",
    "payloads_of",
    "scan_and_split",
    "scan_parts",
]


@dataclass(frozen=True, slots=True)
class DistributedEthics:
    """The merged PII report, licence vetting (None without an allow-list), the scan's wall seconds, and with
    a ``FieldSplit`` the pieces for each block (futures of ``FieldPiece``, one per part, in part order).

    ``tasks`` are the scanned tasks (those of the batch, when a batch was given), ``n_rows`` the payload rows
    read and ``first_task`` the first of them (for the message that none is a task of the batch)."""

    pii: PiiReport
    provenance: ProvenanceReport | None
    seconds: float
    n_parts: int
    pieces: tuple[tuple[Any, ...], ...] = ()
    tasks: tuple[str, ...] = ()
    n_rows: int = 0
    first_task: str | None = None


@dataclass(frozen=True, slots=True)
class PartScan:
    """One part's PII report, its scanned tasks with their source and licence values (for licence vetting),
    its payload rows read and the first row's task (None: no rows)."""

    pii: PiiReport
    tasks: tuple[str, ...]
    provenance: dict[str, tuple[str | None, ...]]
    n_rows: int
    first_task: str | None


def payloads_of(frame: Any, task_column: str | None, file: str = "") -> TaskPayloads:
    """One part of payloads (a pandas frame) as ``TaskPayloads``: every other column a text field, read as
    ``io.reference.read_tasks`` reads it (numbers as Arrow writes them; a blank cell is no value)."""
    names = list(frame.columns)
    column = task_column_of(names, task_column, file=Path(file) if file else None)
    fields = {
        name: tuple(field_text(frame[name], file=file, name=name).tolist())
        for name in names
        if name != column
    }
    return TaskPayloads(task=tuple(str(t) for t in frame[column].tolist()), fields=fields)


def scan_part(
    frame: Any,
    task_column: str | None,
    fields: Sequence[str] | None,
    phone_regions: Sequence[str],
    names: str,
    provenance_fields: tuple[str, str],
    file: str = "",
    batch: Collection[str] | None = None,
) -> PartScan:
    """The PII scan of one part's rows of the batch's tasks (``batch``; None: every row), and those tasks'
    source and licence fields for licence vetting: rows of other tasks are neither scanned nor vetted, as
    in-process (``io.reference.payloads_of_batch``)."""
    payloads = payloads_of(frame, task_column, file)
    n_rows, first = len(payloads.task), (payloads.task[0] if payloads.task else None)
    if batch is not None:
        keep = [i for i, name in enumerate(payloads.task) if name in batch]
        if len(keep) < n_rows:
            payloads = TaskPayloads(
                task=tuple(payloads.task[i] for i in keep),
                fields={name: tuple(values[i] for i in keep) for name, values in payloads.fields.items()},
            )
    scanned = [f for f in fields if f in payloads.fields] if fields is not None else None
    report = scan_pii(payloads, fields=scanned, phone_regions=phone_regions, names=names)  # type: ignore[arg-type]
    found = provenance_columns(
        list(payloads.fields), source_field=provenance_fields[0], license_field=provenance_fields[1]
    )  # "Licence", "License": the column vet_provenance would read, under the name it is asked for
    kept = {w: payloads.fields[f] for w, f in zip(provenance_fields, found, strict=True) if f is not None}
    return PartScan(report, payloads.task, kept, n_rows, first)


def scan_and_split(
    frame: Any,
    task_column: str | None,
    fields: Sequence[str] | None,
    phone_regions: Sequence[str],
    names: str,
    split: FieldSplit | None,
    file: str,
    batch: Collection[str] | None = None,
) -> tuple[PartScan, tuple[FieldPiece, ...]]:
    """One read of a part: its ``scan_part`` result, and with ``split`` its pieces for the blocks."""
    scanned = scan_part(frame, task_column, fields, phone_regions, names, ("source", "license"), file, batch)
    return scanned, (() if split is None else split_fields(frame, task_column, split, file))


def batch_tasks(block: Any) -> tuple[npt.NDArray[np.int64], tuple[str, ...]]:
    """A block's tasks (``scale.blocks.Block``) with their first row keys, which order them globally."""
    return block.first_key, block.annotations.tasks


def piece_for(result: tuple[Any, tuple[FieldPiece, ...]], block: int) -> FieldPiece:
    """The piece of a ``scan_and_split`` result bound for block ``block``."""
    return result[1][block]


def merge_pii(reports: Sequence[PiiReport], seconds: float, fields: Sequence[str] = ()) -> PiiReport:
    """One report from the parts' reports (in part order), its findings in the in-process order: field by
    field (``fields``' order; others after, as found), each field's in row order over the parts; ``seconds``
    is the distributed scan's wall time."""
    rank = {name: k for k, name in enumerate(fields)}
    every = [f for r in reports for f in r.findings]
    findings = tuple(sorted(every, key=lambda f: rank.get(f.field, len(rank))))  # stable: rows keep order
    first = reports[0]
    return PiiReport(
        findings=findings,
        by_field=MappingProxyType(dict(Counter(f.field for f in findings))),
        by_entity=MappingProxyType(dict(Counter(f.entity for f in findings))),
        scanned=first.scanned,
        not_scanned=first.not_scanned,
        detectors=first.detectors,
        n_bytes=sum(r.n_bytes for r in reports),
        seconds=seconds,
    )


def scan_parts(
    client: Any,
    path: str | Path,
    *,
    task_column: str | None = None,
    fields: Sequence[str] | None = None,
    phone_regions: Sequence[str] = ("US",),
    names: str = "auto",
    allowed_licenses: Collection[str] | None = None,
    manifest: Mapping[str, str | None] | None = None,
    split: FieldSplit | None = None,
    batch: Any = None,
    progress: Progress | None = None,
) -> DistributedEthics:
    """Scan every Parquet part of payloads at ``path`` on the cluster: one task per part, which with ``split``
    also cuts the part's slice values and word counts for the blocks (kept on the cluster as ``pieces``).

    ``batch`` (a collection of task names, or a future of one) keeps the scan and the vetting to the rows of
    those tasks; None scans every row."""
    from distributed import as_completed

    files = part_files(path)
    started = time.perf_counter()
    sources = part_sources(files)  # one task per part, read by Arrow: parts may differ in their columns
    read = [
        client.submit(
            scan_and_split,
            client.submit(read_frame, source, pure=False),
            task_column,
            fields,
            tuple(phone_regions),
            names,
            split,
            source,
            batch,
            pure=False,
        )
        for source in sources
    ]
    futures = [client.submit(operator.getitem, r, 0, pure=False) for r in read]
    pieces = tuple(
        tuple(client.submit(piece_for, r, j, pure=False) for r in read)
        for j in range(0 if split is None else split.n_blocks)
    )
    for done, _ in enumerate(as_completed(futures), start=1):  # type: ignore[no-untyped-call]
        if progress is not None:
            progress("scanning payloads", done, len(futures))
    results = client.gather(futures)
    seconds = time.perf_counter() - started
    order = tuple(fields) if fields is not None else payload_fields(files, task_column)
    pii = merge_pii([r.pii for r in results], seconds, order)
    tasks = tuple(t for r in results for t in r.tasks)
    provenance = None
    if allowed_licenses is not None:
        kept: dict[str, tuple[str | None, ...]] = {}
        for name in ("source", "license"):  # a part without the column: no value on its tasks
            if any(name in r.provenance for r in results):
                kept[name] = tuple(v for r in results for v in r.provenance.get(name, (None,) * len(r.tasks)))
        provenance = vet_provenance(
            TaskPayloads(task=tasks, fields=kept), allowed=allowed_licenses, manifest=manifest, columns=order
        )
    first = next((r.first_task for r in results if r.first_task is not None), None)
    n_rows = sum(r.n_rows for r in results)
    return DistributedEthics(pii, provenance, seconds, len(files), pieces, tasks, n_rows, first)
