"""Repeated (task, worker) pairs in a delivery: counted, then kept, dropped or refused by the duplicate policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import Annotations, DuplicatePolicy
from labelpact.io.column import fail_at
from labelpact.io.source import Source

__all__ = ["DUPLICATE_POLICIES", "apply_duplicate_policy", "count_duplicates"]

DUPLICATE_POLICIES: Final = ("keep", "first", "last", "error")


def count_duplicates(a: Annotations) -> int:
    """Rows repeating an earlier (task, worker) pair; sorting the pair keys beats hashing 10^7 of them."""
    if a.n_annotations < 2:
        return 0
    key = np.sort(a.task.astype(np.int64) * max(a.n_workers, 1) + a.worker)
    return int(a.n_annotations - 1 - np.count_nonzero(key[1:] != key[:-1]))


def apply_duplicate_policy(
    a: Annotations,
    policy: DuplicatePolicy,
    n_duplicates: int,
    kept_rows: npt.NDArray[np.bool_],
    source: Source,
    columns: Mapping[str, str],
) -> tuple[Annotations, int]:
    """``a`` under the duplicate ``policy`` and how many rows it dropped; ``error`` names the first repeat's
    line and its first occurrence. ``kept_rows`` (n_rows,) marks the data rows ``a`` was built from."""
    if n_duplicates == 0 or policy == "keep":
        return a, 0
    if policy == "error":
        row_index = np.flatnonzero(kept_rows)  # annotation i came from data row row_index[i]
        i = int(np.flatnonzero(a.duplicate_mask(keep="first"))[0])
        same = np.flatnonzero((a.task == a.task[i]) & (a.worker == a.worker[i]))
        first = source.locate(int(row_index[same[0]]))
        raise fail_at(
            source.locate,
            int(row_index[i]),
            "one label per (task, worker) pair (or choose --duplicates keep|first|last)",
            file=source.path,
            column=columns["worker"],
            got=f"task {a.tasks[a.task[i]]!r} by worker {a.workers[a.worker[i]]!r} again "
            f"(first at {first.unit} {first.number})",
        )
    kept = a.select(~a.duplicate_mask(keep=policy))
    return kept, a.n_annotations - kept.n_annotations
