"""The RAI texts about annotation (protocol, platform, analysis, annotations per item, machine tools) and the
evidence helpers the other RAI texts share; ``report.rai`` puts them together with attestations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from labelpact.report.facts import AuditFacts, ContractFacts, Estimate, ProjectFacts
from labelpact.report.pooled import Pooled
from labelpact.report.vocabulary import percent

__all__ = [
    "alpha_text",
    "annotation_analysis",
    "annotation_platform",
    "annotation_protocol",
    "annotations_per_item",
    "audit_ids",
    "machine_tools",
    "partner_names",
    "unlooked_label_errors",
]


def partner_names(facts: ProjectFacts) -> str:
    """The partners of every audit in ``facts``, sorted and comma-separated."""
    names = sorted({a.partner for a in facts.audits})
    return ", ".join(names) if names else "no partner"


def audit_ids(audits: Sequence[AuditFacts]) -> tuple[str, ...]:
    """The audit ids of ``audits``, in order: the evidence behind a measured text."""
    return tuple(a.audit for a in audits)


def _interval(e: Estimate | None, fmt: Callable[[float], str] = percent) -> str:
    if e is None:
        return "n/a"
    if e.low is None or e.high is None:
        return fmt(e.value)
    return f"{fmt(e.value)} (95% CI {fmt(e.low)} to {fmt(e.high)})"


def alpha_text(value: float) -> str:
    """An agreement coefficient as published: three decimals."""
    return f"{value:.3f}"


def _clauses(c: ContractFacts) -> str:
    """A contract's clauses as the protocol states them."""
    if not c.clauses:
        return "its stored text does not read under this labelpact version"
    classes = c.get("labels.classes")
    pieces = [
        f"classes {', '.join(classes)}" if classes else "classes as delivered",
        "ordered scale" if c.get("labels.ordered") else "unordered classes",
        f"truth inference {c.get('quality.method', 'auto')}",
    ]
    for key, label in (
        ("quality.min_gold_accuracy", "gold accuracy at least"),
        ("quality.max_error_rate", "consensus error rate at most"),
    ):
        if c.get(key) is not None:
            pieces.append(f"{label} {percent(c.get(key))}")
    if c.get("quality.min_agreement") is not None:
        pieces.append(f"Krippendorff's alpha at least {c.get('quality.min_agreement'):.2f}")
    pieces.append(f"acceptance sampling ISO 2859-1 at AQL {c.get('acceptance.aql')}%")
    if c.get("pay.pay_floor_per_hour") is not None:
        pieces.append(
            f"annotator pay floor {c.get('pay.pay_floor_per_hour'):.2f} {c.get('pay.currency', 'USD')}/hour"
        )
    pieces.append(f"personal data: {c.get('data.personal_data', 'reject')}")
    return "; ".join(pieces)


def _contracts_text(facts: ProjectFacts) -> str:
    """The contracts the batches were judged by (the one stored with each audit), with whose batches and how
    many were published; and any partner's registered contract that judged none of them."""
    used: dict[str | None, list[AuditFacts]] = {}
    for a in facts.audits:
        used.setdefault(a.contract, []).append(a)
    known = {c.sha256: c for c in facts.contracts}
    parts = []
    for sha, audits in used.items():
        name = f"contract {sha[:12]}" if sha else "labelpact's default contract (none on file)"
        whose = ", ".join(sorted({a.partner for a in audits}))
        n_published = sum(1 for a in audits if a.published)
        clauses = _clauses(known[sha]) if sha in known else "its text is not on file"
        parts.append(f"{name} ({whose}; {len(audits)} batches, {n_published} published): {clauses}.")
    lead = (
        "Contract (stored with each audit): "
        if len(used) == 1
        else f"The batches were judged by {len(used)} different contracts (each stored with its audit): "
    )
    idle = [
        f"{partner.name}'s contract on file now ({(partner.contract.sha256 or '')[:12]})"
        for partner in facts.partners
        if partner.contract is not None and partner.contract.sha256 not in used
    ]
    tail = f" Not applied to any of these batches: {', '.join(idle)}." if idle else ""
    return lead + " ".join(parts) + tail


def annotation_protocol(facts: ProjectFacts, p: Pooled) -> tuple[str | None, tuple[str, ...]]:
    if not facts.audits:
        return None, ()
    gold = sum(a.n_gold for a in facts.audits)
    paid = [a for a in facts.audits if a.pay_share_workers_below is not None]
    text = (
        f"Workforce: vendor annotators of {partner_names(facts)}; "
        f"{p.annotations_per_item or 0:.2f} labels per task on average, gold (honeypot) tasks in the "
        f"batches: {gold:,}. " + _contracts_text(facts)
    )
    if paid:
        below = max(a.pay_share_workers_below or 0.0 for a in paid)
        text += (
            f" Annotator pay was measured in {len(paid)} batches against the floor; the largest share of "
            f"workers below it in one batch was {percent(below)}."
        )
    return text, audit_ids(facts.audits)


def annotation_platform(facts: ProjectFacts) -> tuple[str | None, tuple[str, ...]]:
    studio = [a for a in facts.audits if a.format.startswith("labelstudio")]
    if not studio:
        return None, ()
    return (
        f"{len(studio)} batches were Label Studio exports ({', '.join(sorted({a.format for a in studio}))}).",
        (audit_ids(studio)),
    )


def deliverables_analysis(facts: ProjectFacts) -> str:
    """Each published preferences, ratings or demonstrations batch with its audit's measures, or ``""``."""
    parts = []
    for a in facts.published_deliverables:
        measures = "; ".join(
            f"{name} {_interval(e, alpha_text if fmt == 'plain' else percent)}" for name, e, fmt in a.measures
        )
        parts.append(
            f"{a.kind} batch {a.batch} ({a.delivered.isoformat()}): {measures or 'no measure stored'}"
        )
    return f"Published batches of other kinds: {'. '.join(parts)}." if parts else ""


def annotation_analysis(facts: ProjectFacts, p: Pooled) -> tuple[str | None, tuple[str, ...]]:
    included = facts.included
    others = deliverables_analysis(facts)
    if not included:
        return (others, audit_ids(facts.published_deliverables)) if others else (None, ())
    text = f"Over {p.n_batches} published batches: "
    if p.agreement_median is not None and p.agreement_range is not None:
        text += (
            f"Krippendorff's alpha median {alpha_text(p.agreement_median)} (per batch "
            f"{alpha_text(p.agreement_range[0])} to {alpha_text(p.agreement_range[1])}, each with a 95% bootstrap "
            "interval); "
        )
    if p.gold_accuracy is not None:
        text += f"consensus accuracy on {p.n_gold:,} held-out gold tasks {percent(p.gold_accuracy)}; "
    if p.error_rate is not None and p.error_range is not None:
        text += (
            f"estimated error rate of the published labels {percent(p.error_rate)} (per batch "
            f"{percent(p.error_range[0])} to {percent(p.error_range[1])}"
            + (f", 95% upper bounds up to {percent(p.error_upper)}" if p.error_upper is not None else "")
            + f"; {p.n_verified} of "
            f"{p.n_batches} estimates verified on gold or a reviewed sample); "
        )
    if p.label_error_rate is not None:
        text += f"label-error candidates {percent(p.label_error_rate)} of tasks. "
    text += unlooked_label_errors(facts)
    last = included[-1]
    text += (
        f"Latest batch {last.batch} ({last.delivered.isoformat()}): alpha {_interval(last.agreement, alpha_text)}, "
        f"error rate {_interval(last.error_rate)}"
        + (f" from {last.error_source}" if last.error_source else "")
        + ". "
    )
    verdicts = Counter(a.verdict for a in facts.audits)
    text += "Audit verdicts: " + ", ".join(f"{v} {verdicts[v]}" for v in ("accept", "review", "reject"))
    reviewed = Counter(a.review for a in facts.audits if a.review is not None)
    if reviewed:
        text += (
            " (reviewed samples then "
            + ", ".join(
                f"{'accepted' if d == 'accept' else 'rejected'} {n}" for d, n in sorted(reviewed.items())
            )
            + ")"
        )
    text += "."
    if facts.disputes:
        outcomes = Counter(d.status for d in facts.disputes)
        text += (
            f" Findings disputed by partners: {len(facts.disputes)} ("
            + ", ".join(f"{s} {n}" for s, n in sorted(outcomes.items()))
            + ")."
        )
    else:
        text += " No finding was disputed."
    if others:
        text += f" {others}"
    return text, audit_ids(facts.audits) + tuple(d.id for d in facts.disputes)


_JUDGEMENTS = {"preferences": "comparisons", "ratings": "ratings", "demonstrations": "answers"}


def unlooked_label_errors(facts: ProjectFacts) -> str:
    """A sentence for the published label batches whose labels could not be searched for label errors (one
    label per task, or no two workers on a task: nothing to contradict a label), or "" when there are none."""
    unlooked = [a for a in facts.included if a.label_errors_unmeasured]
    if not unlooked:
        return ""
    why = "; ".join(sorted({str(a.label_errors_unmeasured) for a in unlooked}))
    return (
        f"Label-error candidates could not be looked for in {len(unlooked)} of {len(facts.included)} published "
        f"label batches ({why}). "
    )


def annotations_per_item(facts: ProjectFacts, p: Pooled) -> str | None:
    """Labels per task of the published label batches, and judgements per task of each other kind's."""
    parts = []
    if p.annotations_per_item is not None and p.per_item_range is not None:
        low, high = p.per_item_range
        parts.append(
            f"{p.annotations_per_item:.2f} human labels per task on average ({p.n_annotations:,} labels on "
            f"{p.n_tasks:,} tasks; per batch {low:.2f} to {high:.2f})."
        )
    for kind, batches in facts.published_by_kind().items():
        n, tasks = sum(a.n_annotations for a in batches), sum(a.n_tasks for a in batches)
        if tasks:
            parts.append(f"{kind}: {n / tasks:.2f} {_JUDGEMENTS[kind]} per task ({n:,} on {tasks:,} tasks).")
    return " ".join(parts) or None


def machine_tools(facts: ProjectFacts) -> tuple[str | None, tuple[str, ...]]:
    if not facts.audits:
        return None, ()
    methods = sorted({a.method for a in facts.audits})
    detectors = sorted({f"{k} ({v})" for a in facts.audits for k, v in a.pii_detectors})
    text = f"{facts.generator}: truth inference ({', '.join(methods)}), agreement with bootstrap intervals"
    text += ", label-error detection, personal-data scan" + (
        f" with {', '.join(detectors)}" if detectors else ""
    )
    text += (
        ". No machine labels are published; whether partners pre-labelled with models is for them to attest."
    )
    return text, audit_ids(facts.audits)
