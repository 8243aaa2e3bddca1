"""Use case: audit a batch against its contract, decide accept / review / reject, and keep it all.

An audit reads, assesses (``services.assessment``) and stores. It reads either a delivered file
(:func:`audit_batch`: contract, labels, gold, tasks, predictions, all checked before anything is written)
or a batch the store already holds (:func:`audit_stored_batch`: its stored blobs, no file needed). The
write is one transaction: the batch (unless the same bytes are already stored) and the audit together,
so bad input leaves the store as it was; a re-audit of a stored batch is a new audit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from labelpact.contracts.contract import Contract, parse_contract
from labelpact.contracts.findings import Finding, Reason
from labelpact.contracts.stored import partner_contract
from labelpact.core.acceptance import SamplingPlan
from labelpact.core.keyed import labels_digest
from labelpact.errors import InvalidInputError, NotFoundError, missing_file
from labelpact.io import Delivery, read_delivery
from labelpact.io.consensus_table import consensus_table, write_consensus_table
from labelpact.io.contract import read_contract
from labelpact.io.predictions import Predictions, read_pred_probs
from labelpact.io.stored_delivery import StoredFiles, read_stored_delivery
from labelpact.services.assessment import Assessment, assess
from labelpact.services.audit_documents import audit_document, audit_rows, stored_audit_document
from labelpact.services.audit_storage import BatchFiles, store_audit
from labelpact.services.ingest import as_utc, file_sha256
from labelpact.services.progress import Warn, warn_all
from labelpact.services.redelivery import redelivery_findings, stored_as, stored_with_labels
from labelpact.store import AuditCreate, AuditRecord, BatchRecord, FindingCreate, Store

__all__ = [
    "AuditResult",
    "audit_batch",
    "audit_document",
    "audit_rows",
    "audit_stored_batch",
    "load_contract",
    "stored_audit_document",
]


@dataclass(frozen=True, slots=True)
class AuditResult:
    """A stored audit and what it rests on; ``document`` is the ``labelpact audit --json`` shape."""

    audit: AuditRecord
    batch_created: bool
    document: dict[str, Any]
    reasons: tuple[Reason, ...]
    findings: tuple[Finding, ...]
    plan: SamplingPlan
    seconds: dict[str, float] = field(default_factory=dict)


class _Stages:
    """Times the stages of an audit (seconds per stage name) and reports each to ``progress`` as it ends."""

    def __init__(self, progress: Callable[[str], None] | None) -> None:
        self.seconds: dict[str, float] = {}
        self._progress = progress
        self._clock = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._clock, 4)
        self._clock = now
        if self._progress is not None:
            self._progress(name)


def load_contract(
    store: Store, partner: str, path: str | Path | None, *, text: str | None = None
) -> tuple[Contract, str | None]:
    """The contract an audit is judged by and its text: the file at ``path``, else the TOML ``text``, else
    the partner's contract on file (a value this version refuses is read otherwise, with a warning), else
    defaults. Only the stored contract is read leniently: a file or text given now is checked strictly."""
    if path is not None and text is not None:
        raise InvalidInputError("a contract file or a contract text, not both", column="contract")
    if path is not None:
        return read_contract(path)
    if text is not None:
        return parse_contract(text, source="contract"), text
    on_file = store.get_partner(partner).contract_toml
    if on_file is not None:  # stored by whichever version added the partner: read leniently, with warnings
        return partner_contract(partner, on_file), on_file
    return Contract.default(), None


def audit_batch(
    store: Store,
    labels: str | Path,
    *,
    partner: str,
    project: str,
    gold: str | Path | None = None,
    tasks: str | Path | None = None,
    pred_probs: str | Path | None = None,
    contract: str | Path | None = None,
    delivered_at: datetime | None = None,
    due_at: datetime | None = None,
    task_column: str | None = None,
    worker_column: str | None = None,
    label_column: str | None = None,
    slice_columns: Sequence[str] = (),
    phone_regions: Sequence[str] = (),
    n_bootstrap: int = 1000,
    random_state: int = 0,
    sample_seed: int | None = None,
    progress: Callable[[str], None] | None = None,
    strict: bool = False,
    warn: Warn | None = None,
) -> AuditResult:
    """Audit one delivery file against the contract and store the batch (if new) and the audit.

    ``strict`` refuses blank labels and one number spelled two ways, as ``ingest --strict`` does; else
    the reader's warnings go to ``warn``. ``phone_regions``: as ``labelpact ethics --phone-region`` (US).
    """
    stage = _Stages(progress)
    path = _one_file(Path(labels))
    the_contract, contract_text = load_contract(store, partner, contract)
    sha256 = file_sha256(path)
    existing = stored_as(store, sha256, path, partner=partner, project=project)
    given = {role: f for role, f in (("gold", gold), ("tasks", tasks)) if f is not None}
    if existing is not None:
        gold, tasks = _side_files(store, existing, gold, tasks, warn)
    delivery = read_delivery(
        path,
        gold=gold,
        tasks=tasks,
        task_column=task_column,
        worker_column=worker_column,
        label_column=label_column,
        classes=the_contract.classes,
        strict=strict,
    )
    warn_all(warn, delivery.warnings)
    predictions = _predictions(delivery, pred_probs)
    stage("read")
    delivered, due = _times(existing, as_utc(delivered_at), as_utc(due_at, field="due_at"), warn)
    assessment = assess(
        delivery,
        the_contract,
        predictions=predictions,
        delivered_at=delivered,
        due_at=due,
        seconds=stage.seconds,
        stage=stage,
        slice_columns=slice_columns,
        phone_regions=phone_regions,
        n_bootstrap=n_bootstrap,
        random_state=random_state,
        sample_seed=sample_seed,
    )
    batch_id = existing.id if existing is not None else sha256[:12]
    digest = labels_digest(delivery.annotations)
    before = existing.received_at if existing is not None else None  # a first delivery names no later one
    same = stored_with_labels(store, digest, other_than=sha256, before=before)
    new_audit = _audit_create(
        assessment, delivery, batch_id, contract_text, random_state, same_labels=same, partner=partner
    )
    with store.scratch("audit") as staging:  # inside the workspace, removed even after a kill
        files = _audit_files(staging, delivery, assessment, pred_probs)
        if existing is not None:  # files given now and used, not the stored batch's: kept with the audit
            files |= {role: Path(f) for role, f in given.items() if f in (gold, tasks)}
        batch_files = BatchFiles(path, gold, tasks, sha256, partner, project, delivered, due, digest)
        record, created = store_audit(store, new_audit, files, delivery, batch_files, existing=existing)
    stage("store")
    return _result(record, created, assessment, stage.seconds)


def _side_files(
    store: Store, existing: BatchRecord, gold: str | Path | None, tasks: str | Path | None, warn: Warn | None
) -> tuple[str | Path | None, str | Path | None]:
    """The gold and tasks files an audit of a stored batch reads: the batch's own task payloads where it was
    stored with them (they are part of the delivery: other payloads given now are ignored, with a warning,
    as ``ingest`` ignores them; a fix is a new delivery), else those given now; gold given now (the client's
    own checks), else the stored gold."""
    kept = existing.file("tasks")
    if tasks is not None and kept is not None:
        if file_sha256(Path(tasks)) != kept.sha256:
            message = (
                f"--tasks {str(tasks)!r} ignored: batch {existing.id} keeps the task payloads it was delivered "
                "with (new payloads are a new delivery)"
            )
            warn_all(warn, [message])
        tasks = None
    if tasks is None and kept is not None:
        tasks = store.blob_path(kept)
    stored_gold = existing.file("gold")
    if gold is None and stored_gold is not None:
        gold = store.blob_path(stored_gold)
    return gold, tasks


def _times(
    existing: BatchRecord | None, delivered_at: datetime | None, due_at: datetime | None, warn: Warn | None
) -> tuple[datetime, datetime | None]:
    """The delivery and due times an audit judges by: a stored batch keeps its own (a contradicting time given
    now is ignored, with a warning, as ``ingest`` ignores it); a due time it lacks may be given now."""
    if existing is None:
        return delivered_at or datetime.now(UTC), due_at
    for name, given, kept in (
        ("delivered_at", delivered_at, existing.delivered_at),
        ("due_at", due_at, existing.due_at),
    ):
        if given is not None and kept is not None and given != kept:
            warn_all(
                warn, [f"{name} {given.isoformat()} ignored: batch {existing.id} keeps {kept.isoformat()}"]
            )
    return existing.delivered_at, existing.due_at or due_at


def audit_stored_batch(
    store: Store,
    batch: str,
    *,
    contract: str | Path | None = None,
    contract_toml: str | None = None,
    pred_probs: str | Path | None = None,
    slice_columns: Sequence[str] = (),
    phone_regions: Sequence[str] = (),
    n_bootstrap: int = 1000,
    random_state: int = 0,
    sample_seed: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> AuditResult:
    """Audit a batch the store holds (``batch``: its id or a unique prefix of its SHA-256) from its stored
    blobs, without its file, and store the audit: the same audit as :func:`audit_batch` of its file.

    The contract is the file at ``contract``, else the TOML text ``contract_toml``, else the partner's on
    file, else defaults. The batch keeps its delivery and due times. Raises ``NotFoundError`` for an
    unknown batch, ``InvalidInputError`` (naming the field) for a bad contract or a label outside it.
    """
    stage = _Stages(progress)
    record = store.get_batch(batch)
    if record.kind != "labels":  # preferences, ratings, demonstrations: their own audit
        from labelpact.services.refinement_audit import audit_stored_deliverable

        return audit_stored_deliverable(
            store,
            record,
            contract=contract,
            contract_toml=contract_toml,
            random_state=random_state,
            sample_seed=sample_seed,
        )
    the_contract, contract_text = load_contract(store, record.partner, contract, text=contract_toml)
    delivery = read_stored_delivery(_stored_files(store, record), classes=the_contract.classes)
    predictions = _predictions(delivery, pred_probs)
    stage("read")
    assessment = assess(
        delivery,
        the_contract,
        predictions=predictions,
        delivered_at=record.delivered_at,
        due_at=record.due_at,
        seconds=stage.seconds,
        stage=stage,
        slice_columns=slice_columns,
        phone_regions=phone_regions,
        n_bootstrap=n_bootstrap,
        random_state=random_state,
        sample_seed=sample_seed,
    )
    same = stored_with_labels(
        store, record.labels_digest, other_than=record.sha256, before=record.received_at
    )
    new_audit = _audit_create(
        assessment, delivery, record.id, contract_text, random_state, same_labels=same, partner=record.partner
    )
    with store.scratch("audit") as staging:
        audit = store.add_audit(new_audit, files=_audit_files(staging, delivery, assessment, pred_probs))
    stage("store")
    return _result(audit, False, assessment, stage.seconds)


def _stored_files(store: Store, batch: BatchRecord) -> StoredFiles:
    """The blobs a stored batch is audited from (each checked against its hash)."""
    normalised, labels, tasks = (batch.file(role) for role in ("normalised", "labels", "tasks"))
    if normalised is None or labels is None:
        raise NotFoundError(f"batch {batch.id} has no stored annotations to audit")
    return StoredFiles(
        normalised=store.blob_path(normalised),
        labels=store.blob_path(labels),
        source_name=batch.source_name,
        format=batch.format,
        n_rows=batch.n_rows,
        n_abstentions=batch.n_abstentions,
        n_cancelled=batch.n_cancelled,
        n_duplicates=batch.n_duplicates,
        tasks=None if tasks is None else store.blob_path(tasks),
    )


def _one_file(path: Path) -> Path:
    """``path``, the one annotations file an audit stores as its batch, or the error saying what it is instead."""
    if path.is_dir():  # a folder of parts is for the Dask engine's readers
        raise InvalidInputError(
            "one annotations file (the batch an audit stores; a folder of Parquet parts goes to aggregate, "
            "agreement, workers and ethics with the dask engine)",
            file=path,
            got="a folder",
        )
    if not path.is_file():
        raise InvalidInputError("an existing annotations file", file=path, got=missing_file(path))
    return path


def _predictions(delivery: Delivery, pred_probs: str | Path | None) -> Predictions | None:
    a = delivery.annotations
    return None if pred_probs is None else read_pred_probs(pred_probs, tasks=a.tasks, classes=a.classes)


def _audit_create(
    assessment: Assessment,
    delivery: Delivery,
    batch_id: str,
    contract_text: str | None,
    random_state: int,
    *,
    same_labels: Sequence[BatchRecord] = (),
    partner: str,
) -> AuditCreate:
    """The audit row to store: verdict, reasons, metrics, the plan and its sample, findings (and a
    ``redelivered`` finding when stored batches already hold these labels)."""
    a = delivery.annotations
    method = assessment.consensus.method
    return AuditCreate(
        batch=batch_id,
        verdict=assessment.verdict,
        reasons=[r.to_dict() for r in assessment.reasons],
        metrics=assessment.metrics,
        sampling_plan={
            **assessment.plan.to_dict(),
            "stratified_by_confidence": True,
            "seed": assessment.sample_seed,  # the sample's (secret unless fixed), not the methods'
        },
        sample_tasks=sorted(a.tasks[int(i)] for i in assessment.sample),  # by name: the file's order is moot
        ethics=assessment.ethics,
        method=method.split(":", 1)[0],  # "auto: mean posterior of ..." is "auto"; metrics keep it all
        contract_toml=contract_text,
        contract_sha256=None,
        findings=[
            *(
                FindingCreate(f.kind, f.severity, f.detail, f.clause, f.evidence, f.action)
                for f in assessment.findings
            ),
            *redelivery_findings(same_labels, partner=partner),
        ],
    )


def _audit_files(
    staging: Path, delivery: Delivery, assessment: Assessment, pred_probs: str | Path | None
) -> dict[str, Path]:
    """The files an audit keeps: its consensus (``io.consensus_table``) and the predictions it was given."""
    a, c = delivery.annotations, assessment.consensus
    calibrated = c.calibrated_probas if c.calibrated_probas is not None else c.probas
    gold = delivery.gold.task if delivery.gold is not None else None
    table = consensus_table(a.tasks, a.classes, assessment.codes, c.confidence, calibrated, c.probas, gold)
    files = {"consensus": write_consensus_table(table, staging / "consensus.parquet")}
    if pred_probs is not None:
        files["predictions"] = Path(pred_probs)
    return files


def _result(
    record: AuditRecord, created: bool, assessment: Assessment, seconds: dict[str, float]
) -> AuditResult:
    document = audit_document(record)
    document["metrics"]["seconds"] = dict(seconds)
    return AuditResult(
        audit=record,
        batch_created=created,
        document=document,
        reasons=assessment.reasons,
        findings=assessment.findings,
        plan=assessment.plan,
        seconds=seconds,
    )
