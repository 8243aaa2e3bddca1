"""The middle step of an audit: measure a delivery read into memory and judge it against its contract.

Nothing here reads a file or writes the store: ``services.audit`` reads (a delivered file, or a batch the
store holds), calls :func:`assess`, and stores what it returns, so both ways into an audit judge alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from labelpact.contracts.contract import Contract
from labelpact.contracts.findings import Finding, Reason, Verdict, worst_outcome
from labelpact.contracts.quality_findings import audit_findings
from labelpact.contracts.timeliness import TURNAROUND, timeliness
from labelpact.contracts.verdict import QualityEvidence, quality_reasons
from labelpact.core.acceptance import (
    SamplingPlan,
    acceptance_probability,
    inspection_sample,
    limiting_quality,
    sampling_plan,
)
from labelpact.core.agreement import Agreement, Level, agreement
from labelpact.core.annotations import Annotations, IntArray
from labelpact.core.consensus import Consensus, consensus_codes
from labelpact.core.consensus_error import GoldAccuracy, error_rate_of, gold_accuracy, gold_check
from labelpact.core.error_rate import ErrorRate
from labelpact.core.keyed import name_keys
from labelpact.core.label_errors import WEAK_CONFIDENCE, LabelErrors, label_errors_of
from labelpact.core.workers import WorkerReport
from labelpact.ethics.findings import ethics_findings, ethics_reasons
from labelpact.io import Delivery
from labelpact.io.predictions import Predictions
from labelpact.services.engine.audit import current_audit_engine
from labelpact.services.ethics import check_phone_regions, ethics_document, ethics_of
from labelpact.services.quality import ConsensusResult, consensus_of, workers_of
from labelpact.services.sampling import sample_seed as resolve_sample_seed

__all__ = ["PAIR_BOOTSTRAP", "Assessment", "assess"]

PAIR_BOOTSTRAP = 200  # the mean pairwise kappa is context, not a clause: fewer replicates, same estimator

Stage = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Assessment:
    """What an audit concludes about one delivery, before it is stored.

    ``codes`` (n_tasks,) are the consensus classes (-1 unlabelled); ``sample`` and ``extra`` are task codes:
    the plan's random sample and the weak-consensus tasks added for review. ``metrics`` is the stored
    metrics document; its ``seconds`` is the caller's dict of stage times (shared, not copied).
    """

    verdict: Verdict
    reasons: tuple[Reason, ...]
    findings: tuple[Finding, ...]
    plan: SamplingPlan
    sample: IntArray
    extra: IntArray
    metrics: dict[str, Any]
    ethics: dict[str, Any] | None
    consensus: Consensus
    codes: IntArray
    sample_seed: int = 0  # the seed ``sample`` was drawn with (``services.sampling``), stored with the plan


@dataclass(frozen=True, slots=True)
class _Measures:
    """Everything measured on a delivery, before any clause is judged."""

    result: ConsensusResult
    codes: IntArray
    agreement: Agreement
    report: WorkerReport
    errors: LabelErrors
    ethics: dict[str, Any] | None
    ethics_findings: list[Finding]
    ethics_reasons: list[Reason]
    gold: GoldAccuracy
    error_rate: ErrorRate


def assess(
    delivery: Delivery,
    contract: Contract,
    *,
    predictions: Predictions | None,
    delivered_at: datetime,
    due_at: datetime | None,
    seconds: dict[str, float],
    stage: Stage,
    slice_columns: Sequence[str] = (),
    phone_regions: Sequence[str] = (),
    n_bootstrap: int = 1000,
    random_state: int = 0,
    sample_seed: int | None = None,
) -> Assessment:
    """Measure ``delivery`` and judge it by ``contract``: verdict, reasons, findings, the ISO 2859-1 plan and
    its sample, the metrics document. ``stage(name)`` is called as each stage ends (it times them). The sample
    is drawn with ``sample_seed``, else a secret one (``services.sampling``). Gold on tasks nobody labelled
    checks nothing and is set aside (``_labelled_gold``; ``n_gold_unlabelled`` says how many).
    """
    regions = check_phone_regions(phone_regions)  # as ``labelpact ethics --phone-region`` (default US)
    delivery, unlabelled_gold = _labelled_gold(delivery)
    m = _measure(
        delivery,
        contract,
        predictions=predictions,
        stage=stage,
        slice_columns=slice_columns,
        phone_regions=regions,
        n_bootstrap=n_bootstrap,
        random_state=random_state,
    )
    a = delivery.annotations
    c = m.result.consensus
    labelled = np.flatnonzero(m.codes >= 0)
    acceptance = contract.acceptance
    plan = sampling_plan(
        max(len(labelled), 1), aql=acceptance.aql, inspection_level=acceptance.inspection_level
    )
    seed = resolve_sample_seed(sample_seed)
    drawn, extra = inspection_sample(
        c.confidence,
        labelled,
        plan,
        weak=WEAK_CONFIDENCE,
        random_state=seed,
        keys=name_keys(a.tasks, seed),  # the same sample whatever the order of the file's rows
    )
    evidence = _evidence(delivery, m, plan, delivered_at=delivered_at, due_at=due_at)
    reasons = [*quality_reasons(evidence, contract), *m.ethics_reasons]
    findings = audit_findings(
        m.report,
        a,
        m.errors,
        from_model=predictions is not None,
        confidence=c.confidence,
        labelled=labelled,
        late_by_days=evidence.late_against(contract),
        late_clause=None if contract.delivery.turnaround_days is None else TURNAROUND,
        unidentifiable=m.agreement.unidentifiable,
        others=m.ethics_findings,
        verified_by=evidence.error_source if evidence.error_verified else None,
    )
    stage("verdict")
    metrics = _metrics(delivery, m, evidence, seconds, from_model=predictions is not None)
    metrics |= {"method": c.method, "extra_review_tasks": [a.tasks[int(i)] for i in extra]}
    metrics["n_gold_unlabelled"] = unlabelled_gold
    return Assessment(
        verdict=worst_outcome(reasons),
        reasons=tuple(reasons),
        findings=tuple(findings),
        plan=plan,
        sample=drawn,
        extra=extra,
        metrics=metrics,
        ethics=m.ethics,
        consensus=c,
        codes=m.codes,
        sample_seed=seed,
    )


def _labelled_gold(delivery: Delivery) -> tuple[Delivery, int]:
    """``delivery`` with its gold on labelled tasks only (``Gold.labelled``), and how many gold tasks were not."""
    if delivery.gold is None:
        return delivery, 0
    gold = delivery.gold.labelled(delivery.annotations)
    return dataclasses.replace(delivery, gold=gold), len(delivery.gold) - len(gold)


def _measure(
    delivery: Delivery,
    contract: Contract,
    *,
    predictions: Predictions | None,
    stage: Stage,
    slice_columns: Sequence[str],
    phone_regions: Sequence[str],
    n_bootstrap: int,
    random_state: int,
) -> _Measures:
    """Consensus and agreement (side by side), workers, label errors, ethics, gold accuracy, error rate."""
    a = delivery.annotations
    level: Level = "ordinal" if contract.labels.ordered else "nominal"
    engine = current_audit_engine()  # a Dask cluster when the caller chose one (audit_engine)
    infer = consensus_of if engine is None else engine.bind(delivery).consensus
    # agreement needs no consensus: it runs beside it on the second core (numpy and scipy release the GIL)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(
            agreement if engine is None else engine.agreement,
            a,
            level=level,
            n_bootstrap=n_bootstrap,
            pair_bootstrap=PAIR_BOOTSTRAP,
            random_state=random_state,
        )
        result = infer(delivery, method=contract.method, random_state=random_state)
        c = result.consensus
        codes = consensus_codes(a, c.probas)
        stage("consensus")
        agree = pending.result()
    stage("agreement")
    report = (workers_of if engine is None else engine.workers)(delivery, consensus=c)
    stage("workers")
    errors = label_errors_of(a, codes, c.probas, predictions=predictions, report=report, gold=delivery.gold)
    stage("label_errors")
    ethics = ethics_of(
        delivery, contract, consensus=codes, slice_columns=slice_columns, phone_regions=phone_regions
    )
    ethics_section = ethics_document(ethics, contract)
    ethical_findings, ethical_reasons = ethics_findings(ethics, contract), ethics_reasons(ethics, contract)
    stage("ethics")
    n_gold = len(delivery.gold) if delivery.gold is not None else 0
    # the consensus scores its gold out of fold already (cross-fitted up to its own size limit): a refit
    # here is only needed when it did not
    check = (
        gold_check(a, delivery.gold, method=contract.method, random_state=random_state)
        if result.accuracy is None
        else None
    )
    estimate = error_rate_of(a, c, codes, delivery.gold, check=check, held_out_accuracy=result.accuracy)
    stage("error_rate")
    return _Measures(
        result=result,
        codes=codes,
        agreement=agree,
        report=report,
        errors=errors,
        ethics=ethics_section,
        ethics_findings=ethical_findings,
        ethics_reasons=ethical_reasons,
        gold=gold_accuracy(check, result.accuracy, n_gold),
        error_rate=estimate,
    )


def _evidence(
    delivery: Delivery, m: _Measures, plan: SamplingPlan, *, delivered_at: datetime, due_at: datetime | None
) -> QualityEvidence:
    """What the quality clauses are judged on."""
    a = delivery.annotations
    report = m.report
    alpha = m.agreement.krippendorff_alpha
    rate = m.error_rate.value
    return QualityEvidence(
        n_tasks=a.n_tasks,
        n_workers=a.n_workers,
        gold_accuracy=m.gold.value,
        gold_accuracy_ci=m.gold.ci,
        n_gold=m.gold.n_gold,
        agreement=alpha.value if np.isfinite(alpha.value) else None,
        agreement_ci=alpha.ci if np.isfinite(alpha.ci[0]) else None,
        error_rate=rate,
        error_rate_ci=m.error_rate.ci,
        error_source=m.error_rate.source,
        n_flagged_workers=sum(1 for f in report.flags if f),
        n_scored_workers=_n_scored(report),
        acceptance_probability=acceptance_probability(plan, min(max(rate, 0.0), 1.0)),
        delivered_at=delivered_at,
        due_at=due_at,
        error_verified=m.error_rate.verified,
        unidentifiable=m.agreement.unidentifiable,
        sample_size=plan.sample_size,
        accept_number=plan.accept_number,
        limiting_quality=limiting_quality(plan),
        min_labels=report.thresholds.min_labels,
        first_start=_first_start(a),
    )


def _label_errors(errors: LabelErrors, unidentifiable: str | None, *, from_model: bool) -> dict[str, Any]:
    """The metrics' ``label_errors`` block; on labels that cannot measure quality the consensus-based search
    finds nothing by construction (one label per task: nothing contradicts, nothing is weak), so it states
    that it could not look (``n`` and ``rate`` null, ``not_measured`` why) rather than a 0% it never measured."""
    if unidentifiable is not None and not from_model:
        return {
            "n": None,
            "rate": None,
            "source": errors.source,
            "n_tasks_checked": 0,
            "not_measured": unidentifiable,
        }
    return {
        "n": len(errors.issues),
        "rate": errors.issues.rate,
        "source": errors.source,
        "n_tasks_checked": errors.issues.n_tasks,
    }


def _first_start(a: Annotations) -> datetime | None:
    """When the first label of the batch was started (UTC); None without start times."""
    if a.started_at is None:
        return None
    known = a.started_at[~np.isnat(a.started_at)]
    if not len(known):
        return None
    ms = int(known.min().astype("datetime64[ms]").astype(np.int64))
    return datetime.fromtimestamp(ms / 1000, UTC)


def _n_scored(report: WorkerReport) -> int:
    """Workers a flag rule could judge: enough labels, enough gold labels, or flagged (a copy or speed rule
    judged them); no fallback to all workers, so a batch of few labels each scores nobody."""
    t = report.thresholds
    judged = (report.n_labels >= t.min_labels) | (report.n_gold >= t.min_gold)
    judged |= np.array([bool(f) for f in report.flags], dtype=bool)
    return int(judged.sum())


def _metrics(
    delivery: Delivery,
    m: _Measures,
    evidence: QualityEvidence,
    seconds: dict[str, float],
    *,
    from_model: bool,
) -> dict[str, Any]:
    """The stored metrics document (``labelpact audit --json``'s ``metrics``, DESIGN.md keys)."""
    a = delivery.annotations
    report, errors = m.report, m.errors
    by_flag = report.flag_counts()
    agreement = m.agreement.to_dict()
    held_out = m.result.accuracy  # the method's own held-out accuracy: a cross-fit's is in the error rate
    return {
        "n_tasks": a.n_tasks,
        "n_workers": a.n_workers,
        "n_annotations": a.n_annotations,
        "n_classes": a.n_classes,
        "n_gold": m.gold.n_gold,
        "n_duplicates": delivery.n_duplicates,
        "n_abstentions": delivery.n_abstentions,
        "gold_accuracy": None
        if held_out is None
        else {"value": held_out, "ci": list(m.gold.ci) if m.gold.ci else None},
        "agreement": agreement,
        "error_rate": m.error_rate.to_dict(),
        "measurable": agreement.get("unidentifiable") is None,
        "workers": {
            "n_flagged": evidence.n_flagged_workers,
            "n_scored": evidence.n_scored_workers,
            "flagged_share": evidence.flagged_worker_share,
            "by_flag": by_flag,
            "n_copy_pairs": len(report.copying.rows(report.workers)),
        },
        "label_errors": _label_errors(errors, m.agreement.unidentifiable, from_model=from_model),
        "timeliness": timeliness(evidence.delivered_at, evidence.due_at),
        "acceptance_probability": evidence.acceptance_probability,
        "median_duration_s": a.median_duration_s(),
        "seconds": seconds,
    }
