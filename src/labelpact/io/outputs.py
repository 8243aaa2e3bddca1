"""Where an output may not go: the store's own files. Every file a user names with ``--out`` passes here first."""

from __future__ import annotations

from pathlib import Path

from labelpact.errors import InvalidInputError

__all__ = ["refuse_store_file"]

_SQLITE_MAGIC = b"SQLite format 3\x00"
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def refuse_store_file(target: Path) -> None:
    """Refuse an output path that is a store's own file, before anything is written: a SQLite database (or
    its ``-wal``, ``-shm`` or ``-journal``) or a path inside a workspace's blob store. Writing there would
    replace the store itself (every partner, batch and audit) or a delivered file it keeps immutably."""
    resolved = target.expanduser().resolve()
    for folder in resolved.parents:
        if folder.name == "blobs" and (folder / ".staging").is_dir():
            raise InvalidInputError(
                "an output path outside the workspace's blob store", file=target, column="out",
                column_kind="field", got=f"a path inside {str(folder)!r}, whose files are the store's own",
            )  # fmt: skip
    database = resolved
    for side in _SQLITE_SIDE_FILES:
        if resolved.name.endswith(side):
            database = resolved.with_name(resolved.name.removesuffix(side))
    if _is_sqlite_database(database):
        raise InvalidInputError(
            "an output path that is not a database", file=target, column="out", column_kind="field",
            got=f"the SQLite database {str(database)!r} (or one of its files), which this would replace",
        )  # fmt: skip


def _is_sqlite_database(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    except OSError:  # missing, a folder or unreadable: not a database this write could replace
        return False
