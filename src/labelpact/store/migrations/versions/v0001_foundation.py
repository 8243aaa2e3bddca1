"""Foundation: clients, partners, projects, batches, batch_files and the append-only audit_log.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Room for later revisions, which add tables and never change these:
- ``audits`` (many per batch): ``batch_id -> batches.id``; ``findings`` (per audit): ``audit_id -> audits.id``;
  ``disputes`` (per finding): ``finding_id -> findings.id``; ``events`` (per partner): ``partner_id -> partners.id``;
  ``users`` and ``api_keys`` (``user_id -> users.id``, role ``admin | client | partner:<name>``).
- Every table here has an integer surrogate key (BIGINT on PostgreSQL) for those foreign keys; names
  (partner, project) and the batch sha256 are unique and may be shown, but nothing points at them.
- ``audit_log.actor`` and ``.subject`` are text (``"local"``, ``"user:ada"``; ``"partner:Scale"``,
  ``"batch:<sha256>"``), so users and new subject kinds need no change here.
- Constraint names follow ``schema.NAMING_CONVENTION`` so later revisions (and SQLite batch mode) find them.
  SQLite batch mode recreates a table it alters: a revision that alters ``audit_log`` must recreate its triggers.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UTC = sa.DateTime(timezone=True)

_SQLITE_APPEND_ONLY = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
]
_POSTGRES_APPEND_ONLY = [
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("rivals", sa.JSON(), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_clients_single_client")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
    )
    op.create_table(
        "partners",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("equity_stake", sa.Double(), nullable=True),
        sa.Column("min_spend_usd", sa.Double(), nullable=True),
        sa.Column("contract_toml", sa.Text(), nullable=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.CheckConstraint(
            "equity_stake IS NULL OR (equity_stake >= 0 AND equity_stake <= 1)",
            name=op.f("ck_partners_equity_stake_fraction"),
        ),
        sa.CheckConstraint(
            "min_spend_usd IS NULL OR min_spend_usd >= 0", name=op.f("ck_partners_min_spend_non_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("name", name=op.f("uq_partners_name")),
    )
    op.create_table(
        "projects",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("name", name=op.f("uq_projects_name")),
    )
    op.create_table(
        "batches",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("partner_id", _ID, nullable=False),
        sa.Column("project_id", _ID, nullable=False),
        sa.Column("source_name", sa.String(500), nullable=False),
        sa.Column("format", sa.String(50), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("n_rows", sa.BigInteger(), nullable=False),
        sa.Column("n_annotations", sa.BigInteger(), nullable=False),
        sa.Column("n_tasks", sa.BigInteger(), nullable=False),
        sa.Column("n_workers", sa.BigInteger(), nullable=False),
        sa.Column("n_classes", sa.Integer(), nullable=False),
        sa.Column("classes", sa.JSON(), nullable=False),
        sa.Column("n_duplicates", sa.BigInteger(), nullable=False),
        sa.Column("n_abstentions", sa.BigInteger(), nullable=False),
        sa.Column("n_cancelled", sa.BigInteger(), nullable=False),
        sa.Column("n_tasks_without_labels", sa.BigInteger(), nullable=False),
        sa.Column("n_gold", sa.BigInteger(), nullable=False),
        sa.Column("median_duration_s", sa.Double(), nullable=True),
        sa.Column("delivered_at", _UTC, nullable=False),
        sa.Column("due_at", _UTC, nullable=True),
        sa.Column("received_at", _UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_batches_partner_id_partners"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_batches_project_id_projects"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
        sa.UniqueConstraint("sha256", name=op.f("uq_batches_sha256")),
    )
    op.create_index("ix_batches_partner_id_received_at", "batches", ["partner_id", "received_at"])
    op.create_index("ix_batches_project_id_received_at", "batches", ["project_id", "received_at"])
    op.create_table(
        "batch_files",
        sa.Column("batch_id", _ID, nullable=False),
        sa.Column("role", sa.String(50), nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_batch_files_batch_id_batches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("batch_id", "role", name=op.f("pk_batch_files")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("at", _UTC, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_subject", "audit_log", ["subject"])
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": _SQLITE_APPEND_ONLY, "postgresql": _POSTGRES_APPEND_ONLY}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("audit_log")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_table("batch_files")
    op.drop_table("batches")
    op.drop_table("projects")
    op.drop_table("partners")
    op.drop_table("clients")
