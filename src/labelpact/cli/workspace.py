"""``client``, ``partner`` and ``project`` commands: who runs the workspace, its partners, its projects."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from labelpact.cli.common import common_options, file_option, make_output, open_store, parse_list, safe
from labelpact.cli.format import text
from labelpact.services.workspace import (
    add_partner,
    add_project,
    check_client_input,
    check_partner_input,
    check_project_input,
    set_client,
    set_partner_contract,
)

__all__ = ["client", "partner", "project"]


def record_dict(record: Any) -> dict[str, Any]:
    """A store record as a JSON-ready dict."""
    return dataclasses.asdict(record)


@click.group()
def client() -> None:
    """Who runs this workspace (the lab buying labels) and which companies are its rivals."""


@client.command("set", epilog="Example: labelpact client set --name Meta --rivals Google,OpenAI,xAI")
@click.option("--name", required=True, help="The client's name.")
@click.option(
    "--rivals", default=None, metavar="A,B,...", help="Comma-separated names of the client's rivals."
)
@common_options
def client_set(name: str, rivals: str | None, workspace: Path | None, db: str | None, as_json: bool) -> None:
    """Set the client profile (setting it again replaces it)."""
    out = make_output(as_json)
    check_client_input(name, ())  # bad input is refused before a workspace is created
    rival_names = parse_list(rivals, option="--rivals") or []
    check_client_input(name, rival_names)
    with open_store(workspace, db) as store:
        record = set_client(store, name, rivals=rival_names)
    out.emit(
        record_dict(record),
        lambda: out.stdout.print(
            f"Client [bold]{safe(record.name)}[/]; rivals: {safe(', '.join(record.rivals) or 'none')}"
        ),
    )


@client.command("show", epilog="Example: labelpact client show --json")
@common_options
def client_show(workspace: Path | None, db: str | None, as_json: bool) -> None:
    """Show the client profile."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        record = store.get_client()
    if record is None:
        out.emit(None, lambda: out.stdout.print("No client profile yet: labelpact client set --name NAME"))
        return
    out.emit(
        record_dict(record),
        lambda: out.stdout.print(
            f"Client [bold]{safe(record.name)}[/]; rivals: {safe(', '.join(record.rivals) or 'none')}"
        ),
    )


@click.group()
def partner() -> None:
    """Partners (the vendors that deliver labels): add, list and show them."""


@partner.command(
    "add",
    epilog="Example: labelpact partner add Scale --since 2024-06-01 --equity-stake 0.49 --contract examples/contracts/standard.toml",
)
@click.argument("name")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Start of the partnership (YYYY-MM-DD).",
)
@click.option(
    "--equity-stake",
    type=float,
    default=None,
    metavar="FRACTION",
    help="Share of the partner the client owns (0..1).",
)
@click.option(
    "--min-spend", type=float, default=None, metavar="USD_PER_YEAR", help="Committed minimum spend per year."
)
@file_option("--contract", "The partner's contract (TOML).")
@click.option(
    "--allow-lookalike",
    is_flag=True,
    help="Add the partner even though its name looks like an existing one (Scale / scale / Sсale).",
)
@common_options
def partner_add(
    name: str,
    since: datetime | None,
    equity_stake: float | None,
    min_spend: float | None,
    contract: Path | None,
    allow_lookalike: bool,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Register a partner; ingest refuses batches from partners that were never added."""
    out = make_output(as_json)
    # bad input is refused before a workspace is created
    check_partner_input(name, contract, equity_stake=equity_stake, min_spend_usd=min_spend)
    with open_store(workspace, db) as store:
        record = add_partner(
            store,
            name,
            since=since.date() if since else None,
            equity_stake=equity_stake,
            min_spend_usd=min_spend,
            contract=contract,
            allow_lookalike=allow_lookalike,
        )
    out.emit(record_dict(record), lambda: out.stdout.print(f"Added partner [bold]{safe(record.name)}[/]"))


@partner.command(
    "contract",
    epilog="Example: labelpact partner contract Scale --contract examples/contracts/regulated.toml",
)
@click.argument("name")
@file_option("--contract", "The partner's new contract (TOML).", required=True)
@common_options
def partner_contract(
    name: str, contract: Path, workspace: Path | None, db: str | None, as_json: bool
) -> None:
    """Put a renegotiated contract on file for a partner.

    Later audits, health and the forecast judge by it (a replay --as-of an earlier day by the contract then in
    force); stored audits keep the contract they cite, and both texts stay in the store."""
    out = make_output(as_json)
    check_partner_input(name, contract)
    with open_store(workspace, db) as store:
        change = set_partner_contract(store, name, contract)
    document = record_dict(change.partner) | {
        "previous_contract_sha256": change.previous_sha256,
        "contract_sha256": change.sha256,
    }
    before = "none" if change.previous_sha256 is None else change.previous_sha256[:12]
    said = (
        f"already in force: {change.sha256[:12]}"
        if change.previous_sha256 == change.sha256
        else f"set: {change.sha256[:12]} (was {before})"
    )
    out.emit(document, lambda: out.stdout.print(f"Contract of [bold]{safe(change.partner.name)}[/] {said}"))


@partner.command("list", epilog="Example: labelpact partner list --json")
@common_options
def partner_list(workspace: Path | None, db: str | None, as_json: bool) -> None:
    """List partners."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        records = store.list_partners()

    def render() -> None:
        table = Table("partner", "since", "equity stake", "min spend (USD/yr)", "contract", title="Partners")
        for r in records:
            table.add_row(
                safe(r.name),
                text(r.since),
                "-" if r.equity_stake is None else f"{r.equity_stake:.0%}",
                text(r.min_spend_usd),
                "yes" if r.contract_toml else "-",
            )
        out.stdout.print(table)

    out.emit({"partners": [record_dict(r) for r in records]}, render)


@partner.command("show", epilog="Example: labelpact partner show Scale")
@click.argument("name")
@common_options
def partner_show(name: str, workspace: Path | None, db: str | None, as_json: bool) -> None:
    """Show one partner and its batches."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        record = store.get_partner(name)
        batches = store.list_batches(partner=name)

    def render() -> None:
        table = Table(show_header=False, title=f"Partner {safe(record.name)}")
        table.add_row("since", text(record.since))
        table.add_row("equity stake", "-" if record.equity_stake is None else f"{record.equity_stake:.0%}")
        table.add_row("minimum spend (USD/yr)", text(record.min_spend_usd))
        table.add_row("contract", "on file" if record.contract_toml else "none")
        table.add_row("batches", str(len(batches)))
        table.add_row("annotations delivered", f"{sum(b.n_annotations for b in batches):,}")
        out.stdout.print(table)

    document = record_dict(record) | {"batches": [b.id for b in batches]}
    out.emit(document, render)


@click.group()
def project() -> None:
    """Projects that batches are delivered to (ingest creates a missing one)."""


@project.command(
    "add", epilog='Example: labelpact project add sentiment --description "Review sentiment, 3 classes"'
)
@click.argument("name")
@click.option("--description", default=None, help="What the project labels.")
@common_options
def project_add(
    name: str, description: str | None, workspace: Path | None, db: str | None, as_json: bool
) -> None:
    """Create a project."""
    out = make_output(as_json)
    check_project_input(name)  # bad input is refused before a workspace is created
    with open_store(workspace, db) as store:
        record = add_project(store, name, description=description)
    out.emit(record_dict(record), lambda: out.stdout.print(f"Added project [bold]{safe(record.name)}[/]"))


@project.command("list", epilog="Example: labelpact project list --json")
@common_options
def project_list(workspace: Path | None, db: str | None, as_json: bool) -> None:
    """List projects with their batch counts."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        records = store.list_projects()

    def render() -> None:
        table = Table("project", "batches", "created", "description", title="Projects")
        for r in records:
            table.add_row(safe(r.name), str(r.n_batches), text(r.created_at), safe(r.description or ""))
        out.stdout.print(table)

    out.emit({"projects": [record_dict(r) for r in records]}, render)
