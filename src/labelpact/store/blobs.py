"""The blob store: a batch's files under ``sha256/<2 hex>/<batch sha>/<role><ext>``, and other writes' files in areas.

An *area* is a top folder with one folder per write: ``sha256/`` (batches, keyed by the labels' SHA-256),
``audits/`` and ``reviews/`` (keyed by a random 32-hex key); every file's own SHA-256 is kept in its row.

Files are copied into a staging folder inside the blob root (same file system, so a rename is atomic),
hashed while copied and fsynced; the store renames them into place inside its database transaction.
A staging folder is also the marker of a write in flight: it is removed only after the commit, so a
crash leaves it behind and the next ``Store.open`` knows which batch folder may be an orphan. Its ``OWNER``
note names the database the write belongs to, as one workspace may be used with several databases.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labelpact.errors import InvalidInputError, missing_file
from labelpact.store.records import ROLE, SHA256

__all__ = ["AREAS", "BATCHES", "OWNER", "BlobStore", "Placement", "StagedFile", "new_key", "owner_of"]

BATCHES = "sha256"
AREAS = {BATCHES: SHA256, "audits": re.compile(r"[0-9a-f]{32}"), "reviews": re.compile(r"[0-9a-f]{32}")}

_BLOCK = 1 << 20
# flock where the OS has it (POSIX); elsewhere recovery falls back to a staging folder's age
fcntl: Any = importlib.import_module("fcntl") if os.name == "posix" else None
LOCK_FILE = "lock"
_EXT_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789")


def _fsync(path: Path, *, directory: bool = False) -> None:
    """Flush a file's (or a folder's entries') bytes to the disk, so a rename or commit after it is durable."""
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _extension(path: Path) -> str:
    """The staged file's extension, lower-cased, or "" when it has none or odd characters."""
    ext = path.suffix.lower()
    return ext if len(ext) > 1 and set(ext[1:]) <= _EXT_CHARS else ""


def new_key() -> str:
    """A fresh folder key for a write that has no content address of its own (an audit, a review)."""
    return uuid.uuid4().hex


def _marker(area: str, key: str) -> str:
    """The staging folder's name: ``<sha>.<uuid>`` for a batch, ``<area>-<key>.<uuid>`` otherwise."""
    return f"{key}.{uuid.uuid4().hex}" if area == BATCHES else f"{area}-{key}.{uuid.uuid4().hex}"


def _age_s(path: Path, now: float) -> float:
    try:
        return now - path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


@dataclass(slots=True)
class StagedFile:
    """A file copied into staging: where it waits, where it goes (relative to the blob root), its hash and size."""

    role: str
    temp: Path
    relative: str
    sha256: str
    size_bytes: int


PLACING = "placing.txt"  # in a write's staging folder: what its place() may create, for recovery
OWNER = "owner.txt"  # in a write's staging folder: store_identity() of the database the write commits to


def owner_of(staging: Path) -> str | None:
    """The database a staged write belongs to (its ``OWNER`` note), or None when it has none (an older
    labelpact's write, or a command's scratch folder)."""
    try:
        return (staging / OWNER).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def placed_paths(root: Path, staging: Path) -> list[Path] | None:
    """What a dead write's ``place`` may have created (files first, then folders deepest first); None when it
    died before placing anything (no ``PLACING`` note)."""
    note = staging / PLACING
    if not note.is_file():
        return None
    paths = [root / line for line in note.read_text(encoding="utf-8").splitlines() if line]
    return sorted(paths, key=lambda p: (p.is_dir(), -len(p.parts)))


@dataclass(slots=True)
class Placement:
    """One write's files on their way into the blob store; ``undo`` removes exactly what this write created.

    ``sha256`` is the folder key: a batch's SHA-256, or an audit's or review's random key.
    """

    root: Path
    sha256: str
    staging: Path
    files: dict[str, StagedFile] = field(default_factory=dict)
    created_files: list[Path] = field(default_factory=list)
    created_dirs: list[Path] = field(default_factory=list)
    placed: bool = False
    lock_fd: int | None = (
        None  # held while the write is in flight: its release tells recovery the writer died
    )

    def place(self) -> None:
        """Rename every staged file into the batch folder; identical bytes already there are reused, not rewritten.

        Runs under the store's write lock for this sha, so anything already in the folder without a batch row
        is a crashed write's leftover: differing bytes are replaced (atomically, by rename).
        """
        self.placed = True
        folder = self.root / Path(next(iter(self.files.values())).relative).parent
        reused = {
            role
            for role, s in self.files.items()
            if (dest := self.root / s.relative).is_file()
            and dest.stat().st_size == s.size_bytes
            and _sha256(dest) == s.sha256
        }  # hashed once: the recovery note and the renames both go by it
        self._note_placing(folder, [self.root / s.relative for r, s in self.files.items() if r not in reused])
        self._make_dirs(folder)
        for role, staged in self.files.items():
            dest = self.root / staged.relative
            if role in reused:
                staged.temp.unlink()
                continue
            try:
                os.replace(staged.temp, dest)
            except FileNotFoundError:  # another write's undo removed the shared parent it found empty
                self._make_dirs(folder)
                os.replace(staged.temp, dest)
            self.created_files.append(dest)
        os.utime(folder)  # a reused old folder is fresh again, so no sweep takes it while this write commits
        for directory in (folder, folder.parent, folder.parent.parent, self.root):  # new entries made durable
            _fsync(directory, directory=True)

    def _note_placing(self, folder: Path, new_files: list[Path]) -> None:
        """Write, before any rename, what this write may create (``PLACING``: paths relative to the root), so a
        recovery after a kill removes only that: never a file or folder that was there before (another store's
        batch in the same folder, identical bytes reused)."""
        new_dirs = [d for d in [folder, *folder.parents] if self.root in d.parents and not d.exists()]
        paths = [p.relative_to(self.root).as_posix() for p in (*new_files, *new_dirs)]
        note = self.staging / PLACING
        note.write_text("\n".join(paths), encoding="utf-8")
        _fsync(note)

    def undo(self) -> None:
        """Remove what this write created: staged temps, renamed files, then folders it made (deepest first)."""
        for path in self.created_files:
            path.unlink(missing_ok=True)
        for directory in sorted(self.created_dirs, key=lambda p: len(p.parts), reverse=True):
            with contextlib.suppress(OSError):  # not empty: another batch shares the 2-hex folder
                directory.rmdir()
        self.finish()

    def finish(self) -> None:
        """Drop the staging folder (the in-flight marker); after a commit the write is complete."""
        shutil.rmtree(self.staging, ignore_errors=True)
        if self.lock_fd is not None:
            os.close(self.lock_fd)
            self.lock_fd = None

    def _make_dirs(self, folder: Path) -> None:
        """Make ``folder`` and its missing parents, recording those this write made. Another write may make
        a shared parent (the 2-hex folder of two batches) in between: its folder is used, never undone here."""
        missing = []
        for directory in [folder, *folder.parents]:
            if directory == self.root or directory.exists():
                break
            missing.append(directory)
        for directory in reversed(missing):
            try:
                directory.mkdir()
            except FileExistsError:
                if not directory.is_dir():
                    raise
                continue
            self.created_dirs.append(directory)


def _hold(folder: Path) -> int | None:
    """Take the exclusive lock that marks ``folder`` as in use by this process (None where flock is missing).

    The lock file is locked under a temporary name and then renamed to ``lock``, so a ``lock`` file is never
    seen unlocked while its writer lives.
    """
    if fcntl is None:  # pragma: no cover - Windows: recovery falls back to the folder's age
        return None
    temp = folder / ".lock.part"
    fd = os.open(temp, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, f"{os.getpid()}\n".encode())
        os.rename(temp, folder / LOCK_FILE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _writer_alive(folder: Path) -> bool | None:
    """Whether the process that made ``folder`` still holds its lock; None when it cannot be told (no lock file)."""
    if fcntl is None or not folder.is_dir():  # pragma: no cover - Windows
        return None
    try:
        fd = os.open(folder / LOCK_FILE, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


class BlobStore:
    """Files under ``root``: ``<area>/<first 2 hex>/<key>/<role><ext>``; ``.staging/`` for writes in flight."""

    def __init__(self, root: Path, *, owner: str = "") -> None:
        self.root = root
        self.staging_root = root / ".staging"
        self.owner = owner  # written into each staged write's OWNER note

    def ensure(self) -> None:
        """Create the blob root with its fixed folders: one per area, and ``.staging/``."""
        self.root.mkdir(parents=True, exist_ok=True)
        for area in AREAS:
            (self.root / area).mkdir(exist_ok=True)
        self.staging_root.mkdir(exist_ok=True)

    def path(self, relative: str) -> Path:
        """Absolute path of a stored file from its path relative to the root."""
        return self.root / relative

    def folder(self, key: str, area: str = BATCHES) -> Path:
        return self.root / area / key[:2] / key

    def stage(self, sha256: str, files: Mapping[str, Path], *, area: str = BATCHES) -> Placement:
        """Copy ``files`` (role -> local path) into a fresh staging folder, hashing and fsyncing each.

        ``sha256`` is the folder key in ``area`` (a batch's SHA-256, or ``new_key()`` for other areas).
        Raises ``InvalidInputError`` for a bad role or a missing file; on any error the staging folder is gone.
        """
        for role, source in files.items():
            if not ROLE.fullmatch(role):
                raise InvalidInputError(
                    "a file role of lower-case letters, digits and _", column="files", got=repr(role)
                )
            if not Path(source).is_file():
                raise InvalidInputError("an existing file", file=source, got=missing_file(source))
        self.ensure()
        if not AREAS[area].fullmatch(sha256):
            raise ValueError(f"a blob key for {area}/, got {sha256!r}")  # a programming error, not user input
        staging = self.staging_root / _marker(area, sha256)
        staging.mkdir()
        placement = Placement(root=self.root, sha256=sha256, staging=staging, lock_fd=_hold(staging))
        try:
            if self.owner:
                (staging / OWNER).write_text(self.owner, encoding="utf-8")
                _fsync(staging / OWNER)
            _fsync(self.staging_root, directory=True)
            for role, source in files.items():
                placement.files[role] = self._copy(
                    role, Path(source), staging, f"{area}/{sha256[:2]}/{sha256}"
                )
        except BaseException:
            placement.finish()
            raise
        return placement

    def _copy(self, role: str, source: Path, staging: Path, folder: str) -> StagedFile:
        temp = staging / f"{role}.part"
        digest = hashlib.sha256()
        size = 0
        with source.open("rb") as src, temp.open("xb") as dst:
            while block := src.read(_BLOCK):
                digest.update(block)
                dst.write(block)
                size += len(block)
            dst.flush()
            _fsync(temp)
        relative = f"{folder}/{role}{_extension(source)}"
        return StagedFile(role=role, temp=temp, relative=relative, sha256=digest.hexdigest(), size_bytes=size)

    @contextmanager
    def scratch(self, purpose: str) -> Iterator[Path]:
        """A private folder under ``.staging/`` for a command's temporary files, removed when done.

        It holds a lock like a write in flight, so a killed command's folder is removed by the next open.
        """
        self.ensure()
        folder = self.staging_root / f"scratch-{purpose}.{uuid.uuid4().hex}"
        folder.mkdir()
        held = Placement(root=self.root, sha256="", staging=folder, lock_fd=_hold(folder))
        try:
            yield folder
        finally:
            held.finish()

    # -- recovery ---------------------------------------------------------------------------------
    def stale_writes(self, older_than_s: float) -> list[tuple[str, str, Path]]:
        """Staging folders (area, key, folder) of writes whose writer died, or that started ``older_than_s`` ago.

        A writer holds an exclusive lock on its folder's ``lock`` file until it finishes; a folder whose
        lock can be taken belongs to a dead process, whatever its age.
        """
        if not self.staging_root.is_dir():
            return []
        now = time.time()
        stale = []
        for entry in sorted(self.staging_root.iterdir()):
            alive = _writer_alive(entry)
            if alive or (alive is None and _age_s(entry, now) < older_than_s):
                continue
            head = entry.name.split(".", 1)[0]
            area, key = head.split("-", 1) if "-" in head else (BATCHES, head)
            stale.append((area, key, entry))
        return stale

    def folders(self, area: str = BATCHES) -> Iterator[tuple[str, Path]]:
        """Every write's folder in ``area`` on disk as (key, folder)."""
        top = self.root / area
        if not top.is_dir():
            return
        for prefix in sorted(top.iterdir()):
            if prefix.is_dir():
                for folder in sorted(prefix.iterdir()):
                    if folder.is_dir() and AREAS[area].fullmatch(folder.name):
                        yield folder.name, folder

    def is_older(self, path: Path, older_than_s: float) -> bool:
        return _age_s(path, time.time()) >= older_than_s

    def remove_folder(self, folder: Path) -> None:
        """Delete a write's folder and its 2-hex parent when that is left empty."""
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            folder.parent.rmdir()
