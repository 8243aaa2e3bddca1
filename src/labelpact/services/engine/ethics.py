"""The ethics scan on the Dask engine: PII and licences of Parquet parts of task payloads."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from labelpact.errors import InvalidInputError
from labelpact.ethics import EthicsReport
from labelpact.services.engine.session import Progress, engine_client, engine_progress
from labelpact.services.ethics import check_phone_regions, contract_or_default, ethics_document
from labelpact.services.progress import Progress as StageProgress
from labelpact.services.progress import stage

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
) -> dict[str, Any]:
    """``ethics_file`` on the Dask engine: the PII scan and licence vetting of TASKS (Parquet parts of
    payloads), judged by the contract; the same ``--json`` document. Slice bias and pay need the labels
    in one process: ask for them on the local engine."""
    if slice_columns:
        raise InvalidInputError(
            "no slice columns on the dask engine (slice bias runs on the local engine)",
            column="slice_columns",
            column_kind="field",
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
