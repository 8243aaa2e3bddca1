"""Read pairwise preferences from CSV, TSV, Parquet, JSON Lines, JSON or a Label Studio ``Pairwise`` export.

Three shapes are recognised by their columns: ``task, worker, left, right, choice`` (``left|right|tie``,
any case; optional ``duration_s``), ``prompt, chosen, rejected`` (no ties, display side unknown: oriented
at random, seeded) and ``response_a, response_b, winner`` (or ``model_a, model_b, winner``; ``winner`` names
``a``/``b``/``model_a``/``model_b``/``response_a``/``response_b`` or a tie; A is taken as shown on the left).
A file without a worker column is read as one worker, ``unknown``, and says so in its notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from labelpact.core.annotations import IntArray
from labelpact.core.preferences import LEFT, RIGHT, TIE, Comparisons
from labelpact.errors import InvalidInputError
from labelpact.io.column import Coded, encode, fail_at
from labelpact.io.deliverable_table import Read, coded_column, number_column, pick_columns, read_table
from labelpact.io.limits import DEFAULT_LIMITS, Limits
from labelpact.io.source import Source

__all__ = ["PreferenceDelivery", "read_preferences"]

TASK = ("task", "prompt", "prompt_id", "question_id", "comparison_id", "item", "id")
WORKER = ("worker", "annotator", "completed_by", "rater", "labeler", "judge")
DURATION = ("duration_s", "lead_time", "duration")
_LEFT_WORDS = ("left", "a", "model_a", "response_a", "1")
_RIGHT_WORDS = ("right", "b", "model_b", "response_b", "2")
_TIE_WORDS = ("tie", "tie (bothbad)", "both", "neither", "equal", "same")


@dataclass(frozen=True, slots=True)
class PreferenceDelivery:
    """Comparisons read from one file, with what reading found (``read``) and optional ``gold`` pairs."""

    comparisons: Comparisons
    read: Read
    gold: Comparisons | None = None

    @property
    def sides_known(self) -> bool:
        """Whether each item's display side is known: not for ``prompt, chosen, rejected`` (the reader records
        its two item columns and no choice column), whose pairs are oriented at random, so that no position
        bias can be measured on them. Comparisons built in code (no columns recorded) are taken at their word."""
        return "choice" in self.read.columns or "left" not in self.read.columns


def read_preferences(
    path: str | Path,
    *,
    gold: str | Path | None = None,
    task_column: str | None = None,
    worker_column: str | None = None,
    format: str | None = None,
    random_state: int = 0,
    limits: Limits = DEFAULT_LIMITS,
) -> PreferenceDelivery:
    """Read and check a preferences file (and a ``gold`` file of known answers, same shapes, no worker needed).

    Every problem raises a one-line :class:`InvalidInputError` naming the file, the line and the column.
    """
    comparisons, read = _read(path, task_column, worker_column, format, random_state, limits)
    gold_c = None
    if gold is not None:
        gold_c, _ = _read(gold, task_column, None, None, random_state, limits)
    return PreferenceDelivery(comparisons, read, gold_c)


def _read(
    path: str | Path,
    task_column: str | None,
    worker_column: str | None,
    format: str | None,
    random_state: int,
    limits: Limits,
) -> tuple[Comparisons, Read]:
    source = read_table(path, kind="preferences", format=format, limits=limits)
    explicit = {"task": task_column, "worker": worker_column}
    shape, notes = _shape(source)
    roles = pick_columns(
        source,
        {"task": TASK, "worker": WORKER, "duration_s": DURATION},
        required=("task",),
        explicit=explicit,
    )
    n = source.table.num_rows
    task = coded_column(source, roles["task"])
    if "worker" in roles:
        worker = coded_column(source, roles["worker"])
    else:
        worker = Coded(np.zeros(n, dtype=np.int32), ["unknown"])
        notes.append("no worker column: every comparison is taken as one worker's ('unknown')")
    first, second = source.table[shape[0]], source.table[shape[1]]
    items = _items(source, first, second, shape[0], shape[1])
    left, right = items.codes[:n].astype(np.intp), items.codes[n:].astype(np.intp)
    if len(shape) == 2:
        flip = np.random.default_rng(random_state).random(n) < 0.5
        left, right = np.where(flip, right, left), np.where(flip, left, right)
        choice = np.where(flip, RIGHT, LEFT).astype(np.intp)
    else:
        choice = _choices(source, shape[-1], len(shape) == 3 and shape[0] != "left")
    same = np.flatnonzero(left == right)
    if len(same):
        raise fail_at(
            source.locate,
            int(same[0]),
            "two different items",
            file=source.path,
            column=shape[1],
            got="the same item",
        )
    duration = (
        number_column(source, roles["duration_s"], low=0.0, what="seconds >= 0")
        if "duration_s" in roles
        else None
    )
    comparisons = Comparisons(
        task=task.codes.astype(np.intp),
        worker=worker.codes.astype(np.intp),
        left=left,
        right=right,
        choice=choice,
        tasks=tuple(task.names),
        workers=tuple(worker.names),
        items=tuple(items.names),
        duration_s=duration,
    )
    columns = {**roles, "left": shape[0], "right": shape[1]} | (
        {"choice": shape[2]} if len(shape) == 3 else {}
    )
    read = Read(source.path, source.format, n, MappingProxyType(columns), tuple(notes))
    return comparisons, read


def _shape(source: Source) -> tuple[tuple[str, ...], list[str]]:
    """The columns holding the two items (and the choice or winner) and a note on what the shape implies."""
    names = set(source.table.column_names)
    notes: list[str] = []
    shape: tuple[str, ...]
    if {"left", "right", "choice"} <= names:
        shape = ("left", "right", "choice")
    elif {"chosen", "rejected"} <= names:
        shape = ("chosen", "rejected")
        notes.append("chosen/rejected shape: display side unknown, pairs oriented at random (seeded)")
    elif "winner" in names and ({"response_a", "response_b"} <= names or {"model_a", "model_b"} <= names):
        shape = (
            ("response_a", "response_b", "winner")
            if "response_a" in names
            else ("model_a", "model_b", "winner")
        )
        notes.append(f"{shape[0]} taken as shown on the left, {shape[1]} on the right")
    else:
        raise InvalidInputError(
            "columns left, right, choice (or chosen, rejected; or response_a, response_b, winner)",
            file=source.path,
            row=1,
            got=f"only the columns {', '.join(repr(n) for n in source.table.column_names)}",
        )
    return shape, notes


def _both(first: pa.ChunkedArray, second: pa.ChunkedArray) -> pa.ChunkedArray:
    return pa.chunked_array(
        [c.cast(pa.string()) for c in first.chunks] + [c.cast(pa.string()) for c in second.chunks],
        pa.string(),
    )


def _items(source: Source, first: pa.ChunkedArray, second: pa.ChunkedArray, a: str, b: str) -> Coded:
    """Codes (2 * n_rows,) of both item columns in one vocabulary; a blank item is an error."""
    coded = encode(_both(first, second), file=source.path, name=f"{a}/{b}")
    n = len(first)
    if len(coded.codes) and coded.codes.min() < 0:
        i = int(np.argmin(coded.codes))
        raise fail_at(
            source.locate, i % n, "an item id", file=source.path, column=a if i < n else b, got="a blank cell"
        )
    return coded


def _choices(source: Source, column: str, winner: bool) -> IntArray:
    """Choice codes (n_rows,): ``left|right|tie``, or for a winner column A/B/tie words; others are errors."""
    text = pc.utf8_lower(pc.utf8_trim_whitespace(source.table[column].cast(pa.string())))
    lefts, rights = (_LEFT_WORDS, _RIGHT_WORDS) if winner else (("left",), ("right",))
    ties = _TIE_WORDS if winner else ("tie",)
    values = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
    is_left, is_right, is_tie = (np.isin(values, list(w)) for w in (lefts, rights, ties))
    bad = ~(is_left | is_right | is_tie)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        expected = "a winner: a, b, model_a, model_b or tie" if winner else "one of left, right, tie"
        raise fail_at(source.locate, i, expected, file=source.path, column=column, got=repr(values[i]))
    return np.select([is_left, is_right], [LEFT, RIGHT], TIE).astype(np.intp)
