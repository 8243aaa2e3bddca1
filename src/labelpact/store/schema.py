"""The ORM schema of the store: today's tables, mapped with typed ``Mapped[...]`` columns.

Migrations never import this module (a revision is frozen in time); a test checks that Alembic's
autogenerate finds no difference between these models and the migrations at head.
Every table has an integer surrogate key so later tables can point at it without touching it; see
``migrations/versions/v0001_foundation.py`` and ``v0002_audits.py``. The tables of revision 0002 (contracts,
audits, audit_files, findings, reviews, events, disputes, dispute_events) are append-only like the audit log:
the database refuses UPDATE and DELETE on them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "APPEND_ONLY",
    "NAMING_CONVENTION",
    "AuditFileRow",
    "AuditLogRow",
    "AuditRow",
    "Base",
    "BatchFileRow",
    "BatchRow",
    "ClientRow",
    "ContractRow",
    "DisputeEventRow",
    "DisputeRow",
    "EventRow",
    "FindingRow",
    "PartnerRow",
    "ProjectRow",
    "ReviewRow",
    "UTCDateTime",
]

# Tables whose rows, once committed, never change (the migrations install triggers that refuse it).
APPEND_ONLY = (
    "audit_log",
    "contracts",
    "audits",
    "audit_files",
    "findings",
    "reviews",
    "events",
    "disputes",
    "dispute_events",
)

# Deterministic constraint names: later migrations (and SQLite batch mode) can find them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A moment in UTC: aware datetimes in, aware UTC datetimes out, on SQLite (naive text) and PostgreSQL (timestamptz)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a timezone-aware datetime, got naive {value.isoformat()}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        date: sa.Date(),
        float: sa.Double(),
        dict[str, Any]: sa.JSON(),
    }


Day = date  # a column named ``date`` would shadow the type in its own class body

# A BIGINT key on PostgreSQL that stays SQLite's INTEGER PRIMARY KEY (its rowid alias, which autoincrements).
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


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

    partner: Mapped[PartnerRow] = relationship(lazy="joined", innerjoin=True)
    project: Mapped[ProjectRow] = relationship(lazy="joined", innerjoin=True)
    files: Mapped[list[BatchFileRow]] = relationship(
        lazy="selectin", order_by="BatchFileRow.role", cascade="all, delete-orphan"
    )


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


# JSON that stores Python None as SQL NULL (not the JSON text 'null'), for optional documents.
NullableJSON = sa.JSON(none_as_null=True)


class ContractRow(Base):
    """A contract's TOML text, stored once per SHA-256 of its UTF-8 bytes; audits point at the one they judged by."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    toml: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]


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
