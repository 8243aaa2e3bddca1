"""Use case: split a project's next work between its partners by value per dollar, capped and risk-aware."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from labelpact.errors import InvalidInputError
from labelpact.partners.allocation import Allocation, PartnerOffer, allocate
from labelpact.services.health import contract_of, partner_health
from labelpact.store import Store

__all__ = ["RECENT_DAYS", "WorkSplit", "allocate_work"]

RECENT_DAYS = 90


@dataclass(frozen=True, slots=True)
class WorkSplit:
    """The suggested split and the ``labelpact allocate --json`` document."""

    allocation: Allocation
    document: dict[str, Any]


def allocate_work(
    store: Store,
    project: str,
    *,
    labels: int | None = None,
    budget: float | None = None,
    partners: Sequence[str] = (),
    as_of: dt.date | None = None,
    horizon_days: int = 180,
    risk_penalty: float = 1.0,
) -> WorkSplit:
    """Offers from every partner that delivered to ``project`` by ``as_of`` (plus ``partners``): accuracy on held-out gold
    of their batches of the last 90 days (all of them when none is that recent), price and share cap from
    their contracts, breakdown risk from their health."""
    store.get_project(project)
    day = as_of or dt.datetime.now(dt.UTC).date()
    delivered = {b.partner for b in store.list_batches(project=project) if b.delivered_at.date() <= day}
    names = sorted(delivered | set(partners))
    if not names:
        raise InvalidInputError(
            f"a project with batches delivered by the as-of date ({day}) or partners to consider",
            column="project",
            column_kind="field",
            got=repr(project),
        )
    offers: list[PartnerOffer] = []
    evidence: list[dict[str, Any]] = []
    for name in names:
        since = store.get_partner(name).since
        if since is not None and since > day:  # not started by then: no offer, and said so
            evidence.append({"partner": name, "not_started_until": since.isoformat()})
            continue
        health = partner_health(store, name, as_of=day, horizon_days=horizon_days)
        record = health.partner
        history = [r for r in health.records if r.project == project]
        # a vendor is what it delivers now: the last RECENT_DAYS of audits, or all when none is that recent
        recent = [r for r in history if (day - r.delivered).days <= RECENT_DAYS]
        audits = recent or history
        gold_total = sum(r.inspected for r in audits if r.gold_accuracy is not None)
        gold_correct = sum(r.inspected - r.defective for r in audits if r.gold_accuracy is not None)
        risk = health.risk
        offers.append(
            PartnerOffer.from_contract(
                record.name,
                contract_of(record),
                gold_correct=gold_correct,
                gold_total=gold_total,
                risk=risk.probability,
            )
        )
        evidence.append(
            {
                "partner": record.name,
                "batches": len(audits),
                "gold_correct": gold_correct,
                "gold_total": gold_total,
                "risk": risk.probability,
                "risk_horizon_days": horizon_days,
            }
        )
    if not offers:
        raise InvalidInputError(
            "a partner whose partnership has started by the as-of date",
            column="as_of",
            column_kind="field",
            got=f"{day}, before every partner's start ({', '.join(e['partner'] for e in evidence)})",
        )
    split = allocate(offers, labels=labels, budget=budget, risk_penalty=risk_penalty)
    document = {"project": project, "as_of": day.isoformat(), **split.to_dict(), "evidence": evidence}
    return WorkSplit(allocation=split, document=document)
