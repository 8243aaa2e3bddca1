"""The second half of ``labelpact demo``: a year of three partnerships, quarter by quarter."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from labelpact.cli.allocate import render_allocation
from labelpact.cli.health import render_health
from labelpact.io.export import write_annotations, write_gold
from labelpact.services import add_partner
from labelpact.services.allocation import allocate_work
from labelpact.services.audit import audit_batch
from labelpact.services.events import import_events
from labelpact.services.health import partner_health
from labelpact.simulate.year import VENDORS, YearBatch, simulate_year, year_events
from labelpact.store import Store

__all__ = ["year_story"]

QUARTERS = (date(2025, 3, 31), date(2025, 6, 30), date(2025, 9, 30), date(2025, 12, 31))
PROJECT = "reviews"
NEXT_LABELS = 30_000

CONTRACT = """\
[labels]
classes = ["negative", "neutral", "positive", "mixed"]
[quality]
method = "mv"
min_gold_accuracy = 0.80
max_error_rate = 0.12
[acceptance]
aql = 6.5
[pay]
price_per_label = {price}
[allocation]
max_share = 0.6
"""


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(17, 0), tzinfo=UTC)


def _contract(root: Path, vendor: str) -> Path:
    return root / f"{vendor.split()[0].lower()}-contract.toml"


def _audit(store: Store, root: Path, batch: YearBatch) -> None:
    stem = f"{batch.vendor.split()[0].lower()}-w{batch.week:02d}"
    labels = write_annotations(batch.simulation.annotations, root / f"{stem}.csv")
    gold = write_gold(batch.simulation.annotations, batch.simulation.gold, root / f"{stem}-gold.csv")
    audit_batch(
        store,
        labels,
        partner=batch.vendor,
        project=PROJECT,
        gold=gold,
        contract=_contract(root, batch.vendor),
        delivered_at=_moment(batch.delivered),
        due_at=_moment(batch.due),
        n_bootstrap=200,
    )


def _quarter_table(store: Store, number: int, start: date, end: date) -> Table:
    table = Table(title=f"Q{number} 2025 (to {end.isoformat()})", title_justify="left")
    for name in (
        "vendor",
        "batches",
        "accepted",
        "gold error",
        "on time",
        "alarms",
        "risk 180 d",
        "top driver",
    ):
        table.add_column(name, justify="left" if name in ("vendor", "alarms", "top driver") else "right")
    for vendor in VENDORS:
        health = partner_health(store, vendor.name, as_of=end, horizon_days=180)
        records = [r for r in health.records if r.delivered >= start]
        errors = [r.defective / r.inspected for r in records if r.inspected]
        timed = [r.on_time for r in records if r.on_time is not None]
        alarms = [a for a in (health.alarms.worse() if health.alarms else ()) if start <= a.date <= end]
        risk = health.risk
        drivers = sorted(risk.contributions, key=lambda c: -c.effect)
        top = drivers[0] if drivers and drivers[0].effect > 0.005 else None
        style = "red" if risk.probability >= 0.3 else "yellow" if risk.probability >= 0.15 else "green"
        table.add_row(
            vendor.name,
            str(len(records)),
            f"{sum(r.verdict == 'accept' for r in records)}/{len(records)}",
            f"{np.mean(errors):.1%}" if errors else "-",
            f"{np.mean(timed):.0%}" if timed else "-",
            ", ".join(sorted({a.chart for a in alarms})) or "-",
            f"[{style}]{risk.probability:.0%}[/]",
            "-" if top is None else f"{top.signal} {top.effect * 100:+.0f} pts",
        )
    return table


def year_story(console: Console, store: Store, root: Path, seed: int) -> None:
    """Three vendors deliver every two weeks for a year; Cobalt Crowd slips after its CEO leaves."""
    root.mkdir(parents=True, exist_ok=True)
    client = store.get_client()
    rival = client.rivals[0] if client is not None and client.rivals else "Globex Research"
    console.print(
        Rule("A year of partnerships: three vendors, a batch every two weeks, audited as it arrives")
    )
    for vendor in VENDORS:
        contract = _contract(root, vendor.name)
        contract.write_text(CONTRACT.format(price=vendor.price_per_label), encoding="utf-8")
        if vendor.name not in {p.name for p in store.list_partners()}:
            add_partner(
                store, vendor.name, since=vendor.since, min_spend_usd=vendor.min_spend_usd, contract=contract
            )
    ledger = root / "events.json"
    ledger.write_text(json.dumps(year_events(rival), indent=1), encoding="utf-8")
    imported = import_events(store, ledger)
    console.print(
        f"The ledger holds {imported.n_added} events of the year (a CEO leaving Cobalt Crowd in June, a 14% "
        f"layoff in July, {rival} buying 30% of Borealis Data in November); each batch is audited on arrival."
    )
    batches = simulate_year(seed=seed)
    position = 0
    for number, end in enumerate(QUARTERS, start=1):
        start = QUARTERS[number - 2] if number > 1 else date(2025, 1, 1)
        while position < len(batches) and batches[position].delivered <= end:
            _audit(store, root, batches[position])
            position += 1
        console.print(_quarter_table(store, number, start, end))
        split = allocate_work(store, PROJECT, labels=NEXT_LABELS, as_of=end)
        shares = ", ".join(f"{p['partner']} {p['share']:.0%}" for p in split.document["partners"])
        console.print(f"  next quarter's {NEXT_LABELS:,} labels: {shares}")
    console.print(Rule('Why Cobalt Crowd is at risk: labelpact health "Cobalt Crowd" --as-of 2025-12-31'))
    render_health(console, partner_health(store, "Cobalt Crowd", as_of=QUARTERS[-1]).document, top=5)
    console.print(
        Rule(f"Where the next work goes: labelpact allocate --project {PROJECT} --as-of 2025-12-31")
    )
    render_allocation(console, allocate_work(store, PROJECT, labels=NEXT_LABELS, as_of=QUARTERS[-1]).document)
