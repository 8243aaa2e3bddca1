"""``verify``: check every stored file and contract against the SHA-256 the store recorded."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click
from rich.table import Table

from labelpact.cli.common import common_options, make_output, open_store, printable

__all__ = ["DAMAGED", "verify"]

DAMAGED = 2  # exit status when anything is damaged, like bad input: a person must look


@click.command(epilog="Example: labelpact verify --json")
@common_options
def verify(workspace: Path | None, db: str | None, as_json: bool) -> None:
    """Check the whole workspace: every stored file's SHA-256, every contract, the database; exit 2 if damaged."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        damage = store.verify()
        counts = store.count_stored()
    document = {"ok": not damage, **counts, "damage": [dataclasses.asdict(d) for d in damage]}

    def render() -> None:
        if not damage:
            out.stdout.print(
                f"Workspace intact: {counts['files']:,} stored files and {counts['contracts']:,} contracts "
                "match their recorded SHA-256"
            )
            return
        table = Table("record", "file", "problem", "detail", title="Damaged")
        for d in damage:
            table.add_row(printable(d.subject), d.path or "-", d.kind, printable(d.detail))
        out.stdout.print(table)

    out.emit(document, render)
    if damage:
        first = printable(str(damage[0]))
        more = f" and {len(damage) - 1} more" if len(damage) > 1 else ""
        _report(f"{len(damage)} damaged: {first}{more}", as_json)
        raise click.exceptions.Exit(DAMAGED)


def _report(message: str, as_json: bool) -> None:
    """The one line (or JSON error document) on stderr that says the workspace is damaged."""
    if as_json:
        body = {"type": "Damaged", "message": message, "exit_code": DAMAGED}
        click.echo(json.dumps({"error": body}), err=True)
    else:
        click.echo(f"labelpact: error: {message}", err=True)
