"""Audits: contracts, audits, audit_files, findings, reviews; the partner ledger (events); disputes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Every table here is append-only, like ``audit_log``: triggers refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL). A re-audit is a new ``audits`` row; a second review is a new ``reviews`` row; a dispute's
state changes are new ``dispute_events`` rows (``seq`` 0 = open, 1 = its resolution), so the current
status is the row with the highest ``seq``. A revision that alters one of these tables in SQLite batch
mode recreates it and must recreate its triggers.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UTC = sa.DateTime(timezone=True)
_TABLES = (
    "contracts",
    "audits",
    "audit_files",
    "findings",
    "reviews",
    "events",
    "disputes",
    "dispute_events",
)
_POSTGRES_FUNCTION = (
    "CREATE FUNCTION labelpact_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
)


def _append_only(table: str, dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            for verb in ("UPDATE", "DELETE")
        ]
    if dialect == "postgresql":
        return [
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION labelpact_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION labelpact_append_only()",
        ]
    return []


def upgrade() -> None:
    op.create_table(
        "contracts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("toml", sa.Text(), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
        sa.UniqueConstraint("sha256", name=op.f("uq_contracts_sha256")),
    )
    op.create_table(
        "audits",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("batch_id", _ID, nullable=False),
        sa.Column("contract_id", _ID, nullable=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("verdict", sa.String(10), nullable=False),
        sa.Column("method", sa.String(50), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("sampling_plan", sa.JSON(), nullable=True),
        sa.Column("sample_tasks", sa.JSON(), nullable=False),
        sa.Column("ethics", sa.JSON(), nullable=True),
        sa.CheckConstraint("verdict IN ('accept', 'review', 'reject')", name=op.f("ck_audits_verdict")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_audits_batch_id_batches"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_audits_contract_id_contracts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audits")),
    )
    op.create_index("ix_audits_batch_id_created_at", "audits", ["batch_id", "created_at"])
    op.create_table(
        "audit_files",
        sa.Column("audit_id", _ID, nullable=False),
        sa.Column("role", sa.String(50), nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audits.id"], name=op.f("fk_audit_files_audit_id_audits"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("audit_id", "role", name=op.f("pk_audit_files")),
    )
    op.create_table(
        "findings",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("audit_id", _ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("clause", sa.String(200), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("action", sa.Text(), nullable=True),
        sa.CheckConstraint("severity IN ('info', 'warning', 'critical')", name=op.f("ck_findings_severity")),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audits.id"], name=op.f("fk_findings_audit_id_audits"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
        sa.UniqueConstraint("audit_id", "position", name=op.f("uq_findings_audit_id_position")),
    )
    op.create_table(
        "reviews",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("audit_id", _ID, nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=True),
        sa.Column("n_inspected", sa.BigInteger(), nullable=False),
        sa.Column("n_defective", sa.BigInteger(), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("decision IN ('accept', 'reject')", name=op.f("ck_reviews_decision")),
        sa.CheckConstraint("n_defective >= 0 AND n_defective <= n_inspected", name=op.f("ck_reviews_counts")),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audits.id"], name=op.f("fk_reviews_audit_id_audits"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
    )
    op.create_index("ix_reviews_audit_id", "reviews", ["audit_id"])
    op.create_table(
        "events",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("partner_id", _ID, nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=True),
        sa.Column("magnitude", sa.Double(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("source_url", sa.String(2000), nullable=True),
        sa.Column("certainty", sa.String(30), nullable=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_events_partner_id_partners"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_partner_id_date", "events", ["partner_id", "date"])
    op.create_table(
        "disputes",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("finding_id", _ID, nullable=False),
        sa.Column("opened_by", sa.String(200), nullable=False),
        sa.Column("opened_at", _UTC, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["findings.id"], name=op.f("fk_disputes_finding_id_findings"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
    )
    op.create_index("ix_disputes_finding_id", "disputes", ["finding_id"])
    op.create_table(
        "dispute_events",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("dispute_id", _ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("at", _UTC, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(seq = 0 AND status = 'open') OR (seq > 0 AND status IN ('upheld', 'rejected', 'withdrawn'))",
            name=op.f("ck_dispute_events_status"),
        ),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["disputes.id"],
            name=op.f("fk_dispute_events_dispute_id_disputes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_events")),
        sa.UniqueConstraint("dispute_id", "seq", name=op.f("uq_dispute_events_dispute_id_seq")),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_POSTGRES_FUNCTION)
    for table in _TABLES:
        for statement in _append_only(table, dialect):
            op.execute(statement)


def downgrade() -> None:
    for table in reversed(_TABLES):  # dropping a table drops its triggers
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS labelpact_append_only()")
