"""Storing an audit: the batch it judges, new or already stored, in one transaction with the audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from labelpact.errors import ConflictError
from labelpact.io import Delivery
from labelpact.services.ingest import prepared_batch
from labelpact.store import AuditCreate, AuditRecord, BatchRecord, Store

__all__ = ["BatchFiles", "store_audit"]


@dataclass(frozen=True, slots=True)
class BatchFiles:
    """What storing a new batch needs beside its delivery: its files, owner and times."""

    labels: Path
    gold: str | Path | None
    tasks: str | Path | None
    sha256: str
    partner: str
    project: str
    delivered_at: datetime
    due_at: datetime | None
    labels_digest: str | None = None  # computed already by the audit's redelivery lookup


def store_audit(
    store: Store,
    new_audit: AuditCreate,
    files: dict[str, Path],
    delivery: Delivery,
    batch: BatchFiles,
    *,
    existing: BatchRecord | None,
) -> tuple[AuditRecord, bool]:
    """Store the audit, and the batch with it when new; returns the audit and whether the batch was created."""
    try:
        if existing is not None:
            return store.add_audit(new_audit, files=files), False
        # a new batch and its audit go in ONE transaction: a kill leaves both or neither
        with prepared_batch(
            store,
            batch.labels,
            delivery,
            sha256=batch.sha256,
            partner=batch.partner,
            project=batch.project,
            gold=batch.gold,
            tasks=batch.tasks,
            delivered_at=batch.delivered_at,
            due_at=batch.due_at,
            digest=batch.labels_digest,
        ) as (new_batch, batch_files):
            _, record = store.add_batch_with_audit(new_batch, new_audit, files=batch_files, audit_files=files)
        return record, True
    except ConflictError:  # a concurrent run stored these bytes first: audit the batch it stored
        holder = store.find_batch_by_sha256(batch.sha256)
        if holder is None or (holder.partner, holder.project) != (batch.partner, batch.project):
            raise
        return store.add_audit(new_audit, files=files), False
