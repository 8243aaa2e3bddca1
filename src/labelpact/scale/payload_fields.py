"""Task payload values sent to the blocks that hold the tasks' labels: slice values and word counts.

Slice bias and pay need a few payload values per task (each slice column's value, the word count of its
text) beside the task's labels. Each payload part, where it is read and scanned (``scale.ethics``), cuts
those values by the hash of the task name that placed the task's labels (``blocks.task_destination``), and
each block joins its pieces of every part to its own tasks (``scale.label_ethics``). Only these short
values move, from the parts to the blocks; none comes back to this process. Values are read as
``io.reference.read_tasks`` reads them (numbers as Arrow writes them, a blank cell is no value).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from labelpact.core.annotations import FloatArray
from labelpact.errors import InvalidInputError
from labelpact.ethics.pay import text_words
from labelpact.io.column import task_column_of
from labelpact.io.source import as_text
from labelpact.scale.blocks import task_destination
from labelpact.scale.parts import part_columns, part_sources

__all__ = [
    "FieldPiece",
    "FieldSplit",
    "ObjectArray",
    "field_text",
    "payload_fields",
    "split_fields",
]

ObjectArray = npt.NDArray[np.object_]


@dataclass(frozen=True, slots=True)
class FieldSplit:
    """What each payload part sends to the blocks: the values of ``columns`` and the word count of
    ``text_field`` (None: no word counts), cut for ``n_blocks`` blocks."""

    columns: tuple[str, ...]
    text_field: str | None
    n_blocks: int


@dataclass(frozen=True, slots=True)
class FieldPiece:
    """One part's payload rows bound for one block: task names (n,), each split column's values (n,; None
    where blank), word counts (n,; NaN unknown) or None, and the part's task column and file (for errors)."""

    task: ObjectArray
    values: tuple[ObjectArray, ...]
    words: FloatArray | None
    column: str
    file: str


def payload_fields(files: Sequence[str], task_column: str | None) -> tuple[str, ...]:
    """The fields of Parquet parts of payloads (every column but the task column), in first-seen order over
    every part's schema: a field some parts lack has no value on their tasks."""
    fields: dict[str, None] = {}
    for source in part_sources(list(files)):
        names = part_columns(source)
        column = task_column_of(names, task_column, file=Path(source))
        fields.update((name, None) for name in names if name != column)
    return tuple(fields)


def field_text(values: Any, *, file: str, name: str) -> ObjectArray:
    """A payload column (a pandas Series) as text per row (n_rows,), None where blank or missing."""
    column = pa.chunked_array([pa.array(values, from_pandas=True)])
    text: ObjectArray = np.asarray(
        as_text(column, file=Path(file), name=name).to_numpy(zero_copy_only=False), dtype=object
    )
    text[text == ""] = None
    return text


def split_fields(frame: Any, task_column: str | None, split: FieldSplit, file: str) -> tuple[FieldPiece, ...]:
    """One part of payloads (a pandas frame) cut into ``split.n_blocks`` pieces by task, rows in order.

    Task names are read as the labels' parts read theirs (``scale.parts.read_part``), so they meet; a blank
    task is an error, as in-process. Word counts are ``ethics.pay.text_words``', as in-process.
    """
    column = task_column_of(list(frame.columns), task_column, file=Path(file))
    codes, uniques = pd.factorize(frame[column])
    names = np.asarray(pd.Index(uniques).astype(str), dtype=object)
    if (codes < 0).any() or (names == "").any():
        raise InvalidInputError("a task id on every row", file=Path(file), column=column, got="a blank cell")
    task = names[codes]
    destination = task_destination(names, split.n_blocks)[codes]
    absent = np.full(len(frame), None, dtype=object)  # a field this part lacks: no value on its tasks
    values = tuple(
        field_text(frame[c], file=file, name=c) if c in frame.columns else absent for c in split.columns
    )
    words = None
    if split.text_field is not None:
        text = (
            field_text(frame[split.text_field], file=file, name=split.text_field)
            if split.text_field in frame.columns
            else absent
        )
        words = text_words(text.tolist())
    order = np.argsort(destination, kind="stable")
    bounds = np.searchsorted(destination[order], np.arange(split.n_blocks + 1))
    return tuple(
        FieldPiece(
            task=task[rows],
            values=tuple(v[rows] for v in values),
            words=None if words is None else words[rows],
            column=column,
            file=file,
        )
        for rows in (order[lo:hi] for lo, hi in itertools.pairwise(bounds.tolist()))
    )
