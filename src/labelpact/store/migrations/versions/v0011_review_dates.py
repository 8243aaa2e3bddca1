"""Each review may say when the reviewer did the review, for a history entered later.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

``reviews.reviewed_at`` is added in place, nullable: a review stored before (or entered without a date) was
done when it was entered (``created_at``). Replays ``--as-of`` a day count a review only from that moment on,
as they count a dispute only from when it was opened.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("reviews", sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("reviews", "reviewed_at")
