"""Read written demonstrations from CSV, TSV, Parquet, JSON Lines, JSON or a Label Studio ``TextArea`` export
(full, or flat: JSON_MIN, CSV, TSV, where a TextArea named ``text``, ``answer``... or by ``text_column`` is read).

Columns: ``task`` (``prompt_id``, ``item``...), ``worker``, ``text`` (``answer``, ``response``,
``completion``, ``output``), optional ``duration_s``, ``paste_events`` (``pastes``, ``paste_count``) and
``keystrokes`` (``keystroke_count``) when the vendor's tool records them. A blank answer is kept (it is a
finding, not a reading error); a blank task or worker is an error naming its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from labelpact.core.demonstrations import Demonstrations
from labelpact.io.deliverable_table import (
    ANSWER_COLUMNS,
    Read,
    coded_column,
    number_column,
    pick_columns,
    read_table,
)
from labelpact.io.labelstudio_flat import is_flat_labelstudio, textarea_text
from labelpact.io.limits import DEFAULT_LIMITS, Limits

__all__ = ["DemonstrationDelivery", "read_demonstrations"]

ROLES = {
    "task": ("task", "prompt_id", "item", "id", "prompt"),
    "worker": ("worker", "annotator", "completed_by", "writer"),
    "text": ANSWER_COLUMNS,
    "duration_s": ("duration_s", "lead_time", "duration"),
    "paste_events": ("paste_events", "pastes", "paste_count"),
    "keystrokes": ("keystrokes", "keystroke_count"),
}


@dataclass(frozen=True, slots=True)
class DemonstrationDelivery:
    """Demonstrations read from one file, with what reading found."""

    demonstrations: Demonstrations
    read: Read


def read_demonstrations(
    path: str | Path,
    *,
    task_column: str | None = None,
    worker_column: str | None = None,
    text_column: str | None = None,
    format: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> DemonstrationDelivery:
    """Read and check a demonstrations file; counts must be numbers >= 0 (blank: unknown)."""
    source = read_table(path, kind="demonstrations", format=format, limits=limits)
    roles = pick_columns(
        source,
        ROLES,
        required=("task", "worker", "text"),
        explicit={"task": task_column, "worker": worker_column, "text": text_column},
    )
    task = coded_column(source, roles["task"])
    worker = coded_column(source, roles["worker"])
    text_col = source.table[roles["text"]].cast(pa.string())
    text = pc.fill_null(text_col, "").to_pylist()
    if is_flat_labelstudio(source.table.column_names):  # several lines of a TextArea: a JSON result list
        text = [textarea_text(t) for t in text]
    optional = {
        role: number_column(source, roles[role], low=0.0, what="a number >= 0")
        for role in ("duration_s", "paste_events", "keystrokes")
        if role in roles
    }
    demonstrations = Demonstrations(
        task=task.codes.astype(np.intp),
        worker=worker.codes.astype(np.intp),
        text=tuple(text),
        tasks=tuple(task.names),
        workers=tuple(worker.names),
        **optional,
    )
    read = Read(source.path, source.format, source.table.num_rows, MappingProxyType(dict(roles)))
    return DemonstrationDelivery(demonstrations, read)
