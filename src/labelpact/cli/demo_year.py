"""The second half of ``labelpact demo``: a year of three partnerships, quarter by quarter."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from labelpact.cli.allocate import render_allocation
from labelpact.cli.common import safe
from labelpact.cli.format import pct
from labelpact.cli.health import render_health
from labelpact.services.allocation import allocate_work
from labelpact.services.demo import (
    QUARTERS,
    YEAR_PROJECT,
    audit_year_until,
    quarter_rows,
    year_batches,
    year_setup,
)
from labelpact.services.health import partner_health

if TYPE_CHECKING:
    from labelpact.store import Store

__all__ = ["year_story"]

PROJECT = YEAR_PROJECT
NEXT_LABELS = 30_000


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
    for row in quarter_rows(store, start, end):
        style = "red" if row.risk >= 0.3 else "yellow" if row.risk >= 0.15 else "green"
        table.add_row(
            row.vendor,
            str(row.n_batches),
            f"{row.n_accepted}/{row.n_batches}",
            pct(row.gold_error),
            pct(row.on_time, 0),
            ", ".join(row.alarms) or "-",
            f"[{style}]{row.risk:.0%}[/]",
            "-" if row.top_driver is None else f"{row.top_driver[0]} {row.top_driver[1] * 100:+.0f} pts",
        )
    return table


def year_story(console: Console, store: Store, root: Path, seed: int) -> None:
    """Three vendors deliver every two weeks for a year; Cobalt Crowd slips after its CEO leaves."""
    console.print(
        Rule("A year of partnerships: three vendors, a batch every two weeks, audited as it arrives")
    )
    rival, n_added = year_setup(store, root)
    console.print(
        f"The ledger holds {n_added} events of the year (a CEO leaving Cobalt Crowd in June, a 14% "
        f"layoff in July, {rival} buying 30% of Borealis Data in November); each batch is audited on arrival."
    )
    batches = year_batches(seed)
    position = 0
    for number, end in enumerate(QUARTERS, start=1):
        start = QUARTERS[number - 2] if number > 1 else date(2025, 1, 1)
        position = audit_year_until(store, root, batches, position, end)
        console.print(_quarter_table(store, number, start, end))
        split = allocate_work(store, PROJECT, labels=NEXT_LABELS, as_of=end)
        shares = ", ".join(f"{safe(p['partner'])} {p['share']:.0%}" for p in split.document["partners"])
        console.print(f"  next quarter's {NEXT_LABELS:,} labels: {shares}")
    console.print(Rule('Why Cobalt Crowd is at risk: labelpact health "Cobalt Crowd" --as-of 2025-12-31'))
    render_health(console, partner_health(store, "Cobalt Crowd", as_of=QUARTERS[-1]).document, top=5)
    console.print(
        Rule(f"Where the next work goes: labelpact allocate --project {PROJECT} --as-of 2025-12-31")
    )
    render_allocation(console, allocate_work(store, PROJECT, labels=NEXT_LABELS, as_of=QUARTERS[-1]).document)
