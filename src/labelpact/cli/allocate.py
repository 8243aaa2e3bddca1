"""``allocate``: how to split a project's next work between its partners."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from labelpact.cli.common import DATETIME, common_options, make_output, open_store, parse_list, safe
from labelpact.services.allocation import allocate_work
from labelpact.services.health import HORIZONS

__all__ = ["allocate", "render_allocation"]


@click.command(epilog="Example: labelpact allocate --project sentiment --labels 20000")
@click.option("--project", required=True, help="The project whose next work is split.")
@click.option("--labels", type=int, default=None, help="How many labels to split (default 10,000).")
@click.option("--budget", type=float, default=None, help="Or: how much to spend, in the contracts' currency.")
@click.option(
    "--partners", default=None, metavar="A,B", help="Also consider these partners (no history yet)."
)
@click.option("--as-of", type=DATETIME, default=None, help="Judge as the ledger stood on this date.")
@click.option(
    "--horizon",
    type=click.Choice([str(h) for h in HORIZONS]),
    default="180",
    show_default=True,
    help="Horizon of the breakdown risk that discounts each partner.",
)
@common_options
def allocate(
    project: str,
    labels: int | None,
    budget: float | None,
    partners: str | None,
    as_of: datetime | None,
    horizon: str,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Suggest the split of the next work: most expected correct labels per dollar, within each contract's
    allocation.max_share, discounted by each partnership's breakdown risk."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        result = allocate_work(
            store,
            project,
            labels=labels if labels is not None or budget is not None else 10_000,
            budget=budget,
            partners=parse_list(partners, option="--partners") or (),
            as_of=as_of.date() if as_of is not None else None,
            horizon_days=int(horizon),
        )
    out.emit(result.document, lambda: render_allocation(out.stdout, result.document))


def render_allocation(console: Console, doc: dict[str, Any]) -> None:
    """One row per partner: labels, share, accuracy, risk and why."""
    risk = {e["partner"]: e["risk"] for e in doc["evidence"]}
    table = Table(
        title=f"Next {doc['n_labels']:,} labels of {safe(doc['project'])}: {doc['expected_correct']:,.0f} expected correct "
        f"for {doc['cost']:,.2f} ({doc['correct_per_dollar']:.1f} per unit of currency)",
        title_justify="left",
    )
    for name in ("partner", "labels", "share", "accuracy", "risk", "why"):
        table.add_column(name, justify="right" if name in ("labels", "share", "accuracy", "risk") else "left")
    for p in doc["partners"]:
        table.add_row(
            safe(p["partner"]),
            f"{p['labels']:,}",
            f"{p['share']:.0%}",
            f"{p['accuracy']:.1%}",
            f"{risk[p['partner']]:.0%}",
            p["reason"],
        )
    console.print(table)
    for note in doc.get("notes", []):
        console.print(f"[dim]{note}[/]")
