"""Redelivered labels: each labels batch keeps an order-free fingerprint of its rows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

``batches.labels_digest`` (``core.keyed.labels_digest``) is added in place (``ALTER TABLE ... ADD COLUMN``,
nullable, no default: batches stored before have none), never by a SQLite batch-mode rebuild, so the
append-only triggers of 0003 on ``batches`` stay as they are and no row is rewritten; an index finds the
batches that share a digest.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("batches", sa.Column("labels_digest", sa.String(16), nullable=True))
    op.create_index("ix_batches_labels_digest", "batches", ["labels_digest"])


def downgrade() -> None:
    op.drop_index("ix_batches_labels_digest", table_name="batches")
    op.drop_column("batches", "labels_digest")
