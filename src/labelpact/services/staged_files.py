"""Write a publication's files all or nothing: each file is written to a hidden temporary file beside its
target, and all of them move into place only once every one is written. A failed publication leaves
neither a new file nor a replaced one behind (the CLI's "bad input leaves no partial state").
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from labelpact.errors import InvalidInputError
from labelpact.io.outputs import refuse_store_file

__all__ = ["StagedFiles", "staged_files"]


class StagedFiles:
    """Temporary files waiting to replace their targets (``path`` hands one out per target)."""

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []

    def path(self, target: Path) -> Path:
        """A fresh temporary file beside ``target`` to write instead of it; refuses a target that is a
        folder (or stands twice) or a store's own file, before anything is written in its place."""
        refuse_store_file(target)
        if target.is_dir():
            raise InvalidInputError("a file path to write", file=target, got="a directory")
        if any(target == staged for _, staged in self._staged):
            raise InvalidInputError("one file per output", file=target, got="the same path twice")
        temp = target.parent / f".{target.name}.{secrets.token_hex(8)}.tmp"
        # created as open() creates a file (0666 less the umask), not mkstemp's 0600: the files are published
        os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        self._staged.append((temp, target))
        return temp

    def commit(self) -> None:
        """Move every temporary file onto its target (a rename in the same folder: atomic per file)."""
        for temp, target in self._staged:
            os.replace(temp, target)
        self._staged.clear()

    def discard(self) -> None:
        """Remove the temporary files; no target was touched."""
        for temp, _ in self._staged:
            temp.unlink(missing_ok=True)
        self._staged.clear()


@contextmanager
def staged_files() -> Iterator[StagedFiles]:
    """Files staged in the block move into place when it ends normally; on any error they are removed."""
    staged = StagedFiles()
    try:
        yield staged
    except BaseException:
        staged.discard()
        raise
    try:
        staged.commit()
    finally:
        staged.discard()
