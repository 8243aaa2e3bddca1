"""``health``: where one partnership stands and where it is heading, with every driver explained."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from labelpact.cli.common import DATETIME, common_options, make_output, open_store, safe
from labelpact.cli.format import pct
from labelpact.errors import InvalidInputError
from labelpact.services.health import HORIZONS, partner_health

__all__ = ["health", "parse_assumptions", "render_health"]


def parse_assumptions(values: tuple[str, ...]) -> dict[str, float | str]:
    """``KEY=VALUE`` pairs for ``--assume``; numbers become floats."""
    out: dict[str, float | str] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInputError(
                "KEY=VALUE, such as equity_stake=0", column="--assume", column_kind="option", got=repr(item)
            )
        try:
            out[key.strip()] = float(raw)
        except ValueError:
            out[key.strip()] = raw.strip()
    return out


@click.command(
    epilog='Example: labelpact health "Scale AI" --as-of 2025-07-01 --horizon 180 --without e7 --assume equity_stake=0'
)
@click.argument("partner")
@click.option(
    "--as-of", type=DATETIME, default=None, help="Judge as the ledger stood on this date (default today)."
)
@click.option(
    "--horizon",
    type=click.Choice([str(h) for h in HORIZONS]),
    default="180",
    show_default=True,
    help="Days ahead the breakdown probability covers.",
)
@click.option(
    "--without",
    multiple=True,
    metavar="EVENT",
    help="What if this event (e7) or ethics finding (f12) had not happened.",
)
@click.option("--assume", multiple=True, metavar="KEY=VALUE", help="What if an input were different.")
@common_options
def health(
    partner: str,
    as_of: datetime | None,
    horizon: str,
    without: tuple[str, ...],
    assume: tuple[str, ...],
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """A partner's scorecard, process-control alarms and the forecast that the partnership breaks down."""
    out = make_output(as_json)
    if as_of is not None and as_of.date() > datetime.now(UTC).date():
        out.warn(
            f"--as-of {as_of.date()} is after today: the forecast reads the ledger as recorded today (its events "
            f"dated up to {as_of.date()} count, future-dated ones too) and assumes nothing else happens before then"
        )
    with open_store(workspace, db) as store:
        result = partner_health(
            store,
            partner,
            as_of=as_of.date() if as_of is not None else None,
            horizon_days=int(horizon),
            without=without,
            assume=parse_assumptions(assume),
        )
    out.emit(result.document, lambda: render_health(out.stdout, result.document))


def render_health(console: Console, doc: dict[str, Any], *, top: int = 6) -> None:
    """Headline probability, the signals behind it, the alarms and the scorecard."""
    risk = doc["risk"]
    lo, hi = risk["interval"]
    style = "red" if risk["probability"] >= 0.3 else "yellow" if risk["probability"] >= 0.15 else "green"
    console.print(
        f"[bold]{safe(doc['partner'])}[/] as of {doc['as_of']}: [{style}]{risk['probability']:.0%}[/] chance the "
        f"partnership breaks down within {risk['horizon_days']} days (interval {lo:.0%} to {hi:.0%}; "
        f"a typical partnership of its age: {risk['baseline_probability']:.0%})"
    )
    if doc.get("start", {}).get("source") == "unknown":
        console.print(
            "[dim]start unknown (the partner has no since and no audit): the forecast takes the partnership "
            "as new on the as-of date, so its age is 0[/]"
        )
    ranked = sorted(risk["contributions"], key=lambda c: -abs(c["effect"]))
    drivers = ranked[:top]
    # the ledger events behind the forecast are always named, even when quality outweighs them
    drivers += [c for c in ranked[top:] if c.get("event_id") and c["effect"] > 0.001][:3]
    if drivers:
        events = {e["id"]: e for e in doc.get("events", [])}
        # leave-one-out changes: with saturation and a non-linear hazard they overlap, so say they do not add up
        table = Table(
            title="What drives it (each: the risk minus the risk without it; these do not add up)",
            title_justify="left",
        )
        table.add_column("signal")
        table.add_column("effect", justify="right")
        table.add_column("log-odds", justify="right")
        table.add_column("event")
        table.add_column("evidence", overflow="fold")
        for c in drivers:
            effect = c["effect"]
            event_id = c.get("event_id") or ""
            event = events.get(event_id)
            if event is not None:
                evidence = f"{event['date']} {event['description']}; {event.get('source_url') or 'no source'}"
            elif event_id:
                evidence = f"ethics finding {event_id} of an audit"
            else:
                evidence = c["source"]
            log_odds = ", ".join(f"{k.split('_')[0]} {v:+.2f}" for k, v in c.get("log_odds", {}).items())
            table.add_row(
                c["signal"],
                f"[{'red' if effect > 0 else 'green'}]{effect * 100:+.1f} pts[/]",
                log_odds,
                event_id,
                evidence,
            )
        console.print(table)
    first: dict[str, dict[str, Any]] = {}
    for alarm in doc["spc"]["alarms"]:  # in time order: the first alarm of each chart says when it began
        first.setdefault(f"{alarm['chart']}:{alarm.get('metric')}", alarm)
    for alarm in first.values():
        console.print(f"[red]alarm[/] {alarm['reason']}")
    for note in doc["spc"].get("notes", [])[:2]:
        console.print(f"[dim]{note}[/]")
    card = doc["scorecard"]
    if card.get("n_batches"):
        console.print(
            f"{card['n_batches']} audited batches since {card['first_delivery']}: accepted {pct(card['acceptance_rate'], 0)}, "
            f"mean estimated error {pct(card['error_rate_mean'], 0)} (last 90 days {pct(card['error_rate_90d'], 0)}), "
            f"on time {pct(card['on_time_rate'], 0)}."
        )
