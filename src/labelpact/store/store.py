"""The store: one workspace's clients, partners, projects, batches, audits, ledger and audit log.

``Store`` is the base (``base.StoreBase``: lifecycle, transactions, writes with files and crash recovery)
with the methods of this module and of two mixins: ``audits.AuditMethods`` (audits, findings, reviews,
contracts) and ``ledger.LedgerMethods`` (partner events, disputes). There are no update or delete methods:
history is appended to, never rewritten.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from labelpact.errors import ConflictError, InvalidInputError, StoreError
from labelpact.store import queries as q
from labelpact.store.attestations import AttestationMethods
from labelpact.store.audit_records import AuditCreate, AuditRecord, contract_sha256
from labelpact.store.audits import AuditMethods, contract_row, insert_audit
from labelpact.store.base import ORPHAN_AGE
from labelpact.store.blobs import BATCHES, Placement, new_key
from labelpact.store.database import lock
from labelpact.store.integrity import IntegrityMethods
from labelpact.store.jobs import JobMethods
from labelpact.store.ledger import LedgerMethods
from labelpact.store.names import check_name, skeleton
from labelpact.store.records import (
    SHORT_ID,
    AuditEntry,
    BatchCreate,
    BatchRecord,
    ClientRecord,
    PartnerRecord,
    ProjectRecord,
)
from labelpact.store.schema import (
    AuditLogRow,
    BatchDigestRow,
    BatchRow,
    ClientRow,
    PartnerContractRow,
    PartnerRow,
    ProjectRow,
)
from labelpact.store.service import ServiceMethods
from labelpact.store.web_sessions import WebSessionMethods

__all__ = ["ORPHAN_AGE", "Store"]


class Store(
    AuditMethods,
    LedgerMethods,
    IntegrityMethods,
    ServiceMethods,
    JobMethods,
    AttestationMethods,
    WebSessionMethods,
):
    """The workspace's database and blob store; open with ``Store.open(settings)``, close when done."""

    # -- client -----------------------------------------------------------------------------------
    def set_client(self, name: str, rivals: Sequence[str]) -> ClientRecord:
        """Name the lab that runs this workspace and its rivals; setting it again replaces both."""
        name = check_name("client", name)
        rivals = [check_name("rival", rival, column="rivals") for rival in rivals]
        with self._write() as session:
            lock(session.connection(), "client")  # PostgreSQL: two first sets would both insert row 1
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
        allow_lookalike: bool = False,
    ) -> PartnerRecord:
        """Register a vendor; ``ConflictError`` when the name is taken or looks like one that is.

        Names are compared exactly, but a name whose ``names.skeleton`` matches a partner's (``Scale``,
        ``scale``, ``Sсale`` with a Cyrillic ``с``) is refused unless ``allow_lookalike``.
        """
        name = check_name("partner", name)
        if "/" in name:  # a partner's name is one segment of the service's and dashboard's addresses
            raise InvalidInputError("a partner name without '/'", column="name", got=repr(name))
        if name in (".", ".."):  # browsers resolve the segment away: /partners/.. is the portfolio
            raise InvalidInputError("a partner name other than '.' or '..'", column="name", got=repr(name))
        if equity_stake is not None and not 0.0 <= equity_stake <= 1.0:
            raise InvalidInputError(
                "an equity stake between 0 and 1", column="equity_stake", got=str(equity_stake)
            )
        if min_spend_usd is not None and not 0.0 <= min_spend_usd < math.inf:
            raise InvalidInputError(
                "a finite minimum spend >= 0", column="min_spend_usd", got=str(min_spend_usd)
            )
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
                # PostgreSQL: one adder at a time, so the look-alike scan sees a concurrent add
                lock(session.connection(), "partners")
                if session.scalar(sa.select(PartnerRow.id).where(PartnerRow.name == name)) is not None:
                    raise ConflictError(f"partner {name!r} already exists")
                if not allow_lookalike:
                    _refuse_lookalike(name, session.scalars(sa.select(PartnerRow.name)))
                session.add(row)
                record = q.partner_record(row)
                q.audit(session, self.actor, "partner.added", f"partner:{name}", asdict(record))
        except sa.exc.IntegrityError:  # a concurrent add of the same name won the race
            raise ConflictError(f"partner {name!r} already exists") from None
        return record

    def list_partners(self) -> list[PartnerRecord]:
        """Every partner by name, each with its contract in force (two queries, however many partners)."""
        with self._read() as session:
            query = sa.select(PartnerRow).options(selectinload(PartnerRow.contract_changes))
            return [q.partner_record(row) for row in session.scalars(query.order_by(PartnerRow.name))]

    def get_partner(self, name: str, *, as_of: date | None = None) -> PartnerRecord:
        """The partner called ``name`` with its contract in force (at the end of day ``as_of``, UTC, when
        given: a replay reads the contract of that day); ``NotFoundError`` names the known ones."""
        with self._read() as session:
            return q.partner_record(q.partner_row(session, name), as_of)

    def set_partner_contract(self, name: str, contract_toml: str) -> tuple[PartnerRecord, str | None]:
        """Put ``contract_toml`` on file for partner ``name`` (renegotiated) and return the partner and the
        SHA-256 of the contract it replaces (None: none). ``partners`` is immutable, so a ``partner_contracts``
        row is appended; both texts are kept in ``contracts`` and the change is in the audit log. The contract
        in force already is left as it is (nothing written)."""
        with self._write() as session:
            row = q.partner_row(session, name)
            lock(session.connection(), f"partner_contract:{row.id}")  # PostgreSQL: one change at a time
            before = q.contract_in_force(row)
            old = None if before is None else contract_sha256(before)
            new = contract_sha256(contract_toml)
            if old == new:
                return q.partner_record(row), old
            if before is not None and old is not None:  # the text the partner was added with, kept by SHA-256
                contract_row(session, self.actor, old, before)
            contract = contract_row(session, self.actor, new, contract_toml)
            set_at = q.now()
            session.add(
                PartnerContractRow(partner_id=row.id, contract=contract, set_at=set_at, set_by=self.actor)
            )
            detail = {"previous_contract_sha256": old, "contract_sha256": new}
            q.audit(session, self.actor, "partner.contract_set", f"partner:{row.name}", detail)
            session.flush()
            return replace(q.partner_record(row), contract_toml=contract_toml), old

    # -- projects ---------------------------------------------------------------------------------
    def add_project(self, name: str, *, description: str | None = None) -> ProjectRecord:
        """Create a project; ``ConflictError`` when the name is taken."""
        name = check_name("project", name)
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

    def find_batches_with_labels(self, digest: str) -> list[BatchRecord]:
        """The stored batches whose labels have this order-free digest (``core.keyed.labels_digest``), oldest
        first: in their own column, or (stored before migration 0007) in ``batch_digests``."""
        backfilled = sa.select(BatchDigestRow.batch_id).where(BatchDigestRow.labels_digest == digest)
        query = (
            sa.select(BatchRow)
            .where((BatchRow.labels_digest == digest) | BatchRow.id.in_(backfilled))
            .order_by(BatchRow.id)
        )
        with self._read() as session:
            return [q.batch_record(row) for row in session.scalars(query)]

    def batches_without_digest(self) -> list[BatchRecord]:
        """The batches of any kind stored before they had a digest (labels before migration 0007, the other
        kinds before 0010) whose digest is not known yet, oldest first."""
        known = sa.select(BatchDigestRow.batch_id)
        query = (
            sa.select(BatchRow)
            .where(BatchRow.labels_digest.is_(None), BatchRow.id.not_in(known))
            .order_by(BatchRow.id)
        )
        with self._read() as session:
            return [q.batch_record(row) for row in session.scalars(query)]

    def add_batch_digest(self, batch: str, digest: str) -> None:
        """Record the digest of a batch stored before it had one (computed from its normalised file); a batch
        that has one already keeps it (a concurrent backfill may have written the same digest first)."""
        if not re.fullmatch(r"[0-9a-f]{16}", digest):
            raise InvalidInputError(
                "a digest of 16 lower-case hex digits", column="labels_digest", got=repr(digest)
            )
        with self._write() as session:
            row = q.batch_row(session, batch)
            lock(session.connection(), f"batch-digest:{row.id}")  # PostgreSQL: two backfills, one insert
            if row.labels_digest is None and session.get(BatchDigestRow, row.id) is None:
                session.add(BatchDigestRow(batch_id=row.id, labels_digest=digest, computed_at=q.now()))

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

    def add_batch(self, new: BatchCreate, *, files: Mapping[str, Path]) -> BatchRecord:
        """Store a delivery atomically: its files in the blob store and its rows in one transaction.

        ``files`` maps a role ("labels" = the delivered file, required, whose bytes must hash to
        ``new.sha256``; "normalised", "gold", "tasks") to a local file. The project is created when missing;
        the partner must exist (``NotFoundError``); the same sha256 twice is a ``ConflictError``.
        On any error, nothing this call wrote stays behind (``store.base`` gives the crash order).
        """
        new.validate()
        _check_labels_role(files)

        def insert(session: sa.orm.Session, placements: list[Placement | None]) -> BatchRecord:
            return q.insert_batch(session, self.actor, new, _placed(placements[0]))

        try:
            return self._write_with_groups(
                [(BATCHES, new.sha256, files)], insert, verify=lambda ps: _verify_labels(new, files, ps[0])
            )
        except sa.exc.IntegrityError:  # the unique sha256 is the backstop against a racing writer
            holder = self.find_batch_by_sha256(new.sha256)
            raise (
                q.duplicate(holder) if holder else ConflictError("the batch conflicts with the store")
            ) from None

    def add_batch_with_audit(
        self,
        new: BatchCreate,
        audit: AuditCreate,
        *,
        files: Mapping[str, Path],
        audit_files: Mapping[str, Path],
    ) -> tuple[BatchRecord, AuditRecord]:
        """Store a new batch and its first audit in ONE transaction: a kill leaves both or neither.

        ``audit.batch`` must name ``new`` (its id); otherwise as ``add_batch`` then ``add_audit``.
        """
        new.validate()
        _check_labels_role(files)
        if not new.sha256.startswith(audit.batch.strip().lower()):
            raise InvalidInputError(
                f"an audit of batch {new.sha256[:SHORT_ID]}", column="batch", got=audit.batch
            )
        values = audit.checked()
        audit_key = new_key()

        def insert(
            session: sa.orm.Session, placements: list[Placement | None]
        ) -> tuple[BatchRecord, AuditRecord]:
            batch = q.insert_batch(session, self.actor, new, _placed(placements[0]))
            return batch, insert_audit(session, self.actor, values, audit.contract_toml, placements[1])

        groups = [(BATCHES, new.sha256, files), ("audits", audit_key, audit_files)]
        try:
            return self._write_with_groups(
                groups, insert, verify=lambda ps: _verify_labels(new, files, ps[0])
            )
        except sa.exc.IntegrityError:
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


def _refuse_lookalike(name: str, known: Iterable[str]) -> None:
    """``ConflictError`` naming the partner that ``name`` looks like, if any."""
    form = skeleton(name)
    twin = next((other for other in known if skeleton(other) == form), None)
    if twin is not None:
        raise ConflictError(
            f"partner {name!r} looks like the existing partner {twin!r} (the same letters once case, accents "
            "and look-alike characters are set aside); use that partner, or add this one with --allow-lookalike"
        )


def _check_labels_role(files: Mapping[str, Path]) -> None:
    if "labels" not in files:
        raise InvalidInputError(
            "a 'labels' file among the batch files", column="files", got=repr(sorted(files))
        )


def _verify_labels(new: BatchCreate, files: Mapping[str, Path], placement: Placement | None) -> None:
    """The staged labels file is the one described (its bytes did not change since they were read)."""
    labels = _placed(placement).files["labels"]
    if (labels.sha256, labels.size_bytes) != (new.sha256, new.size_bytes):
        raise InvalidInputError(
            f"a labels file of {new.size_bytes} bytes with sha256 {new.sha256[:SHORT_ID]}...",
            file=files["labels"],
            got=f"{labels.size_bytes} bytes with sha256 {labels.sha256[:SHORT_ID]}... (it changed?)",
        )


def _placed(placement: Placement | None) -> Placement:
    if placement is None:  # unreachable: "labels" is required, so there are files
        raise StoreError("a batch without files")
    return placement
