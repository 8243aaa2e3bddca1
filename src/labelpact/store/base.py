"""The store's base: opening and closing, read and write transactions, writes with files, crash recovery.

Crash order of every write that carries files (``Store.add_batch``, ``add_audit``, ``add_review``), so a
kill at any point leaves the whole write or nothing visible:
1. copy each file into ``blobs/.staging/<marker>/`` (hash while copying, fsync); a crash leaves only staging;
2. open the write transaction, take the folder's lock, check and insert the rows (flush: constraints fire now);
3. note in the marker what the renames may create (``blobs.PLACING``), then rename the staged files into
   ``blobs/<area>/<2 hex>/<key>/`` and fsync the folders; a crash leaves those files unreferenced (no row
   was committed) plus the staging marker;
4. commit; then remove the staging marker.
``open`` finishes what a crash left: for each staging marker whose writer died (its ``lock`` file is no
longer locked; or, without one, older than an hour) it removes what the marker's note lists when no row
names the folder, never more (a folder that was there before, such as another store's batch in a
workspace used with two databases, keeps its files), then the marker. Only this database's markers are
settled (their ``blobs.OWNER`` note): another database's write in the same workspace may have committed
there, so its marker waits for that database's own open; a marker naming no database keeps its files. Commands' temporary folders (``Store.scratch``) live there too and go the same way. ``sweep_orphans`` also scans every folder on disk.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from labelpact.config import Settings
from labelpact.errors import ForbiddenError, InvalidInputError, LabelpactError, NotFoundError, StoreError
from labelpact.store import queries as q
from labelpact.store.blobs import AREAS, BATCHES, BlobStore, Placement, owner_of, placed_paths
from labelpact.store.database import (
    WRITE,
    check_at_head,
    check_store_url,
    create_store_engine,
    display_url,
    first_line,
    has_schema,
    lock,
    open_read_only,
    sqlite_file,
    store_identity,
    upgrade_to_head,
    writable,
)

__all__ = ["ORPHAN_AGE", "StoreBase"]

log = logging.getLogger(__name__)

# A write in flight is never this old; an unreferenced blob folder this old is debris from a crash.
ORPHAN_AGE = timedelta(hours=1)
T = TypeVar("T")


def folder_lock(area: str, key: str) -> str:
    """The lock a write into ``area/<key>`` and the sweep of that folder both take."""
    return f"batch:{key}" if area == BATCHES else f"blob:{area}:{key}"


def check_workspace_paths(settings: Settings, database: Path | None) -> None:
    """Bad input, one line naming the path, when a path the store needs is of the wrong kind: a file where
    the workspace (or a folder above it) or its blob folder should be, a folder where the SQLite file should be."""
    for folder, role in ((settings.workspace, "the workspace"), (database, "the SQLite database")):
        if folder is not None:
            above = next((p for p in folder.parents if p.exists() and not p.is_dir()), None)
            if above is not None:
                raise InvalidInputError(
                    f"a folder (on the path to {role} {folder})", file=above, got="a file"
                )
    if settings.workspace.exists() and not settings.workspace.is_dir():
        raise InvalidInputError("a folder for the workspace", file=settings.workspace, got="a file")
    if settings.blob_root.exists() and not settings.blob_root.is_dir():
        raise InvalidInputError(
            "a folder for the workspace's blob store", file=settings.blob_root, got="a file"
        )
    if database is not None and database.is_dir():
        raise InvalidInputError("a SQLite database file", file=database, got="a folder")


class StoreBase:
    """The workspace's database and blob store; open with ``Store.open(settings)``, close when done."""

    def __init__(self, settings: Settings, engine: Engine, *, actor: str = "local") -> None:
        self.settings = settings
        self.actor = actor
        self._engine = engine
        self._writer = engine.execution_options(**{WRITE: True})
        self._blobs = BlobStore(settings.blob_root, owner=store_identity(settings.db_url))
        self.read_only = False  # set by open: a read-only SQLite workspace opened for reading
        self._checked: dict[
            tuple[str, int, int], str
        ] = {}  # blob files whose hash was verified (path, size, mtime)

    # -- lifecycle --------------------------------------------------------------------------------
    @classmethod
    def open(
        cls, settings: Settings, *, actor: str = "local", create: bool = True, write: bool = True
    ) -> Self:
        """Open the store (migrating its schema to head) and finish any write a crash interrupted.

        ``create=False``: a missing workspace (SQLite) or an empty database (PostgreSQL) is a
        ``NotFoundError`` ("no workspace at PATH") and nothing is created. ``write=False``: the caller only
        reads, so a read-only workspace is opened read-only; a writer on one gets ``ForbiddenError``.
        ``actor`` is who the audit log names for changes made through this store. Raises ``StoreError``
        (one line, password masked) when the database cannot be reached or migrated.
        """
        check_store_url(settings.db_url)
        where = display_url(settings.db_url)
        database = sqlite_file(settings.db_url)
        check_workspace_paths(settings, database)
        if not create and database is not None and not database.is_file():
            if database.parent.resolve() != settings.workspace.resolve():  # --db names a file elsewhere
                raise NotFoundError(f"no SQLite database at {database} (the db setting names it)")
            raise NotFoundError(
                f"no workspace at {settings.workspace} (no {database.name} in it); adding a partner, a "
                "project or the client creates one"
            )
        read_only = database is not None and database.is_file() and not writable(database)
        if read_only and write:
            raise ForbiddenError(f"the workspace at {settings.workspace} is read-only; this command writes")
        # a reader of a database outside the workspace (PostgreSQL, --db) leaves a missing workspace uncreated
        files = create or write or settings.workspace.exists()
        try:
            if not read_only and files:
                settings.workspace.mkdir(parents=True, exist_ok=True)
            engine = open_read_only(settings.db_url) if read_only else create_store_engine(settings.db_url)
        except OSError as error:
            raise StoreError(
                f"cannot create the workspace {settings.workspace}: {error.strerror or error}"
            ) from None
        except sa.exc.ArgumentError as error:
            raise StoreError(f"cannot open the store at {where}: {first_line(error)}") from None
        try:
            if not create and database is None and not has_schema(engine):
                raise NotFoundError(f"no labelpact store at {where}: nothing has been written to it yet")
            if read_only:
                check_at_head(engine)
            else:
                upgrade_to_head(engine)
            store = cls(settings, engine, actor=actor)
            store.read_only = read_only
            if not read_only and files:
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

    def __enter__(self) -> Self:
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

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise ForbiddenError(
                f"the workspace at {self.settings.workspace} is read-only; nothing was written"
            )

    @contextmanager
    def _write(self) -> Iterator[Session]:
        self._refuse_if_read_only()
        with self._database_errors(), Session(self._writer) as session, session.begin():
            yield session

    @contextmanager
    def _database_errors(self) -> Iterator[None]:
        try:
            yield
        except sa.exc.IntegrityError:
            raise  # callers turn these into ConflictError with a name in it
        except sa.exc.OperationalError as error:
            if "readonly database" in first_line(error) or "read-only" in first_line(error):
                raise ForbiddenError(
                    f"the workspace at {self.settings.workspace} is read-only: {first_line(error)}"
                ) from None
            raise StoreError(
                f"the store at {display_url(self._engine.url)} failed: {first_line(error)}"
            ) from None
        except sa.exc.DatabaseError as error:
            if type(error) is not sa.exc.DatabaseError:  # a driver's DataError or ProgrammingError: a bug
                raise
            raise StoreError(  # SQLite's "database disk image is malformed": the file was damaged
                f"the store at {display_url(self._engine.url)} is damaged: {first_line(error)} (labelpact "
                "verify names the damage)"
            ) from None

    @contextmanager
    def scratch(self, purpose: str) -> Iterator[Path]:
        """A temporary folder inside the workspace (``blobs/.staging/scratch-*``), removed when done or by the
        next ``open`` after a kill, never left in the system's temporary folder."""
        self._refuse_if_read_only()
        with self._blobs.scratch(purpose) as folder:
            yield folder

    # -- writes that carry files ------------------------------------------------------------------
    def _write_with_files(
        self,
        area: str,
        key: str,
        files: Mapping[str, Path],
        insert: Callable[[Session, Placement | None], T],
        *,
        verify: Callable[[Placement], None] | None = None,
    ) -> T:
        """Stage ``files``, run ``insert`` in a write transaction, rename the files into place, commit.

        ``verify`` checks the staged files (hashes, sizes) before the transaction opens. On any error,
        nothing this call wrote stays behind (see the module docstring for the crash order).
        """

        def check(placements: list[Placement | None]) -> None:
            if verify is not None and placements[0] is not None:
                verify(placements[0])

        return self._write_with_groups(
            [(area, key, files)], lambda session, placements: insert(session, placements[0]), verify=check
        )

    def _write_with_groups(
        self,
        groups: Sequence[tuple[str, str, Mapping[str, Path]]],
        insert: Callable[[Session, list[Placement | None]], T],
        *,
        verify: Callable[[list[Placement | None]], None] | None = None,
    ) -> T:
        """``_write_with_files`` for several folders (``(area, key, files)`` each) written in ONE transaction.

        ``insert`` gets one placement per group (None for a group without files); either every group's
        rows and files are stored, or none.
        """
        self._refuse_if_read_only()
        placements: list[Placement | None] = []
        committed = False
        try:
            for area, key, files in groups:
                placements.append(self._blobs.stage(key, files, area=area) if files else None)
            if verify is not None:
                verify(placements)
            with self._write() as session:
                for (area, key, _files), placement in zip(groups, placements, strict=False):
                    if placement is not None:
                        lock(session.connection(), folder_lock(area, key))
                result = insert(session, placements)
                session.flush()  # every constraint has fired before a file is renamed into place
                for placement in placements:
                    if placement is not None:
                        placement.place()
            committed = True
        finally:
            for (area, key, _files), placement in zip(groups, placements, strict=False):
                if placement is None:
                    continue
                stored = committed or (self._committed(area, key) if placement.placed else False)
                if stored is True:
                    placement.finish()
                elif stored is False:
                    placement.undo()
                # None: unknown whether a failed COMMIT reached the database; the files and the marker
                # stay, and the next Store.open (in another process) settles them.
        return result

    def _committed(self, area: str, key: str) -> bool | None:
        """Whether a row names the folder ``area/<key>`` (after a failed COMMIT whose reply may be lost), or None."""
        try:
            with self._read() as session:
                return q.referenced(session, area, key)
        except Exception:  # the database is gone: we cannot tell, so nothing may be deleted
            log.warning("cannot tell whether %s/%s was committed; its files stay until swept", area, key)
            return None

    # -- debris from crashes ----------------------------------------------------------------------
    def _recover(self) -> None:
        """Finish writes a crash interrupted: only staging markers are looked at, so opening stays cheap."""
        for area, key, marker, owned in self._stale_writes(ORPHAN_AGE.total_seconds()):
            placed = placed_paths(self._blobs.root, marker)
            if area in AREAS and placed:
                if owned:
                    self._undo_if_unreferenced(area, key, placed)
                else:
                    log.warning("a crashed write in %s/%s names no database: its files stay", area, key)
            self._blobs_finish(marker)

    def _stale_writes(self, older_than_s: float) -> Iterator[tuple[str, str, Path, bool]]:
        """Dead writes' markers (area, key, marker, whether it is this database's) this store may settle: never
        another database's (it may have committed there), and those naming none (an older labelpact's)."""
        for area, key, marker in self._blobs.stale_writes(older_than_s):
            owner = owner_of(marker)
            if owner is None or owner == self._blobs.owner:
                yield area, key, marker, owner is not None

    def _undo_if_unreferenced(self, area: str, key: str, placed: list[Path]) -> None:
        """Remove what a dead write placed (its ``PLACING`` note), when no row names its folder: never more, so
        a folder that was there before (another store's batch using this workspace) keeps its files."""
        with self._write() as session:
            lock(session.connection(), folder_lock(area, key))
            if q.referenced(session, area, key):
                return
            log.info("removing what a crashed write placed in %s/%s: no row names it", area, key)
            for path in placed:
                with contextlib.suppress(OSError):  # gone already, or a folder something else shares
                    path.rmdir() if path.is_dir() else path.unlink()

    def _blobs_finish(self, marker: Path) -> None:
        Placement(root=self._blobs.root, sha256="", staging=marker).finish()

    def _drop_if_unreferenced(self, area: str, key: str, older_than_s: float = 0.0) -> bool:
        """Remove the folder ``area/<key>`` when no row names it (under that folder's write lock)."""
        folder = self._blobs.folder(key, area)
        with self._write() as session:
            lock(session.connection(), folder_lock(area, key))
            if q.referenced(session, area, key):
                return False
            if not folder.exists() or not self._blobs.is_older(folder, older_than_s):
                return False
            log.info("removing blob folder %s: no row names it", folder)
            self._blobs.remove_folder(folder)
            return True

    def sweep_orphans(self, *, older_than: timedelta = ORPHAN_AGE) -> list[str]:
        """Remove blob folders no row names, files no row names, and stale staging folders.

        Only what is older than ``older_than`` is touched (a write in flight is young). Returns the paths
        removed, relative to the blob root. For a workspace used with this database only: the scan of every
        folder cannot tell another database's batch from debris.
        """
        age = older_than.total_seconds()
        removed: list[str] = []
        for area, key, marker, owned in self._stale_writes(age):
            if area in AREAS and owned and self._drop_if_unreferenced(area, key, age):
                removed.append(self._blobs.folder(key, area).relative_to(self._blobs.root).as_posix())
            self._blobs_finish(marker)
            removed.append(marker.relative_to(self._blobs.root).as_posix())
        for area in AREAS:
            with self._read() as session:
                named = q.stored_paths(session, area)
            for key, folder in list(self._blobs.folders(area)):
                if key not in named:
                    if self._drop_if_unreferenced(area, key, age):
                        removed.append(folder.relative_to(self._blobs.root).as_posix())
                    continue
                for path in sorted(folder.iterdir()):
                    relative = path.relative_to(self._blobs.root).as_posix()
                    if relative not in named[key] and path.is_file() and self._blobs.is_older(path, age):
                        path.unlink()
                        removed.append(relative)
        return removed
