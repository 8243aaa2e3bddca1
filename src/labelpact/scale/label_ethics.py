"""Slice bias and annotator pay on a Dask cluster, equal to ``ethics.label_bias`` and ``ethics.pay_audit``.

Both reports are tests on sums over tasks or over workers (``ethics.bias.SliceTables``,
``ethics.pay.PaySums``). Each block joins the payload values of its own tasks (slice values, word counts:
``scale.payload_fields``), computes its sums with the in-process functions, and the tree reduction adds
them; this process runs the tests on the totals (``bias_of_tables``, ``pay_report``), so the reports are the
in-process ones up to the order of floating-point sums. What comes back: each slice column's distinct
values, the per-slice and per-worker tables, and the names of the tasks too fast to be read. The consensus
label of each task goes to its block as a code (``BlockSet.scatter_rows``), as worker scorecards send theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from labelpact.core.annotations import FloatArray, IntArray
from labelpact.errors import InvalidInputError
from labelpact.ethics.bias import BiasReport, SliceTables, bias_of_tables, slice_tables
from labelpact.ethics.pay import MIN_SECONDS, WORDS_PER_MINUTE, PayReport, durations_s, pay_report, pay_sums
from labelpact.ethics.work_time import WorkIntervals
from labelpact.scale.blocks import Block, SparseRows, add_tables
from labelpact.scale.cluster import BlockSet, tree_reduce
from labelpact.scale.payload_fields import FieldPiece, ObjectArray

__all__ = [
    "NameSet",
    "PayTerms",
    "TaskFields",
    "TaskList",
    "block_pay_sums",
    "block_slice_tables",
    "join_fields",
    "join_payloads",
    "label_ethics_distributed",
    "slice_names",
]


@dataclass(frozen=True, slots=True)
class PayTerms:
    """What pay is judged by: the pay per label that reaches the annotator, the floor per hour, the currency,
    and the too-fast thresholds (``ethics.pay.pay_audit``'s defaults)."""

    price_per_label: float
    pay_floor_per_hour: float
    currency: str = "USD"
    min_seconds: float = MIN_SECONDS
    words_per_minute: float = WORDS_PER_MINUTE


@dataclass(frozen=True, slots=True)
class TaskFields:
    """A block and, per its task (n_local_tasks,), each slice column's value (None: none) and the word count
    of its text (NaN unknown; None when no word counts were asked for)."""

    block: Block
    values: tuple[ObjectArray, ...]
    words: FloatArray | None


@dataclass(frozen=True, slots=True)
class NameSet:
    """The distinct values of each slice column; a sum is their union (a step of the tree reduction)."""

    values: tuple[frozenset[str], ...]

    def __add__(self, other: NameSet) -> NameSet:
        return NameSet(tuple(x | y for x, y in zip(self.values, other.values, strict=True)))


@dataclass(frozen=True, slots=True)
class TaskList:
    """Tasks by their first row key (n,) and name; a sum is both lists (put in task order by the keys)."""

    keys: npt.NDArray[np.int64]
    names: tuple[str, ...]

    def __add__(self, other: TaskList) -> TaskList:
        return TaskList(np.concatenate([self.keys, other.keys]), self.names + other.names)

    def ordered(self) -> tuple[str, ...]:
        """The names in global task order (the in-process reader's)."""
        return tuple(self.names[i] for i in np.argsort(self.keys, kind="stable").tolist())


def join_fields(block: Block, *pieces: FieldPiece) -> TaskFields:
    """The payload values of the block's tasks from its pieces of every part (a task without a payload row
    has none); a task with two payload rows is an error, as in-process (``io.reference.read_tasks``)."""
    a = block.annotations
    task = pd.Index(np.concatenate([p.task for p in pieces]), dtype=object)
    if task.has_duplicates:
        row = int(np.flatnonzero(task.duplicated())[0])
        part = int(np.searchsorted(np.cumsum([len(p.task) for p in pieces]), row, side="right"))
        raise InvalidInputError(
            "one row per task",
            file=Path(pieces[part].file),
            column=pieces[part].column,
            got=f"task {task[row]!r} again",
        )
    rows = task.get_indexer(pd.Index(a.tasks, dtype=object))
    found = rows >= 0
    values = []
    for c in range(len(pieces[0].values)):
        column = np.concatenate([p.values[c] for p in pieces])
        mine = np.full(a.n_tasks, None, dtype=object)
        mine[found] = column[rows[found]]
        values.append(mine)
    words = None
    if pieces[0].words is not None:
        counts = np.concatenate([p.words for p in pieces if p.words is not None])
        words = np.full(a.n_tasks, np.nan)
        words[found] = counts[rows[found]]
    return TaskFields(block, tuple(values), words)


def slice_names(fields: TaskFields) -> tuple[NameSet]:
    """The distinct values each slice column takes on the block's tasks (each value turned to text once)."""
    distinct = (pd.unique(column[pd.notna(column)]) for column in fields.values)
    return (NameSet(tuple(frozenset(str(v) for v in values.tolist()) for values in distinct)),)


def block_slice_tables(
    fields: TaskFields, codes: IntArray, names: tuple[tuple[str, ...], ...]
) -> tuple[SliceTables, ...]:
    """Per slice column, the block's ``SliceTables`` under the global slice codes (``names`` sorted, per column);
    ``codes`` (n_local_tasks,) is the consensus class per task, -1 for a task nobody labelled
    (``core.consensus.consensus_codes``' rule)."""
    block = fields.block
    a = block.annotations
    consensus = np.where(a.labels_per_task() > 0, np.asarray(codes, dtype=np.intp), -1)
    tables = []
    for column, known in zip(fields.values, names, strict=True):
        task_slice = pd.Index(known, dtype=object).get_indexer(pd.Index(column, dtype=object)).astype(np.intp)
        tables.append(slice_tables(a, consensus, task_slice, len(known), block.gold))
    return tuple(tables)


def block_pay_sums(fields: TaskFields, terms: PayTerms) -> tuple[SparseRows, TaskList, int, WorkIntervals]:
    """The block's ``PaySums``: per worker (global codes) the labels, timed labels, seconds and too-fast labels;
    the tasks too fast to be read; the untimed labels; the union of each worker's timestamped intervals
    (global codes: the reduction merges a worker's intervals across blocks, as one process would). A negative
    duration is an error naming its task."""
    block = fields.block
    a = block.annotations
    seconds = durations_s(a)
    with np.errstate(invalid="ignore"):
        negative = np.flatnonzero(seconds < 0)
    if len(negative):
        i = int(negative[0])
        raise InvalidInputError(
            "durations of zero seconds or more",
            column="duration_s",
            got=f"{seconds[i]} on task {a.tasks[a.task[i]]!r} by worker {a.workers[a.worker[i]]!r}",
        )
    sums = pay_sums(
        a,
        words=fields.words,
        min_seconds=terms.min_seconds,
        words_per_minute=terms.words_per_minute,
    )
    fast = sums.tasks_too_fast
    listed = TaskList(block.first_key[fast], tuple(a.tasks[i] for i in fast.tolist()))
    intervals = sums.intervals.with_workers(block.worker_index)
    return SparseRows(block.worker_index, sums.workers), listed, sums.n_untimed, intervals


def join_payloads(blocks: BlockSet, pieces: Sequence[Sequence[Any]]) -> list[Any]:
    """Futures of each block's ``TaskFields``, once every block has joined its payload pieces (``pieces[j]``:
    futures of block j's piece of every part, from ``scan_parts`` with a ``FieldSplit``); a bad payload (a
    task twice) raises here, before any fit."""
    from distributed import wait

    client = blocks.client
    if len(pieces) != len(blocks.blocks):
        raise InvalidInputError(
            f"payload pieces for each of the {len(blocks.blocks)} blocks", got=f"{len(pieces)}"
        )
    states = [
        client.submit(join_fields, b, *p, pure=False) for b, p in zip(blocks.blocks, pieces, strict=True)
    ]
    wait(states)  # type: ignore[no-untyped-call]
    for state in states:
        if state.status == "error":
            state.result()  # raises the block's error in this process
    return states


def label_ethics_distributed(
    blocks: BlockSet,
    states: Sequence[Any],
    *,
    slice_columns: Sequence[str] = (),
    probas: FloatArray | None = None,
    pay: PayTerms | None = None,
) -> tuple[tuple[BiasReport, ...], PayReport | None]:
    """Slice bias of each of ``slice_columns`` and the pay report (with ``pay``) of the blocks' annotations.

    ``states`` are the blocks' joined payload values (``join_payloads``, of a ``FieldSplit`` of these
    columns); ``probas`` (n_tasks, K) are the consensus posteriors in the task order of the blocks' last
    ``gather_tasks`` (a fit's), needed for slices. The reports equal ``label_bias`` and ``pay_audit`` in
    one process on the same rows (as ``ethics.audit_ethics`` calls them)."""
    client = blocks.client
    bias: tuple[BiasReport, ...] = ()
    if slice_columns:
        if probas is None:
            raise InvalidInputError("consensus posteriors for the slices", column="probas")
        blocks.report("measuring slice bias", 0, 2)
        (found,) = tree_reduce(
            client, [client.submit(slice_names, s, pure=False) for s in states], add_tables
        )
        names = tuple(tuple(sorted(column)) for column in found.values)
        codes = blocks.scatter_rows(np.asarray(probas).argmax(axis=1).astype(np.intp))
        sent = blocks.params(names)
        futures = [
            client.submit(block_slice_tables, s, c, sent, pure=False)
            for s, c in zip(states, codes, strict=True)
        ]
        tables = tree_reduce(client, futures, add_tables)
        blocks.report("measuring slice bias", 2, 2)
        bias = tuple(
            bias_of_tables(t, n, blocks.vocabulary.classes, column=column)
            for t, n, column in zip(tables, names, slice_columns, strict=True)
        )
    report = None
    if pay is not None:
        sent_terms = blocks.params(pay)
        rows, fast, untimed, intervals = tree_reduce(
            client, [client.submit(block_pay_sums, s, sent_terms, pure=False) for s in states], add_tables
        )
        report = pay_report(
            blocks.vocabulary.workers,
            rows.dense(blocks.n_workers),
            fast.ordered(),
            untimed,
            intervals=intervals,
            price_per_label=pay.price_per_label,
            pay_floor_per_hour=pay.pay_floor_per_hour,
            currency=pay.currency,
            min_seconds=pay.min_seconds,
            words_per_minute=pay.words_per_minute,
        )
    return bias, report
