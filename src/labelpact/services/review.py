"""Use cases after an audit: a reviewer's answers for the sample decide the lot; the consensus goes out.

The decision follows the audit's ISO 2859-1 plan exactly: the reviewer must answer every sampled task
(a partial or padded sample is not the random sample the plan's promise rests on), and the lot is
accepted when at most ``accept_number`` of them are defective.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from labelpact.contracts.contract import Contract
from labelpact.contracts.findings import Reason
from labelpact.contracts.stored import audit_contract
from labelpact.contracts.verdict import QualityEvidence, error_rate_reasons
from labelpact.core.acceptance import SamplingPlan, acceptance_probability, decide, limiting_quality
from labelpact.core.error_rate import Checks, ErrorRate, estimate_error_rate
from labelpact.errors import InvalidInputError, NotFoundError
from labelpact.io.consensus_table import read_consensus_table
from labelpact.io.predictions import ReviewAnswers, read_review_results
from labelpact.services.ingest import as_utc
from labelpact.store import AuditRecord, ReviewRecord, Store

__all__ = [
    "ReviewOutcome",
    "consensus_table",
    "plan_of",
    "resolve_audit",
    "review_sample",
    "reviewed_error_rate",
    "stored_review_estimate",
]


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """The stored review and the ``labelpact review --json`` document."""

    review: ReviewRecord
    document: dict[str, Any]


def consensus_table(store: Store, audit: AuditRecord) -> pa.Table:
    """The consensus an audit stored (task, label, confidence, p_<class>...)."""
    file = audit.file("consensus")
    if file is None:
        raise NotFoundError(f"audit {audit.id} has no stored consensus")
    return read_consensus_table(store.blob_path(file))


def plan_of(audit: AuditRecord) -> SamplingPlan:
    """The sampling plan ``audit`` stored; refused for an audit stored without one."""
    if audit.sampling_plan is None:
        raise NotFoundError(f"audit {audit.id} has no sampling plan")
    return SamplingPlan.from_dict(audit.sampling_plan)


def review_sample(
    store: Store,
    ref: str,
    results: str | Path,
    *,
    reviewer: str | None = None,
    reviewed_at: dt.datetime | None = None,
) -> ReviewOutcome:
    """Decide accept or reject from a reviewer's answers for the sample of audit ``ref`` (or a batch's
    latest audit) and store the review. ``results``: ``task,label`` (the correct class) or ``task,defective``;
    ``reviewed_at``: when the review was done, for a history entered later (default: now).

    The plan's decision on the sample is stored as the review's decision; the batch's decision stays
    ``reject`` when the audit rejected it on a clause (personal data, agreement...) that no sample measures.
    """
    audit = resolve_audit(store, ref)
    plan = plan_of(audit)
    who = _Reviewer(reviewer, _reviewed_at(store, audit, reviewed_at))
    if audit.file("consensus") is None and audit.sample_tasks:  # preferences, ratings, demonstrations
        return _review_without_consensus(store, audit, plan, results, who)
    table = consensus_table(store, audit)
    tasks, consensus, answers, sample = _answers(table, audit, results)
    n_defective = int(answers.defective.sum())
    defective = [tasks[int(t)] for t in answers.task[answers.defective]]
    standing = [r["clause"] for r in audit.reasons if r.get("outcome") == "reject"]
    confidence = np.asarray(table["confidence"].to_numpy(zero_copy_only=False), dtype=np.float64)
    estimate = verified_error_rate(
        audit, confidence, consensus, answers.task, answers.defective, gold=gold_tasks(table)
    )
    text = store.get_contract(audit.contract_sha256) if audit.contract_sha256 else None
    clauses = _error_clauses(audit, text, estimate, plan)
    # the error-rate clauses are judged again on the verified estimate: their new outcome replaces the audit's
    rejudged = {r.clause for r in clauses}
    by_audit = [c for c in standing if c not in rejudged]
    verified = [r.clause for r in clauses if r.outcome == "reject"]
    record, decision = _store_review(
        store, audit, plan, results, who, len(sample), n_defective, by_audit + verified
    )
    document = _review_document(
        record, audit, plan, decision, by_audit + verified, len(sample), n_defective, defective, reviewer
    ) | {
        "audit_rejected_on": by_audit,
        "verified_rejected_on": verified,
        "error_rate": estimate.to_dict(),
        "clauses": [r.to_dict() for r in clauses],
    }
    document["replaces"] = _replaced(store, audit, record)
    return ReviewOutcome(review=record, document=document)


def _answers(
    table: pa.Table, audit: AuditRecord, results: str | Path
) -> tuple[list[Any], npt.NDArray[np.intp], ReviewAnswers, npt.NDArray[np.intp]]:
    """The reviewer's answers for ``audit``'s sample against its consensus ``table``: (tasks, consensus
    codes, answers, sampled task positions); refuses answers outside the sample or a sample left unanswered."""
    tasks = table["task"].to_pylist()
    classes = [name.removeprefix("p_") for name in table.column_names if name.startswith("p_")]
    lookup = {name: k for k, name in enumerate(classes)}
    labels = table["label"].to_pylist()
    consensus = np.array([lookup.get(y, -1) if y is not None else -1 for y in labels], dtype=np.intp)
    answers = read_review_results(results, tasks=tasks, classes=classes, consensus=consensus)
    position = {name: k for k, name in enumerate(tasks)}
    sample = np.array([position[t] for t in audit.sample_tasks], dtype=np.intp)
    outside = np.setdiff1d(answers.task, sample)
    if len(outside):
        raise InvalidInputError(
            f"answers only for the {len(sample)} tasks the audit sampled",
            file=results,
            column="task",
            got=f"{len(outside)} other tasks, e.g. {tasks[int(outside[0])]!r}",
        )
    missing = np.setdiff1d(sample, answers.task)
    if len(missing):
        raise InvalidInputError(
            f"an answer for each of the {len(sample)} sampled tasks (the plan needs them all)",
            file=results,
            column="task",
            got=f"{len(missing)} missing, e.g. {tasks[int(missing[0])]!r}",
        )
    return tasks, consensus, answers, sample


def reviewed_error_rate(store: Store, audit: AuditRecord, review: ReviewRecord) -> ErrorRate | None:
    """The error-rate estimate ``review`` verified, as ``labelpact review`` printed it: its stored answers
    read again against the audit's consensus (``verified_error_rate``). None for an audit with no
    consensus (preferences, ratings, demonstrations), whose review decides the lot without an estimate."""
    if audit.file("consensus") is None:
        return None
    table = consensus_table(store, audit)
    _, consensus, answers, _ = _answers(table, audit, store.blob_path(review.file))
    confidence = np.asarray(table["confidence"].to_numpy(zero_copy_only=False), dtype=np.float64)
    return verified_error_rate(
        audit, confidence, consensus, answers.task, answers.defective, gold=gold_tasks(table)
    )


def stored_review_estimate(store: Store, audit: AuditRecord, review: ReviewRecord) -> ErrorRate | None:
    """``reviewed_error_rate``, or None where there is none or the stored answers are ones an older version
    wrote and this one refuses: the audit's own estimate then stands (health, reports)."""
    try:
        return reviewed_error_rate(store, audit, review)
    except InvalidInputError:
        return None


def gold_tasks(table: pa.Table) -> npt.NDArray[np.bool_] | None:
    """Which tasks of a stored consensus had gold (n_tasks,); None for an audit stored before it was kept."""
    if "gold" not in table.column_names:
        return None
    return np.asarray(table["gold"].to_numpy(zero_copy_only=False), dtype=bool)


def verified_error_rate(
    audit: AuditRecord,
    confidence: Any,
    consensus: Any,
    task: Any,
    defective: Any,
    *,
    gold: npt.NDArray[np.bool_] | None = None,
) -> ErrorRate:
    """The audit's error-rate estimate verified by the reviewed sample: the sampled tasks (``task``,
    ``defective``, shape (n,)) join the gold the audit scored out of fold as checked tasks, and the
    model is the stored consensus confidence (n_tasks,) of the labelled tasks (``consensus`` >= 0).

    As in the audit, the estimate is of the tasks without gold (``gold``, (n_tasks,)): a sampled gold task
    is not checked again (its consensus is the gold itself; the gold's out-of-fold check already counts it).
    """
    labelled = np.asarray(consensus) >= 0
    task = np.asarray(task, dtype=np.intp)
    defective = np.asarray(defective, dtype=bool)
    if gold is not None:
        labelled &= ~gold
        defective, task = defective[~gold[task]], task[~gold[task]]
    p_wrong = np.clip(1.0 - np.nan_to_num(np.asarray(confidence, dtype=np.float64), nan=1.0), 0.0, 1.0)
    checks = Checks.of(defective, p_wrong[task])
    stored = (audit.metrics.get("error_rate") or {}).get("checks")
    if stored and int(stored.get("n", 0)):
        scored = Checks.from_dict(stored)
        checks = (
            scored + checks
            if scored.has_model
            else Checks.of_counts(scored.n + checks.n, scored.n_wrong + checks.n_wrong)
        )
    return estimate_error_rate(p_wrong[labelled], checks=checks, what="reviewed or gold tasks")


def _error_clauses(
    audit: AuditRecord, contract_text: str | None, estimate: ErrorRate, plan: SamplingPlan
) -> list[Reason]:
    """The error-rate clauses of the audit's contract (its TOML, else defaults) judged on the verified estimate;
    the stored TOML is read leniently (``contracts.stored``): an older version may have stored it."""
    contract = audit_contract(audit.id, contract_text) if contract_text else Contract.default()
    metrics = audit.metrics
    evidence = QualityEvidence(
        n_tasks=int(metrics.get("n_tasks", plan.lot_size)),
        n_workers=int(metrics.get("n_workers", 0)),
        gold_accuracy=None,
        gold_accuracy_ci=None,
        n_gold=int(metrics.get("n_gold", 0)),
        agreement=None,
        agreement_ci=None,
        error_rate=estimate.value,
        error_rate_ci=estimate.ci,
        error_source=estimate.source,
        n_flagged_workers=0,
        n_scored_workers=0,
        acceptance_probability=acceptance_probability(plan, min(max(estimate.value, 0.0), 1.0)),
        error_verified=estimate.verified,
        sample_size=plan.sample_size,
        accept_number=plan.accept_number,
        limiting_quality=limiting_quality(plan),
    )
    return error_rate_reasons(evidence, contract)


def resolve_audit(store: Store, ref: str) -> AuditRecord:
    """An audit id (``a7``) or a batch id, whose latest audit is meant."""
    text = ref.strip().lower()
    if text.startswith("a") and text[1:].isdigit():
        return store.get_audit(text)
    batch = store.get_batch(ref)
    latest = store.latest_audit(batch.id)
    if latest is None:
        raise NotFoundError(f"batch {batch.id} has not been audited yet: run labelpact audit first")
    return latest


def _review_without_consensus(
    store: Store, audit: AuditRecord, plan: SamplingPlan, results: str | Path, who: _Reviewer
) -> ReviewOutcome:
    """A review of an audit with no consensus labels (preferences, ratings, demonstrations): the reviewer
    says of each sampled task whether it is defective (``task,defective``), and the plan decides."""
    sample = list(audit.sample_tasks)
    try:
        answers = read_review_results(
            results, tasks=sample, classes=(), consensus=np.full(len(sample), -1, dtype=np.intp)
        )
    except InvalidInputError as error:
        if error.column != "label" and (error.column is not None or "defective" not in error.expected):
            raise
        raise InvalidInputError(
            "a column 'defective' (yes/no) for each sampled task: this kind has no class to compare",
            file=error.file,
            row=error.row,
            got=error.got,
        ) from None
    missing = np.setdiff1d(np.arange(len(sample)), answers.task)
    if len(missing):
        raise InvalidInputError(
            f"an answer for each of the {len(sample)} sampled tasks (the plan needs them all)",
            file=results,
            column="task",
            got=f"{len(missing)} missing, e.g. {sample[int(missing[0])]!r}",
        )
    n_defective = int(answers.defective.sum())
    standing = [r["clause"] for r in audit.reasons if r.get("outcome") == "reject"]
    record, decision = _store_review(store, audit, plan, results, who, len(sample), n_defective, standing)
    defective = [sample[int(t)] for t in answers.task[answers.defective]]
    document = _review_document(
        record, audit, plan, decision, standing, len(sample), n_defective, defective, who.name
    ) | {"error_rate": None, "clauses": [], "replaces": _replaced(store, audit, record)}
    return ReviewOutcome(review=record, document=document)


def _replaced(store: Store, audit: AuditRecord, record: ReviewRecord) -> dict[str, Any] | None:
    """The review of ``audit`` that ``record`` supersedes as the batch's decision (the newest before it), or
    None for a first review. Both stay in the ledger; the newest decides."""
    earlier = next((r for r in store.list_reviews(audit.id) if r.id != record.id), None)
    if earlier is None:
        return None
    return {"review": earlier.id, "decision": earlier.decision, "created_at": earlier.created_at.isoformat()}


@dataclass(frozen=True)
class _Reviewer:
    """Who did a review and when (None: now, as it is entered)."""

    name: str | None
    at: dt.datetime | None


def _reviewed_at(store: Store, audit: AuditRecord, at: dt.datetime | None) -> dt.datetime | None:
    """``at`` checked: a moment in UTC, not in the future and not before the batch was delivered."""
    at = as_utc(at, field="reviewed_at")
    if at is None:
        return None
    delivered = store.get_batch(audit.batch_sha256).delivered_at
    if not delivered <= at <= dt.datetime.now(dt.UTC):
        raise InvalidInputError(
            f"the time the review was done, from the batch's delivery ({delivered.isoformat()}) until now",
            column="reviewed_at",
            column_kind="field",
            got=at.isoformat(),
        )
    return at


def _store_review(
    store: Store,
    audit: AuditRecord,
    plan: SamplingPlan,
    results: str | Path,
    who: _Reviewer,
    n_inspected: int,
    n_defective: int,
    standing: list[str],
) -> tuple[ReviewRecord, str]:
    """Store the review with the batch's decision: the plan's on ``n_defective`` of ``n_inspected``, or reject
    while clauses no sample measures (``standing``) reject it, as ``review --json`` says; (review, the plan's)."""
    decision = decide(plan, n_defective)
    record = store.add_review(
        audit.id,
        results=Path(results),
        n_inspected=n_inspected,
        n_defective=n_defective,
        decision="reject" if standing else decision,
        reviewer=who.name,
        reviewed_at=who.at,
    )
    return record, decision


def _review_document(
    record: ReviewRecord,
    audit: AuditRecord,
    plan: SamplingPlan,
    decision: str,
    standing: list[str],
    n_inspected: int,
    n_defective: int,
    defective: list[str],
    reviewer: str | None,
) -> dict[str, Any]:
    """``labelpact review --json`` without its error-rate keys: a sample can settle a review, never lift a
    rejection on clauses it does not measure. ``standing`` (``rejected_on``): every clause the batch stays
    rejected on, the audit's on clauses no sample measures and, with a consensus, the error-rate clauses
    judged again on the verified estimate (``audit_rejected_on`` and ``verified_rejected_on`` split them)."""
    return {
        "review": record.id,
        "audit": audit.id,
        "batch": audit.batch,
        "decision": "reject" if standing else decision,
        "sample_decision": decision,
        "rejected_on": standing,
        "n_inspected": n_inspected,
        "n_defective": n_defective,
        "accept_number": plan.accept_number,
        "reject_number": plan.reject_number,
        "defect_rate": n_defective / max(n_inspected, 1),
        "acceptance_probability_at_aql": acceptance_probability(plan, min(plan.aql / 100.0, 1.0)),
        "defective_tasks": defective,
        "reviewer": reviewer,
        "reviewed_at": record.reviewed_at.isoformat(),
    }
