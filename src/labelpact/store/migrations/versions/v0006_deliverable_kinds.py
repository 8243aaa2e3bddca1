"""Deliverable kinds: each batch says what it holds (labels, preferences, ratings or demonstrations).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

``batches.kind`` is added with the server default ``labels``, so every batch stored before holds labels, as it
did. The column is added in place (``ALTER TABLE ... ADD COLUMN``), never by a SQLite batch-mode rebuild, so
the append-only triggers of 0003 on ``batches`` stay as they are; adding a column with a default rewrites no row
(PostgreSQL keeps the default in its catalog), so no UPDATE trigger fires.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("batches", sa.Column("kind", sa.String(20), server_default="labels", nullable=False))


def downgrade() -> None:
    op.drop_column("batches", "kind")
