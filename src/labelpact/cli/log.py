"""``labelpact log``: the service's request log (every state change and every denied request)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from labelpact.cli.common import common_options, make_output, open_store
from labelpact.services.requests_log import entry_dict, read_log

__all__ = ["log"]


@click.command(epilog="Example: labelpact log --last 50 --json")
@click.option("--last", type=click.IntRange(min=1), default=None, help="Only the last N lines.")
@common_options
def log(last: int | None, workspace: Path | None, db: str | None, as_json: bool) -> None:
    """Print the request log of the REST service, oldest first; it is append-only in the database."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        rows = [entry_dict(e) for e in read_log(store, limit=last)]

    def render() -> None:
        table = Table(
            "at", "actor", "role", "action", "object", "outcome", "status", "request", title="Request log"
        )
        for r in rows:
            table.add_row(
                r["at"][:19].replace("T", " "),
                escape(r["actor"]),
                escape(r["role"]),
                escape(r["action"]),
                escape(r["object"]),
                r["outcome"],
                str(r["status"]),
                r["request_id"][:12],
            )
        out.stdout.print(table)

    out.emit({"log": rows}, render)
