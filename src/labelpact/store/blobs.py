"""The content-addressed blob store: a batch's files under ``sha256/<2 hex>/<batch sha>/<role><ext>``.

Files are copied into a staging folder inside the blob root (same file system, so a rename is atomic),
hashed while copied and fsynced; the store renames them into place inside its database transaction.
A staging folder is also the marker of a write in flight: it is removed only after the commit, so a
crash leaves it behind and the next ``Store.open`` knows which batch folder may be an orphan.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from labelpact.errors import InvalidInputError
from labelpact.store.records import ROLE, SHA256

__all__ = ["BlobStore", "Placement", "StagedFile"]

_BLOCK = 1 << 20
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


@dataclass(slots=True)
class Placement:
    """One batch's files on their way into the blob store; ``undo`` removes exactly what this write created."""

    root: Path
    sha256: str
    staging: Path
    files: dict[str, StagedFile] = field(default_factory=dict)
    created_files: list[Path] = field(default_factory=list)
    created_dirs: list[Path] = field(default_factory=list)
    placed: bool = False

    def place(self) -> None:
        """Rename every staged file into the batch folder; identical bytes already there are reused, not rewritten.

        Runs under the store's write lock for this sha, so anything already in the folder without a batch row
        is a crashed write's leftover: differing bytes are replaced (atomically, by rename).
        """
        self.placed = True
        folder = self.root / Path(next(iter(self.files.values())).relative).parent
        self._make_dirs(folder)
        for staged in self.files.values():
            dest = self.root / staged.relative
            if dest.is_file() and dest.stat().st_size == staged.size_bytes and _sha256(dest) == staged.sha256:
                staged.temp.unlink()
                continue
            os.replace(staged.temp, dest)
            self.created_files.append(dest)
        os.utime(folder)  # a reused old folder is fresh again, so no sweep takes it while this write commits
        for directory in (folder, folder.parent, folder.parent.parent, self.root):  # new entries made durable
            _fsync(directory, directory=True)

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

    def _make_dirs(self, folder: Path) -> None:
        missing = []
        for directory in [folder, *folder.parents]:
            if directory == self.root or directory.exists():
                break
            missing.append(directory)
        for directory in reversed(missing):
            directory.mkdir()
            self.created_dirs.append(directory)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


class BlobStore:
    """Files of batches under ``root``: ``sha256/<first 2 hex>/<batch sha>/<role><ext>``; ``.staging/`` for writes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.staging_root = root / ".staging"

    def ensure(self) -> None:
        """Create the blob root with its two fixed folders, ``sha256/`` and ``.staging/``."""
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "sha256").mkdir(exist_ok=True)
        self.staging_root.mkdir(exist_ok=True)

    def path(self, relative: str) -> Path:
        """Absolute path of a stored file from its path relative to the root."""
        return self.root / relative

    def folder(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256[:2] / sha256

    def stage(self, sha256: str, files: Mapping[str, Path]) -> Placement:
        """Copy ``files`` (role -> local path) into a fresh staging folder, hashing and fsyncing each.

        Raises ``InvalidInputError`` for a bad role or a missing file; on any error the staging folder is gone.
        """
        for role, source in files.items():
            if not ROLE.fullmatch(role):
                raise InvalidInputError(
                    "a file role of lower-case letters, digits and _", column="files", got=repr(role)
                )
            if not Path(source).is_file():
                raise InvalidInputError("an existing file", file=source, got="no such file")
        self.ensure()
        staging = self.staging_root / f"{sha256}.{uuid.uuid4().hex}"
        staging.mkdir()
        placement = Placement(root=self.root, sha256=sha256, staging=staging)
        try:
            _fsync(self.staging_root, directory=True)
            for role, source in files.items():
                placement.files[role] = self._copy(role, Path(source), staging, sha256)
        except BaseException:
            placement.finish()
            raise
        return placement

    def _copy(self, role: str, source: Path, staging: Path, batch_sha: str) -> StagedFile:
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
        relative = f"sha256/{batch_sha[:2]}/{batch_sha}/{role}{_extension(source)}"
        return StagedFile(role=role, temp=temp, relative=relative, sha256=digest.hexdigest(), size_bytes=size)

    # -- recovery ---------------------------------------------------------------------------------
    def stale_writes(self, older_than_s: float) -> list[tuple[str, Path]]:
        """Staging folders (batch sha, folder) of writes that started more than ``older_than_s`` ago."""
        if not self.staging_root.is_dir():
            return []
        now = time.time()
        return [
            (entry.name.split(".", 1)[0], entry)
            for entry in sorted(self.staging_root.iterdir())
            if _age_s(entry, now) >= older_than_s
        ]

    def batch_folders(self) -> Iterator[tuple[str, Path]]:
        """Every batch folder on disk as (sha, folder)."""
        top = self.root / "sha256"
        if not top.is_dir():
            return
        for prefix in sorted(top.iterdir()):
            if prefix.is_dir():
                for folder in sorted(prefix.iterdir()):
                    if folder.is_dir() and SHA256.fullmatch(folder.name):
                        yield folder.name, folder

    def is_older(self, path: Path, older_than_s: float) -> bool:
        return _age_s(path, time.time()) >= older_than_s

    def remove_folder(self, folder: Path) -> None:
        """Delete a batch folder and its 2-hex parent when that is left empty."""
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            folder.parent.rmdir()
