"""Reads behind the web dashboard: the portfolio, a partner, an audit and the disputes, as plain documents.

Each read applies the rules of ``access`` exactly as ``scoped`` does (a partner sees only its own objects,
another partner's is a 404; the portfolio, forecast, alarms and events ledger are the client's), and
reuses ``partner_health`` and the stored audits rather than computing anything new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from labelpact.errors import NotFoundError
from labelpact.io.export import csv_text
from labelpact.partners.spc import Chart, CusumChart, EwmaChart, PChart
from labelpact.services.access import Principal, hidden_from, require_client, require_owner
from labelpact.services.audit import audit_rows
from labelpact.services.disputes import list_disputes
from labelpact.services.health import PartnerHealth, QualityRecord, partner_health
from labelpact.services.kind_view import kind_view
from labelpact.services.review import consensus_table, stored_review_estimate
from labelpact.services.review_sheet import review_sheet
from labelpact.services.scoped import get_audit, get_batch, get_dispute
from labelpact.store import AuditRecord, PartnerRecord, ReviewRecord, Store

__all__ = [
    "RECENT_DAYS",
    "audit_view",
    "dispute_views",
    "partner_view",
    "portfolio_view",
    "sample_csv",
]

RECENT_DAYS = 90  # "current work": annotations delivered in this many days before the view's date
N_CANDIDATES = 20
N_WORKERS = 60


class _PageReads:
    """The store as one page reads it: ``list_audits`` answered once per filter, since a page's services
    (its health, its forecast a month ago, its audit list) read the same audits; everything else passes on."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._audits: dict[tuple[tuple[str, str | None], ...], list[AuditRecord]] = {}

    def list_audits(
        self, *, batch: str | None = None, partner: str | None = None, project: str | None = None
    ) -> list[AuditRecord]:
        key = (("batch", batch), ("partner", partner), ("project", project))
        if key not in self._audits:
            self._audits[key] = self._store.list_audits(batch=batch, partner=partner, project=project)
        return list(self._audits[key])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def _page_reads(store: Store) -> Store:
    return cast(Store, _PageReads(store))


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _defect_series(records: Sequence[QualityRecord]) -> list[dict[str, Any]]:
    """Each audited batch's share of defective checked tasks, in delivery order."""
    return [
        {
            "date": r.delivered.isoformat(),
            "batch": r.batch,
            "audit": r.audit,
            "rate": r.defective / r.inspected,
        }
        for r in records
        if r.inspected
    ]


def _state(health: PartnerHealth, last: Sequence[dict[str, Any]]) -> str:
    """One phrase for the portfolio's health column: process control first, then the latest verdict
    (``last``: ``_last_verdicts``; a batch a reviewed sample rejected is rejected)."""
    if not health.records:
        return "no audits yet"
    if health.alarms is not None and health.alarms.worse():
        return "out of control"
    if "reject" in (last[-1]["verdict"], last[-1]["review"]):
        return "last batch rejected"
    return "in control" if health.alarms is not None else "too few audits for control charts"


def _last_verdicts(store: Store, partner: str, records: Sequence[QualityRecord]) -> list[dict[str, Any]]:
    """Each audit's own verdict and the decision of its latest reviewed sample (None: none yet), so that a
    "review" the sample settled reads "review -> reject" (the health records hold the decision alone)."""
    decisions = store.latest_review_decisions([r.audit for r in records])
    verdicts = {a.id: a.verdict for a in store.list_audits(partner=partner)}
    return [
        {"audit": r.audit, "verdict": verdicts.get(r.audit, r.verdict), "review": decisions.get(r.audit)}
        for r in records
    ]


def portfolio_view(store: Store, principal: Principal, *, as_of: dt.date | None = None) -> dict[str, Any]:
    """One row per partner (health state, last verdicts, alarms, forecast and its change over 30 days,
    share of the work delivered in the last ``RECENT_DAYS``) and each partner's defect rate over time."""
    require_client(principal, "the portfolio")
    store = _page_reads(store)
    day = as_of or _today()
    month_ago = day - dt.timedelta(days=30)
    since = day - dt.timedelta(days=RECENT_DAYS)
    recent: dict[str, int] = {}
    for b in store.list_batches():
        if since <= b.delivered_at.astimezone(dt.UTC).date() <= day:
            recent[b.partner] = recent.get(b.partner, 0) + b.n_annotations
    total = sum(recent.values())
    rows = [
        _portfolio_row(store, partner, day, month_ago, recent.get(partner.name, 0) / total if total else None)
        for partner in store.list_partners()
    ]
    return {"as_of": day.isoformat(), "horizon_days": 180, "recent_days": RECENT_DAYS, "partners": rows}


def _portfolio_row(
    store: Store, partner: PartnerRecord, day: dt.date, month_ago: dt.date, share: float | None
) -> dict[str, Any]:
    """One partner's portfolio row. A partnership not started by ``day`` has no forecast ("starts on ..."),
    and one started less than a month before it no month-ago figure (None): a forecast before the partnership
    began is no number, and one new partner must not take the whole page down."""
    if partner.since is not None and partner.since > day:
        return {
            "partner": partner.name,
            "state": f"starts on {partner.since.isoformat()}",
            "not_started_until": partner.since.isoformat(),
            "n_batches": 0,
            "last_verdicts": [],
            "alarms": [],
            "risk": None,
            "risk_interval": None,
            "risk_month_ago": None,
            "risk_change": None,
            "share": share,
            "defect_rate": [],
        }
    now = partner_health(store, partner.name, as_of=day)
    started = partner.since is None or partner.since <= month_ago
    before = partner_health(store, partner.name, as_of=month_ago).risk.probability if started else None
    worse = now.alarms.worse() if now.alarms is not None else ()
    last = _last_verdicts(store, partner.name, now.records[-5:])
    return {
        "partner": partner.name,
        "state": _state(now, last),
        "not_started_until": None,
        "n_batches": len(now.records),
        "last_verdicts": last,
        "alarms": [a.to_dict() for a in worse],
        "risk": now.risk.probability,
        "risk_interval": list(now.risk.interval),
        "risk_month_ago": before,
        "risk_change": None if before is None else now.risk.probability - before,
        "share": share,
        "defect_rate": _defect_series(now.records),
    }


def _chart_dict(name: str, chart: Chart) -> dict[str, Any] | None:
    """A control chart's points, limits and alarms as plain lists (None for charts the page does not draw)."""
    alarms = [a.to_dict() for a in chart.alarms]
    dates = [d.isoformat() for d in chart.dates]
    common = {"name": name, "metric": chart.metric, "dates": dates, "centre": float(chart.centre)}
    if isinstance(chart, PChart):
        values, lcl, ucl = chart.proportion, chart.lcl, chart.ucl
    elif isinstance(chart, EwmaChart):
        values, lcl, ucl = chart.ewma, chart.lcl, chart.ucl
    elif isinstance(chart, CusumChart):  # the upper sum (worse for errors) and the lower, against h
        values, lcl, ucl = chart.upper, np.zeros_like(chart.upper), np.full_like(chart.upper, chart.h)
        common |= {"centre": 0.0, "lower_sum": [float(v) for v in chart.lower]}
    else:
        return None
    return common | {
        "values": [float(v) for v in values],
        "lcl": [float(v) for v in lcl],
        "ucl": [float(v) for v in ucl],
        "out_of_control": [bool(v) for v in chart.out_of_control],
        "alarms": alarms,
    }


def _client_part(store: Store, health: PartnerHealth, without: str | None) -> dict[str, Any]:
    """What only the client sees: control charts, the ledger, the forecast and the what-if of one removal."""
    charts = health.alarms.charts if health.alarms is not None else {}
    drawn = [_chart_dict(name, charts[name]) for name in ("p", "ewma", "cusum") if name in charts]
    what_if = None
    if without:
        ids = {c.event_id for c in health.risk.contributions if c.event_id}
        if without not in ids:
            raise NotFoundError(f"no contribution of event {without!r} to {health.partner.name}'s forecast")
        other = partner_health(store, health.partner.name, as_of=health.as_of, without=(without,))
        what_if = {
            "without": without,
            "probability": other.risk.probability,
            "interval": list(other.risk.interval),
            "change": other.risk.probability - health.risk.probability,
        }
    return {
        "risk": health.document["risk"],
        "spc": health.document["spc"],
        "charts": [c for c in drawn if c is not None],
        "events": health.document["events"],
        "what_if": what_if,
    }


def _audit_list(store: Store, partner: str) -> list[dict[str, Any]]:
    """The partner's audits, newest first, as ``audits list`` rows (review decisions read in one query)."""
    return [{"id": row["audit"]} | row for row in audit_rows(store, partner=partner)]


def partner_view(
    store: Store, principal: Principal, name: str, *, without: str | None = None
) -> dict[str, Any]:
    """A partner's page: scorecard, defect rate per batch and audits; for the client also its control
    charts, events and forecast with the what-if of removing event ``without``."""
    require_owner(principal, name, "partner", name)
    with hidden_from(principal, "partner", name):
        record = store.get_partner(name)
    store = _page_reads(store)
    today = _today()
    # a partnership that has not started yet is read as of its first day (said on the page), not refused
    starts = record.since if record.since is not None and record.since > today else None
    health = partner_health(store, record.name, as_of=starts or today)
    document: dict[str, Any] = {
        "partner": record.name,
        "since": None if record.since is None else record.since.isoformat(),
        "not_started_until": None if starts is None else starts.isoformat(),
        "as_of": health.as_of.isoformat(),
        "scorecard": health.document["scorecard"],
        "defect_rate": _defect_series(health.records),
        "audits": _audit_list(store, record.name),
        "client": None,
    }
    if not principal.is_partner:
        document["client"] = _client_part(store, health, without)
    return document


def audit_view(store: Store, principal: Principal, ref: str) -> dict[str, Any]:
    """An audit's page: the ``audits show`` document, its batch, the disputes on its findings with their
    threads, the sampled tasks and the label-error candidates (lowest consensus confidence) from its consensus."""
    document = get_audit(store, principal, ref)
    batch = get_batch(store, principal, document["batch"])
    disputes = [get_dispute(store, principal, d.id) for d in list_disputes(store, audit=document["audit"])]
    record = store.get_audit(document["audit"])  # read once: its consensus and its kind's table
    table = _consensus(store, record)
    sample: list[dict[str, Any]] = [
        {"task": t, "label": None, "confidence": None} for t in document["sample_tasks"]
    ]
    candidates: list[dict[str, Any]] = []
    if table is not None:
        tasks, labels, confidence = table
        where = {t: i for i, t in enumerate(tasks)}
        sample = [
            {"task": t, "label": labels[where[t]], "confidence": float(confidence[where[t]])}
            if t in where
            else {"task": t, "label": None, "confidence": None}
            for t in document["sample_tasks"]
        ]
        order = np.argsort(confidence, kind="stable")[:N_CANDIDATES]
        candidates = [
            {"task": tasks[i], "label": labels[i], "confidence": float(confidence[i])} for i in order
        ]
    return document | {
        "kind_view": kind_view(store, record),
        "batch_record": batch,
        "disputes": disputes,
        "sample": sample,
        "candidates": candidates,
        "sheet_column": "defective" if table is None else "label",  # as ``review_sheet`` writes it
        "workers": _workers(document),  # rows, and the counts the page states above them
        "reviews": [
            {
                "id": r.id,
                "at": r.created_at.isoformat(),
                "reviewer": r.reviewer,
                "n_inspected": r.n_inspected,
                "n_defective": r.n_defective,
                "decision": r.decision,
                "error_rate": _verified(store, record, r),
            }
            for r in store.list_reviews(document["audit"])
        ],
    }


def _verified(store: Store, record: AuditRecord, review: ReviewRecord) -> dict[str, Any] | None:
    """The error rate ``review`` verified (``labelpact review``'s ``error_rate``); None without consensus."""
    estimate = stored_review_estimate(store, record, review)
    return None if estimate is None else estimate.to_dict()


# Flags the pay rows give for every worker, where a finding's evidence names at most 20 of them.
_PAY_FLAGS = {"pay_below_floor": "below_floor", "implausible_time": "n_too_fast"}


def _worker_flags(
    document: dict[str, Any], pay: dict[str, dict[str, Any]]
) -> tuple[dict[str, list[str]], int]:
    """Each flagged worker's finding kinds, and how many workers the findings count but do not name."""
    flags: dict[str, list[str]] = {}
    unnamed = 0
    for finding in document["findings"]:
        kind, evidence = finding["kind"], finding.get("evidence") or {}
        if kind in _PAY_FLAGS and pay:
            named = [w for w, row in pay.items() if row.get(_PAY_FLAGS[kind])]
        else:
            listed = [w.get("worker") if isinstance(w, dict) else w for w in evidence.get("workers") or ()]
            named = [w for w in listed if isinstance(w, str)]
            counted = evidence.get("n_workers", evidence.get("n_workers_unknown"))
            unnamed += max(counted - len(named), 0) if isinstance(counted, int) else 0
        for name in named:
            flags.setdefault(name, []).append(kind)
    return flags, unnamed


def _workers(document: dict[str, Any], limit: int = N_WORKERS) -> dict[str, Any]:
    """Worker scorecards from the stored audit: the flags its findings name (pay flags from the pay check's
    rows, which cover every worker) and the pay check's hours and hourly pay; flagged workers first, then the
    rest by name, at most ``limit`` rows, with the counts the page states above them."""
    pay = {w["worker"]: w for w in ((document.get("ethics") or {}).get("pay") or {}).get("workers") or ()}
    flags, unnamed = _worker_flags(document, pay)
    names = sorted(flags) + sorted(set(pay) - set(flags))
    by_flag: dict[str, int] = {}
    for kinds in flags.values():
        for kind in kinds:
            by_flag[kind] = by_flag.get(kind, 0) + 1
    rows = [
        {
            "worker": name,
            "flags": flags.get(name, []),
            "n_labels": pay.get(name, {}).get("n_labels"),
            "hours": pay.get(name, {}).get("hours"),
            "hourly_pay": pay.get(name, {}).get("hourly_pay"),
            "below_floor": pay.get(name, {}).get("below_floor"),
        }
        for name in names[:limit]
    ]
    return {
        "rows": rows,
        "n_rows": len(names),
        "n_workers": (document.get("metrics") or {}).get("n_workers", len(names)),
        "n_flagged": len(flags),
        "by_flag": dict(sorted(by_flag.items())),
        "n_unnamed": unnamed,
    }


def _consensus(store: Store, record: AuditRecord) -> tuple[list[str], list[str], np.ndarray[Any, Any]] | None:
    """(tasks, consensus labels, confidence) of a stored audit; None when it kept no consensus."""
    try:
        table = consensus_table(store, record)
    except NotFoundError:
        return None
    tasks = [str(t) for t in table.column("task").to_pylist()]
    labels = [str(v) for v in table.column("label").to_pylist()]
    confidence = np.asarray(table.column("confidence").to_numpy(zero_copy_only=False), dtype=float)
    return tasks, labels, confidence


def sample_csv(store: Store, principal: Principal, ref: str) -> tuple[str, str]:
    """The audit id and its review sheet as CSV (``review.review_sheet``, formulas neutralised): the file
    ``labelpact review AUDIT --results FILE`` takes once a reviewer corrects ``label`` (it starts as the
    consensus), or answers ``defective`` for the other kinds; the same sheet as ``labelpact audits sample``."""
    view = audit_view(store, principal, ref)
    return view["audit"], csv_text(review_sheet(store, store.get_audit(view["audit"])))


def dispute_views(
    store: Store, principal: Principal, *, partner: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Disputes newest first with their comments (a partner: on its own findings; ``partner`` filters for
    the client), each with the finding's kind and detail."""
    if principal.is_partner:
        if partner not in (None, principal.partner):
            raise NotFoundError(f"unknown partner {partner!r}")
        partner = principal.partner
    out = []
    findings: dict[str, dict[str, Any]] = {}
    for record in list_disputes(store, partner=partner, status=status):
        if record.audit not in findings:
            findings[record.audit] = {
                f["id"]: f for f in get_audit(store, principal, record.audit)["findings"]
            }
        thread = get_dispute(store, principal, record.id)
        out.append(thread | {"finding_record": findings[record.audit].get(record.finding)})
    return out
