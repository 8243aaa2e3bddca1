"""Use case: a partner's health as of a date: its audit series under process control, its scorecard, and
the forecast that the partnership breaks down, explained signal by signal.

Everything is read as it was known on ``as_of``: batches delivered after it and events dated after it
are invisible, so ``labelpact health P --as-of 2025-06-01`` replays what the ledger said that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from labelpact.contracts.contract import Contract
from labelpact.contracts.stored import partner_contract
from labelpact.core.error_rate import ErrorRate
from labelpact.errors import InvalidInputError
from labelpact.partners.risk import (
    FINDING_SIGNALS,
    EventInput,
    QualityPoint,
    RiskForecast,
    RiskInputs,
    forecast,
)
from labelpact.partners.risk.library import library_priors
from labelpact.partners.spc import Alarm, AuditSeries, QualityAlarms, quality_alarms
from labelpact.services.disputes import upheld_findings
from labelpact.services.events import LedgerEvent, list_events
from labelpact.services.review import stored_review_estimate
from labelpact.services.review_standing import standing_reviews
from labelpact.services.risk import workspace_priors
from labelpact.store import AuditRecord, ClientRecord, PartnerRecord, ReviewRecord, Store

__all__ = ["HORIZONS", "PartnerHealth", "audit_series", "contract_of", "partner_health"]

HORIZONS = (90, 180, 365)
SPC_BASELINE = 10  # audits that form the frozen baseline of the charts
MIN_FOR_CHARTS = SPC_BASELINE + 2
LATEST_AS_OF = dt.date(9997, 12, 31)  # an as-of plus the longest horizon must still be a date


@dataclass(frozen=True, slots=True)
class QualityRecord:
    """One audited batch as the health view sees it: delivered date and the audit's key numbers."""

    audit: str
    batch: str
    project: str
    delivered: dt.date
    verdict: str
    inspected: int
    defective: int
    error_rate: float | None
    gold_accuracy: float | None
    agreement: float | None
    on_time: bool | None
    findings: tuple[tuple[str, str], ...] = ()  # (finding id, kind) of the audit's ethics findings


@dataclass(frozen=True, slots=True)
class PartnerHealth:
    """The health of one partnership as of a date: ``document`` is the ``labelpact health --json`` shape."""

    partner: PartnerRecord
    as_of: dt.date
    records: tuple[QualityRecord, ...]
    alarms: QualityAlarms | None
    risk: RiskForecast
    document: dict[str, Any]


def _date(text: str | None) -> dt.date | None:
    return None if text is None else dt.datetime.fromisoformat(text).date()


def _record(
    audit: AuditRecord, decision: str | None = None, verified: ErrorRate | None = None
) -> QualityRecord | None:
    """The batch's numbers from its audit; gold errors when there was gold, else the estimated errors.
    ``decision`` is the batch's decision after a review of its sample (None: the audit's verdict stands) and
    ``verified`` the error rate that review verified: its checked tasks (sample and gold) are then the
    batch's inspected and defective ones, as the card and the report state them."""
    m = audit.metrics
    delivered = _date(m.get("timeliness", {}).get("delivered_at")) or audit.created_at.date()
    delivered = min(delivered, audit.created_at.date())  # audited, so delivered by then: a later date hid it
    gold = m.get("gold_accuracy") or None
    n_gold = int(m.get("n_gold") or 0)
    error = m.get("error_rate", {}).get("value")
    unmeasured = m.get("measurable") is False  # the labels cannot tell quality; only checked tasks can
    if verified is not None and verified.checks.n:
        inspected, defective, error = verified.checks.n, verified.checks.n_wrong, verified.value
    elif gold is not None and gold.get("value") is not None and n_gold:
        inspected, defective = n_gold, round((1.0 - gold["value"]) * n_gold)
    elif unmeasured:  # no error rate and no checked task: out of the means and the charts, not a 0% batch
        inspected, defective, error = 0, 0, None
    elif error is not None:
        inspected = int(m.get("n_tasks") or 0)
        defective = round(error * inspected)
    else:
        return None
    alpha = m.get("agreement", {}).get("krippendorff_alpha", {}).get("value")
    return QualityRecord(
        audit=audit.id,
        batch=audit.batch,
        project=audit.project,
        delivered=delivered,
        verdict=decision or audit.verdict,
        inspected=inspected,
        defective=defective,
        error_rate=error,
        gold_accuracy=None if gold is None else gold.get("value"),
        agreement=alpha,
        on_time=m.get("timeliness", {}).get("on_time"),
        # a finding the contract allows (severity info: personal_data = "allow") is no misconduct
        findings=tuple(
            (f.id, f.kind) for f in audit.findings if f.kind in FINDING_SIGNALS and f.severity != "info"
        ),
    )


def audit_series(
    store: Store, partner: str, *, as_of: dt.date, audits: Sequence[AuditRecord] | None = None
) -> list[QualityRecord]:
    """The latest audit of each of the partner's batches delivered by ``as_of``, in delivery order, with
    the batch's decision once a review made by ``as_of`` decided it (``review.standing_reviews``: a re-audit
    does not lift a reviewer's rejection). ``audits``: the partner's, as ``Store.list_audits`` gives them,
    where the caller has read them already."""
    latest: dict[str, AuditRecord] = {}
    if audits is None:
        audits = store.list_audits(partner=partner)  # newest first: the first seen per batch is its latest
    for audit in audits:
        latest.setdefault(audit.batch, audit)
    standing = standing_reviews(store, audits, as_of=as_of)
    found = (_record(a, *_review_of(store, standing.get(a.batch))) for a in latest.values())
    records = [r for r in found if r is not None and r.delivered <= as_of]
    return sorted(records, key=lambda r: (r.delivered, r.audit))


def _review_of(
    store: Store, standing: tuple[AuditRecord, ReviewRecord] | None
) -> tuple[str | None, ErrorRate | None]:
    """The decision of the review that stands for a batch and the error rate it verified (None, None: none)."""
    if standing is None:
        return None, None
    audit, review = standing
    return review.decision, stored_review_estimate(store, audit, review)


def _alarms(records: Sequence[QualityRecord]) -> QualityAlarms | None:
    """Control charts over the batches with checked or estimated tasks (an unmeasurable batch has none)."""
    records = [r for r in records if r.inspected > 0]
    if len(records) < MIN_FOR_CHARTS:
        return None
    agreement = np.array([np.nan if r.agreement is None else r.agreement for r in records])
    series = AuditSeries.from_columns(
        dates=[r.delivered for r in records],
        inspected=[r.inspected for r in records],
        defective=[r.defective for r in records],
        metrics={"agreement": agreement},
        defect_name="errors",
    )
    return quality_alarms(series, baseline=SPC_BASELINE)


CLOSE_AFTER = 5  # batches in control in a row after a "worse" alarm that close its episode


def open_alarm_since(worse: Sequence[Alarm], n_batches: int) -> dt.date | None:
    """The day the open episode of "worse" alarms began, or None when none is open: an episode closes once
    ``CLOSE_AFTER`` batches in a row come in control after its last alarm (the process back in control, as a
    chart is read), and a later alarm opens a new one. Before, the first alarm ever stayed open for good."""
    if not worse:
        return None
    ordered = sorted(worse, key=lambda a: a.index)
    start = ordered[0]
    for previous, alarm in pairwise(ordered):
        if alarm.index - previous.index > CLOSE_AFTER:
            start = alarm
    return None if n_batches - 1 - ordered[-1].index >= CLOSE_AFTER else start.date


def _finding_events(
    records: Sequence[QualityRecord], upheld: Set[str] = frozenset()
) -> tuple[EventInput, ...]:
    """Ethics findings (pay below the floor, PII leaked, a disallowed licence) as signals of the hazard,
    dated by the audited batch; the id is the finding's (``f12``), so ``--without f12`` drops it. A finding
    whose dispute was ``upheld`` (the partner was right: it does not stand) is no signal."""
    return tuple(
        EventInput(finding, FINDING_SIGNALS[kind], r.delivered, certainty="confirmed")
        for r in records
        for finding, kind in r.findings
        if finding not in upheld
    )


def _event_inputs(
    everything: Sequence[LedgerEvent], day: dt.date, client: ClientRecord | None
) -> tuple[EventInput, ...]:
    """The ledger as the model reads it on ``day``: the events known then, and the client's stakes dated
    after it, which say only when the partner's recorded stake was taken (the model counts none of them)."""
    name, rivals = (client.name, client.rivals) if client is not None else (None, ())
    seen = [EventInput.from_event(e.event, client=name, rivals=rivals) for e in everything]
    return tuple(e for e in seen if e.date <= day or e.meaning == "binding_stake")


def contract_of(partner: PartnerRecord) -> Contract:
    """The partner's contract on file (read as ``contracts.stored`` reads what an older version stored), or the
    defaults."""
    if partner.contract_toml is None:
        return Contract.default()
    return partner_contract(partner.name, partner.contract_toml)  # stored: read leniently, with warnings


def _scorecard(records: Sequence[QualityRecord], as_of: dt.date) -> dict[str, Any]:
    if not records:
        return {"n_batches": 0}
    recent = [r for r in records if (as_of - r.delivered).days <= 90]
    verdicts = [r.verdict for r in records]
    timed = [r.on_time for r in records if r.on_time is not None]
    errors = [r.error_rate for r in records if r.error_rate is not None]
    recent_errors = [r.error_rate for r in recent if r.error_rate is not None]
    alphas = [r.agreement for r in records if r.agreement is not None]
    return {
        "n_batches": len(records),
        "n_batches_90d": len(recent),
        "first_delivery": records[0].delivered.isoformat(),
        "last_delivery": records[-1].delivered.isoformat(),
        "projects": sorted({r.project for r in records}),
        "verdicts": {v: verdicts.count(v) for v in ("accept", "review", "reject")},
        "acceptance_rate": verdicts.count("accept") / len(verdicts),
        "rejection_rate_90d": (sum(r.verdict == "reject" for r in recent) / len(recent)) if recent else None,
        "error_rate_mean": float(np.mean(errors)) if errors else None,
        "error_rate_90d": float(np.mean(recent_errors)) if recent_errors else None,
        "agreement_latest": alphas[-1] if alphas else None,
        "on_time_rate": (sum(timed) / len(timed)) if timed else None,
        "latest_audit": records[-1].audit,
    }


def _check_as_of(record: PartnerRecord, day: dt.date, *, asked: bool) -> None:
    """Refuse a day the forecast cannot read: past ``LATEST_AS_OF``, or before the partnership begins (a
    forecast before it began is no number; ``asked``: the caller gave the day, else it is today)."""
    if day > LATEST_AS_OF:  # the forecast reaches a year past it, and dates end in 9999
        raise InvalidInputError(
            f"an as-of date on or before {LATEST_AS_OF}", column="as_of", column_kind="field", got=str(day)
        )
    if record.since is not None and record.since > day:  # no forecast before the partnership begins
        if asked:
            raise InvalidInputError(
                f"an as-of date on or after the partnership's start ({record.since}, the partner's since)",
                column="as_of",
                column_kind="field",
                got=str(day),
            )
        raise InvalidInputError(
            f"a partnership that has started: {record.name}'s starts on {record.since} (its since), and"
            " there is no forecast before it begins",
            column="partner",
            column_kind="field",
            got=f"today {day}",
        )


def partner_health(
    store: Store,
    partner: str,
    *,
    as_of: dt.date | None = None,
    horizon_days: int = 180,
    without: Sequence[str] = (),
    assume: Mapping[str, float | int | bool | str] | None = None,
) -> PartnerHealth:
    """Scorecard, process-control alarms and the breakdown forecast of one partnership as of ``as_of``."""
    day = as_of or dt.datetime.now(dt.UTC).date()
    record = store.get_partner(partner, as_of=day)  # with the contract in force on that day
    _check_as_of(record, day, asked=as_of is not None)
    client = store.get_client()
    audits = store.list_audits(partner=record.name)  # read once: the series and the disputes use them
    records = audit_series(store, record.name, as_of=day, audits=audits)
    alarms = _alarms(records)
    worse = alarms.worse() if alarms is not None else ()
    everything = list_events(store, record.name)
    ledger = [e for e in everything if e.event.date <= day]
    # as the card and the report read disputes on the day; a re-audit's same finding stays disputed
    upheld = upheld_findings(store, audits, day)
    events = _event_inputs(everything, day, client) + _finding_events(records, upheld)
    contract = contract_of(record)
    start = record.since or (records[0].delivered if records else day)
    inputs = RiskInputs(
        as_of=day,
        start=start,
        equity_stake=record.equity_stake or 0.0,
        min_spend=record.min_spend_usd or 0.0,
        n_projects=max(1, len({r.project for r in records})),
        events=events,
        quality=tuple(
            QualityPoint(
                date=r.delivered,
                error_rate=r.error_rate,
                gold_accuracy=r.gold_accuracy,
                verdict=r.verdict,
                on_time=r.on_time,
            )
            for r in records
        ),
        max_error_rate=contract.quality.max_error_rate,
        spc_alarm_since=open_alarm_since(worse, sum(r.inspected > 0 for r in records)),
    )
    priors = workspace_priors(store) or library_priors()
    risk = forecast(inputs, horizon_days=horizon_days, without=without, assume=assume, priors=priors)
    spc: dict[str, Any] = (
        alarms.to_dict()
        if alarms is not None
        else {"alarms": [], "notes": [f"{len(records)} audits; charts start at {MIN_FOR_CHARTS}"]}
    )
    document = {
        "partner": record.name,
        "as_of": day.isoformat(),
        "risk": risk.to_dict(),
        "spc": spc,
        "scorecard": _scorecard(records, day),
        "events": [e.to_dict() for e in ledger],
        "client": None if client is None else client.name,
        # no since and no audit: the age is unknown, and the forecast takes the partnership as new on ``day``
        "start": {
            "date": start.isoformat() if record.since or records else None,
            "source": "since" if record.since else "first_audit" if records else "unknown",
        },
    }
    return PartnerHealth(
        partner=record, as_of=day, records=tuple(records), alarms=alarms, risk=risk, document=document
    )
