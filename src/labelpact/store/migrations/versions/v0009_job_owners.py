"""Each background job names the server that runs it and when that server last said it was alive.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

``jobs.owner`` (a random id per server process) and ``jobs.heartbeat_at`` (refreshed by that server while the
job is unfinished) are added in place, nullable: jobs queued before have neither and are treated as
abandoned. A server fails only the unfinished jobs whose owner has gone quiet, never those of a second
server that is still running on the same store.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("owner", sa.String(64), nullable=True))
    op.add_column("jobs", sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("jobs", "heartbeat_at")
    op.drop_column("jobs", "owner")
