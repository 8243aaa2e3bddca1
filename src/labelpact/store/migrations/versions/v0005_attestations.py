"""Attestations: statements a partner or the client files for the transparency card (``labelpact attest``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

An attestation names its subject (a partner or a project: exactly one of ``partner_id`` and ``project_id``
is set), who attested, when, the SHA-256 and verbatim TOML text of the file, and its statements (RAI
property name to text). Append-only like the audit log: triggers refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL); a newer statement on the same property supersedes an older one when read, never by editing it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UTC = sa.DateTime(timezone=True)


def _triggers(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER attestations_no_{verb.lower()} BEFORE {verb} ON attestations "
            "BEGIN SELECT RAISE(ABORT, 'attestations is append-only'); END"
            for verb in ("UPDATE", "DELETE")
        ]
    if dialect == "postgresql":  # labelpact_append_only() is the function revision 0002 made
        return [
            "CREATE TRIGGER attestations_no_change BEFORE UPDATE OR DELETE ON attestations "
            "FOR EACH ROW EXECUTE FUNCTION labelpact_append_only()",
            "CREATE TRIGGER attestations_no_truncate BEFORE TRUNCATE ON attestations "
            "FOR EACH STATEMENT EXECUTE FUNCTION labelpact_append_only()",
        ]
    return []


def upgrade() -> None:
    op.create_table(
        "attestations",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("partner_id", _ID, nullable=True),
        sa.Column("project_id", _ID, nullable=True),
        sa.Column("attested_by", sa.String(200), nullable=False),
        sa.Column("attested_at", _UTC, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("toml", sa.Text(), nullable=False),
        sa.Column("statements", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "(partner_id IS NULL) <> (project_id IS NULL)", name=op.f("ck_attestations_one_subject")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_attestations_partner_id_partners"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_attestations_project_id_projects"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attestations")),
    )
    for statement in _triggers(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS attestations_no_{verb}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS attestations_no_change ON attestations")
        op.execute("DROP TRIGGER IF EXISTS attestations_no_truncate ON attestations")
    op.drop_table("attestations")
