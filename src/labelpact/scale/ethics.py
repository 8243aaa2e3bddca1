"""The ethics scan of task payloads on a Dask cluster: the PII scan mapped over Parquet parts of payloads.

Each part's tasks are scanned by ``ethics.pii.scan_pii`` where the part is read; only findings (masked)
and counts come back. Licence vetting needs each task's source and licence, a few short strings per
task, which are gathered and vetted by ``ethics.provenance.vet_provenance`` in this process.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from labelpact.core.annotations import TaskPayloads
from labelpact.errors import InvalidInputError
from labelpact.ethics.pii.scan import PiiReport, scan_pii
from labelpact.ethics.provenance import ProvenanceReport, vet_provenance
from labelpact.scale.blocks import Progress
from labelpact.scale.parts import part_files

__all__ = ["DistributedEthics", "merge_pii", "payloads_of", "scan_parts"]

TASK_COLUMNS = ("task", "item", "id")


@dataclass(frozen=True, slots=True)
class DistributedEthics:
    """The merged PII report, licence vetting (None without an allow-list), and the scan's wall seconds."""

    pii: PiiReport
    provenance: ProvenanceReport | None
    seconds: float
    n_parts: int


def payloads_of(frame: Any, task_column: str | None) -> TaskPayloads:
    """One part of payloads (a pandas frame) as ``TaskPayloads``: every other column a text field."""
    names = list(frame.columns)
    candidates = [c for c in (task_column, *TASK_COLUMNS) if c is not None and c in names]
    if not candidates:
        raise InvalidInputError("a column 'task' (or 'item', 'id')", got=f"only the columns {names}")
    column = candidates[0]
    fields = {
        name: tuple(None if v is None or v != v or v == "" else str(v) for v in frame[name].tolist())
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
) -> tuple[PiiReport, tuple[tuple[str, ...], dict[str, tuple[str | None, ...]]]]:
    """The PII report of one part, and its (tasks, source and licence fields) for licence vetting."""
    payloads = payloads_of(frame, task_column)
    scanned = [f for f in fields if f in payloads.fields] if fields is not None else None
    report = scan_pii(payloads, fields=scanned, phone_regions=phone_regions, names=names)  # type: ignore[arg-type]
    kept = {f: payloads.fields[f] for f in provenance_fields if f in payloads.fields}
    return report, (payloads.task, kept)


def merge_pii(reports: Sequence[PiiReport], seconds: float) -> PiiReport:
    """One report from the parts' reports (in part order); ``seconds`` is the distributed scan's wall time."""
    by_field: Counter[str] = Counter()
    by_entity: Counter[str] = Counter()
    for r in reports:
        by_field.update(r.by_field)
        by_entity.update(r.by_entity)
    first = reports[0]
    return PiiReport(
        findings=tuple(f for r in reports for f in r.findings),
        by_field=MappingProxyType(dict(by_field)),
        by_entity=MappingProxyType(dict(by_entity)),
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
    progress: Progress | None = None,
) -> DistributedEthics:
    """Scan every Parquet part of payloads at ``path`` on the cluster: one task per part."""
    import dask.dataframe as dd
    from distributed import as_completed

    files = part_files(path)
    started = time.perf_counter()
    parts = dd.read_parquet(files, split_row_groups=False).to_delayed()
    futures = [
        client.submit(
            scan_part,
            client.compute(p),
            task_column,
            fields,
            tuple(phone_regions),
            names,
            ("source", "license"),
        )
        for p in parts
    ]
    for done, _ in enumerate(as_completed(futures), start=1):  # type: ignore[no-untyped-call]
        if progress is not None:
            progress("scanning payloads", done, len(futures))
    results = client.gather(futures)
    seconds = time.perf_counter() - started
    pii = merge_pii([r[0] for r in results], seconds)
    provenance = None
    if allowed_licenses is not None:
        tasks = tuple(t for r in results for t in r[1][0])
        kept: dict[str, tuple[str | None, ...]] = {}
        for name in ("source", "license"):
            if all(name in r[1][1] for r in results):
                kept[name] = tuple(v for r in results for v in r[1][1][name])
        provenance = vet_provenance(
            TaskPayloads(task=tasks, fields=kept), allowed=allowed_licenses, manifest=manifest
        )
    return DistributedEthics(pii, provenance, seconds, len(files))
