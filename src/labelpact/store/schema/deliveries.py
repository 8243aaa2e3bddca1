"""Tables of who delivers what: the client, partners, projects, batches and their files, the audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labelpact.store.schema.base import Base, BigId

if TYPE_CHECKING:
    from labelpact.store.schema.audits import PartnerContractRow


class ClientRow(Base):
    """The lab that runs this workspace (one row, id 1) and its rivals."""

    __tablename__ = "clients"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_client"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.String(200))
    rivals: Mapped[list[str]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PartnerRow(Base):
    """A labeling vendor under contract; ``contract_toml`` is the policy file kept verbatim."""

    __tablename__ = "partners"
    __table_args__ = (
        sa.CheckConstraint(
            "equity_stake IS NULL OR (equity_stake >= 0 AND equity_stake <= 1)", name="equity_stake_fraction"
        ),
        sa.CheckConstraint("min_spend_usd IS NULL OR min_spend_usd >= 0", name="min_spend_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    since: Mapped[date | None]
    equity_stake: Mapped[float | None]
    min_spend_usd: Mapped[float | None]
    contract_toml: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime]

    # contracts put on file later, oldest first; read by ``queries.contract_in_force``
    contract_changes: Mapped[list[PartnerContractRow]] = relationship(
        order_by="PartnerContractRow.id", viewonly=True
    )


class ProjectRow(Base):
    """A body of labeling work that batches are delivered to."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime]


class BatchRow(Base):
    """One delivered file, content-addressed by the SHA-256 of its bytes, with what its reading found."""

    __tablename__ = "batches"
    __table_args__ = (
        sa.Index("ix_batches_partner_id_received_at", "partner_id", "received_at"),
        sa.Index("ix_batches_project_id_received_at", "project_id", "received_at"),
        sa.Index("ix_batches_labels_digest", "labels_digest"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id", ondelete="RESTRICT"))
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="RESTRICT"))
    source_name: Mapped[str] = mapped_column(sa.String(500))
    format: Mapped[str] = mapped_column(sa.String(50))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    n_rows: Mapped[int] = mapped_column(sa.BigInteger)
    n_annotations: Mapped[int] = mapped_column(sa.BigInteger)
    n_tasks: Mapped[int] = mapped_column(sa.BigInteger)
    n_workers: Mapped[int] = mapped_column(sa.BigInteger)
    n_classes: Mapped[int] = mapped_column(sa.Integer)
    classes: Mapped[list[str]] = mapped_column(sa.JSON)
    n_duplicates: Mapped[int] = mapped_column(sa.BigInteger)
    n_abstentions: Mapped[int] = mapped_column(sa.BigInteger)
    n_cancelled: Mapped[int] = mapped_column(sa.BigInteger)
    n_tasks_without_labels: Mapped[int] = mapped_column(sa.BigInteger)
    n_gold: Mapped[int] = mapped_column(sa.BigInteger)
    median_duration_s: Mapped[float | None]
    delivered_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    received_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(sa.String(20), server_default="labels")  # labels | preferences | ...
    # order-free fingerprint of a labels batch's rows (core.keyed.labels_digest): finds a redelivery
    labels_digest: Mapped[str | None] = mapped_column(sa.String(16))

    partner: Mapped[PartnerRow] = relationship(lazy="joined", innerjoin=True)
    project: Mapped[ProjectRow] = relationship(lazy="joined", innerjoin=True)
    files: Mapped[list[BatchFileRow]] = relationship(
        lazy="selectin", order_by="BatchFileRow.role", cascade="all, delete-orphan"
    )
    # the digest computed later for a batch stored before it had one (``labels_digest`` stays NULL)
    backfilled: Mapped[BatchDigestRow | None] = relationship(lazy="selectin", viewonly=True)


class BatchDigestRow(Base):
    """The labels digest of a batch stored before migration 0007 (its own column stays NULL), computed once."""

    __tablename__ = "batch_digests"
    __table_args__ = (sa.Index("ix_batch_digests_labels_digest", "labels_digest"),)

    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batches.id", ondelete="RESTRICT"), primary_key=True)
    labels_digest: Mapped[str] = mapped_column(sa.String(16))
    computed_at: Mapped[datetime]


class BatchFileRow(Base):
    """A file of a batch in the blob store: ``path`` is relative to the blob root, in POSIX form."""

    __tablename__ = "batch_files"

    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    path: Mapped[str] = mapped_column(sa.String(500))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)


class AuditLogRow(Base):
    """One change to the store, written in the transaction that made it; append-only (triggers refuse changes)."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_subject", "subject"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(100))
    subject: Mapped[str] = mapped_column(sa.String(300))
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
