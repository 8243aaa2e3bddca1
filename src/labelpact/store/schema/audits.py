"""Tables of what was judged: contracts, audits, their files and findings, reviews, events and disputes (all append-only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labelpact.store.schema.base import Base, BigId, Day, NullableJSON
from labelpact.store.schema.deliveries import BatchRow, PartnerRow


class ContractRow(Base):
    """A contract's TOML text, stored once per SHA-256 of its UTF-8 bytes; audits point at the one they judged by."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    toml: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]


class PartnerContractRow(Base):
    """A contract put on file for a partner after it was added (renegotiated); the latest one is in force."""

    __tablename__ = "partner_contracts"
    __table_args__ = (sa.Index("ix_partner_contracts_partner_id_set_at", "partner_id", "set_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id", ondelete="RESTRICT"))
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id", ondelete="RESTRICT"))
    set_at: Mapped[datetime]
    set_by: Mapped[str] = mapped_column(sa.String(200))

    contract: Mapped[ContractRow] = relationship(lazy="joined", innerjoin=True)


class AuditRow(Base):
    """One audit of a batch: the verdict with its reasons, metrics, sampling plan and sample; many per batch."""

    __tablename__ = "audits"
    __table_args__ = (
        sa.CheckConstraint("verdict IN ('accept', 'review', 'reject')", name="verdict"),
        sa.Index("ix_audits_batch_id_created_at", "batch_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batches.id", ondelete="RESTRICT"))
    contract_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contracts.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime]
    verdict: Mapped[str] = mapped_column(sa.String(10))
    method: Mapped[str] = mapped_column(sa.String(50))
    reasons: Mapped[list[Any]] = mapped_column(sa.JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    sampling_plan: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    sample_tasks: Mapped[list[str]] = mapped_column(sa.JSON)
    ethics: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)

    batch: Mapped[BatchRow] = relationship(lazy="joined", innerjoin=True)
    contract: Mapped[ContractRow | None] = relationship(lazy="joined")
    files: Mapped[list[AuditFileRow]] = relationship(lazy="selectin", order_by="AuditFileRow.role")
    findings: Mapped[list[FindingRow]] = relationship(
        lazy="selectin", order_by="FindingRow.position", back_populates="audit"
    )


class AuditFileRow(Base):
    """A file an audit produced (``consensus`` Parquet, ...), in the blob store under ``audits/``."""

    __tablename__ = "audit_files"

    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="RESTRICT"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    path: Mapped[str] = mapped_column(sa.String(500))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)


class FindingRow(Base):
    """One thing an audit found (kind, severity, evidence, the clause it breaks, what to do), in audit order."""

    __tablename__ = "findings"
    __table_args__ = (
        sa.CheckConstraint("severity IN ('info', 'warning', 'critical')", name="severity"),
        sa.UniqueConstraint("audit_id", "position"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(sa.Integer)
    kind: Mapped[str] = mapped_column(sa.String(100))
    severity: Mapped[str] = mapped_column(sa.String(10))
    detail: Mapped[str] = mapped_column(sa.Text)
    clause: Mapped[str | None] = mapped_column(sa.String(200))
    evidence: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    action: Mapped[str | None] = mapped_column(sa.Text)

    audit: Mapped[AuditRow] = relationship(lazy="select", back_populates="findings")


class ReviewRow(Base):
    """A reviewer's answers for an audit's sample and the decision the plan gives; the file is under ``reviews/``."""

    __tablename__ = "reviews"
    __table_args__ = (
        sa.CheckConstraint("decision IN ('accept', 'reject')", name="decision"),
        sa.CheckConstraint("n_defective >= 0 AND n_defective <= n_inspected", name="counts"),
        sa.Index("ix_reviews_audit_id", "audit_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime]
    reviewed_at: Mapped[datetime | None]  # when the reviewer did it, where told (a history entered later)
    reviewer: Mapped[str | None] = mapped_column(sa.String(200))
    n_inspected: Mapped[int] = mapped_column(sa.BigInteger)
    n_defective: Mapped[int] = mapped_column(sa.BigInteger)
    decision: Mapped[str] = mapped_column(sa.String(10))
    path: Mapped[str] = mapped_column(sa.String(500))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)


class EventRow(Base):
    """A fact about a partner (an executive leaving, a rival's stake, a layoff) in its ledger."""

    __tablename__ = "events"
    __table_args__ = (sa.Index("ix_events_partner_id_date", "partner_id", "date"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(sa.String(50))
    date: Mapped[Day] = mapped_column(sa.Date)
    actor: Mapped[str | None] = mapped_column(sa.String(200))
    magnitude: Mapped[float | None]
    summary: Mapped[str | None] = mapped_column(sa.Text)
    source_url: Mapped[str | None] = mapped_column(sa.String(2000))
    certainty: Mapped[str | None] = mapped_column(sa.String(30))
    created_at: Mapped[datetime]

    partner: Mapped[PartnerRow] = relationship(lazy="joined", innerjoin=True)


class DisputeRow(Base):
    """A partner's objection to a finding; immutable: its status is the latest of its ``dispute_events``."""

    __tablename__ = "disputes"
    __table_args__ = (sa.Index("ix_disputes_finding_id", "finding_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    finding_id: Mapped[int] = mapped_column(sa.ForeignKey("findings.id", ondelete="RESTRICT"))
    opened_by: Mapped[str] = mapped_column(sa.String(200))
    opened_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(sa.Text)

    finding: Mapped[FindingRow] = relationship(lazy="joined", innerjoin=True)
    events: Mapped[list[DisputeEventRow]] = relationship(lazy="selectin", order_by="DisputeEventRow.seq")


class DisputeEventRow(Base):
    """One state of a dispute: ``seq`` 0 is "open", a later one its resolution; (dispute, seq) is unique."""

    __tablename__ = "dispute_events"
    __table_args__ = (
        sa.CheckConstraint(
            "(seq = 0 AND status = 'open') OR (seq > 0 AND status IN ('upheld', 'rejected', 'withdrawn'))",
            name="status",
        ),
        sa.UniqueConstraint("dispute_id", "seq"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(sa.ForeignKey("disputes.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(10))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(sa.String(200))
    note: Mapped[str | None] = mapped_column(sa.Text)
