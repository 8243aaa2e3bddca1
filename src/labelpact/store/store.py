"""The store: one workspace's clients, partners, projects, batches and audit log, behind plain methods.

Crash order of ``add_batch`` (so a kill at any point leaves the whole batch or nothing visible):
1. copy each file into ``blobs/.staging/<sha>.<uuid>/`` (hash while copying, fsync); a crash leaves only staging;
2. open the write transaction, take the batch's lock, check and insert the rows (flush: constraints fire now);
3. rename the staged files into ``blobs/sha256/<2 hex>/<sha>/`` and fsync the folders; a crash leaves an
   unreferenced folder (no row was committed) plus the staging marker;
4. commit; then remove the staging marker.
``Store.open`` finishes what a crash left: for each staging marker older than an hour it removes the batch
folder when no row holds that sha, then the marker. ``sweep_orphans`` also scans every folder on disk.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from types import TracebackType

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from labelpact.config import Settings
from labelpact.errors import ConflictError, InvalidInputError, LabelpactError, NotFoundError, StoreError
from labelpact.store import queries as q
from labelpact.store.blobs import BlobStore, Placement
from labelpact.store.database import (
    WRITE,
    create_store_engine,
    display_url,
    first_line,
    lock,
    upgrade_to_head,
)
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

log = logging.getLogger(__name__)

# A write in flight is never this old; an unreferenced blob folder this old is debris from a crash.
ORPHAN_AGE = timedelta(hours=1)
_MIN_PREFIX = 6
_HEX = frozenset("0123456789abcdef")


class Store:
    """The workspace's database and blob store; open with ``Store.open(settings)``, close when done."""

    def __init__(self, settings: Settings, engine: Engine, *, actor: str = "local") -> None:
        self.settings = settings
        self.actor = actor
        self._engine = engine
        self._writer = engine.execution_options(**{WRITE: True})
        self._blobs = BlobStore(settings.blob_root)

    # -- lifecycle --------------------------------------------------------------------------------
    @classmethod
    def open(cls, settings: Settings, *, actor: str = "local") -> Store:
        """Create the workspace, migrate the schema to head and finish any write a crash interrupted.

        ``actor`` is who the audit log names for changes made through this store. Raises ``StoreError``
        (one line, password masked) when the database cannot be reached or migrated.
        """
        where = display_url(settings.db_url)
        try:
            settings.workspace.mkdir(parents=True, exist_ok=True)
            engine = create_store_engine(settings.db_url)
        except OSError as error:
            raise StoreError(
                f"cannot create the workspace {settings.workspace}: {error.strerror or error}"
            ) from None
        except sa.exc.ArgumentError as error:
            raise StoreError(f"cannot open the store at {where}: {first_line(error)}") from None
        try:
            upgrade_to_head(engine)
            store = cls(settings, engine, actor=actor)
            store._blobs.ensure()
            store._recover()
        except LabelpactError:
            engine.dispose()
            raise
        except (sa.exc.SQLAlchemyError, OSError) as error:
            engine.dispose()
            raise StoreError(f"cannot open the store at {where}: {first_line(error)}") from None
        return store

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    @property
    def blob_root(self) -> Path:
        return self._blobs.root

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._database_errors(), Session(self._engine) as session:
            yield session  # closing rolls the read transaction back: nothing to commit

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._database_errors(), Session(self._writer) as session, session.begin():
            yield session

    @contextmanager
    def _database_errors(self) -> Iterator[None]:
        try:
            yield
        except sa.exc.IntegrityError:
            raise  # callers turn these into ConflictError with a name in it
        except sa.exc.OperationalError as error:
            raise StoreError(
                f"the store at {display_url(self._engine.url)} failed: {first_line(error)}"
            ) from None

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
        prefix = ref.strip().lower()
        if len(prefix) < _MIN_PREFIX or len(prefix) > 64 or not set(prefix) <= _HEX:
            raise InvalidInputError(
                f"a batch id of {_MIN_PREFIX} to 64 hex digits", column="batch", got=repr(ref)
            )
        with self._read() as session:
            rows = session.scalars(
                sa.select(BatchRow)
                .where(
                    BatchRow.sha256 >= prefix, BatchRow.sha256 < prefix + "g"
                )  # a range the unique index serves
                .where(BatchRow.sha256.startswith(prefix, autoescape=True))
                .limit(6)
            ).all()
            if len(rows) == 1:
                return q.batch_record(rows[0])
            if rows:
                ids = ", ".join(row.sha256[:SHORT_ID] for row in rows[:5])
                raise InvalidInputError(
                    "a batch id prefix that matches one batch",
                    column="batch",
                    got=f"{ref!r}, which matches {ids}",
                )
            recent = session.scalars(
                sa.select(BatchRow.sha256).order_by(BatchRow.received_at.desc()).limit(5)
            ).all()
        hint = ", ".join(sha[:SHORT_ID] for sha in recent) or "none yet"
        raise NotFoundError(f"unknown batch {ref!r}; latest batches: {hint}")

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
        On any error, nothing this call wrote stays behind (see the module docstring for crash order).
        """
        new.validate()
        if "labels" not in files:
            raise InvalidInputError(
                "a 'labels' file among the batch files", column="files", got=repr(sorted(files))
            )
        placement = self._blobs.stage(new.sha256, files)
        committed = False
        try:
            labels = placement.files["labels"]
            if (labels.sha256, labels.size_bytes) != (new.sha256, new.size_bytes):
                raise InvalidInputError(
                    f"a labels file of {new.size_bytes} bytes with sha256 {new.sha256[:SHORT_ID]}...",
                    file=files["labels"],
                    got=f"{labels.size_bytes} bytes with sha256 {labels.sha256[:SHORT_ID]}... (it changed?)",
                )
            try:
                with self._write() as session:
                    record = q.insert_batch(session, self.actor, new, placement)
                    placement.place()
                committed = True
            except sa.exc.IntegrityError:  # the unique sha256 is the backstop against a racing writer
                holder = self.find_batch_by_sha256(new.sha256)
                raise (
                    q.duplicate(holder) if holder else ConflictError("the batch conflicts with the store")
                ) from None
        finally:
            stored = committed or (self._stored(new.sha256) if placement.placed else False)
            if stored is True:
                placement.finish()
            elif stored is False:
                placement.undo()
            # None: unknown whether a failed COMMIT reached the database; the files and the marker stay,
            # and Store.open settles them once they are ORPHAN_AGE old.
        return record

    def _stored(self, sha256: str) -> bool | None:
        """Whether a batch row holds ``sha256`` (after a failed COMMIT whose reply may have been lost), or None."""
        try:
            return self.find_batch_by_sha256(sha256) is not None
        except Exception:  # the database is gone: we cannot tell, so nothing may be deleted
            log.warning("cannot tell whether batch %s was committed; its files stay until swept", sha256)
            return None

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

    # -- debris from crashes ----------------------------------------------------------------------
    def _recover(self) -> None:
        """Finish writes a crash interrupted: only staging markers are looked at, so opening stays cheap."""
        for sha, marker in self._blobs.stale_writes(ORPHAN_AGE.total_seconds()):
            self._drop_if_unreferenced(sha)
            self._blobs_finish(marker)

    def _blobs_finish(self, marker: Path) -> None:
        Placement(root=self._blobs.root, sha256="", staging=marker).finish()

    def _drop_if_unreferenced(self, sha: str, older_than_s: float = 0.0) -> bool:
        """Remove the batch folder of ``sha`` when no batch row holds it (under that batch's write lock)."""
        folder = self._blobs.folder(sha)
        with self._write() as session:
            lock(session.connection(), f"batch:{sha}")
            if session.scalar(sa.select(BatchRow.id).where(BatchRow.sha256 == sha)) is not None:
                return False
            if not folder.exists() or not self._blobs.is_older(folder, older_than_s):
                return False
            log.info("removing blob folder %s: no batch holds it", folder)
            self._blobs.remove_folder(folder)
            return True

    def sweep_orphans(self, *, older_than: timedelta = ORPHAN_AGE) -> list[str]:
        """Remove blob folders no batch row holds, files no row names, and stale staging folders.

        Only what is older than ``older_than`` is touched (a write in flight is young). Returns the paths
        removed, relative to the blob root.
        """
        age = older_than.total_seconds()
        removed: list[str] = []
        for sha, marker in self._blobs.stale_writes(age):
            if self._drop_if_unreferenced(sha, age):
                removed.append(self._blobs.folder(sha).relative_to(self._blobs.root).as_posix())
            self._blobs_finish(marker)
            removed.append(marker.relative_to(self._blobs.root).as_posix())
        with self._read() as session:
            named = q.stored_paths(session)
        for sha, folder in list(self._blobs.batch_folders()):
            if sha not in named:
                if self._drop_if_unreferenced(sha, age):
                    removed.append(folder.relative_to(self._blobs.root).as_posix())
                continue
            for path in sorted(folder.iterdir()):
                relative = path.relative_to(self._blobs.root).as_posix()
                if relative not in named[sha] and path.is_file() and self._blobs.is_older(path, age):
                    path.unlink()
                    removed.append(relative)
        return removed
