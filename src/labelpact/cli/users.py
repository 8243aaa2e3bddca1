"""``labelpact user add|list|revoke``: who may call the service (``labelpact serve``), with which role."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from labelpact.cli.common import common_options, make_output, open_store
from labelpact.services.users import add_user, list_users, revoke_user, user_dict

__all__ = ["user"]


@click.group()
def user() -> None:
    """Users of the REST service and their API keys (roles admin, client, partner:NAME)."""


@user.command("add", epilog="Example: labelpact user add ada --role client")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    metavar="ROLE",
    help="admin (everything, users, the log), client (every partner) or partner:NAME (one vendor).",
)
@common_options
def user_add(name: str, role: str, workspace: Path | None, db: str | None, as_json: bool) -> None:
    """Add user NAME and print its API key, this once: only a salted hash of it is kept."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        added = add_user(store, name, role=role)

    def render() -> None:
        out.stdout.print(f"Added user [bold]{escape(added.user.name)}[/] with role {escape(added.user.role)}")
        out.stdout.print("API key (shown once; keep it secret, send it as 'Authorization: Bearer KEY'):")
        out.stdout.print(added.key, markup=False, highlight=False, soft_wrap=True)

    out.emit({"user": added.user.name, "role": added.user.role, "key": added.key}, render)


@user.command("list", epilog="Example: labelpact user list --json")
@common_options
def user_list(workspace: Path | None, db: str | None, as_json: bool) -> None:
    """List users (never their keys), revoked ones marked."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        rows = [user_dict(u) for u in list_users(store)]

    def render() -> None:
        table = Table(
            "user", "role", "created", "by", "revoked", title=f"{len(rows)} users", title_justify="left"
        )
        for r in rows:
            table.add_row(
                escape(r["user"]),
                escape(r["role"]),
                r["created_at"][:16].replace("T", " "),
                escape(r["created_by"]),
                (r["revoked_at"] or "-")[:16].replace("T", " "),
            )
        out.stdout.print(table)

    out.emit({"users": rows}, render)


@user.command("revoke", epilog="Example: labelpact user revoke ada")
@click.argument("name")
@common_options
def user_revoke(name: str, workspace: Path | None, db: str | None, as_json: bool) -> None:
    """Revoke NAME's API key for good (a revoked name is never reused)."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        record = revoke_user(store, name)
    out.emit(
        user_dict(record), lambda: out.stdout.print(f"Revoked the API key of [bold]{escape(record.name)}[/]")
    )
