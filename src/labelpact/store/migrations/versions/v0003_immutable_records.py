"""Immutable records: partners, projects, batches and batch_files refuse UPDATE and DELETE; clients keep their identity.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

Like the append-only tables of 0001 and 0002, the rows a delivery rests on are never rewritten: triggers
refuse UPDATE and DELETE of ``partners``, ``projects``, ``batches`` and ``batch_files`` (and TRUNCATE on
PostgreSQL). The single ``clients`` row is replaced by ``client set`` (name, rivals, updated_at), so only
its ``id`` and ``created_at`` are frozen and it may not be deleted. A later revision that alters one of
these tables in SQLite batch mode recreates it and must recreate its triggers.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("partners", "projects", "batches", "batch_files")
_CLIENT_MESSAGE = "the client keeps its id and created_at and is never deleted"


def _sqlite() -> list[str]:
    statements = [
        f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        for table in TABLES
        for verb in ("UPDATE", "DELETE")
    ]
    return [
        *statements,
        "CREATE TRIGGER clients_keep_identity BEFORE UPDATE ON clients "
        "WHEN NEW.id IS NOT OLD.id OR NEW.created_at IS NOT OLD.created_at "
        f"BEGIN SELECT RAISE(ABORT, '{_CLIENT_MESSAGE}'); END",
        f"CREATE TRIGGER clients_no_delete BEFORE DELETE ON clients BEGIN SELECT RAISE(ABORT, '{_CLIENT_MESSAGE}'); END",
    ]


def _postgresql() -> list[str]:
    # labelpact_append_only() is the function revision 0002 made for its tables
    statements = [
        statement
        for table in TABLES
        for statement in (
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION labelpact_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION labelpact_append_only()",
        )
    ]
    return [
        *statements,
        "CREATE FUNCTION labelpact_client_identity() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'UPDATE' OR NEW.id IS DISTINCT FROM OLD.id OR NEW.created_at IS DISTINCT FROM OLD.created_at "
        f"THEN RAISE EXCEPTION '{_CLIENT_MESSAGE}'; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER clients_keep_identity BEFORE UPDATE OR DELETE ON clients "
        "FOR EACH ROW EXECUTE FUNCTION labelpact_client_identity()",
        "CREATE TRIGGER clients_no_truncate BEFORE TRUNCATE ON clients "
        "FOR EACH STATEMENT EXECUTE FUNCTION labelpact_client_identity()",
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": _sqlite, "postgresql": _postgresql}.get(dialect, list)():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        names = [f"{t}_no_{verb}" for t in TABLES for verb in ("update", "delete")]
        for name in [*names, "clients_keep_identity", "clients_no_delete"]:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP TRIGGER IF EXISTS clients_keep_identity ON clients")
        op.execute("DROP TRIGGER IF EXISTS clients_no_truncate ON clients")
        op.execute("DROP FUNCTION IF EXISTS labelpact_client_identity()")
