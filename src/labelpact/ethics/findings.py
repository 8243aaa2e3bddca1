"""The ethics audit judged by the contract: findings a vendor can act on (verdict reasons: ``reasons``).

A finding says what was found, with evidence (counts, at most ``MAX_EXAMPLES`` task or worker ids,
masked values only, never a raw personal value), the clause it bears on and what the vendor should do.
The clause policy (what blocks, what personal data does) is in ``reasons``; ``ethics_reasons`` is re-exported.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from labelpact.contracts.contract import Contract
from labelpact.contracts.findings import Finding, Severity
from labelpact.ethics import EthicsReport
from labelpact.ethics.bias import SliceStats
from labelpact.ethics.pay import PayReport
from labelpact.ethics.provenance import ProvenanceFinding, ProvenanceReport
from labelpact.ethics.reasons import (
    GUESS_BELOW,
    LICENSE_KINDS,
    blocks_on,
    ethics_reasons,
    money,
    pct,
    pii_policy,
    worse_flags,
)

__all__ = ["FINDING_KINDS", "MAX_EXAMPLES", "ethics_findings", "ethics_reasons", "finding_kinds"]

MAX_EXAMPLES = 20  # ids listed in a finding's evidence; the counts always cover all of them
FINDING_KINDS = (
    "pii",
    "disallowed_license",
    "unknown_license",
    "missing_license",
    "conflicting_license",
    "pay_below_floor",
    "implausible_time",
    "bias",
    "label_distribution",
    "pay_unknown",
)
_PII_SEVERITY: dict[str, Severity] = {"reject": "critical", "review": "warning", "allow": "info"}


def _severity(contract: Contract, kind: str) -> Severity:
    return "critical" if blocks_on(contract, kind) else "warning"


def _head(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    for item in dict.fromkeys(items):
        if len(out) == MAX_EXAMPLES:
            break
        out.append(item)
    return out


# -- findings -------------------------------------------------------------------------------------------
def _pii_finding(report: EthicsReport, contract: Contract) -> list[Finding]:
    pii = report.pii
    if pii is None or not pii.findings:
        return []
    tasks = pii.tasks_with()
    entities = ", ".join(f"{n} {e}" for e, n in sorted(pii.by_entity.items(), key=lambda kv: -kv[1]))
    examples: dict[str, list[dict[str, str]]] = {}
    for f in pii.findings:
        shown = examples.setdefault(f.entity, [])
        if len(shown) < 3:
            shown.append({"task": f.task, "field": f.field, "masked": f.masked})
    policy = pii_policy(contract)
    severity = _PII_SEVERITY[policy]
    if severity == "critical" and all(f.confidence < GUESS_BELOW for f in pii.findings):
        severity = "warning"  # guesses alone send to review (``ethics.reasons``), not a critical leak
    return [
        Finding(
            kind="pii",
            severity=severity,
            detail=f"Personal data in {len(tasks)} task(s): {entities}.",
            clause="data.personal_data",
            evidence={
                "n_findings": len(pii.findings),
                "n_tasks": len(tasks),
                "by_entity": dict(pii.by_entity),
                "by_field": dict(pii.by_field),
                "by_entity_and_field": {
                    f"{e}/{fld}": n
                    for (e, fld), n in sorted(Counter((f.entity, f.field) for f in pii.findings).items())
                },
                "tasks": _head(tasks),
                "examples": examples,
                "not_scanned": dict(pii.not_scanned),
                "detectors": dict(pii.detectors),
                "policy": policy,
            },
            action="Redact or remove the personal data from these tasks, redeliver them, and say how it "
            "entered the pipeline.",
        )
    ]


def _license_findings(provenance: ProvenanceReport | None, contract: Contract) -> list[Finding]:
    if provenance is None:
        return []
    grouped: dict[str, list[ProvenanceFinding]] = {}
    for f in provenance.findings:
        grouped.setdefault(LICENSE_KINDS[f.kind], []).append(f)
    allowed = list(provenance.allowed)
    wording = {
        "disallowed_license": ("carry a licence the contract does not allow", "Remove these tasks or "
                               "obtain data under an allowed licence; the contract allows {allowed}."),
        "unknown_license": ("carry a licence we cannot read as an SPDX id", "Give the SPDX id of each "
                            "source's licence (https://spdx.org/licenses/); allowed: {allowed}."),
        "missing_license": ("carry no licence", "Document the licence of every source in the tasks "
                            "file or a sources manifest."),
        "conflicting_license": ("name one source under different licences", "Say which licence each "
                                "source is really under and correct the tasks file."),
    }  # fmt: skip
    out = []
    for kind in ("disallowed_license", "unknown_license", "missing_license", "conflicting_license"):
        found = grouped.get(kind)
        if not found:
            continue
        tasks = [t for f in found for t in f.tasks]
        n_tasks = len(set(tasks))
        sources = [
            {"source": f.source, "license": f.license, "spdx": f.spdx, "n_tasks": len(f.tasks)} for f in found
        ]
        what, action = wording[kind]
        if kind == "missing_license" and provenance.license_column is None:
            columns = ", ".join(provenance.columns) or "none"
            what = f"carry no licence: the tasks have no license column (their columns: {columns})"
            action = "Add a license column of SPDX ids to the tasks file, or a sources manifest."
        named = ", ".join(sorted({str(f.source) for f in found if f.source is not None})) or "unnamed"
        out.append(
            Finding(
                kind=kind,
                severity=_severity(contract, kind),
                detail=f"{n_tasks} task(s) from {len(found)} source(s) ({named}) {what}.",
                clause="data.allowed_licenses",
                evidence={"n_tasks": n_tasks, "sources": sources, "tasks": _head(tasks), "allowed": allowed},
                action=action.format(allowed=", ".join(allowed) or "none"),
            )
        )
    return out


def _pay_findings(pay: PayReport | None, contract: Contract, too_fast_share: float) -> list[Finding]:
    """Workers paid below the floor, labels done faster than reading allows, and workers whose pay is unknown."""
    if pay is None:
        return []
    found = (_below_floor(pay, contract), _too_fast(pay, too_fast_share), _pay_unknown(pay))
    return [f for f in found if f is not None]


def _below_floor(pay: PayReport, contract: Contract) -> Finding | None:
    currency = pay.currency
    share = float(contract.pay.annotator_share)
    below = [w for w in pay.workers if w.below_floor]
    if below:
        worst = sorted(below, key=lambda w: (w.hourly_pay or 0.0, w.worker))
        return Finding(
            kind="pay_below_floor",
            severity=_severity(contract, "pay_below_floor"),
            detail=f"{len(below)} of {len(pay.workers) - pay.n_workers_unknown} timed worker(s) "
            f"({pct(pay.share_workers_below_floor)}, {pct(pay.share_hours_below_floor)} of the hours) "
            f"earn below the floor of {money(pay.pay_floor_per_hour, currency)} per hour.",
            clause="pay.pay_floor_per_hour",
            evidence={
                "n_workers_below_floor": len(below),
                "share_workers_below_floor": pay.share_workers_below_floor,
                "share_hours_below_floor": pay.share_hours_below_floor,
                "pay_floor_per_hour": pay.pay_floor_per_hour,
                "pay_per_label": pay.price_per_label,
                "annotator_share": share,
                "currency": currency,
                "quantiles": dict(pay.quantiles),
                "workers": [
                    {"worker": w.worker, "hourly_pay": w.hourly_pay, "hours": w.hours}
                    for w in worst[:MAX_EXAMPLES]
                ],
            },
            action="Raise these annotators' pay to the floor (per label or per hour), or show time "
            "records that prove their hourly pay meets it.",
        )
    return None


def _too_fast(pay: PayReport, too_fast_share: float) -> Finding | None:
    timed = sum(w.n_timed for w in pay.workers)
    if pay.n_annotations_too_fast:
        fast_share = pay.n_annotations_too_fast / timed if timed else 0.0
        fastest = sorted((w for w in pay.workers if w.n_too_fast), key=lambda w: (-w.n_too_fast, w.worker))
        return Finding(
            kind="implausible_time",
            severity="warning" if fast_share >= too_fast_share else "info",
            detail=f"{pay.n_annotations_too_fast} label(s) ({fast_share:.1%} of the timed ones) took "
            "less time than reading the task needs: the work was not read, or its times are wrong.",
            clause="pay.pay_floor_per_hour",
            evidence={
                "n_annotations_too_fast": pay.n_annotations_too_fast,
                "share_of_timed": fast_share,
                "limit": too_fast_share,
                "min_seconds": pay.min_seconds,
                "words_per_minute": pay.words_per_minute,
                "n_tasks_mostly_too_fast": len(pay.tasks_too_fast),
                "tasks": _head(pay.tasks_too_fast),
                "workers": [{"worker": w.worker, "n_too_fast": w.n_too_fast} for w in fastest][:MAX_EXAMPLES],
            },
            action="Check these workers' time records and relabel the tasks they did too fast to read.",
        )
    return None


def _pay_unknown(pay: PayReport) -> Finding | None:
    """Workers whose pay is unknown: those with no time on task, and those whose every timed label was too
    fast to be read (they delivered times, which the pay leaves out as implausible)."""
    unknown = [w for w in pay.workers if w.hourly_pay is None]
    if not unknown:
        return None
    n = len(pay.workers)
    untimed = [w.worker for w in unknown if w.n_timed == 0]
    too_fast = [w.worker for w in unknown if w.n_timed > 0]
    said, actions = [], []
    if untimed:
        said.append(f"{len(untimed)} of {n} worker(s) have no time on task")
        actions.append("Deliver duration_s (or started_at and submitted_at) for every label.")
    if too_fast:
        said.append(f"{len(too_fast)} of {n} worker(s) have only times too fast to be read")
        actions.append(
            "Check how time on task is measured for the workers whose every timed label was too fast, "
            "and review their labels."
        )
    none_timed = len(untimed) == n
    return Finding(
        kind="pay_unknown",
        severity="info",
        detail=(
            "No label has a time on task: effective pay cannot be checked."
            if none_timed
            else "; ".join(said) + ": pay unknown."
        ),
        clause="pay.pay_floor_per_hour",
        evidence={
            "n_workers_unknown": pay.n_workers_unknown,
            "n_annotations_untimed": pay.n_annotations_untimed,
            "workers": _head(pay.workers_unknown),
            "workers_untimed": _head(tuple(untimed)),
            "workers_too_fast": _head(tuple(too_fast)),
        },
        action=" ".join(actions),
    )


def _slice_evidence(column: str, s: SliceStats) -> dict[str, Any]:
    """The numbers of one slice, NaN (no gold, too few labels) as None so that the JSON stays valid."""
    numbers = ("agreement", "agreement_diff", "agreement_q", "gold_accuracy", "accuracy_diff", "accuracy_q",
               "distribution_v", "distribution_q")  # fmt: skip
    values = {name: getattr(s, name) for name in numbers}
    return {"column": column, "slice": s.slice, "flags": list(s.flags), "n_tasks": s.n_tasks} | {
        name: None if math.isnan(v) else v for name, v in values.items()
    }


def _bias_findings(report: EthicsReport, contract: Contract) -> list[Finding]:
    worse = [(b.column, s) for b in report.bias for s in b.slices if worse_flags(s)]
    shifted = [(b.column, s) for b in report.bias for s in b.slices if "label_distribution" in s.flags]
    out = []
    if worse:
        names = ", ".join(f"{c}={s.slice} ({', '.join(worse_flags(s))})" for c, s in worse)
        out.append(
            Finding(
                kind="bias",
                severity=_severity(contract, "bias"),
                detail=f"Labels are significantly worse (FDR-corrected) for {len(worse)} slice(s): {names}.",
                clause="ethics.block_on",
                evidence={
                    "fdr": report.bias[0].fdr,
                    "slices": [_slice_evidence(c, s) for c, s in worse[:MAX_EXAMPLES]],
                },
                action="Review the guidelines and the workers assigned to these slices (language skills, "
                "cultural context) and relabel their tasks.",
            )
        )
    if shifted:
        names = ", ".join(f"{c}={s.slice} (V {s.distribution_v:.2f})" for c, s in shifted)
        out.append(
            Finding(
                kind="label_distribution",
                severity="info",
                detail=f"The label distribution of {len(shifted)} slice(s) differs from the rest: {names}; "
                "it may be genuine, or a sign of biased labelling.",
                clause=None,
                evidence={"slices": [_slice_evidence(c, s) for c, s in shifted[:MAX_EXAMPLES]]},
                action="Confirm with domain experts that the difference is real.",
            )
        )
    return out


def ethics_findings(
    report: EthicsReport, contract: Contract, *, too_fast_share: float = 0.05
) -> list[Finding]:
    """One finding per kind of problem found, worst first; ``implausible_time`` is a warning from
    ``too_fast_share`` of the timed labels up, information below it."""
    findings = [
        *_pii_finding(report, contract),
        *_license_findings(report.provenance, contract),
        *_pay_findings(report.pay, contract, too_fast_share),
        *_bias_findings(report, contract),
    ]
    return sorted(findings, key=lambda f: -f.rank)  # stable: kinds keep their order within a severity


def finding_kinds(findings: Sequence[Finding]) -> tuple[str, ...]:
    """The kinds present, in :data:`FINDING_KINDS` order (for headlines and tests)."""
    present = {f.kind for f in findings}
    return tuple(k for k in FINDING_KINDS if k in present)
