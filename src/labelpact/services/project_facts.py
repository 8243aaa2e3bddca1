"""Gather a project's facts from the store as known at the end of a date, for the transparency outputs.

Batches delivered after ``as_of``, disputes opened and events dated after it are invisible; each batch
counts by its latest audit (and its latest review, which may accept a "review" verdict). Attestations
describe the data rather than a moment, so the latest statement on file counts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from labelpact import __version__
from labelpact.contracts.contract import Contract, parse_contract
from labelpact.contracts.stored import partner_contract
from labelpact.errors import InvalidInputError, NotFoundError
from labelpact.report import (
    AuditFacts,
    ContractFacts,
    DisputeFacts,
    DistributionFile,
    Edition,
    Estimate,
    EventFacts,
    HealthFacts,
    PartnerFacts,
    ProjectFacts,
)
from labelpact.services.attest import list_attestations
from labelpact.services.disputes import resolved_by
from labelpact.services.events import list_events
from labelpact.services.health import partner_health
from labelpact.services.kind_measures import kind_measures
from labelpact.services.review import stored_review_estimate
from labelpact.services.review_standing import standing_reviews
from labelpact.store import AuditRecord, BatchRecord, ReviewRecord, Store

__all__ = ["audit_facts", "project_facts"]


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _delivered(batch: BatchRecord) -> dt.date:
    return batch.delivered_at.astimezone(dt.UTC).date()


def _pii_tasks(record: AuditRecord) -> int:
    ethics = record.ethics or {}
    return len({hit.get("task") for hit in ethics.get("pii") or ()})


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and value == value else None


def _flagged(column: str, s: dict[str, Any]) -> str | None:
    """A slice flagged for worse agreement or gold accuracy, with each difference and its q-value."""
    flags = s.get("flags") or ()
    parts = []
    for flag, diff, q, words in (
        ("agreement", "agreement_diff", "agreement_q", "agreement"),
        ("gold_accuracy", "accuracy_diff", "accuracy_q", "gold accuracy"),
    ):
        d, qv = _number(s.get(diff)), _number(s.get(q))
        if flag in flags and d is not None and d < 0:
            parts.append(
                f"{words} {d:+.3f} vs the rest (q {qv:.2g})" if qv is not None else f"{words} {d:+.3f}"
            )
    return f"{column}={s.get('slice')}: " + ", ".join(parts) if parts else None


def _testable(s: dict[str, Any]) -> bool:
    return any(_number(s.get(k)) is not None for k in ("distribution_p", "agreement_p", "accuracy_p"))


def _bias(ethics: dict[str, Any]) -> tuple[str, ...]:
    """Per slice column: the overall test, the slices flagged for significantly worse labels (FDR-corrected),
    or "not testable" when the tests ran but no slice or class could be compared."""
    out = []
    for b in ethics.get("bias") or ():
        column = str(b.get("column", "?"))
        slices = b.get("slices") or []
        v, p = _number(b.get("cramers_v")), _number(b.get("p_value"))
        n = b.get("n_tasks_used", 0)
        if v is None and not any(_testable(s) for s in slices):
            out.append(f"labels across {column} slices not testable ({len(slices)} slice(s), {n} tasks)")
            continue
        text = f"labels across {column} slices: " + (
            f"Cramér's V {v:.3f}, p {p:.3g}, {n} tasks" if v is not None and p is not None else f"{n} tasks"
        )
        worse = [f for f in (_flagged(column, s) for s in slices) if f]
        fdr = _number(b.get("fdr"))
        text += (
            f"; significantly worse labels ({'FDR-corrected' if fdr is None else f'FDR {fdr:.2g}'}) in "
            + " and ".join(worse)
            if worse
            else "; no slice has significantly worse agreement or gold accuracy"
        )
        out.append(text)
    return tuple(out)


def _label_errors_unmeasured(m: Mapping[str, Any], labels: Mapping[str, Any]) -> str | None:
    """Why the consensus-based search for label errors could not look (labels that cannot measure quality),
    None when it could; an audit stored before it said so has ``measurable`` false and a consensus source."""
    if labels.get("not_measured"):
        return str(labels["not_measured"])
    if m.get("measurable") is False and labels.get("source") == "weak or contradicted consensus":
        reason = (m.get("agreement") or {}).get("unidentifiable")
        return str(reason or "label quality cannot be measured from the labels")
    return None


def audit_facts(record: AuditRecord, batch: BatchRecord, review: str | None) -> AuditFacts:
    """One audit's published facts from its stored record (metrics and ethics documents) and its batch."""
    m = record.metrics
    ethics = record.ethics or {}
    errors = m.get("error_rate") or {}
    labels = m.get("label_errors") or {}
    workers = m.get("workers") or {}
    pii_summary = ethics.get("pii_summary") or {}
    provenance = ethics.get("provenance_summary") or {}
    pay = ethics.get("pay") or {}
    agreement = m.get("agreement") or {}
    kind = str(m.get("kind", "labels"))
    unlooked = _label_errors_unmeasured(m, labels)
    return AuditFacts(
        audit=record.id,
        batch=record.batch,
        batch_sha256=record.batch_sha256,
        partner=record.partner,
        delivered=_delivered(batch),
        verdict=record.verdict,
        review=review,
        method=record.method,
        method_detail=m.get("method"),
        format=batch.format,
        n_tasks=batch.n_tasks,
        n_workers=batch.n_workers,
        n_annotations=batch.n_annotations,
        n_classes=batch.n_classes,
        classes=batch.classes,
        n_gold=int(m.get("n_gold") or 0),
        n_duplicates=batch.n_duplicates,
        n_abstentions=batch.n_abstentions,
        n_cancelled=batch.n_cancelled,
        n_tasks_without_labels=batch.n_tasks_without_labels,
        gold_accuracy=Estimate.of(m.get("gold_accuracy")),
        agreement=Estimate.of(agreement.get("krippendorff_alpha")),
        agreement_by_class=tuple(
            (str(c["label"]), float(c["alpha"]["value"]))
            for c in agreement.get("per_class") or ()
            if (c.get("alpha") or {}).get("value") is not None
        ),
        error_rate=Estimate.of(errors),
        error_source=errors.get("source"),
        error_verified=errors.get("verified"),
        label_error_rate=None if unlooked else labels.get("rate"),
        n_label_errors=None if unlooked else labels.get("n"),
        label_error_source=labels.get("source"),
        n_flagged_workers=workers.get("n_flagged"),
        n_scored_workers=workers.get("n_scored"),
        label_errors_unmeasured=unlooked,
        pii_scanned=bool(pii_summary.get("n_bytes")),
        pii=tuple(sorted((str(k), int(v)) for k, v in (pii_summary.get("by_entity") or {}).items())),
        pii_tasks=_pii_tasks(record),
        pii_detectors=tuple(
            sorted((str(k), str(v)) for k, v in (pii_summary.get("detectors") or {}).items())
        ),
        licenses=tuple(
            sorted((str(k), int(v)) for k, v in (provenance.get("tasks_by_license") or {}).items())
        ),
        disallowed_tasks=sum(
            int(p.get("n_tasks") or 0)
            for p in ethics.get("provenance") or ()
            if p.get("kind") == "disallowed"
        ),
        bias=_bias(ethics),
        pay_floor=pay.get("pay_floor_per_hour"),
        pay_currency=pay.get("currency"),
        pay_median=(pay.get("quantiles") or {}).get("p50"),
        pay_share_workers_below=pay.get("share_workers_below_floor"),
        pay_share_hours_below=pay.get("share_hours_below_floor"),
        on_time=(m.get("timeliness") or {}).get("on_time"),
        findings=tuple((f.id, f.kind, f.severity, f.detail) for f in record.findings),
        kind=kind,
        measures=kind_measures(m, kind),
        contract=record.contract_sha256,
    )


def _reviewed(store: Store, record: AuditRecord, review: ReviewRecord, facts: AuditFacts) -> AuditFacts:
    """``facts`` with the error rate the latest review verified (the sample joins the audit's gold), as
    ``labelpact review`` printed it; unchanged for kinds without consensus labels."""
    estimate = stored_review_estimate(store, record, review)
    if estimate is None:
        return facts
    return dataclasses.replace(
        facts,
        error_rate=Estimate(estimate.value, float(estimate.ci[0]), float(estimate.ci[1])),
        error_source=estimate.source,
        error_verified=estimate.verified,
    )


def _health(store: Store, partner: str, as_of: dt.date) -> HealthFacts:
    health = partner_health(store, partner, as_of=as_of, horizon_days=180)
    chart = health.alarms.charts.get("p") if health.alarms is not None else None
    rows: tuple[tuple[dt.date, float, float | None, float | None], ...]
    if chart is not None:
        proportion, lcl, ucl = (getattr(chart, name) for name in ("proportion", "lcl", "ucl"))
        rows = tuple(
            (day, float(proportion[i]), float(lcl[i]), float(ucl[i])) for i, day in enumerate(chart.dates)
        )
        centre: float | None = float(chart.centre)
    else:
        rows = tuple(
            (r.delivered, r.defective / r.inspected, None, None) for r in health.records if r.inspected
        )
        centre = None
    alarms = health.alarms.worse() if health.alarms is not None else ()
    risk = health.risk
    return HealthFacts(
        partner=partner,
        as_of=as_of,
        probability=risk.probability,
        interval=(float(risk.interval[0]), float(risk.interval[1])),
        horizon_days=risk.horizon_days,
        centre=centre,
        chart=rows,
        alarms=tuple((a.date, a.chart, a.reason) for a in alarms),
        contributions=tuple((c.signal, float(c.effect), c.source) for c in risk.contributions),
    )


def _partner_facts(store: Store, name: str, audits: Sequence[AuditFacts], day: dt.date) -> PartnerFacts:
    """``name``'s contract in force on ``day`` (its hash and values) and how many of ``audits`` are its batches."""
    p = store.get_partner(name, as_of=day)
    contract = None
    if p.contract_toml is not None:
        parsed = partner_contract(name, p.contract_toml)  # stored: read leniently, with warnings
        contract = ContractFacts(parsed.sha256, tuple(sorted(parsed.values.items())))
    return PartnerFacts(name, p.since, contract, sum(1 for a in audits if a.partner == name))


def _clauses(text: str | None, source: str) -> tuple[tuple[str, Any], ...]:
    """A contract text's clauses by dotted name; () when it is not on file or this version refuses it."""
    if text is None:
        return ()
    try:
        return tuple(sorted(parse_contract(text, source=source).values.items()))
    except InvalidInputError:  # stored by an older version whose rules were looser: its clauses are unknown
        return ()


def _contract_facts(store: Store, audits: Sequence[AuditFacts]) -> tuple[ContractFacts, ...]:
    """The contracts stored with ``audits`` (the ones they were judged by), in order of first use; an audit
    judged with no contract on file counts as labelpact's defaults (SHA-256 None)."""
    return tuple(
        ContractFacts(None, tuple(sorted(Contract.default().values.items())))
        if sha is None
        else ContractFacts(sha, _clauses(store.get_contract(sha), f"contract {sha[:12]}"))
        for sha in dict.fromkeys(a.contract for a in audits)
    )


def _dispute_facts(
    store: Store, audits: Sequence[AuditRecord], partner: str | None, day: dt.date
) -> tuple[DisputeFacts, ...]:
    """Disputes on ``audits`` (every audit of the card's batches: a re-audit does not erase what was
    disputed) opened by the end of ``day``, each as it stood then (a later resolution is open)."""
    kinds = {f.id: f.kind for a in audits for f in a.findings}
    audit_ids = {a.id for a in audits}
    return tuple(
        DisputeFacts(
            id=d.id,
            finding=d.finding,
            kind=kinds.get(d.finding),
            audit=d.audit,
            partner=d.partner,
            opened=d.opened_at.date(),
            status=d.status if d.resolved_at is None or resolved_by(d, day) else "open",
            resolved=d.resolved_at.date() if d.resolved_at is not None and resolved_by(d, day) else None,
            resolution=d.resolution if resolved_by(d, day) else None,
        )
        for d in sorted(store.list_disputes(partner=partner), key=lambda d: int(d.id[1:]))
        if d.audit in audit_ids and d.opened_at.date() <= day
    )


def project_facts(
    store: Store,
    project: str,
    *,
    partner: str | None = None,
    as_of: dt.date | None = None,
    edition: Edition = "client",
    files: Sequence[DistributionFile] = (),
) -> ProjectFacts:
    """The facts of ``project`` (only ``partner``'s batches when given) as known at the end of ``as_of``.

    The partner edition leaves out what a vendor never sees: the events ledger and the health forecast.
    """
    day = as_of or _today()
    record = store.get_project(project)
    if partner is not None:
        store.get_partner(partner)  # NotFoundError names the known partners
        if not store.list_batches(project=project, partner=partner):  # an empty card said nothing was wrong
            delivered = sorted({b.partner for b in store.list_batches(project=project)})
            raise NotFoundError(
                f"partner {partner!r} has delivered no batch to project {project!r}; "
                f"partners of the project: {', '.join(delivered) or 'none yet'}"
            )
    batches = {
        b.sha256: b for b in store.list_batches(project=project, partner=partner) if _delivered(b) <= day
    }
    latest: dict[str, AuditRecord] = {}
    listed = [a for a in store.list_audits(project=project, partner=partner) if a.batch_sha256 in batches]
    for audit in listed:  # newest first
        latest.setdefault(audit.batch_sha256, audit)
    # a re-audit does not lift a reviewer's rejection; a review made after the day is not yet known
    standing = standing_reviews(store, listed, as_of=day)
    audits = []
    for sha, audit in latest.items():
        reviewed = standing.get(audit.batch)
        facts = audit_facts(audit, batches[sha], reviewed[1].decision if reviewed else None)
        audits.append(_reviewed(store, *reviewed, facts) if reviewed else facts)
    audits.sort(key=lambda a: (a.delivered, a.partner, a.batch))
    names = sorted({a.partner for a in audits} | ({partner} if partner else set()))
    partners = tuple(_partner_facts(store, name, audits, day) for name in names)
    disputes = _dispute_facts(store, listed, partner, day)
    client = store.get_client()
    in_client = edition == "client"
    events = (
        tuple(
            EventFacts(e.event.id or "", e.event.partner, e.event.kind, e.event.date, e.description)
            for name in names
            for e in list_events(store, name, until=day)
        )
        if in_client
        else ()
    )
    health = tuple(_health(store, name, day) for name in names) if in_client else ()
    subjects = {f"project:{project}"} | {f"partner:{name}" for name in names}
    # statements describe the data, not a moment: the latest on file counts, whenever it was filed
    attestations = tuple(a for a in list_attestations(store) if a.subject in subjects)
    return ProjectFacts(
        project=record.name,
        description=record.description,
        client=None if client is None else client.name,
        partner=partner,
        as_of=day,
        generator=f"labelpact {__version__}",
        partners=partners,
        audits=tuple(audits),
        files=tuple(files),
        disputes=disputes,
        events=events,
        health=health,
        attestations=attestations,
        contracts=_contract_facts(store, audits),
    )
