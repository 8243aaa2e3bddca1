"""``event add``, ``events import`` and ``events list``: the ledger of dated facts about partners."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape
from rich.table import Table

from labelpact.cli.common import Output, common_options, make_output, open_store
from labelpact.errors import InvalidInputError
from labelpact.services.events import (
    CERTAINTIES,
    EVENT_KINDS,
    describe,
    import_events,
    list_events,
    record_event,
)

if TYPE_CHECKING:
    from labelpact.services.events import LedgerEvent

__all__ = ["event", "events"]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MEANING_STYLE = {
    "conflict_of_interest": "bold red",
    "binding_stake": "green",
    "implicates_client": "red",
    "none": "dim",
}


@click.group()
def event() -> None:
    """Record one dated fact about a partner (a stake, a layoff, an executive leaving)."""


@event.command(
    "add",
    epilog=(
        "Example: labelpact event add 'Scale AI' --kind investment --date 2025-06-12 --actor Meta "
        "--magnitude 0.49 --certainty confirmed --source https://example.com/deal\n\n"
        "Magnitude by kind: a share in (0, 1] for investment/acquisition; people (or a share of staff "
        "below 1) for layoff; people for executive_departure/hire; USD for customer_exit, lawsuit, "
        "contract_change, funding; a share of wrong items for quality_complaint; records for "
        "security_incident; a share of revenue or guidance lost for financial_distress (a profit warning, "
        "guidance cut, going-concern doubt); people affected for worker_welfare (an expose of annotators' "
        "pay or trauma, a strike, a suit by workers); USD for regulatory_action (a fine, court ruling, ban, "
        "investigation) and reputation (an expose not about workers: data misuse, fraud claims)."
    ),
)
@click.argument("partner")
@click.option("--kind", required=True, metavar="KIND", help=f"One of: {', '.join(EVENT_KINDS)}.")
@click.option("--date", "date_", required=True, metavar="YYYY-MM-DD", help="When it happened.")
@click.option(
    "--actor",
    default=None,
    metavar="NAME",
    help="Who acted: the investor, the executive, the customer; for an adverse report (worker_welfare, "
    "regulatory_action, quality_complaint, reputation, security_incident) the client whose work it names "
    "(your own name: it implicates you).",
)
@click.option("--magnitude", default=None, metavar="X", help="How big, in the kind's unit (see below).")
@click.option("--summary", default=None, metavar="TEXT", help="What happened, in a sentence.")
@click.option("--source", default=None, metavar="URL", help="Where it was reported (http or https).")
@click.option("--certainty", default=None, metavar="C", help=f"One of: {', '.join(CERTAINTIES)}.")
@common_options
def event_add(
    partner: str,
    kind: str,
    date_: str,
    actor: str | None,
    magnitude: str | None,
    summary: str | None,
    source: str | None,
    certainty: str | None,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Add an event to PARTNER's ledger (recording the same event twice adds it once)."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        added = record_event(
            store,
            partner,
            kind=kind,
            date=date_,
            actor=actor,
            magnitude=magnitude,
            summary=summary,
            source_url=source,
            certainty=certainty,
        )
    verb = "Recorded" if added.created else "Already in the ledger:"
    _warn_future(out, [added] if added.created else [])

    def render() -> None:
        e = added.event
        out.stdout.print(f"{verb} [bold]{e.id}[/] {e.date} {escape(e.partner)}: {_described(added)}")

    out.emit(added.to_dict() | {"created": added.created}, render)


def _warn_future(out: Output, added: list[LedgerEvent]) -> None:
    """Say which added events are dated after today: a forecast counts a fact from its date on, so a typo for
    an earlier year would otherwise stay invisible until then."""
    today = date.today()
    later = [e.event for e in added if e.event.date > today]
    if later:
        shown = ", ".join(f"{e.id} ({e.date})" for e in later[:5]) + (" ..." if len(later) > 5 else "")
        out.warn(f"{len(later)} event(s) dated after today: {shown}; forecasts count each from its date on")


@click.group()
def events() -> None:
    """The ledger of events about partners: import a file of them, list them with what they mean."""


@events.command(
    "import",
    epilog=(
        "Example: labelpact events import examples/events/meta_scale.json\n\n"
        "Fields (JSON keys or CSV columns): partner, kind, date (required); actor, magnitude, summary, "
        "source_url, certainty. Rows identical to events already in the ledger are skipped."
    ),
)
@click.argument("file", type=click.Path(path_type=Path))
@common_options
def events_import(file: Path, workspace: Path | None, db: str | None, as_json: bool) -> None:
    """Import events from FILE (.json list or .csv); a bad row anywhere means nothing is written."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        result = import_events(store, file)
    _warn_future(out, result.added)

    def render() -> None:
        out.stdout.print(
            f"Imported [bold]{result.n_added}[/] of {result.n_rows} events from {escape(result.file)}"
            + (f"; skipped {result.n_skipped} already in the ledger" if result.n_skipped else "")
        )
        if result.ignored_columns:
            out.stderr.print(f"Ignored columns: {escape(', '.join(result.ignored_columns))}")
        if result.about_client:
            out.stderr.print(
                f"Skipped {len(result.about_client)} event(s) about the client itself (side 'client', "
                f"line(s) {', '.join(map(str, result.about_client))}): the ledger holds facts about partners"
            )
        if result.added:
            _print_table(out, result.added, title="Added")

    out.emit(result.to_dict(), render)


@events.command(
    "list",
    epilog="Example: labelpact events list 'Scale AI' --until 2025-06-30 --json",
)
@click.argument("partner", required=False)
@click.option("--until", default=None, metavar="YYYY-MM-DD", help="Only events on or before this date.")
@common_options
def events_list(
    partner: str | None, until: str | None, workspace: Path | None, db: str | None, as_json: bool
) -> None:
    """List events in date order, of PARTNER or of all partners, with what each means for the client."""
    out = make_output(as_json)
    as_of = _parse_until(until)
    with open_store(workspace, db) as store:
        found = list_events(store, partner, until=as_of)
        client = store.get_client()

    def render() -> None:
        if not found:
            out.stdout.print("No events" + (f" for {escape(partner)}" if partner else "") + ".")
            return
        title = (
            "Events" + (f" of {escape(partner)}" if partner else "") + (f" until {as_of}" if as_of else "")
        )
        _print_table(out, found, title=title, partner=partner is None)

    document = {
        "partner": partner,
        "until": as_of,
        "client": None if client is None else client.name,
        "events": [e.to_dict() for e in found],
    }
    out.emit(document, render)


def _parse_until(value: str | None) -> date | None:
    """``--until`` as a date; one line naming the option when it is not a real YYYY-MM-DD date."""
    if value is None:
        return None
    if _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidInputError("a date YYYY-MM-DD", column="--until", column_kind="option", got=repr(value))


def _described(entry: LedgerEvent) -> str:
    """The event's one-line description, in the colour of its meaning when it has one."""
    text = escape(entry.description)
    return text if entry.meaning == "none" else f"[{_MEANING_STYLE[entry.meaning]}]{text}[/]"


def _print_table(out: Output, entries: list[LedgerEvent], *, title: str, partner: bool = True) -> None:
    """One row per event; the meaning in red for a conflict of interest; the summary cut to fit."""
    table = Table(title=title)
    table.add_column("id", no_wrap=True, min_width=3)
    table.add_column("date", no_wrap=True, min_width=10)
    if partner:
        table.add_column("partner")
    table.add_column("event", ratio=2)
    table.add_column("certainty")
    table.add_column("meaning", no_wrap=True, min_width=len("conflict_of_interest"))
    table.add_column("summary", no_wrap=True, overflow="ellipsis", min_width=12)
    for entry in entries:
        e = entry.event
        table.add_row(
            e.id or "-",
            e.date.isoformat(),
            *((escape(e.partner),) if partner else ()),
            escape(describe(e)),  # without a client: the meaning has its own column
            e.certainty or "-",
            f"[{_MEANING_STYLE[entry.meaning]}]{entry.meaning}[/]",
            escape(_short(e.summary)),
        )
    out.stdout.print(table)


def _short(text: str | None, limit: int = 32) -> str:
    line = " ".join((text or "-").split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
