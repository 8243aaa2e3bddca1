"""``dispute open|resolve`` and ``disputes list``: the vendor's channel to contest a finding."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from labelpact.cli.common import common_options, make_output, open_store, safe
from labelpact.services.disputes import (
    RESOLUTION_WORDS,
    dispute_dict,
    list_disputes,
    open_dispute,
    resolve_dispute,
)

__all__ = ["dispute", "disputes"]


@click.group()
def dispute() -> None:
    """Contest a finding (the partner) and settle it (the client); every step is in the audit log."""


@dispute.command(
    "open", epilog='Example: labelpact dispute open f12 --text "These 40 tasks were re-labelled on 3 March"'
)
@click.argument("finding")
@click.option("--text", required=True, help="Why the finding is wrong, with evidence.")
@click.option("--by", default=None, help="Who opens it (default: the workspace's actor).")
@common_options
def open_(
    finding: str, text: str, by: str | None, workspace: Path | None, db: str | None, as_json: bool
) -> None:
    """Open a dispute on finding ``f12`` (see ``labelpact audits show AUDIT --findings``)."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        record = open_dispute(store, finding, text=text, by=by)
    out.emit(
        dispute_dict(record),
        lambda: out.stdout.print(
            f"Opened dispute {record.id} on finding {record.finding} of audit {record.audit}"
        ),
    )


@dispute.command(
    "resolve",
    epilog='Example: labelpact dispute resolve d3 --status upheld --note "Re-checked: labels fixed"',
)
@click.argument("dispute_id")
@click.option(
    "--status",
    type=click.Choice(RESOLUTION_WORDS),
    required=True,
    help="How it ends: accepted (= upheld: the finding does not stand), rejected or withdrawn.",
)
@click.option("--note", default=None, help="The resolution, in a sentence.")
@click.option("--by", default=None, help="Who resolves it (default: the workspace's actor).")
@common_options
def resolve(
    dispute_id: str,
    status: str,
    note: str | None,
    by: str | None,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Close dispute ``d3`` as upheld (or accepted), rejected or withdrawn."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        record = resolve_dispute(store, dispute_id, status=status, note=note, by=by)
    out.emit(dispute_dict(record), lambda: out.stdout.print(f"Dispute {record.id} is {record.status}"))


@click.command(epilog="Example: labelpact disputes --partner Acme --status open")
@click.option("--partner", default=None, help="Only this partner's disputes.")
@click.option("--audit", default=None, help="Only the disputes of this audit.")
@click.option(
    "--status",
    type=click.Choice(("open", *RESOLUTION_WORDS)),
    default=None,
    help="Only disputes in this state (accepted = upheld).",
)
@common_options
def disputes(
    partner: str | None,
    audit: str | None,
    status: str | None,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """List disputes, newest first."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        records = list_disputes(store, partner=partner, audit=audit, status=status)
    rows = [dispute_dict(r) for r in records]

    def render() -> None:
        table = Table(title=f"{len(rows)} disputes", title_justify="left")
        for name in ("dispute", "finding", "audit", "partner", "status", "opened", "text", "resolution"):
            table.add_column(name, overflow="fold")
        for r in rows:
            table.add_row(
                r["id"],
                r["finding"],
                r["audit"],
                safe(r["partner"]),
                r["status"],
                f"{r['opened_at'][:16]} by {safe(r['opened_by'])}",
                safe(r["text"]),
                safe(r["resolution"] or ""),
            )
        out.stdout.print(table)

    out.emit({"disputes": rows}, render)
