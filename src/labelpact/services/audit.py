"""Use case: audit a delivered batch against its contract, decide accept / review / reject, and keep it all.

Everything is read and checked first (contract, labels, gold, tasks, predictions), then measured, then
written: the batch (unless the same bytes are already stored) and the audit, together in one transaction.
Bad input therefore leaves the store as it was; a re-audit of a stored batch is a new audit.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from labelpact.contracts.contract import Contract, parse_contract
from labelpact.contracts.findings import Finding, Reason, worst_outcome
from labelpact.contracts.quality_findings import (
    label_error_finding,
    late_finding,
    unmeasurable_finding,
    weak_consensus_finding,
    worker_findings,
)
from labelpact.contracts.verdict import QualityEvidence, quality_reasons
from labelpact.core.acceptance import (
    SamplingPlan,
    acceptance_probability,
    draw_sample,
    low_confidence_tasks,
    sampling_plan,
)
from labelpact.core.agreement import Level, agreement
from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.core.consensus import Consensus, aggregate, consensus_codes
from labelpact.core.error_rate import (
    Checks,
    ErrorRate,
    GoldCheck,
    clopper_pearson,
    cross_fitted_gold,
    estimate_error_rate,
    model_error_rate,
)
from labelpact.core.label_issues import LabelIssues, rank_label_issues, weak_consensus_issues
from labelpact.core.workers import WorkerReport
from labelpact.errors import ConflictError, ConvergenceWarning, InvalidInputError
from labelpact.ethics.findings import ethics_findings, ethics_reasons
from labelpact.io import Delivery, read_delivery
from labelpact.io.contract import read_contract
from labelpact.io.predictions import Predictions, read_pred_probs
from labelpact.services.ethics import ethics_document, ethics_of
from labelpact.services.ingest import as_utc, file_sha256, prepared_batch
from labelpact.services.quality import consensus_of, workers_of
from labelpact.store import AuditCreate, AuditRecord, FindingCreate, Store

__all__ = [
    "AuditResult",
    "LabelErrors",
    "audit_batch",
    "label_errors_of",
    "load_contract",
]

# Gold is scored by cross-fitting (one refit per fold) up to this many annotations; above, the refits
# cost more than the audit may spend, and the method's own held-out gold accuracy is used instead.
CROSS_FIT_MAX_ANNOTATIONS = 100_000
WEAK_CONFIDENCE = 0.7
LIKELIHOOD_THRESHOLD = 0.05
PAIR_BOOTSTRAP = 200  # the mean pairwise kappa is context, not a clause: fewer replicates, same estimator


@dataclass(frozen=True, slots=True)
class LabelErrors:
    """Consensus labels that are probably wrong: ``issues`` (worst first) and where the evidence came from."""

    issues: LabelIssues
    source: str  # "confident learning on model predictions" or "weak or contradicted consensus"


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


def load_contract(store: Store, partner: str, path: str | Path | None) -> tuple[Contract, str | None]:
    """The contract an audit is judged by and its text: the file given, else the partner's, else defaults."""
    if path is not None:
        return read_contract(path)
    on_file = store.get_partner(partner).contract_toml
    if on_file is not None:
        return parse_contract(on_file, source=f"contract of {partner}"), on_file
    return Contract.default(), None


def label_errors_of(
    delivery: Delivery,
    consensus: IntArray,
    probas: FloatArray,
    *,
    predictions: Predictions | None = None,
    report: WorkerReport | None = None,
) -> LabelErrors:
    """Label-error candidates among the labelled tasks.

    With out-of-sample model ``predictions``: confident learning (Northcutt et al. 2021, prune by noise
    rate) with the consensus as the given label, on the tasks that have both. Without: tasks whose
    consensus is weak (max posterior < 0.7) or contradicted by a label that the worker's own confusion
    matrix (from ``report``) says is very unlikely (< 5%) under the consensus class.
    """
    a = delivery.annotations
    if a.n_classes < 2:  # one class: no label can be wrong against another
        nothing = np.empty(0, dtype=np.intp)
        empty = LabelIssues(nothing, nothing, nothing, np.empty(0), int((consensus >= 0).sum()))
        return LabelErrors(issues=empty, source="none (one class only)")
    if predictions is not None:
        rows = predictions.task[consensus[predictions.task] >= 0]
        if not len(rows):
            raise InvalidInputError("predictions for at least one labelled task of the batch")
        order = np.argsort(predictions.task, kind="stable")
        position = order[np.searchsorted(predictions.task[order], rows)]
        found = rank_label_issues(consensus[rows], predictions.probs[position])
        issues = LabelIssues(
            task=rows[found.task],
            label=found.label,
            suggested=found.suggested,
            quality=found.quality,
            n_tasks=len(rows),
        )
        return LabelErrors(issues=issues, source="confident learning on model predictions")
    labelled = np.flatnonzero(consensus >= 0)
    likelihood = None
    task = None
    if report is not None and a.n_annotations:
        counts = report.confusion + 1.0  # add-one smoothing: a class never seen is unlikely, not impossible
        rates = counts / counts.sum(axis=2, keepdims=True)
        given = consensus[a.task]
        keep = given >= 0
        task_of = np.full(a.n_tasks, -1, dtype=np.intp)
        task_of[labelled] = np.arange(len(labelled))
        task = task_of[a.task[keep]]
        likelihood = rates[a.worker[keep], given[keep], a.label[keep]]
    found = weak_consensus_issues(
        probas[labelled],
        confidence_threshold=WEAK_CONFIDENCE,
        task=task,
        likelihood=likelihood,
        likelihood_threshold=LIKELIHOOD_THRESHOLD,
    )
    issues = LabelIssues(
        task=labelled[found.task],
        label=found.label,
        suggested=found.suggested,
        quality=found.quality,
        n_tasks=len(labelled),
    )
    return LabelErrors(issues=issues, source="weak or contradicted consensus")


def _ethics(
    delivery: Delivery, contract: Contract, consensus: IntArray, slice_columns: Sequence[str]
) -> tuple[dict[str, Any] | None, list[Finding], list[Reason]]:
    """The ethics half: its JSON section (whose ``verdict`` judges the ethics clauses alone), findings and reasons."""
    report = ethics_of(delivery, contract, consensus=consensus, slice_columns=slice_columns)
    document = ethics_document(report, contract)
    return document, ethics_findings(report, contract), ethics_reasons(report, contract)


def gold_check(
    a: Annotations, gold: Gold | None, *, method: str, random_state: int | None = 0
) -> GoldCheck | None:
    """The gold tasks scored by cross-fitted consensus fits of ``method`` (``core.error_rate``); None
    without gold or above ``CROSS_FIT_MAX_ANNOTATIONS`` annotations."""
    if gold is None or not len(gold) or a.n_annotations > CROSS_FIT_MAX_ANNOTATIONS or a.n_classes < 2:
        return None

    def fit(part: Annotations, anchors: Gold) -> FloatArray:
        with warnings.catch_warnings():  # the delivered fit has warned about its convergence already
            warnings.simplefilter("ignore", ConvergenceWarning)
            fitted = aggregate(part, method=method, gold=anchors, random_state=random_state, held_out=False)
        return fitted.calibrated_probas if fitted.calibrated_probas is not None else fitted.probas

    return cross_fitted_gold(a, gold, fit, random_state=random_state)


def error_rate_of(
    a: Annotations,
    c: Consensus,
    codes: IntArray,
    gold: Gold | None,
    *,
    check: GoldCheck | None,
    held_out_accuracy: float | None = None,
) -> ErrorRate:
    """Estimated share of wrong consensus labels among the labelled tasks without gold (``core.error_rate``).

    Gold scored out of fold (``check``) and the model combine by prediction-powered inference; without
    a cross-fit, the consensus's own held-out gold accuracy (``Consensus.held_out``: cross-fitted on
    smaller deliveries) counts as checked tasks, exact Clopper-Pearson; without gold the estimate rests
    on the (calibrated) model alone and is unverified.
    """
    target = codes >= 0
    if gold is not None:
        target[gold.task] = False
    rows = np.flatnonzero(target)
    chosen = codes[rows]
    calibrated = c.calibrated_probas if c.calibrated_probas is not None else c.probas
    p_model = 1.0 - calibrated[rows, chosen]
    p_raw = 1.0 - c.probas[rows, chosen] if c.calibrated_probas is not None else None
    model, model_ci = model_error_rate(p_model, p_wrong_raw=p_raw)
    if check is not None and len(check.task):
        p_fold = check.p_wrong_all[rows]
        estimate = estimate_error_rate(
            p_fold[np.isfinite(p_fold)], checks=check.checks, what="gold tasks scored by cross-fitted fits"
        )
        return dataclasses.replace(estimate, n_tasks=len(rows), model=model, model_ci=model_ci)
    if gold is not None and len(gold) and held_out_accuracy is not None:
        n = len(gold)
        checks = Checks.of_counts(n, round((1.0 - held_out_accuracy) * n))
        return estimate_error_rate(
            p_model, checks=checks, p_wrong_raw=p_raw, what="gold tasks, method refitted without them"
        )
    return estimate_error_rate(p_model, p_wrong_raw=p_raw)


def _consensus_table(
    delivery: Delivery, labels: IntArray, confidence: FloatArray, probas: FloatArray, raw: FloatArray
) -> pa.Table:
    """The consensus as stored: task, label (null when unlabelled), calibrated confidence, one calibrated
    p_<class> per class and the method's raw posterior raw_p_<class> beside it."""
    a = delivery.annotations
    names = np.asarray(a.classes, dtype=object)
    label = names[np.maximum(labels, 0)]
    label[labels < 0] = None
    columns: dict[str, Any] = {
        "task": pa.array(a.tasks, type=pa.string()),
        "label": pa.array(label.tolist(), type=pa.string()),
        "confidence": pa.array(np.where(labels >= 0, confidence, np.nan)),
    }
    for k, name in enumerate(a.classes):
        columns[f"p_{name}"] = pa.array(probas[:, k])
    for k, name in enumerate(a.classes):
        columns[f"raw_p_{name}"] = pa.array(raw[:, k])
    return pa.table(columns)


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
    n_bootstrap: int = 1000,
    random_state: int = 0,
    progress: Callable[[str], None] | None = None,
    strict: bool = False,
) -> AuditResult:
    """Audit one delivery file against the contract and store the batch (if new) and the audit.

    ``strict`` refuses blank labels and one number spelled two ways, as ``ingest --strict`` does.
    """
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = round(now - clock, 4)
        clock = now
        if progress is not None:
            progress(name)

    path = Path(labels)
    if not path.is_file():
        raise InvalidInputError("an existing annotations file", file=path, got="no such file")
    the_contract, contract_text = load_contract(store, partner, contract)
    sha256 = file_sha256(path)
    existing = store.find_batch_by_sha256(sha256)
    if existing is not None and (existing.partner != partner or existing.project != project):
        raise InvalidInputError(
            f"the partner and project this file was ingested under ({existing.partner}, {existing.project})",
            file=path,
            got=f"{partner}, {project}",
        )
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
    a = delivery.annotations
    predictions = (
        read_pred_probs(pred_probs, tasks=a.tasks, classes=a.classes) if pred_probs is not None else None
    )
    stage("read")

    level: Level = "ordinal" if the_contract["labels.ordered"] else "nominal"
    # agreement needs no consensus: it runs beside it on the second core (numpy and scipy release the GIL)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(
            agreement,
            a,
            level=level,
            n_bootstrap=n_bootstrap,
            pair_bootstrap=PAIR_BOOTSTRAP,
            random_state=random_state,
        )
        result = consensus_of(delivery, method=the_contract.method, random_state=random_state)
        c = result.consensus
        codes = consensus_codes(a, c.probas)
        labelled = np.flatnonzero(codes >= 0)
        stage("consensus")
        agree = pending.result()
    stage("agreement")
    report = workers_of(delivery, consensus=c)
    stage("workers")
    errors = label_errors_of(delivery, codes, c.probas, predictions=predictions, report=report)
    stage("label_errors")
    ethics_section, ethical_findings, ethical_reasons = _ethics(delivery, the_contract, codes, slice_columns)
    stage("ethics")

    n_gold = len(delivery.gold) if delivery.gold is not None else 0
    # the consensus scores its gold out of fold already (cross-fitted up to its own size limit): a refit
    # here is only needed when it did not
    check = (
        gold_check(a, delivery.gold, method=the_contract.method, random_state=random_state)
        if result.accuracy is None
        else None
    )
    accuracy = result.accuracy
    gold_ci = None
    if check is not None and len(check.task):
        n_checked = len(check.task)
        wrong = int(check.wrong.sum())
        accuracy = 1.0 - wrong / n_checked
        lo, hi = clopper_pearson(n_checked - wrong, n_checked)
        gold_ci = (lo, hi)
    elif accuracy is not None and n_gold:
        lo, hi = clopper_pearson(round(accuracy * n_gold), n_gold)
        gold_ci = (lo, hi)
    estimate = error_rate_of(a, c, codes, delivery.gold, check=check, held_out_accuracy=result.accuracy)
    rate, rate_ci = estimate.value, estimate.ci
    stage("error_rate")
    plan = sampling_plan(
        max(len(labelled), 1),
        aql=float(the_contract["acceptance.aql"]),
        inspection_level=str(the_contract["acceptance.inspection_level"]),
    )
    drawn = (
        labelled[
            draw_sample(
                len(labelled),
                plan,
                confidence=c.confidence[labelled],
                stratify=True,
                random_state=random_state,
            )
        ]
        if len(labelled)
        else np.empty(0, dtype=np.intp)
    )
    extra = (
        labelled[
            low_confidence_tasks(
                c.confidence[labelled],
                min(plan.sample_size, len(labelled)),
                exclude=np.searchsorted(labelled, drawn),
            )
        ]
        if len(labelled)
        else np.empty(0, dtype=np.intp)
    )
    extra = extra[c.confidence[extra] < WEAK_CONFIDENCE]
    batch_rec = existing
    delivered = as_utc(delivered_at) or (existing.delivered_at if existing is not None else datetime.now(UTC))
    due = as_utc(due_at) or (existing.due_at if existing is not None else None)
    flagged = sum(1 for f in report.flags if f)
    scored = int((report.n_labels >= report.thresholds.min_labels).sum()) or a.n_workers
    alpha = agree.krippendorff_alpha
    evidence = QualityEvidence(
        n_tasks=a.n_tasks,
        n_workers=a.n_workers,
        gold_accuracy=accuracy,
        gold_accuracy_ci=gold_ci,
        n_gold=n_gold,
        agreement=alpha.value if np.isfinite(alpha.value) else None,
        agreement_ci=alpha.ci if np.isfinite(alpha.ci[0]) else None,
        error_rate=rate,
        error_rate_ci=rate_ci,
        error_source=estimate.source,
        n_flagged_workers=flagged,
        n_scored_workers=scored,
        acceptance_probability=acceptance_probability(plan, min(max(rate, 0.0), 1.0)),
        delivered_at=delivered,
        due_at=due,
        error_verified=estimate.verified,
        unidentifiable=agree.unidentifiable,
        sample_size=plan.sample_size,
        accept_number=plan.accept_number,
    )
    reasons = [*quality_reasons(evidence, the_contract), *ethical_reasons]
    verdict = worst_outcome(reasons)
    findings = [
        *worker_findings(report, a),
        *(
            f
            for f in (
                label_error_finding(
                    errors.issues,
                    a.tasks,
                    a.classes,
                    source=errors.source,
                    from_model=predictions is not None,
                ),
            )
            if f
        ),
        *(
            f
            for f in (weak_consensus_finding(c.confidence, a.tasks, labelled) if predictions else None,)
            if f
        ),
        *(f for f in (late_finding(evidence.late_by_days),) if f),
        *(f for f in (unmeasurable_finding(agree.unidentifiable),) if f),
        *ethical_findings,
    ]
    findings.sort(key=lambda f: -f.rank)
    stage("verdict")

    metrics = _metrics(
        delivery,
        result.accuracy,
        gold_ci,
        n_gold,
        agree.to_dict(),
        report,
        errors,
        evidence,
        estimate,
        seconds,
    )
    metrics["method"] = c.method
    metrics["extra_review_tasks"] = [a.tasks[int(i)] for i in extra]
    plan_doc = {
        "lot_size": plan.lot_size,
        "sample_size": plan.sample_size,
        "accept_number": plan.accept_number,
        "reject_number": plan.reject_number,
        "aql": plan.aql,
        "inspection_level": plan.inspection_level,
        "code_letter": plan.code_letter,
        "stratified_by_confidence": True,
        "seed": random_state,
    }
    new_audit = AuditCreate(
        batch=batch_rec.id if batch_rec is not None else sha256[:12],
        verdict=verdict,
        reasons=[r.to_dict() for r in reasons],
        metrics=metrics,
        sampling_plan=plan_doc,
        sample_tasks=[a.tasks[int(i)] for i in drawn],
        ethics=ethics_section,
        method=c.method.split(":", 1)[0],  # "auto: mean posterior of ..." is "auto"; metrics keep it all
        contract_toml=contract_text,
        contract_sha256=None,
        findings=[
            FindingCreate(f.kind, f.severity, f.detail, f.clause, f.evidence, f.action) for f in findings
        ],
    )
    with store.scratch("audit") as staging:  # inside the workspace, removed even after a kill
        consensus_file = staging / "consensus.parquet"
        calibrated = c.calibrated_probas if c.calibrated_probas is not None else c.probas
        pq.write_table(_consensus_table(delivery, codes, c.confidence, calibrated, c.probas), consensus_file)
        files = {"consensus": consensus_file}
        if pred_probs is not None:
            files["predictions"] = Path(pred_probs)
        created = batch_rec is None
        try:
            # a new batch and its audit go in ONE transaction: a kill leaves both or neither
            if batch_rec is None:
                with prepared_batch(
                    store,
                    path,
                    delivery,
                    sha256=sha256,
                    partner=partner,
                    project=project,
                    gold=gold,
                    tasks=tasks,
                    delivered_at=delivered,
                    due_at=due,
                ) as (new_batch, batch_files):
                    batch_rec, record = store.add_batch_with_audit(
                        new_batch, new_audit, files=batch_files, audit_files=files
                    )
            else:
                record = store.add_audit(new_audit, files=files)
        except ConflictError:  # a concurrent run stored these bytes first: audit the batch it stored
            holder = store.find_batch_by_sha256(sha256)
            if holder is None or (holder.partner, holder.project) != (partner, project):
                raise
            batch_rec, created = holder, False
            record = store.add_audit(new_audit, files=files)
    stage("store")
    document = audit_document(record)
    document["metrics"]["seconds"] = dict(seconds)
    return AuditResult(
        audit=record,
        batch_created=created,
        document=document,
        reasons=tuple(reasons),
        findings=tuple(findings),
        plan=plan,
        seconds=seconds,
    )


def _metrics(
    delivery: Delivery,
    accuracy: float | None,
    gold_ci: tuple[float, float] | None,
    n_gold: int,
    agreement: dict[str, Any],
    report: WorkerReport,
    errors: LabelErrors,
    evidence: QualityEvidence,
    estimate: ErrorRate,
    seconds: dict[str, float],
) -> dict[str, Any]:
    a = delivery.annotations
    by_flag: dict[str, int] = {}
    for flags in report.flags:
        for flag in flags:
            key = flag.split(":", 1)[0]
            by_flag[key] = by_flag.get(key, 0) + 1
    late = evidence.late_by_days
    return {
        "n_tasks": a.n_tasks,
        "n_workers": a.n_workers,
        "n_annotations": a.n_annotations,
        "n_classes": a.n_classes,
        "n_gold": n_gold,
        "n_duplicates": delivery.n_duplicates,
        "n_abstentions": delivery.n_abstentions,
        "gold_accuracy": None
        if accuracy is None
        else {"value": accuracy, "ci": list(gold_ci) if gold_ci else None},
        "agreement": agreement,
        "error_rate": estimate.to_dict(),
        "measurable": agreement.get("unidentifiable") is None,
        "workers": {
            "n_flagged": evidence.n_flagged_workers,
            "n_scored": evidence.n_scored_workers,
            "flagged_share": evidence.flagged_worker_share,
            "by_flag": by_flag,
            "n_copy_pairs": len(report.copying.rows(report.workers)),
        },
        "label_errors": {
            "n": len(errors.issues),
            "rate": errors.issues.rate,
            "source": errors.source,
            "n_tasks_checked": errors.issues.n_tasks,
        },
        "timeliness": {
            "delivered_at": None if evidence.delivered_at is None else evidence.delivered_at.isoformat(),
            "due_at": None if evidence.due_at is None else evidence.due_at.isoformat(),
            "late_by_days": late,
            "on_time": None if late is None else late <= 0,
        },
        "acceptance_probability": evidence.acceptance_probability,
        "median_duration_s": a.median_duration_s(),
        "seconds": seconds,
    }


def audit_document(record: AuditRecord) -> dict[str, Any]:
    """The ``labelpact audit --json`` document of a stored audit (DESIGN.md keys first)."""
    return {
        "batch": record.batch,
        "verdict": record.verdict,
        "reasons": list(record.reasons),
        "metrics": dict(record.metrics),
        "sampling_plan": record.sampling_plan,
        "findings": [
            {
                "kind": f.kind,
                "severity": f.severity,
                "detail": f.detail,
                "id": f.id,
                "clause": f.clause,
                "evidence": f.evidence,
                "action": f.action,
            }
            for f in record.findings
        ],
        "ethics": record.ethics,
        "audit": record.id,
        "partner": record.partner,
        "project": record.project,
        "method": record.method,
        "contract_sha256": record.contract_sha256,
        "sample_tasks": list(record.sample_tasks),
        "created_at": record.created_at.isoformat(),
    }
