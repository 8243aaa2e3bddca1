"""The store's base: opening and closing, read and write transactions, writes with files, crash recovery.

Crash order of every write that carries files (``Store.add_batch``, ``add_audit``, ``add_review``), so a
kill at any point leaves the whole write or nothing visible:
1. copy each file into ``blobs/.staging/<marker>/`` (hash while copying, fsync); a crash leaves only staging;
2. open the write transaction, take the folder's lock, check and insert the rows (flush: constraints fire now);
3. rename the staged files into ``blobs/<area>/<2 hex>/<key>/`` and fsync the folders; a crash leaves an
   unreferenced folder (no row was committed) plus the staging marker;
4. commit; then remove the staging marker.
``open`` finishes what a crash left: for each staging marker older than an hour it removes the folder
when no row names it, then the marker. ``sweep_orphans`` also scans every folder on disk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from labelpact.config import Settings
from labelpact.errors import LabelpactError, StoreError
from labelpact.store import queries as q
from labelpact.store.blobs import AREAS, BATCHES, BlobStore, Placement
from labelpact.store.database import (
    WRITE,
    create_store_engine,
    display_url,
    first_line,
    lock,
    upgrade_to_head,
)

__all__ = ["ORPHAN_AGE", "StoreBase"]

log = logging.getLogger(__name__)

# A write in flight is never this old; an unreferenced blob folder this old is debris from a crash.
ORPHAN_AGE = timedelta(hours=1)
T = TypeVar("T")


def folder_lock(area: str, key: str) -> str:
    """The lock a write into ``area/<key>`` and the sweep of that folder both take."""
    return f"batch:{key}" if area == BATCHES else f"blob:{area}:{key}"


class StoreBase:
    """The workspace's database and blob store; open with ``Store.open(settings)``, close when done."""

    def __init__(self, settings: Settings, engine: Engine, *, actor: str = "local") -> None:
        self.settings = settings
        self.actor = actor
        self._engine = engine
        self._writer = engine.execution_options(**{WRITE: True})
        self._blobs = BlobStore(settings.blob_root)

    # -- lifecycle --------------------------------------------------------------------------------
    @classmethod
    def open(cls, settings: Settings, *, actor: str = "local") -> Self:
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
        if not files:
            with self._write() as session:
                return insert(session, None)
        placement = self._blobs.stage(key, files, area=area)
        committed = False
        try:
            if verify is not None:
                verify(placement)
            with self._write() as session:
                lock(session.connection(), folder_lock(area, key))
                result = insert(session, placement)
                session.flush()  # every constraint has fired before a file is renamed into place
                placement.place()
            committed = True
        finally:
            stored = committed or (self._committed(area, key) if placement.placed else False)
            if stored is True:
                placement.finish()
            elif stored is False:
                placement.undo()
            # None: unknown whether a failed COMMIT reached the database; the files and the marker stay,
            # and Store.open settles them once they are ORPHAN_AGE old.
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
        for area, key, marker in self._blobs.stale_writes(ORPHAN_AGE.total_seconds()):
            if area in AREAS:
                self._drop_if_unreferenced(area, key)
            self._blobs_finish(marker)

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
        removed, relative to the blob root.
        """
        age = older_than.total_seconds()
        removed: list[str] = []
        for area, key, marker in self._blobs.stale_writes(age):
            if area in AREAS and self._drop_if_unreferenced(area, key, age):
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
