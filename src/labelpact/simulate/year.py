"""A year of one lab's partnerships, simulated: three vendors deliver every two weeks, one of them slips.

Cobalt Crowd is good until its CEO leaves (week 24) and it lays off 14% of its staff (week 28); from
week 26 its workforce gets worse and its batches start arriving late. A rival of the client takes a
stake in Borealis Data in week 44. The events and the drift are what `labelpact demo` makes visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from labelpact.simulate.delivery import Simulation, simulate_delivery

__all__ = ["CLASSES", "VENDORS", "Vendor", "YearBatch", "simulate_year", "year_events"]

CLASSES = ("negative", "neutral", "positive", "mixed")
START = date(2025, 1, 6)  # a Monday
WEEKS = 52
EVERY_WEEKS = 2
SLIP_WEEKS = 24


@dataclass(frozen=True, slots=True)
class Vendor:
    """A vendor's workforce before (and, for a slipping vendor, after ``slip_week``) and its terms."""

    name: str
    since: date
    price_per_label: float
    min_spend_usd: float | None
    mediocre: float
    spammers: float
    slip_week: int | None = None
    mediocre_after: float = 0.0
    spammers_after: float = 0.0


VENDORS: tuple[Vendor, ...] = (
    Vendor("Acme Labels", date(2023, 3, 1), 0.25, 250_000.0, mediocre=0.15, spammers=0.01),
    Vendor("Borealis Data", date(2024, 6, 1), 0.15, None, mediocre=0.35, spammers=0.03),
    Vendor(
        "Cobalt Crowd",
        date(2022, 9, 1),
        0.20,
        150_000.0,
        mediocre=0.12,
        spammers=0.01,
        slip_week=26,
        mediocre_after=0.70,
        spammers_after=0.14,
    ),
)


@dataclass(frozen=True, slots=True)
class YearBatch:
    """One delivery of the year: who, for which week, when it was due and delivered, and its labels."""

    vendor: str
    week: int
    due: date
    delivered: date
    simulation: Simulation


def _week(n: int) -> date:
    return START + timedelta(weeks=n)


def simulate_year(
    *, n_tasks: int = 400, vendors: Sequence[Vendor] = VENDORS, seed: int = 0
) -> list[YearBatch]:
    """Every vendor's batches of the year in delivery order (``n_tasks`` tasks, 3 labels each, 5% gold)."""
    batches = []
    for v_index, vendor in enumerate(vendors):
        for week in range(1, WEEKS, EVERY_WEEKS):
            slipped = vendor.slip_week is not None and week >= vendor.slip_week
            # the slip deepens over SLIP_WEEKS weeks, then stays: a workforce hollowed out by the layoff
            depth = (
                min(1.0, (week - vendor.slip_week + 2) / SLIP_WEEKS) if slipped and vendor.slip_week else 0.0
            )
            mediocre = vendor.mediocre + depth * (vendor.mediocre_after - vendor.mediocre)
            spammers = vendor.spammers + depth * (vendor.spammers_after - vendor.spammers)
            sim = simulate_delivery(
                n_tasks=n_tasks,
                n_workers=200,
                n_classes=len(CLASSES),
                labels_per_task=3,
                class_names=CLASSES,
                class_priors=(0.3, 0.35, 0.25, 0.1),
                share_random_spammers=spammers,
                share_fixed_spammers=spammers / 3,
                share_mediocre=mediocre,
                share_adversarial=0.0,
                duplicate_rate=0.0,
                gold_share=0.10,
                median_duration_s=12.0,
                seed=seed * 10_007 + v_index * 1_009 + week,
            )
            due = _week(week) + timedelta(days=4)
            late_days = (3 if week % 4 == 1 else 1) if slipped else 0
            batches.append(
                YearBatch(
                    vendor=vendor.name,
                    week=week,
                    due=due,
                    delivered=due + timedelta(days=late_days if slipped else -1),
                    simulation=sim,
                )
            )
    return sorted(batches, key=lambda b: (b.delivered, b.vendor))


def year_events(client_rival: str) -> list[dict[str, Any]]:
    """The ledger of the year, as rows ``labelpact events import`` reads (partner, kind, date, ...)."""
    rows = [
        ("Acme Labels", "executive_hire", 10, "Dana Ruiz", 1, "Hires a head of quality from a research lab."),
        ("Cobalt Crowd", "executive_departure", 24, "Ines Alvarez", 1, "The CEO leaves for a competitor."),
        ("Cobalt Crowd", "layoff", 28, None, 0.14, "Lays off 14% of staff, most of them in quality review."),
        (
            "Cobalt Crowd",
            "quality_complaint",
            34,
            "Northwind AI research",
            0.12,
            "Our researchers report low label quality on the sentiment project.",
        ),
        (
            "Cobalt Crowd",
            "customer_exit",
            38,
            "Initech Labs",
            2_000_000,
            "Another client moves its work away.",
        ),
        ("Borealis Data", "investment", 44, client_rival, 0.30, f"{client_rival} takes a 30% stake."),
    ]
    return [
        {
            "partner": partner,
            "kind": kind,
            "date": _week(week).isoformat(),
            "actor": actor,
            "magnitude": magnitude,
            "summary": summary,
            "source_url": "https://example.invalid/demo",
            "certainty": "confirmed",
        }
        for partner, kind, week, actor, magnitude, summary in rows
    ]
