"""Findings of the quality audit: bad workers, copy rings, label errors, weak consensus, late delivery.

Each finding says what is wrong in one sentence, carries the evidence a vendor needs to check it
(workers, tasks, numbers; at most ``MAX_EXAMPLES`` names) and what the vendor should do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from labelpact.contracts.findings import Finding, Severity
from labelpact.contracts.timeliness import late_finding
from labelpact.core.annotations import Annotations, FloatArray, IntArray
from labelpact.core.label_errors import LabelErrors
from labelpact.core.label_issues import LabelIssues
from labelpact.core.workers import WorkerReport

__all__ = [
    "MAX_EXAMPLES",
    "audit_findings",
    "label_error_finding",
    "late_finding",
    "unmeasurable_finding",
    "weak_consensus_finding",
    "worker_findings",
]

MAX_EXAMPLES = 20

_WORKER_FLAGS: dict[str, tuple[str, str, str]] = {
    # flag: (finding kind, what it means, what the vendor should do)
    "spammer": (
        "spammer",
        "answer independently of the true class (Raykar & Yu spammer score)",
        "Remove these workers from the project and re-label their tasks with other workers.",
    ),
    "low_gold_accuracy": (
        "low_gold_accuracy",
        "score below 80% on gold tasks even at the top of their 95% interval",
        "Retrain or remove these workers; re-label their tasks.",
    ),
    "low_agreement": (
        "low_agreement",
        "agree with the consensus far less often than the rest of the workforce",
        "Review these workers' guidelines and a sample of their labels.",
    ),
    "too_fast": (
        "too_fast",
        "spend far less time per task than the crowd (too fast to have read the task)",
        "Check these workers' sessions for automation or skimming; re-label their tasks.",
    ),
}


def worker_findings(report: WorkerReport, annotations: Annotations) -> list[Finding]:
    """One finding per worker flag that fired, and one for copy rings; severity grows with the share of
    annotations the flagged workers made (info below 1%, critical from 10%)."""
    n_annotations = max(int(report.n_labels.sum()), 1)
    findings: list[Finding] = []
    for flag, (kind, meaning, action) in _WORKER_FLAGS.items():
        index = np.array([i for i, flags in enumerate(report.flags) if flag in flags], dtype=np.intp)
        if not len(index):
            continue
        order = index[np.argsort(-report.n_labels[index], kind="stable")]
        share = float(report.n_labels[index].sum()) / n_annotations
        findings.append(
            Finding(
                kind=kind,
                severity=_severity(share, warning=0.01, critical=0.10),
                detail=f"{_workers(len(index))} {meaning}; they made {share:.1%} of the batch's annotations.",
                clause="quality.max_flagged_worker_share",
                evidence={
                    "n_workers": len(index),
                    "annotation_share": share,
                    "workers": [report.workers[i] for i in order[:MAX_EXAMPLES]],
                },
                action=action,
            )
        )
    pairs = report.copying.rows(report.workers)
    if pairs:
        ring = sorted({p["worker_a"] for p in pairs} | {p["worker_b"] for p in pairs})
        findings.append(
            Finding(
                kind="copy_ring",
                severity="critical",
                detail=(
                    f"{len(pairs)} pairs of workers ({len(ring)} workers) agree far more often than their "
                    "accuracies explain (FDR-corrected), a sign of shared answers or one person behind "
                    "several accounts."
                ),
                clause="quality.max_flagged_worker_share",
                evidence={
                    "n_pairs": len(pairs),
                    "workers": ring[:MAX_EXAMPLES],
                    "pairs": [
                        {
                            k: p[k]
                            for k in ("worker_a", "worker_b", "n_shared", "observed_agreement", "q_value")
                        }
                        for p in pairs[:MAX_EXAMPLES]
                    ],
                },
                action="Check whether these accounts share a person or a source of answers; keep one "
                "independent label per task from them.",
            )
        )
    return findings


def _severity(share: float, *, warning: float, critical: float) -> Severity:
    return "critical" if share >= critical else "warning" if share >= warning else "info"


def _workers(n: int) -> str:
    return "1 worker" if n == 1 else f"{n} workers"


def label_error_finding(
    issues: LabelIssues,
    tasks: Sequence[str],
    classes: Sequence[str],
    *,
    source: str,
    from_model: bool = True,
) -> Finding | None:
    """The consensus labels that a model (confident learning, ``from_model``) says are wrong, or, without
    a model, the candidates the workers' own models cast doubt on (weaker evidence, milder severity)."""
    if not len(issues):
        return None
    rate = len(issues) / max(issues.n_tasks, 1)
    examples = [
        {
            "task": tasks[int(t)],
            "label": classes[int(y)],
            "suggested": classes[int(s)],
            "quality": round(float(q), 4),
        }
        for t, y, s, q in zip(
            issues.task[:MAX_EXAMPLES],
            issues.label[:MAX_EXAMPLES],
            issues.suggested[:MAX_EXAMPLES],
            issues.quality[:MAX_EXAMPLES],
            strict=True,
        )
    ]
    if from_model:
        severity = _severity(rate, warning=0.0, critical=0.05)
        detail = (
            f"{len(issues)} consensus labels ({rate:.1%} of the {issues.n_tasks:,} tasks checked) "
            f"are probably wrong ({source})."
        )
    else:
        severity = _severity(rate, warning=0.05, critical=1.01)
        detail = (
            f"{len(issues)} tasks ({rate:.1%}) are label-error candidates: a consensus below 70% confidence, "
            "or a label its worker would rarely give to the consensus class."
        )
    return Finding(
        kind="label_errors",
        severity=severity,
        detail=detail,
        clause="quality.max_error_rate",
        evidence={"n_tasks": len(issues), "rate": rate, "source": source, "worst": examples},
        action="Re-label these tasks, worst first, and tell us which were right.",
    )


def weak_consensus_finding(
    confidence: FloatArray, tasks: Sequence[str], labelled: IntArray, *, threshold: float = 0.7
) -> Finding | None:
    """Labelled tasks whose consensus is below ``threshold`` confidence: the workers disagree on them."""
    conf = confidence[labelled]
    weak = labelled[conf < threshold]
    if not len(weak):
        return None
    order = weak[np.argsort(confidence[weak], kind="stable")]
    share = len(weak) / max(len(labelled), 1)
    return Finding(
        kind="weak_consensus",
        severity="warning" if share >= 0.05 else "info",
        detail=f"{len(weak)} tasks ({share:.1%}) have a consensus below {threshold:.0%} confidence.",
        clause="quality.max_error_rate",
        evidence={
            "n_tasks": len(weak),
            "share": share,
            "tasks": [tasks[int(i)] for i in order[:MAX_EXAMPLES]],
        },
        action="Add labels from more (or more senior) workers on these tasks.",
    )


def unmeasurable_finding(why: str | None, verified_by: str | None = None) -> Finding | None:
    """A batch whose labels cannot measure quality at all (``core.agreement.unidentifiable_quality``);
    a warning, not critical, where checked tasks (``verified_by``: gold) measure the error rate instead."""
    if why is None:
        return None
    if verified_by is not None:
        return Finding(
            kind="unmeasurable_quality",
            severity="warning",
            detail=f"Label quality cannot be measured from the labels alone: {why}; the error rate rests on "
            f"{verified_by} instead.",
            clause="quality.measurable",
            evidence={"why": why, "verified_by": verified_by},
            action="Have overlapping workers label the same tasks (at least two per task), so that the "
            "labels themselves measure quality beyond the checked tasks.",
        )
    return Finding(
        kind="unmeasurable_quality",
        severity="critical",
        detail=f"Label quality cannot be measured on this batch: {why}.",
        clause="quality.measurable",
        evidence={"why": why},
        action="Have overlapping workers label the same tasks (at least two per task), or add gold tasks; "
        "until then the batch can only be judged by reviewing its sample.",
    )


def audit_findings(
    report: WorkerReport,
    annotations: Annotations,
    errors: LabelErrors,
    *,
    from_model: bool,
    confidence: FloatArray,
    labelled: IntArray,
    late_by_days: float | None,
    unidentifiable: str | None,
    others: Iterable[Finding] = (),
    verified_by: str | None = None,
    late_clause: str | None = None,
) -> list[Finding]:
    """Every finding of one audit, worst first (stable): workers, label errors, weak consensus (beside a
    model's verdict only), lateness, unmeasurable quality, then ``others`` (the ethics findings).

    ``confidence`` (n_tasks,) is the calibrated consensus confidence, ``labelled`` the labelled task codes;
    ``verified_by`` names the checked tasks that verify the error rate (None: it rests on the model);
    ``late_clause`` the clause a late delivery breaks (None: the contract sets no turnaround).
    """
    a = annotations
    found: list[Finding | None] = [
        label_error_finding(errors.issues, a.tasks, a.classes, source=errors.source, from_model=from_model),
        weak_consensus_finding(confidence, a.tasks, labelled) if from_model else None,
        late_finding(late_by_days, clause=late_clause),
        unmeasurable_finding(unidentifiable, verified_by),
    ]
    findings = [*worker_findings(report, a), *(f for f in found if f), *others]
    findings.sort(key=lambda f: -f.rank)
    return findings
