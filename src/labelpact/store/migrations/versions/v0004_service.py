"""The service: users with API keys, their revocations, the request log and background jobs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

- ``users``: one row per API key holder (``role`` is ``admin``, ``client`` or ``partner:<name>`` with
  ``partner_id`` set). The key is never stored: ``key_id`` (the public part of the key, unique) finds the
  row, ``key_salt`` + ``key_hash`` (scrypt) check the secret. Append-only: a user is never edited or deleted.
- ``user_revocations``: revoking a user appends a row (at most one per user; append-only).
- ``request_log``: one row per state-changing request and per denied request (actor, role, action,
  object, outcome, HTTP status, request id); append-only like ``audit_log``.
- ``dispute_comments``: what a partner or the client says on a dispute between opening and resolution
  (append-only, in order of ``id``).
- ``jobs``: background work (upload+ingest, audit). A job moves queued -> running -> succeeded | failed;
  triggers refuse DELETE and any change to a finished job (so a result, once written, stays).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UTC = sa.DateTime(timezone=True)
APPEND_ONLY = ("users", "user_revocations", "request_log", "dispute_comments")
_JOB_MESSAGE = "a finished job never changes and no job is deleted"


def _sqlite() -> list[str]:
    statements = [
        f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        for table in APPEND_ONLY
        for verb in ("UPDATE", "DELETE")
    ]
    return [
        *statements,
        "CREATE TRIGGER jobs_finished_frozen BEFORE UPDATE ON jobs "
        "WHEN OLD.status IN ('succeeded', 'failed') OR NEW.id IS NOT OLD.id "
        f"BEGIN SELECT RAISE(ABORT, '{_JOB_MESSAGE}'); END",
        f"CREATE TRIGGER jobs_no_delete BEFORE DELETE ON jobs BEGIN SELECT RAISE(ABORT, '{_JOB_MESSAGE}'); END",
    ]


def _postgresql() -> list[str]:
    # labelpact_append_only() is the function revision 0002 made for its tables
    statements = [
        statement
        for table in APPEND_ONLY
        for statement in (
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION labelpact_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION labelpact_append_only()",
        )
    ]
    return [
        *statements,
        "CREATE FUNCTION labelpact_job_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'UPDATE' OR OLD.status IN ('succeeded', 'failed') OR NEW.id IS DISTINCT FROM OLD.id "
        f"THEN RAISE EXCEPTION '{_JOB_MESSAGE}'; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER jobs_finished_frozen BEFORE UPDATE OR DELETE ON jobs "
        "FOR EACH ROW EXECUTE FUNCTION labelpact_job_frozen()",
        "CREATE TRIGGER jobs_no_truncate BEFORE TRUNCATE ON jobs "
        "FOR EACH STATEMENT EXECUTE FUNCTION labelpact_job_frozen()",
    ]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(220), nullable=False),
        sa.Column("partner_id", _ID, nullable=True),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("key_salt", sa.String(64), nullable=False),
        sa.Column("key_hash", sa.String(128), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.CheckConstraint(
            "(role IN ('admin', 'client') AND partner_id IS NULL) "
            "OR (role LIKE 'partner:%' AND partner_id IS NOT NULL)",
            name=op.f("ck_users_role_partner"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_users_partner_id_partners"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("key_id", name=op.f("uq_users_key_id")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "user_revocations",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("revoked_at", _UTC, nullable=False),
        sa.Column("revoked_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_revocations_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_revocations")),
        sa.UniqueConstraint("user_id", name=op.f("uq_user_revocations_user_id")),
    )
    op.create_table(
        "request_log",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("at", _UTC, nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(220), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("object", sa.String(300), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('ok', 'accepted', 'denied', 'invalid', 'error')", name=op.f("ck_request_log_outcome")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_log")),
    )
    op.create_table(
        "dispute_comments",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("dispute_id", _ID, nullable=False),
        sa.Column("at", _UTC, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["disputes.id"],
            name=op.f("fk_dispute_comments_dispute_id_disputes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_comments")),
    )
    op.create_index("ix_dispute_comments_dispute_id", "dispute_comments", ["dispute_id"])
    op.create_index("ix_request_log_request_id", "request_log", ["request_id"])
    op.create_index("ix_request_log_actor_at", "request_log", ["actor", "at"])
    op.create_table(
        "jobs",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("role", sa.String(220), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("started_at", _UTC, nullable=True),
        sa.Column("finished_at", _UTC, nullable=True),
        sa.Column("result", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("error", sa.JSON(none_as_null=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed')", name=op.f("ck_jobs_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index("ix_jobs_status", "jobs", ["status"])
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": _sqlite, "postgresql": _postgresql}.get(dialect, list)():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_jobs_status", table_name="jobs")
    op.drop_table("jobs")
    op.drop_index("ix_request_log_actor_at", table_name="request_log")
    op.drop_index("ix_request_log_request_id", table_name="request_log")
    op.drop_table("request_log")
    op.drop_index("ix_dispute_comments_dispute_id", table_name="dispute_comments")
    op.drop_table("dispute_comments")
    op.drop_table("user_revocations")
    op.drop_table("users")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS labelpact_job_frozen()")
