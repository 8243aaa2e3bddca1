"""``verify``: check every stored file and contract against the SHA-256 the store recorded."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from labelpact.cli.common import common_options, make_output, open_store, printable, settings_from
from labelpact.errors import StoreError
from labelpact.services.stored_contracts import refused_contracts

__all__ = ["DAMAGED", "verify"]

Damages = list[dict[str, Any]]
DAMAGED = 2  # exit status when anything is damaged, like bad input: a person must look


@click.command(epilog="Example: labelpact verify --json")
@common_options
def verify(workspace: Path | None, db: str | None, as_json: bool) -> None:
    """Check the whole workspace: every stored file's SHA-256, every contract, the database; exit 2 if damaged.

    A stored contract that holds a value this version refuses is noted (read leniently), not damage.
    """
    out = make_output(as_json)
    damage, counts, refused = _check(workspace, db)
    document = {"ok": not damage, **counts, "damage": damage, "refused_contracts": refused}

    def render() -> None:
        for r in refused:  # intact, but read otherwise than stored: a note, not damage
            out.stdout.print(
                printable(f"note: {r['subject']}: stored contract read leniently: {r['detail']}"),
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        if not damage:
            out.stdout.print(
                f"Workspace intact: {counts['files']:,} stored files and {counts['contracts']:,} contracts "
                "match their recorded SHA-256"
                + (
                    f"; {len(refused)} stored contract(s) hold values this version refuses (noted above)"
                    if refused
                    else ""
                )
            )
            return
        table = Table("record", "file", "problem", "detail", title="Damaged")
        for d in damage:
            table.add_row(printable(d["subject"]), d["path"] or "-", d["kind"], printable(d["detail"]))
        out.stdout.print(table)

    out.emit(document, render)
    if damage:
        first = damage[0]
        where = f" {first['path']}" if first["path"] else ""
        text = printable(f"{first['subject']}:{where} {first['kind']} ({first['detail']})")
        more = f" and {len(damage) - 1} more" if len(damage) > 1 else ""
        _report(f"{len(damage)} damaged: {text}{more}{_repair(damage)}", as_json)
        raise click.exceptions.Exit(DAMAGED)


def _check(workspace: Path | None, db: str | None) -> tuple[Damages, dict[str, int | None], Damages]:
    """The damage found (as ``Damage`` dicts), how many files and contracts were checked (None when the
    database itself is too damaged to count them), and the stored contracts this version would refuse (as
    ``RefusedContract`` dicts: not damage). A SQLite file that cannot even be opened is damage."""
    opened = False
    try:
        with open_store(workspace, db) as store:
            opened = True
            damage = [dataclasses.asdict(d) for d in store.verify()]
            if any(d["kind"] == "database" for d in damage):
                return damage, _UNCOUNTED, []
            refused = [r.to_dict() for r in refused_contracts(store)]
            return damage, {**store.count_stored()}, refused
    except StoreError as error:
        from labelpact.services.workspace import database_file  # only on this path, not at --help

        database = database_file(settings_from(workspace, db))
        if opened or database is None or not database.is_file():
            raise
        return (
            [{"kind": "database", "subject": "database", "path": None, "detail": str(error)}],
            _UNCOUNTED,
            [],
        )


def _repair(damage: list[dict[str, Any]]) -> str:
    """How to put back a batch's files, when some are damaged: ingest the delivered file again."""
    if not any(d["subject"].startswith("batch ") and d["kind"].endswith(" file") for d in damage):
        return ""
    return (
        "; ingesting a damaged batch's delivered file again (the same bytes, with its --gold and --tasks files) "
        "puts back its files"
    )


_UNCOUNTED: dict[str, int | None] = {"files": None, "contracts": None}


def _report(message: str, as_json: bool) -> None:
    """The one line (or JSON error document) on stderr that says the workspace is damaged."""
    if as_json:
        body = {"type": "Damaged", "message": message, "exit_code": DAMAGED}
        click.echo(json.dumps({"error": body}), err=True)
    else:
        click.echo(f"labelpact: error: {message}", err=True)
