"""Writes that share a blob folder they both find missing (two batches whose SHA-256 begin alike, placed at
once) both land: the one that loses the race to make the folder uses it and never removes it on undo."""

from __future__ import annotations

import threading
from pathlib import Path

from labelpact.store.blobs import Placement

WRITERS = 16


def _race(root: Path, staging: Path) -> tuple[list[Placement], list[BaseException]]:
    """``WRITERS`` threads released at once, each making its batch folder under the same missing parents."""
    writes = [Placement(root=root, sha256=f"69{i:062x}", staging=staging) for i in range(WRITERS)]
    start = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def place(write: Placement) -> None:
        start.wait()
        try:
            write._make_dirs(root / "sha256" / "69" / write.sha256)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=place, args=(w,)) for w in writes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return writes, failures


def test_writers_racing_to_make_one_folder_all_succeed(tmp_path: Path) -> None:
    for round_ in range(40):  # the window between "missing" and mkdir is short: try it many times
        root = tmp_path / f"round{round_}"
        root.mkdir()
        writes, failures = _race(root, tmp_path)
        assert not failures, failures  # before: FileExistsError, a 500 from POST /api/v1/batches
        assert (
            len([w for w in writes if root / "sha256" in w.created_dirs]) == 1
        )  # one made it; only it undoes it
        assert all((root / "sha256" / "69" / w.sha256).is_dir() for w in writes)
