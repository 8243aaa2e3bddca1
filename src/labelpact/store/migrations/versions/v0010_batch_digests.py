"""Digests of batches stored before 0007: redelivery detection covers them too.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

Migration 0007 added ``batches.labels_digest`` as NULL for the batches stored before it, and ``batches``
refuses UPDATE (0003), so those batches were invisible to the redelivery check. ``batch_digests`` holds
their digest, computed once from each batch's stored normalised Parquet (``services.ingest.
backfill_labels_digests``, run when a workspace is opened for writing and when the service starts); it
is append-only like the batches it describes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UTC = sa.DateTime(timezone=True)
_SQLITE = [
    f"CREATE TRIGGER batch_digests_no_{verb.lower()} BEFORE {verb} ON batch_digests "
    "BEGIN SELECT RAISE(ABORT, 'batch_digests is append-only'); END"
    for verb in ("UPDATE", "DELETE")
]
_POSTGRESQL = [  # labelpact_append_only() is the function revision 0002 made
    "CREATE TRIGGER batch_digests_no_change BEFORE UPDATE OR DELETE ON batch_digests "
    "FOR EACH ROW EXECUTE FUNCTION labelpact_append_only()",
    "CREATE TRIGGER batch_digests_no_truncate BEFORE TRUNCATE ON batch_digests "
    "FOR EACH STATEMENT EXECUTE FUNCTION labelpact_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "batch_digests",
        sa.Column("batch_id", _ID, nullable=False),
        sa.Column("labels_digest", sa.String(16), nullable=False),
        sa.Column("computed_at", _UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_batch_digests_batch_id_batches"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_batch_digests")),
    )
    op.create_index("ix_batch_digests_labels_digest", "batch_digests", ["labels_digest"])
    for statement in {"sqlite": _SQLITE, "postgresql": _POSTGRESQL}.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_batch_digests_labels_digest", table_name="batch_digests")
    op.drop_table("batch_digests")  # its triggers go with it
