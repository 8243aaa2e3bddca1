"""Read written demonstrations from CSV, TSV, Parquet, JSON Lines, JSON or a Label Studio ``TextArea`` export
(full, or flat: JSON_MIN, CSV, TSV, where a TextArea named ``text``, ``answer``... or by ``text_column`` is read).

Columns: ``task`` (``prompt_id``, ``item``...), ``worker``, ``text`` (``answer``, ``response``,
``completion``, ``output``), optional ``duration_s``, ``paste_events`` (``pastes``, ``paste_count``) and
``keystrokes`` (``keystroke_count``) when the vendor's tool records them. A blank answer is kept (it is a
finding, not a reading error); a blank task or worker is an error naming its line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from labelpact.core.demonstrations import Demonstrations
from labelpact.errors import InvalidInputError
from labelpact.io.column import fail_at
from labelpact.io.deliverable_table import (
    ANSWER_COLUMNS,
    Read,
    coded_column,
    number_column,
    pick_columns,
    read_table,
)
from labelpact.io.jsonl import NESTED
from labelpact.io.labelstudio_flat import is_flat_labelstudio, textarea_text
from labelpact.io.limits import DEFAULT_LIMITS, Limits
from labelpact.io.source import Source, as_text

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
    text = _answers(source, roles["text"])
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


def _answers(source: Source, name: str) -> list[str]:
    """The answers of column ``name`` as text ("" where blank). A JSON list or object is no answer and is
    refused at its row, except in a flat Label Studio export, whose TextArea cell is a JSON result list."""
    column = source.table[name]
    flat = is_flat_labelstudio(source.table.column_names)
    if pa.types.is_nested(column.type):  # Arrow read every filled cell of the column as a list or object
        kind = "list" if pa.types.is_list(column.type) or pa.types.is_large_list(column.type) else "object"
        first = int(pc.index(pc.is_valid(column), True).as_py())
        raise _nested(source, name, max(first, 0), kind)
    nested = json.loads((source.table.schema.metadata or {}).get(NESTED, b"{}"))
    if name in nested and not flat:  # a JSON reader kept some cells' lists or objects as their JSON text
        raise _nested(source, name, int(nested[name][0]), str(nested[name][1]))
    text: list[str] = pc.fill_null(as_text(column, file=source.path, name=name), "").to_pylist()
    if flat:  # several lines of a TextArea: a JSON result list
        text = [textarea_text(t) for t in text]
    return text


def _nested(source: Source, name: str, row: int, kind: str) -> InvalidInputError:
    """The error for a JSON list or object where one written answer belongs."""
    return fail_at(
        source.locate, row, "one written answer as text", file=source.path, column=name, got=f"a JSON {kind}"
    )
