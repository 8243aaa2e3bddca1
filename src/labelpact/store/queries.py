"""Session-level reads and writes the store is built from: rows to records, lookups that name what exists.

Every function takes an open ``Session`` and leaves the transaction to its caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import InstrumentedAttribute, Session

from labelpact.errors import ConflictError, InvalidInputError, NotFoundError, did_you_mean
from labelpact.store.blobs import BATCHES, Placement
from labelpact.store.database import lock
from labelpact.store.names import check_name, storable_text
from labelpact.store.records import (
    SHORT_ID,
    BatchCreate,
    BatchFile,
    BatchRecord,
    ClientRecord,
    PartnerRecord,
    ProjectRecord,
)
from labelpact.store.schema import (
    AuditFileRow,
    AuditLogRow,
    BatchFileRow,
    BatchRow,
    ClientRow,
    PartnerRow,
    ProjectRow,
    ReviewRow,
)

__all__ = [
    "audit",
    "batch_record",
    "batch_row",
    "client_record",
    "contract_in_force",
    "duplicate",
    "ensure_project",
    "insert_batch",
    "new_project",
    "now",
    "partner_record",
    "partner_row",
    "project_record",
    "project_row",
    "referenced",
    "stored_paths",
    "unknown",
]

_LISTED = 20  # names listed in a NotFoundError before "and N more"
_MIN_PREFIX = 6
_HEX = frozenset("0123456789abcdef")


def now() -> datetime:
    return datetime.now(UTC)


def _json_ready(values: Mapping[str, Any]) -> dict[str, Any]:
    """Dates as ISO text and tuples as lists, so an audit detail is plain JSON."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, date | datetime):
            out[key] = value.isoformat()
        elif isinstance(value, tuple):
            out[key] = list(value)
        else:
            out[key] = value
    return out


def audit(session: Session, actor: str, action: str, subject: str, detail: Mapping[str, Any]) -> None:
    """Append one line to the audit log, in the caller's transaction (so it commits with the change)."""
    session.add(
        AuditLogRow(at=now(), actor=actor, action=action, subject=subject, detail=_json_ready(detail))
    )


def unknown(kind: str, name: str, known: Sequence[str]) -> NotFoundError:
    """``unknown partner 'Scael'; known partners: Scale, Surge; did you mean 'Scale'?``"""
    listed = ", ".join(known[:_LISTED]) + (
        f" and {len(known) - _LISTED} more" if len(known) > _LISTED else ""
    )
    message = f"unknown {kind} {name!r}; known {kind}s: {listed or 'none yet'}"
    return NotFoundError(message + did_you_mean(name, known))


# -- rows to records ------------------------------------------------------------------------------
def client_record(row: ClientRow) -> ClientRecord:
    return ClientRecord(
        name=row.name, rivals=tuple(row.rivals), created_at=row.created_at, updated_at=row.updated_at
    )


def contract_in_force(row: PartnerRow, as_of: date | None = None) -> str | None:
    """The partner's contract text in force (at the end of day ``as_of``, UTC, when given): the latest one
    put on file by then (``partner_contracts``), else the one it was added with (``partners`` is immutable)."""
    changes = [c for c in row.contract_changes if as_of is None or c.set_at.date() <= as_of]
    return changes[-1].contract.toml if changes else row.contract_toml


def partner_record(row: PartnerRow, as_of: date | None = None) -> PartnerRecord:
    """The partner with its contract in force (on day ``as_of`` when given); load ``row.contract_changes``
    with the rows (``selectinload``) when reading many partners."""
    return PartnerRecord(
        name=row.name,
        since=row.since,
        equity_stake=row.equity_stake,
        min_spend_usd=row.min_spend_usd,
        contract_toml=contract_in_force(row, as_of),
        created_at=row.created_at,
    )


def project_record(row: ProjectRow, n_batches: int) -> ProjectRecord:
    return ProjectRecord(
        name=row.name, description=row.description, created_at=row.created_at, n_batches=n_batches
    )


def batch_record(row: BatchRow) -> BatchRecord:
    return BatchRecord(
        id=row.sha256[:SHORT_ID],
        sha256=row.sha256,
        partner=row.partner.name,
        project=row.project.name,
        source_name=row.source_name,
        format=row.format,
        size_bytes=row.size_bytes,
        n_rows=row.n_rows,
        n_annotations=row.n_annotations,
        n_tasks=row.n_tasks,
        n_workers=row.n_workers,
        n_classes=row.n_classes,
        classes=tuple(row.classes),
        n_duplicates=row.n_duplicates,
        n_abstentions=row.n_abstentions,
        n_cancelled=row.n_cancelled,
        n_tasks_without_labels=row.n_tasks_without_labels,
        n_gold=row.n_gold,
        median_duration_s=row.median_duration_s,
        delivered_at=row.delivered_at,
        due_at=row.due_at,
        received_at=row.received_at,
        files=tuple(
            BatchFile(f.role, f.path, f.sha256, f.size_bytes) for f in sorted(row.files, key=lambda f: f.role)
        ),
        kind=row.kind,
        labels_digest=row.labels_digest
        or (row.backfilled.labels_digest if row.backfilled is not None else None),
    )


# -- lookups --------------------------------------------------------------------------------------
def partner_row(session: Session, name: str) -> PartnerRow:
    """The partner called ``name`` (case-sensitive); ``NotFoundError`` names the known ones and the nearest."""
    row = session.scalar(sa.select(PartnerRow).where(PartnerRow.name == name))
    if row is None:
        raise unknown(
            "partner", name, list(session.scalars(sa.select(PartnerRow.name).order_by(PartnerRow.name)))
        )
    return row


def project_row(session: Session, name: str) -> ProjectRow:
    row = session.scalar(sa.select(ProjectRow).where(ProjectRow.name == name))
    if row is None:
        raise unknown(
            "project", name, list(session.scalars(sa.select(ProjectRow.name).order_by(ProjectRow.name)))
        )
    return row


def batch_row(session: Session, ref: str) -> BatchRow:
    """The batch whose sha256 is ``ref`` or starts with it (>= 6 hex digits, unique)."""
    prefix = ref.strip().lower() if isinstance(ref, str) else ""
    if len(prefix) < _MIN_PREFIX or len(prefix) > 64 or not set(prefix) <= _HEX:
        raise InvalidInputError(
            f"a batch id of {_MIN_PREFIX} to 64 hex digits", column="batch", got=repr(ref)
        )
    rows = session.scalars(
        sa.select(BatchRow)
        .where(BatchRow.sha256 >= prefix, BatchRow.sha256 < prefix + "g")  # a range the unique index serves
        .where(BatchRow.sha256.startswith(prefix, autoescape=True))
        .limit(6)
    ).all()
    if len(rows) == 1:
        return rows[0]
    if rows:
        ids = ", ".join(row.sha256[:SHORT_ID] for row in rows[:5])
        raise InvalidInputError(
            "a batch id prefix that matches one batch", column="batch", got=f"{ref!r}, which matches {ids}"
        )
    recent = session.scalars(sa.select(BatchRow.sha256).order_by(BatchRow.received_at.desc()).limit(5)).all()
    hint = ", ".join(sha[:SHORT_ID] for sha in recent) or "none yet"
    raise NotFoundError(f"unknown batch {ref!r}; latest batches: {hint}")


def _area_paths(area: str) -> InstrumentedAttribute[str]:
    return {"audits": AuditFileRow.path, "reviews": ReviewRow.path}[area]


def referenced(session: Session, area: str, key: str) -> bool:
    """Whether a committed (or this transaction's) row names the blob folder ``area/<2 hex>/<key>``."""
    if area == BATCHES:
        return session.scalar(sa.select(BatchRow.id).where(BatchRow.sha256 == key)) is not None
    column = _area_paths(area)
    prefix = f"{area}/{key[:2]}/{key}/"
    query = sa.select(column).where(column.startswith(prefix, autoescape=True)).limit(1)
    return session.scalar(query) is not None


def stored_paths(session: Session, area: str = BATCHES) -> dict[str, set[str]]:
    """Every folder key of ``area`` that a row names, with the blob paths the rows name in it."""
    paths: dict[str, set[str]] = {}
    if area == BATCHES:
        query = sa.select(BatchRow.sha256, BatchFileRow.path).outerjoin(
            BatchFileRow, BatchFileRow.batch_id == BatchRow.id
        )
        for sha, path in session.execute(query):
            paths.setdefault(sha, set())
            if path is not None:
                paths[sha].add(path)
        return paths
    for path in session.scalars(sa.select(_area_paths(area))):
        paths.setdefault(path.split("/")[2], set()).add(path)
    return paths


# -- writes ---------------------------------------------------------------------------------------
def new_project(session: Session, actor: str, name: str, description: str | None) -> ProjectRow:
    row = ProjectRow(name=name, description=description, created_at=now())
    session.add(row)
    audit(session, actor, "project.added", f"project:{name}", {"name": name, "description": description})
    return row


def ensure_project(session: Session, actor: str, name: str) -> ProjectRow:
    """The project called ``name``, created when missing by an upsert, so racing writers both succeed.

    ``INSERT ... ON CONFLICT DO NOTHING`` waits for a concurrent insert of the same name to commit (on
    PostgreSQL) instead of failing our whole transaction; the audit-log line is written by whoever inserted.
    """
    values = {"name": name, "description": None, "created_at": now()}
    dialect = session.get_bind().dialect.name
    statement: sa.Executable
    if dialect == "postgresql":
        statement = (
            pg_insert(ProjectRow)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(ProjectRow.id)
        )
    elif dialect == "sqlite":
        statement = (
            sqlite_insert(ProjectRow)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(ProjectRow.id)
        )
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        row = session.scalar(sa.select(ProjectRow).where(ProjectRow.name == name))
        return row if row is not None else new_project(session, actor, name, None)
    inserted = session.connection().execute(statement).first() is not None  # no row back: it existed
    if inserted:
        audit(session, actor, "project.added", f"project:{name}", {"name": name, "description": None})
    row = session.scalar(sa.select(ProjectRow).where(ProjectRow.name == name))
    if row is None:  # pragma: no cover - the row was inserted or already committed
        raise ConflictError(f"project {name!r} could not be created")
    return row


def duplicate(holder: BatchRecord) -> ConflictError:
    return ConflictError(
        f"these bytes are already batch {holder.id} ({holder.partner}/{holder.project}, {holder.source_name})"
    )


def insert_batch(session: Session, actor: str, new: BatchCreate, placement: Placement) -> BatchRecord:
    """Insert a batch, its files and its audit line under the batch's lock; the project is made when missing.

    Flushes, so every constraint has fired before the caller renames files into place.
    """
    lock(session.connection(), f"batch:{new.sha256}")
    holder = session.scalar(sa.select(BatchRow).where(BatchRow.sha256 == new.sha256))
    if holder is not None:
        raise duplicate(batch_record(holder))
    partner = partner_row(session, new.partner)
    project = ensure_project(session, actor, check_name("project", new.project))
    row = BatchRow(
        sha256=new.sha256,
        partner=partner,
        project=project,
        source_name=storable_text(new.source_name),
        format=new.format,
        size_bytes=new.size_bytes,
        n_rows=new.n_rows,
        n_annotations=new.n_annotations,
        n_tasks=new.n_tasks,
        n_workers=new.n_workers,
        n_classes=new.n_classes,
        classes=list(new.classes),
        n_duplicates=new.n_duplicates,
        n_abstentions=new.n_abstentions,
        n_cancelled=new.n_cancelled,
        n_tasks_without_labels=new.n_tasks_without_labels,
        n_gold=new.n_gold,
        median_duration_s=new.median_duration_s,
        delivered_at=new.delivered_at,
        due_at=new.due_at,
        received_at=now(),
        kind=new.kind,
        labels_digest=new.labels_digest,
        files=[
            BatchFileRow(role=f.role, path=f.relative, sha256=f.sha256, size_bytes=f.size_bytes)
            for f in placement.files.values()
        ],
    )
    session.add(row)
    session.flush()
    record = batch_record(row)
    detail = {
        "partner": new.partner,
        "project": new.project,
        "source_name": storable_text(new.source_name),
        "format": new.format,
        "n_annotations": new.n_annotations,
        "files": {f.role: f.path for f in record.files},
    }
    audit(session, actor, "batch.ingested", f"batch:{new.sha256}", detail)
    session.flush()
    return record
