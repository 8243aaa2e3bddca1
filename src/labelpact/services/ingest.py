"""Use case: take a vendor's delivered file into the store, whole or not at all."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from labelpact.contracts.stored import partner_contract
from labelpact.core.annotations import DuplicatePolicy
from labelpact.core.keyed import labels_digest
from labelpact.errors import ConflictError, ForbiddenError, InvalidInputError, LabelpactError, missing_file
from labelpact.io import Delivery, read_delivery, write_normalised
from labelpact.services.redelivery import redelivery_note, stored_as, stored_digest, stored_with_labels
from labelpact.store import BatchCreate, BatchRecord, Store

__all__ = [
    "CLOCK_SKEW",
    "IngestResult",
    "as_utc",
    "backfill_labels_digests",
    "batch_dict",
    "delivery_document",
    "delivery_time",
    "file_sha256",
    "ingest_batch",
    "ingest_document",
    "prepared_batch",
    "restore_batch_files",
    "store_delivery",
]

_HASH_BLOCK = 1 << 20
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IngestResult:
    """The stored batch, whether this call created it, and (when it did) what was read."""

    batch: BatchRecord
    created: bool
    delivery: Delivery | None
    same_labels: tuple[BatchRecord, ...] = ()  # other stored batches holding exactly these labels
    restored: tuple[
        str, ...
    ] = ()  # a re-ingest: the roles of the stored files it put back (they were missing)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks; the batch's content address."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def ingest_batch(
    store: Store,
    labels: str | Path,
    *,
    partner: str,
    project: str,
    gold: str | Path | None = None,
    tasks: str | Path | None = None,
    task_column: str | None = None,
    worker_column: str | None = None,
    label_column: str | None = None,
    classes: Sequence[str] | None = None,
    duplicates: DuplicatePolicy = "keep",
    strict: bool = False,
    delivered_at: datetime | None = None,
    due_at: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    reveal_owner: bool = True,
    gold_allowed: bool = True,
) -> IngestResult:
    """Validate and store one delivery; the same bytes twice return the batch that already holds them, under
    the same partner and project only (``reveal_owner`` False: the error does not name another partner).
    ``gold_allowed`` False (a partner's own upload) refuses a delivery that carries gold, such as Label
    Studio ``ground_truth`` annotations: gold is the client's check of the partner's labels.

    Everything is read and checked before anything is written, so bad input leaves the store as it was;
    the write itself is one transaction plus content-addressed blobs (see ``Store.add_batch``). Labels
    must be in ``classes`` when given, else in the ``labels.classes`` of the partner's contract on file.
    """
    path = Path(labels)
    if not path.is_file():
        raise InvalidInputError("an existing annotations file", file=path, got=missing_file(path))
    on_file = store.get_partner(partner).contract_toml  # a typo never creates a partner: the error names them
    if classes is None and on_file is not None:
        classes = partner_contract(partner, on_file).classes  # stored: read leniently, with warnings
    sha256 = file_sha256(path)
    existing = stored_as(store, sha256, path, partner=partner, project=project, reveal=reveal_owner)
    read = functools.partial(
        read_delivery,
        path,
        gold=gold,
        tasks=tasks,
        task_column=task_column,
        worker_column=worker_column,
        label_column=label_column,
        classes=classes,
        duplicates=duplicates,
        strict=strict,
    )
    if existing is not None:
        restored = restore_batch_files(store, existing, path, gold=gold, tasks=tasks, read=read)
        return IngestResult(batch=existing, created=False, delivery=None, restored=restored)

    delivery = read(progress=progress)
    if not gold_allowed:
        _refuse_own_gold(path, delivery)
    try:
        batch = store_delivery(
            store,
            path,
            delivery,
            sha256=sha256,
            partner=partner,
            project=project,
            gold=gold,
            tasks=tasks,
            delivered_at=delivered_at,
            due_at=due_at,
        )
    except ConflictError:  # a concurrent ingest of the same bytes won: the same answer as a later re-ingest
        holder = stored_as(store, sha256, path, partner=partner, project=project, reveal=reveal_owner)
        if holder is None:
            raise
        return IngestResult(batch=holder, created=False, delivery=None)
    return IngestResult(
        batch=batch,
        created=True,
        delivery=delivery,
        same_labels=tuple(stored_with_labels(store, batch.labels_digest, other_than=batch.sha256)),
    )


def _refuse_own_gold(path: Path, delivery: Delivery) -> None:
    """A partner's own delivery carries no gold (Label Studio ``ground_truth`` annotations are read as gold):
    gold checks the partner's labels, so it comes from the client."""
    if delivery.gold is not None and len(delivery.gold.task):
        raise ForbiddenError(
            f"{path.name} marks {len(delivery.gold.task)} annotations as ground truth: gold checks the "
            "partner's labels, so it comes from the client (export without ground truth, or have the client "
            "upload the delivery)"
        )


def store_delivery(
    store: Store,
    labels: Path,
    delivery: Delivery,
    *,
    sha256: str,
    partner: str,
    project: str,
    gold: str | Path | None = None,
    tasks: str | Path | None = None,
    delivered_at: datetime | None = None,
    due_at: datetime | None = None,
) -> BatchRecord:
    """Store a delivery already read and checked from ``labels`` (whose bytes hash to ``sha256``).

    One transaction plus content-addressed blobs (``Store.add_batch``): the original files and the
    normalised Parquet. The delivery time defaults to now.
    """
    with prepared_batch(
        store,
        labels,
        delivery,
        sha256=sha256,
        partner=partner,
        project=project,
        gold=gold,
        tasks=tasks,
        delivered_at=delivered_at,
        due_at=due_at,
    ) as (new, files):
        return store.add_batch(new, files=files)


@contextmanager
def prepared_batch(
    store: Store,
    labels: Path,
    delivery: Delivery,
    *,
    sha256: str,
    partner: str,
    project: str,
    gold: str | Path | None = None,
    tasks: str | Path | None = None,
    delivered_at: datetime | None = None,
    due_at: datetime | None = None,
    digest: str | None = None,
) -> Iterator[tuple[BatchCreate, dict[str, Path]]]:
    """The ``BatchCreate`` of a delivery and its files (the normalised Parquet in a scratch folder of the store);
    ``digest``: its ``labels_digest`` when the caller has it already (an audit looked for redeliveries)."""
    path = Path(labels)
    a = delivery.annotations
    received = datetime.now(UTC)
    new = BatchCreate(
        sha256=sha256,
        partner=partner,
        project=project,
        source_name=path.name,
        format=delivery.format,
        size_bytes=path.stat().st_size,
        n_rows=delivery.n_rows,
        n_annotations=a.n_annotations,
        n_tasks=a.n_tasks,
        n_workers=a.n_workers,
        n_classes=a.n_classes,
        classes=list(a.classes),
        n_duplicates=delivery.n_duplicates,
        n_abstentions=delivery.n_abstentions,
        n_cancelled=delivery.n_cancelled,
        n_tasks_without_labels=len(delivery.tasks_without_labels),
        n_gold=len(delivery.gold) if delivery.gold is not None else 0,
        median_duration_s=a.median_duration_s(),
        delivered_at=delivery_time(delivered_at) or received,
        due_at=as_utc(due_at, field="due_at"),
        labels_digest=labels_digest(a) if digest is None else digest,
    )
    with store.scratch("ingest") as staging:  # inside the workspace, removed even after a kill
        normalised = write_normalised(a, staging / "annotations.parquet", gold=delivery.gold)
        files = {"labels": path, "normalised": normalised}
        if gold is not None:
            files["gold"] = Path(gold)
        if tasks is not None:
            files["tasks"] = Path(tasks)
        yield new, files


def as_utc(moment: datetime | None, *, field: str = "delivered_at") -> datetime | None:
    """Naive times are taken as UTC; aware ones are converted to it. A time whose UTC falls outside the
    years 1..9999 is bad input naming ``field``."""
    if moment is None:
        return None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise InvalidInputError(
            "a time between the years 1 and 9999 in UTC",
            column=field,
            column_kind="field",
            got=moment.isoformat(),
        ) from None


# a delivery time may run ahead of this machine's clock by this much (two machines' clocks)
CLOCK_SKEW = timedelta(minutes=5)


def delivery_time(moment: datetime | None, *, now: datetime | None = None) -> datetime | None:
    """``moment`` in UTC (``as_utc``), refused when after now (``CLOCK_SKEW`` allowed): a batch dated in the
    future would stay out of its partner's health, forecast and control charts until that date."""
    latest = (now or datetime.now(UTC)) + CLOCK_SKEW
    utc = as_utc(moment)
    if utc is not None and utc > latest:
        raise InvalidInputError(
            f"a delivery time no later than now ({latest:%Y-%m-%dT%H:%MZ})",
            column="delivered_at",
            column_kind="field",
            got=utc.isoformat(),
        )
    return utc


def restore_batch_files(
    store: Store,
    batch: BatchRecord,
    labels: Path,
    *,
    gold: str | Path | None,
    tasks: str | Path | None,
    read: Callable[[], Delivery] | None = None,
) -> tuple[str, ...]:
    """A re-ingest of a stored batch's bytes puts back its stored files that are missing or damaged, from the
    files given (the delivered file hashes to the batch's SHA-256; gold and tasks must match their records).
    The normalised file is made again by ``read`` (the delivery read as at its ingest): it is put back when
    it has the recorded SHA-256, which it has for the same files and options. Returns the roles restored;
    () when every file is intact or nothing given matches."""
    damaged = [] if store.read_only else store.damaged_batch_files(batch)
    if not damaged:
        return ()
    given = {"labels": labels, "gold": gold, "tasks": tasks}
    files = {role: Path(path) for role, path in given.items() if path is not None}
    if "normalised" not in damaged or read is None:
        return tuple(store.restore_batch_files(batch, files))
    with store.scratch("restore") as folder:
        try:
            delivery = read()
        except InvalidInputError as error:  # read differently now (another contract's classes): not ours
            log.info("the normalised file of batch %s cannot be made again: %s", batch.id, error)
        else:
            normalised = folder / "annotations.parquet"
            files["normalised"] = write_normalised(delivery.annotations, normalised, gold=delivery.gold)
        return tuple(store.restore_batch_files(batch, files))


def backfill_labels_digests(store: Store) -> int:
    """Compute, once, the digest of each batch stored before it had one (labels before migration 0007,
    preferences, ratings and demonstrations before 0010) from its stored normalised file, as an ingest of its
    kind computes it, so redelivery detection covers it; returns how many were recorded. A batch whose file is
    missing or damaged is skipped (``labelpact verify`` names it) and tried again next time."""
    if store.read_only:
        return 0
    done = 0
    for batch in store.batches_without_digest():
        try:
            digest = stored_digest(store, batch)
        except LabelpactError as error:
            log.info("no digest for batch %s yet: %s", batch.id, error)
            continue
        if digest is not None:
            store.add_batch_digest(batch.sha256, digest)
            done += 1
    return done


def batch_dict(batch: BatchRecord) -> dict[str, Any]:
    """``labelpact batches show --json``: every field of the stored batch."""
    return dataclasses.asdict(batch)


def ingest_document(result: IngestResult, *, viewer: str | None = None) -> dict[str, Any]:
    """What an ingest did, as ``labelpact ingest --json`` and the service's upload show it (to a partner
    ``viewer``, the redelivery warnings name only its own batches)."""
    found = result.delivery
    return delivery_document(
        result.created,
        result.batch,
        columns=None if found is None else dict(found.columns),
        warnings=([] if found is None else list(found.warnings))
        + redelivery_note(result.same_labels, viewer=viewer),
        notes=([] if found is None else list(found.notes)) + _restored_note(result),
    )


def _restored_note(result: IngestResult) -> list[str]:
    if not result.restored:
        return []
    return [
        f"restored the stored {', '.join(result.restored)} file(s) of batch {result.batch.id}, which were missing "
        "or damaged: these bytes are the ones it recorded"
    ]


def delivery_document(
    created: bool,
    batch: BatchRecord,
    *,
    columns: dict[str, str] | None,
    warnings: list[str],
    notes: list[str],
) -> dict[str, Any]:
    """The ``ingest --json`` document of any deliverable kind: whether the batch was created, the batch
    itself, the columns read (None when nothing was read: the bytes were stored already), warnings, notes."""
    return (
        {"created": created, "batch": batch.id}
        | batch_dict(batch)
        | {"columns": columns, "warnings": warnings, "notes": notes}
    )
