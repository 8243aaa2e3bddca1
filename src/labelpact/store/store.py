"""The store: one workspace's clients, partners, projects, batches, audits, ledger and audit log.

``Store`` is the base (``base.StoreBase``: lifecycle, transactions, writes with files and crash recovery)
with the methods of this module and of two mixins: ``audits.AuditMethods`` (audits, findings, reviews,
contracts) and ``ledger.LedgerMethods`` (partner events, disputes). There are no update or delete methods:
history is appended to, never rewritten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from labelpact.errors import ConflictError, InvalidInputError, StoreError
from labelpact.store import queries as q
from labelpact.store.audits import AuditMethods
from labelpact.store.base import ORPHAN_AGE
from labelpact.store.blobs import BATCHES, Placement
from labelpact.store.ledger import LedgerMethods
from labelpact.store.records import (
    SHORT_ID,
    AuditEntry,
    BatchCreate,
    BatchFile,
    BatchRecord,
    ClientRecord,
    PartnerRecord,
    ProjectRecord,
)
from labelpact.store.schema import AuditLogRow, BatchRow, ClientRow, PartnerRow, ProjectRow

__all__ = ["ORPHAN_AGE", "Store"]


class Store(AuditMethods, LedgerMethods):
    """The workspace's database and blob store; open with ``Store.open(settings)``, close when done."""

    # -- client -----------------------------------------------------------------------------------
    def set_client(self, name: str, rivals: Sequence[str]) -> ClientRecord:
        """Name the lab that runs this workspace and its rivals; setting it again replaces both."""
        with self._write() as session:
            row = session.get(ClientRow, 1)
            previous = None if row is None else {"name": row.name, "rivals": list(row.rivals)}
            now = q.now()
            if row is None:
                row = ClientRow(id=1, name=name, rivals=list(rivals), created_at=now, updated_at=now)
                session.add(row)
            else:
                row.name, row.rivals, row.updated_at = name, list(rivals), now
            detail = {"name": name, "rivals": list(rivals), "previous": previous}
            q.audit(session, self.actor, "client.set", "client", detail)
            session.flush()
            return q.client_record(row)

    def get_client(self) -> ClientRecord | None:
        with self._read() as session:
            row = session.get(ClientRow, 1)
            return None if row is None else q.client_record(row)

    # -- partners ---------------------------------------------------------------------------------
    def add_partner(
        self,
        name: str,
        *,
        since: date | None = None,
        equity_stake: float | None = None,
        min_spend_usd: float | None = None,
        contract_toml: str | None = None,
    ) -> PartnerRecord:
        """Register a vendor; ``ConflictError`` when the name is taken (names are case-sensitive)."""
        if not name.strip():
            raise InvalidInputError("a non-blank partner name", column="name")
        if equity_stake is not None and not 0.0 <= equity_stake <= 1.0:
            raise InvalidInputError(
                "an equity stake between 0 and 1", column="equity_stake", got=str(equity_stake)
            )
        if min_spend_usd is not None and not min_spend_usd >= 0.0:
            raise InvalidInputError("a minimum spend >= 0", column="min_spend_usd", got=str(min_spend_usd))
        row = PartnerRow(
            name=name,
            since=since,
            equity_stake=equity_stake,
            min_spend_usd=min_spend_usd,
            contract_toml=contract_toml,
            created_at=q.now(),
        )
        try:
            with self._write() as session:
                if session.scalar(sa.select(PartnerRow.id).where(PartnerRow.name == name)) is not None:
                    raise ConflictError(f"partner {name!r} already exists")
                session.add(row)
                record = q.partner_record(row)
                q.audit(session, self.actor, "partner.added", f"partner:{name}", asdict(record))
        except sa.exc.IntegrityError:  # a concurrent add of the same name won the race
            raise ConflictError(f"partner {name!r} already exists") from None
        return record

    def list_partners(self) -> list[PartnerRecord]:
        with self._read() as session:
            return [
                q.partner_record(row)
                for row in session.scalars(sa.select(PartnerRow).order_by(PartnerRow.name))
            ]

    def get_partner(self, name: str) -> PartnerRecord:
        """The partner called ``name``; ``NotFoundError`` names the known ones and the nearest match."""
        with self._read() as session:
            return q.partner_record(q.partner_row(session, name))

    # -- projects ---------------------------------------------------------------------------------
    def add_project(self, name: str, *, description: str | None = None) -> ProjectRecord:
        """Create a project; ``ConflictError`` when the name is taken."""
        if not name.strip():
            raise InvalidInputError("a non-blank project name", column="name")
        try:
            with self._write() as session:
                if session.scalar(sa.select(ProjectRow.id).where(ProjectRow.name == name)) is not None:
                    raise ConflictError(f"project {name!r} already exists")
                return q.project_record(q.new_project(session, self.actor, name, description), 0)
        except sa.exc.IntegrityError:
            raise ConflictError(f"project {name!r} already exists") from None

    def list_projects(self) -> list[ProjectRecord]:
        """Every project with its number of batches, by name."""
        counts = (
            sa.select(ProjectRow, sa.func.count(BatchRow.id))
            .outerjoin(BatchRow, BatchRow.project_id == ProjectRow.id)
            .group_by(ProjectRow.id)
            .order_by(ProjectRow.name)
        )
        with self._read() as session:
            return [q.project_record(row, n) for row, n in session.execute(counts)]

    def get_project(self, name: str) -> ProjectRecord:
        with self._read() as session:
            row = q.project_row(session, name)
            n = (
                session.scalar(sa.select(sa.func.count(BatchRow.id)).where(BatchRow.project_id == row.id))
                or 0
            )
            return q.project_record(row, n)

    # -- batches ----------------------------------------------------------------------------------
    def find_batch_by_sha256(self, sha256: str) -> BatchRecord | None:
        with self._read() as session:
            row = session.scalar(sa.select(BatchRow).where(BatchRow.sha256 == sha256.lower()))
            return None if row is None else q.batch_record(row)

    def get_batch(self, ref: str) -> BatchRecord:
        """The batch whose sha256 is ``ref`` or starts with it (>= 6 hex digits, unique)."""
        with self._read() as session:
            return q.batch_record(q.batch_row(session, ref))

    def list_batches(self, *, partner: str | None = None, project: str | None = None) -> list[BatchRecord]:
        """Batches, newest first, optionally of one partner and/or project (unknown names raise NotFoundError)."""
        query = sa.select(BatchRow).order_by(BatchRow.received_at.desc(), BatchRow.id.desc())
        with self._read() as session:
            if partner is not None:
                query = query.where(BatchRow.partner_id == q.partner_row(session, partner).id)
            if project is not None:
                query = query.where(BatchRow.project_id == q.project_row(session, project).id)
            return [q.batch_record(row) for row in session.scalars(query)]

    def blob_path(self, file: BatchFile) -> Path:
        """Where a batch's stored file lies on this machine."""
        return self._blobs.path(file.path)

    def add_batch(self, new: BatchCreate, *, files: Mapping[str, Path]) -> BatchRecord:
        """Store a delivery atomically: its files in the blob store and its rows in one transaction.

        ``files`` maps a role ("labels" = the delivered file, required, whose bytes must hash to
        ``new.sha256``; "normalised", "gold", "tasks") to a local file. The project is created when missing;
        the partner must exist (``NotFoundError``); the same sha256 twice is a ``ConflictError``.
        On any error, nothing this call wrote stays behind (``store.base`` gives the crash order).
        """
        new.validate()
        if "labels" not in files:
            raise InvalidInputError(
                "a 'labels' file among the batch files", column="files", got=repr(sorted(files))
            )

        def verify(placement: Placement) -> None:
            labels = placement.files["labels"]
            if (labels.sha256, labels.size_bytes) != (new.sha256, new.size_bytes):
                raise InvalidInputError(
                    f"a labels file of {new.size_bytes} bytes with sha256 {new.sha256[:SHORT_ID]}...",
                    file=files["labels"],
                    got=f"{labels.size_bytes} bytes with sha256 {labels.sha256[:SHORT_ID]}... (it changed?)",
                )

        def insert(session: sa.orm.Session, placement: Placement | None) -> BatchRecord:
            if placement is None:  # unreachable: "labels" is required, so there are files
                raise StoreError("a batch without files")
            return q.insert_batch(session, self.actor, new, placement)

        try:
            return self._write_with_files(BATCHES, new.sha256, files, insert, verify=verify)
        except sa.exc.IntegrityError:  # the unique sha256 is the backstop against a racing writer
            holder = self.find_batch_by_sha256(new.sha256)
            raise (
                q.duplicate(holder) if holder else ConflictError("the batch conflicts with the store")
            ) from None

    # -- audit log --------------------------------------------------------------------------------
    def audit_log(self, *, subject: str | None = None, action: str | None = None) -> list[AuditEntry]:
        """The append-only log of changes, oldest first, optionally of one subject or action."""
        query = sa.select(AuditLogRow).order_by(AuditLogRow.id)
        if subject is not None:
            query = query.where(AuditLogRow.subject == subject)
        if action is not None:
            query = query.where(AuditLogRow.action == action)
        with self._read() as session:
            return [
                AuditEntry(
                    id=r.id, at=r.at, actor=r.actor, action=r.action, subject=r.subject, detail=dict(r.detail)
                )
                for r in session.scalars(query)
            ]
