"""Tables of the REST service and the transparency card: users, revocations, the request log, dispute comments, jobs,
attestations, and the dashboard's sign-in sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labelpact.store.schema.base import Base, BigId, NullableJSON
from labelpact.store.schema.deliveries import PartnerRow, ProjectRow


class UserRow(Base):
    """Who may call the service: ``role`` admin | client | partner:<name>; only a salted hash of the key is kept."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "(role IN ('admin', 'client') AND partner_id IS NULL) "
            "OR (role LIKE 'partner:%' AND partner_id IS NOT NULL)",
            name="role_partner",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    role: Mapped[str] = mapped_column(sa.String(220))
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id", ondelete="RESTRICT"))
    key_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    key_salt: Mapped[str] = mapped_column(sa.String(64))
    key_hash: Mapped[str] = mapped_column(sa.String(128))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(200))

    partner: Mapped[PartnerRow | None] = relationship(lazy="joined")
    revocation: Mapped[UserRevocationRow | None] = relationship(lazy="joined", uselist=False)


class UserRevocationRow(Base):
    """A user's key stops working from ``revoked_at``; at most one per user, never undone."""

    __tablename__ = "user_revocations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), unique=True)
    revoked_at: Mapped[datetime]
    revoked_by: Mapped[str] = mapped_column(sa.String(200))


class RequestLogRow(Base):
    """One state-changing or denied request to the service: who, as what role, did what to which object."""

    __tablename__ = "request_log"
    __table_args__ = (
        sa.CheckConstraint("outcome IN ('ok', 'accepted', 'denied', 'invalid', 'error')", name="outcome"),
        sa.Index("ix_request_log_request_id", "request_id"),
        sa.Index("ix_request_log_actor_at", "actor", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime]
    request_id: Mapped[str] = mapped_column(sa.String(64))
    actor: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(220))
    action: Mapped[str] = mapped_column(sa.String(100))
    object: Mapped[str] = mapped_column(sa.String(300))
    outcome: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[int] = mapped_column(sa.Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


class DisputeCommentRow(Base):
    """What a partner or the client says on a dispute while it is discussed; in order of ``id``."""

    __tablename__ = "dispute_comments"
    __table_args__ = (sa.Index("ix_dispute_comments_dispute_id", "dispute_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(sa.ForeignKey("disputes.id", ondelete="RESTRICT"))
    at: Mapped[datetime]
    author: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[str] = mapped_column(sa.Text)


class JobRow(Base):
    """Background work of the service (upload+ingest, audit): queued -> running -> succeeded | failed."""

    __tablename__ = "jobs"
    __table_args__ = (
        sa.CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name="status"),
        sa.Index("ix_jobs_status", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(50))
    status: Mapped[str] = mapped_column(sa.String(10))
    created_by: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(220))
    request_id: Mapped[str] = mapped_column(sa.String(64))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    error: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    owner: Mapped[str | None] = mapped_column(sa.String(64))  # the server process that runs it (0009)
    heartbeat_at: Mapped[datetime | None]  # when that server last said it was alive


class AttestationRow(Base):
    """Statements a partner or the client filed for the transparency card (``labelpact attest``), verbatim."""

    __tablename__ = "attestations"
    __table_args__ = (sa.CheckConstraint("(partner_id IS NULL) <> (project_id IS NULL)", name="one_subject"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id", ondelete="RESTRICT"))
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id", ondelete="RESTRICT"))
    attested_by: Mapped[str] = mapped_column(sa.String(200))
    attested_at: Mapped[datetime]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    toml: Mapped[str] = mapped_column(sa.Text)
    statements: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    partner: Mapped[PartnerRow | None] = relationship(lazy="joined")
    project: Mapped[ProjectRow | None] = relationship(lazy="joined")


class WebSessionRow(Base):
    """A dashboard sign-in: the SHA-256 of the token its cookie holds (never the token), the user's key id,
    the session's CSRF token and when it ends. Deleted at sign-out or once expired; a revoked user's
    sessions stop working at once because each request checks the user."""

    __tablename__ = "web_sessions"
    __table_args__ = (sa.Index("ix_web_sessions_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    csrf: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]

    user: Mapped[UserRow] = relationship(lazy="joined")
