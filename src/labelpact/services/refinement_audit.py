"""Use cases for model-refinement deliverables: ingest and audit preferences, ratings and demonstrations.

A batch of any kind is stored like a labels batch (content-addressed, immutable, with its normalised Parquet
in the canonical long shape) and carries its ``kind``; its audit is an ``AuditCreate`` like a labels audit,
so findings, disputes, reviews, partner health and reports read it unchanged. Everything is read and checked
before anything is written: bad input leaves the store as it was.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from labelpact.contracts.contract import Contract
from labelpact.contracts.findings import worst_outcome
from labelpact.contracts.timeliness import (
    TURNAROUND,
    late_by_days,
    late_finding,
    timeliness,
    turnaround_reason,
)
from labelpact.errors import ConflictError, InvalidInputError, NotFoundError, missing_file
from labelpact.io.deliverable import (
    KINDS,
    KindDelivery,
    Read,
    count_kind_duplicates,
    delivery_kind,
    detect_kind,
    fitting_kinds,
    read_deliverable,
    write_deliverable,
)
from labelpact.io.demonstrations import DemonstrationDelivery
from labelpact.io.preferences import PreferenceDelivery
from labelpact.services.audit import AuditResult, audit_document, load_contract
from labelpact.services.ingest import as_utc, delivery_document, delivery_time, file_sha256
from labelpact.services.redelivery import (
    deliverable_digest,
    redelivery_findings,
    redelivery_note,
    stored_as,
    stored_with_labels,
)
from labelpact.services.refinement_assessment import KindAssessment, as_json, assess_deliverable
from labelpact.store import AuditCreate, AuditRecord, BatchCreate, BatchRecord, FindingCreate, Store

__all__ = [
    "KINDS",
    "KindIngest",
    "audit_deliverable",
    "audit_stored_deliverable",
    "file_kind",
    "ingest_deliverable",
    "kind_ingest_document",
]


def file_kind(path: str | Path, kind: str | None = None) -> str:
    """``kind`` when given, else the kind the file's header shows when exactly one fits, an error naming
    ``--kind`` when several do, else ``labels`` (whose reader then names what is missing). Reads only the header."""
    if kind is not None:
        if kind not in KINDS:
            raise InvalidInputError(f"a kind among {list(KINDS)}", column="kind", got=repr(kind))
        return kind
    try:
        return detect_kind(path)
    except (InvalidInputError, OSError, ValueError):  # not a deliverable's header: the labels reader says why
        try:
            several = len(fitting_kinds(path)) > 1
        except (InvalidInputError, OSError, ValueError):
            several = False
        if several:  # "give --kind", not the labels reader's missing 'label' column
            raise
        return "labels"


@dataclass(frozen=True, slots=True)
class KindIngest:
    """The stored batch, whether this call created it, (when it did) what reading found, and the other
    stored batches that hold exactly its rows (a redelivery)."""

    batch: BatchRecord
    created: bool
    read: Read | None
    same_rows: tuple[BatchRecord, ...] = ()


def _read(
    path: Path,
    kind: str | None,
    contract: Contract,
    gold: str | Path | None,
    task: str | None,
    worker: str | None,
    text: str | None = None,
) -> KindDelivery:
    if not path.is_file():
        raise InvalidInputError("an existing file", file=path, got=missing_file(path))
    return read_deliverable(
        path, kind=kind, gold=gold, scales=contract.ratings.scale_map, task_column=task, worker_column=worker,
        text_column=text,
    )  # fmt: skip


def ingest_deliverable(
    store: Store,
    path: str | Path,
    *,
    partner: str,
    project: str,
    kind: str | None = None,
    gold: str | Path | None = None,
    task_column: str | None = None,
    worker_column: str | None = None,
    text_column: str | None = None,
    delivered_at: datetime | None = None,
    due_at: datetime | None = None,
    reveal_owner: bool = True,
) -> KindIngest:
    """Validate and store a preferences, ratings or demonstrations file (``kind`` None: detected); the same
    bytes twice return the batch that holds them, under the same partner and project only (``reveal_owner``
    False: the error does not name another partner). Ratings are checked against the partner's contract scales."""
    file = Path(path)
    contract, _ = load_contract(store, partner, None)
    delivery = _read(file, kind, contract, gold, task_column, worker_column, text_column)
    sha256 = file_sha256(file)
    existing = stored_as(store, sha256, file, partner=partner, project=project, reveal=reveal_owner)
    if existing is not None:
        return KindIngest(existing, False, None)
    try:
        with _prepared(store, file, delivery, sha256, partner, project, gold, delivered_at, due_at) as (
            new,
            files,
        ):
            batch = store.add_batch(new, files=files)
    except ConflictError:
        holder = stored_as(store, sha256, file, partner=partner, project=project, reveal=reveal_owner)
        if holder is None:
            raise
        return KindIngest(holder, False, None)
    same = stored_with_labels(store, batch.labels_digest, other_than=batch.sha256)
    return KindIngest(batch, True, delivery.read, tuple(same))


def kind_ingest_document(result: KindIngest, *, viewer: str | None = None) -> dict[str, Any]:
    """``labelpact ingest --json`` of a deliverable batch: the same keys as a labels ingest (to a partner
    ``viewer``, the redelivery warnings name only its own batches)."""
    found = result.read
    return delivery_document(
        result.created,
        result.batch,
        columns=None if found is None else dict(found.columns),
        warnings=_duplicate_note(result.batch) + redelivery_note(result.same_rows, viewer=viewer),
        notes=[] if found is None else list(found.notes),
    )


def _duplicate_note(batch: BatchRecord) -> list[str]:
    n = batch.n_duplicates
    unit = {"preferences": "(task, worker, pair)", "ratings": "(task, worker, criterion)"}.get(
        batch.kind, "(task, worker)"
    )
    return [f"{n:,} rows repeat an earlier {unit} (identical repeats count once in agreement)"] if n else []


def _counts(delivery: KindDelivery) -> tuple[int, int, int, list[str], float | None]:
    """(n_annotations, n_tasks, n_workers, classes, median seconds) as a batch row records them."""
    if isinstance(delivery, PreferenceDelivery):
        c = delivery.comparisons
        median = (
            None
            if c.duration_s is None or np.all(np.isnan(c.duration_s))
            else float(np.nanmedian(c.duration_s))
        )
        return c.n_comparisons, c.n_tasks, c.n_workers, ["left", "right", "tie"], median
    if isinstance(delivery, DemonstrationDelivery):
        d = delivery.demonstrations
        dur = d.duration_s
        median = None if dur is None or np.all(np.isnan(dur)) else float(np.nanmedian(dur))
        return d.n_answers, d.n_tasks, d.n_workers, [], median
    r = delivery.ratings
    return r.n_ratings, r.n_tasks, r.n_workers, list(r.criteria), None


@contextmanager
def _prepared(
    store: Store,
    path: Path,
    delivery: KindDelivery,
    sha256: str,
    partner: str,
    project: str,
    gold: str | Path | None,
    delivered_at: datetime | None,
    due_at: datetime | None,
    digest: str | None = None,
) -> Iterator[tuple[BatchCreate, dict[str, Path]]]:
    n, n_tasks, n_workers, classes, median = _counts(delivery)
    gold_n = delivery.gold.n_comparisons if isinstance(delivery, PreferenceDelivery) and delivery.gold else 0
    new = BatchCreate(
        sha256=sha256, partner=partner, project=project, source_name=path.name, format=delivery.read.format,
        size_bytes=path.stat().st_size, n_rows=delivery.read.n_rows, n_annotations=n, n_tasks=n_tasks,
        n_workers=n_workers, n_classes=len(classes), classes=classes, n_duplicates=count_kind_duplicates(delivery), n_abstentions=0,
        n_cancelled=0, n_tasks_without_labels=0, n_gold=gold_n, median_duration_s=median,
        delivered_at=delivery_time(delivered_at) or datetime.now(UTC), due_at=as_utc(due_at), kind=delivery_kind(delivery),
        labels_digest=deliverable_digest(delivery) if digest is None else digest,
    )  # fmt: skip
    with store.scratch("ingest") as staging:
        files = {"labels": path, "normalised": write_deliverable(delivery, staging / "normalised.parquet")}
        if gold is not None:
            files["gold"] = Path(gold)
        yield new, files


def _audit_create(
    a: KindAssessment,
    batch: str,
    contract_text: str | None,
    same_rows: Sequence[BatchRecord],
    partner: str,
) -> AuditCreate:
    return AuditCreate(
        batch=batch,
        verdict=a.verdict,
        reasons=[r.to_dict() for r in a.reasons],
        metrics=as_json(a.metrics),
        sampling_plan={**a.plan.to_dict(), "stratified_by_confidence": False, "seed": a.sample_seed},
        sample_tasks=list(a.sample),
        ethics=None,
        method=a.method,
        contract_toml=contract_text,
        contract_sha256=None,
        findings=[
            *(
                FindingCreate(f.kind, f.severity, f.detail, f.clause, as_json(f.evidence), f.action)
                for f in a.findings
            ),
            *redelivery_findings(same_rows, partner=partner),
        ],
    )


def _tables(staging: Path, a: KindAssessment) -> dict[str, Path]:
    """The audit's tables as Parquet files (role -> path): item scores, consensus scores or answer signals."""
    out = {}
    for role, columns in a.tables.items():
        out[role] = staging / f"{role}.parquet"
        pq.write_table(pa.table(columns), out[role], compression="zstd")
    return out


def _timed(
    a: KindAssessment, delivered_at: datetime, due_at: datetime | None, turnaround_days: float | None
) -> KindAssessment:
    """``a`` with its batch's timeliness as a label audit has it: the metrics' ``timeliness`` block (partner
    health's on-time rate, SLA signal and delivery dates), a ``late_delivery`` finding when it came late, and
    the contract's ``delivery.turnaround_days`` judged against ``due_at`` (these kinds carry no label start
    times to count from: without ``due_at`` the clause is unchecked)."""
    clause = TURNAROUND if turnaround_days is not None else None
    late = late_finding(late_by_days(delivered_at, due_at), clause=clause)
    findings = sorted([*a.findings, *([late] if late is not None else [])], key=lambda f: -f.rank)
    reason = turnaround_reason(turnaround_days, delivered_at, due_at, None)
    reasons = a.reasons if reason is None else (*a.reasons, reason)
    return replace(
        a,
        verdict=worst_outcome(reasons),
        reasons=reasons,
        findings=tuple(findings),
        metrics={**a.metrics, "timeliness": timeliness(delivered_at, due_at)},
    )


def _result(record: AuditRecord, created: bool, a: KindAssessment) -> AuditResult:
    return AuditResult(
        audit=record, batch_created=created, document=audit_document(record), reasons=a.reasons,
        findings=a.findings, plan=a.plan,
    )  # fmt: skip


def audit_deliverable(
    store: Store,
    path: str | Path,
    *,
    partner: str,
    project: str,
    kind: str | None = None,
    gold: str | Path | None = None,
    contract: str | Path | None = None,
    delivered_at: datetime | None = None,
    due_at: datetime | None = None,
    task_column: str | None = None,
    worker_column: str | None = None,
    text_column: str | None = None,
    n_bootstrap: int = 200,
    random_state: int = 0,
    sample_seed: int | None = None,
) -> AuditResult:
    """Audit a preferences, ratings or demonstrations file against the contract and store the batch (if new)
    and the audit, in one transaction."""
    file = Path(path)
    the_contract, text = load_contract(store, partner, contract)
    delivery = _read(file, kind, the_contract, gold, task_column, worker_column, text_column)
    sha256 = file_sha256(file)
    existing = stored_as(store, sha256, file, partner=partner, project=project)
    delivered = delivery_time(delivered_at) or (
        existing.delivered_at if existing is not None else datetime.now(UTC)
    )
    due = as_utc(due_at) or (existing.due_at if existing is not None else None)
    a = assess_deliverable(
        delivery, the_contract, n_bootstrap=n_bootstrap, random_state=random_state, sample_seed=sample_seed
    )
    a = _timed(a, delivered, due, the_contract.delivery.turnaround_days)
    batch_id = existing.id if existing is not None else sha256[:12]
    before = existing.received_at if existing is not None else None  # a first delivery names no later one
    digest = deliverable_digest(delivery)
    same = stored_with_labels(store, digest, other_than=sha256, before=before)
    new_audit = _audit_create(a, batch_id, text, same, partner)
    with store.scratch("audit") as staging:
        files = _tables(staging, a)
        if existing is not None:
            return _result(store.add_audit(new_audit, files=files), False, a)
        with _prepared(store, file, delivery, sha256, partner, project, gold, delivered, due, digest) as (
            new,
            bf,
        ):
            _, record = store.add_batch_with_audit(new, new_audit, files=bf, audit_files=files)
    return _result(record, True, a)


def audit_stored_deliverable(
    store: Store,
    record: BatchRecord,
    *,
    contract: str | Path | None = None,
    contract_toml: str | None = None,
    n_bootstrap: int = 200,
    random_state: int = 0,
    sample_seed: int | None = None,
) -> AuditResult:
    """Audit a stored batch of a deliverable kind from its normalised blob (and gold), and store the audit."""
    the_contract, text = load_contract(store, record.partner, contract, text=contract_toml)
    normalised, gold = record.file("normalised"), record.file("gold")
    if normalised is None:
        raise NotFoundError(f"batch {record.id} has no stored {record.kind} to audit")
    delivery = read_deliverable(
        store.blob_path(normalised),
        kind=record.kind,
        gold=None if gold is None else store.blob_path(gold),
        scales=the_contract.ratings.scale_map,
        format="parquet",
    )
    a = assess_deliverable(
        delivery, the_contract, n_bootstrap=n_bootstrap, random_state=random_state, sample_seed=sample_seed
    )
    a = _timed(a, record.delivered_at, record.due_at, the_contract.delivery.turnaround_days)
    with store.scratch("audit") as staging:
        same = stored_with_labels(
            store, record.labels_digest, other_than=record.sha256, before=record.received_at
        )
        new_audit = _audit_create(a, record.id, text, same, record.partner)
        audit = store.add_audit(new_audit, files=_tables(staging, a))
    return _result(audit, False, a)
