"""Annotations spread over a Dask cluster as blocks of whole tasks, and the tree reduction of per-block tables.

Every label of a task lands in one block (hash of the task name), so an E-step never leaves its block;
an M-step needs only per-worker tables, summed pairwise across blocks (``tree_reduce``). The integer
coding of worker and class names (``Vocabulary``) is computed once, by a reduction over the parts.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from labelpact.core.annotations import (
    Annotations,
    FloatArray,
    Gold,
    IntArray,
    natural_order,
)
from labelpact.core.kernels import CountMatrix, count_matrix
from labelpact.errors import InvalidInputError
from labelpact.scale.parts import OPTIONAL, ROLES, Frame, compact_codes

__all__ = [
    "Block",
    "BlockSummary",
    "Progress",
    "SparseRows",
    "Vocabulary",
    "add_tables",
    "build_block",
    "first_seen",
    "merge_first_seen",
    "split_by_task",
    "summary_of",
    "task_destination",
    "vocabulary_of",
]

Int64Array = npt.NDArray[np.int64]
# (stage, done, total or None): what the engine is doing, for a progress bar
Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The global coding: workers in order of first appearance, classes in natural order (or the contract's)."""

    workers: tuple[str, ...]
    classes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Block:
    """The labels of some whole tasks, coded locally: tasks in order of first appearance, workers in global
    code order (so each task's labels sum in the in-process order), classes global.

    ``worker_index`` (n_local_workers,) maps local worker codes to global ones, ``first_key``
    (n_local_tasks,) is each task's first row key (orders tasks globally), ``gold`` is coded locally.
    """

    annotations: Annotations
    worker_index: IntArray
    first_key: Int64Array
    gold: Gold | None
    counts: CountMatrix


@dataclass(frozen=True, slots=True)
class BlockSummary:
    """What the driver keeps of a block: sizes, labels given per (local worker, class) (n_local_workers, K),
    and the names of its tasks nobody labelled."""

    n_tasks: int
    n_annotations: int
    worker_index: IntArray
    given: FloatArray
    unlabelled: tuple[str, ...] = ()  # its tasks nobody labelled (rows without a label name them)


@dataclass(frozen=True, slots=True)
class SparseRows:
    """Rows of a table indexed by a sorted subset of global ids: ``index`` (n,), ``values`` (n, ...)."""

    index: IntArray
    values: FloatArray

    def merged(self, other: SparseRows) -> SparseRows:
        """The sum of two tables, on the union of their ids."""
        if np.array_equal(self.index, other.index):
            return SparseRows(self.index, self.values + other.values)
        index = np.union1d(self.index, other.index)
        values = np.zeros((len(index), *self.values.shape[1:]))
        values[np.searchsorted(index, self.index)] += self.values
        values[np.searchsorted(index, other.index)] += other.values
        return SparseRows(index, values)

    def dense(self, size: int) -> FloatArray:
        """The full table (size, ...), zero where no block had a row."""
        out = np.zeros((size, *self.values.shape[1:]))
        out[self.index] = self.values
        return out


def add_tables(x: tuple[Any, ...], y: tuple[Any, ...]) -> tuple[Any, ...]:
    """Sum two per-block results item by item (floats, arrays, ``SparseRows``): the tree reduction's step."""
    return tuple(a.merged(b) if isinstance(a, SparseRows) else a + b for a, b in zip(x, y, strict=True))


def task_destination(names: npt.NDArray[Any], n_blocks: int) -> IntArray:
    """The block of each task name (n_names,): a hash of the name, the same in every process, so rows of a
    task read anywhere (labels, payloads) meet in one block."""
    return (pd.util.hash_array(np.asarray(names, dtype=object)) % np.uint64(n_blocks)).astype(np.intp)


def split_by_task(frame: Frame, n_blocks: int) -> tuple[Frame, ...]:
    """The rows of a part split into ``n_blocks`` pieces by a hash of the task name (row order kept); each
    piece keeps only the names its rows use."""
    destination = task_destination(frame["task"], n_blocks)[frame["task_code"]]
    order = np.argsort(destination, kind="stable")
    bounds = np.searchsorted(destination[order], np.arange(n_blocks + 1))
    return tuple(_piece(frame, order[lo:hi]) for lo, hi in itertools.pairwise(bounds))


def _piece(frame: Frame, rows: IntArray) -> Frame:
    piece: Frame = {"key": frame["key"][rows]}
    for role in ROLES:
        piece[role], piece[f"{role}_code"] = compact_codes(frame[role], frame[f"{role}_code"][rows])
    for role in OPTIONAL:
        if role in frame:
            piece[role] = frame[role][rows]
    return piece


def first_seen(frame: Frame) -> tuple[pd.Series, frozenset[str]]:
    """Each worker's first row key in a part (a Series name -> key) and the class names it uses."""
    used, first = np.unique(frame["worker_code"], return_index=True)
    used, first = used[used >= 0], first[used >= 0]  # -1: a row without a worker (no label either)
    workers = pd.Series(frame["key"][first], index=pd.Index(frame["worker"][used], dtype=object))
    return workers, frozenset(frame["label"].tolist())


def merge_first_seen(
    x: tuple[pd.Series, frozenset[str]], y: tuple[pd.Series, frozenset[str]]
) -> tuple[pd.Series, frozenset[str]]:
    """Two parts' ``first_seen`` as one: the smaller key per worker, the union of classes."""
    both = pd.concat([x[0], y[0]])
    return both.groupby(level=0, sort=False).min(), x[1] | y[1]


def vocabulary_of(seen: tuple[pd.Series, frozenset[str]], classes: Sequence[str] | None) -> Vocabulary:
    """Workers ordered by first row key; ``classes`` when given (a label outside it is an error), else natural order."""
    workers = tuple(str(name) for name in seen[0].sort_values(kind="stable").index)
    if classes is None:
        return Vocabulary(workers, natural_order(seen[1]))
    unknown = sorted(seen[1] - set(classes))
    if unknown:
        raise InvalidInputError(f"a label in {list(classes)}", column="label", got=repr(unknown[0]))
    return Vocabulary(workers, tuple(classes))


def build_block(pieces: Sequence[Frame], vocabulary: Vocabulary, gold: pd.Series | None) -> Block:
    """One block from its pieces of every part (in part order, so rows stay in global order); ``gold`` maps
    task names to class names."""
    # every piece's names, one after another; a row's entry is its piece's offset plus its code
    entries = {role: np.concatenate([p[role] for p in pieces]) for role in ROLES}
    offsets = {role: np.cumsum([0, *(len(p[role]) for p in pieces[:-1])]).astype(np.intp) for role in ROLES}
    row_entry = {
        role: np.concatenate(
            [
                np.where(p[f"{role}_code"] >= 0, p[f"{role}_code"] + o, -1)
                for p, o in zip(pieces, offsets[role], strict=True)
            ]
        )
        for role in ROLES
    }
    # tasks: a name's first key over the pieces orders the block's tasks as the in-process reader does
    entry_first = np.concatenate([_first_keys(p) for p in pieces])
    name_id, unique_tasks = pd.factorize(pd.Index(entries["task"], dtype=object))
    first_by_name = np.full(len(unique_tasks), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_by_name, name_id, entry_first)
    order = np.argsort(first_by_name, kind="stable")
    code_of_name = np.empty(len(order), dtype=np.intp)
    code_of_name[order] = np.arange(len(order))
    labelled = row_entry["label"] >= 0  # rows without a label only name their task
    task_codes = code_of_name[name_id][row_entry["task"][labelled]]
    tasks = tuple(str(name) for name in np.asarray(unique_tasks, dtype=object)[order])
    first = first_by_name[order]
    entry_worker = pd.Index(vocabulary.workers).get_indexer(pd.Index(entries["worker"], dtype=object))
    global_worker = entry_worker[row_entry["worker"][labelled]]
    worker_index, worker_codes = compact_codes(
        np.arange(len(vocabulary.workers), dtype=np.intp), global_worker
    )
    label_codes = pd.Index(vocabulary.classes).get_indexer(pd.Index(entries["label"], dtype=object))[
        row_entry["label"][labelled]
    ]
    a = Annotations(
        task=task_codes,
        worker=worker_codes.reshape(-1),
        label=label_codes,
        tasks=tasks,
        workers=tuple(vocabulary.workers[i] for i in worker_index),
        classes=vocabulary.classes,
        **{  # the time columns the parts carry, for the labelled rows
            role: np.concatenate([p[role] for p in pieces])[labelled]
            for role in OPTIONAL
            if all(role in p for p in pieces)
        },
    )
    block_gold = None
    if gold is not None and len(gold):
        known = gold.reindex(pd.Index(tasks, dtype=object))
        rows = np.flatnonzero(known.notna().to_numpy())
        if len(rows):
            codes = pd.Index(vocabulary.classes).get_indexer(pd.Index(known.iloc[rows].astype(str)))
            if (codes < 0).any():
                bad = known.iloc[rows].to_numpy()[codes < 0][0]
                raise InvalidInputError(
                    f"a gold label in {list(vocabulary.classes)}", column="label", got=repr(bad)
                )
            block_gold = Gold(task=rows, label=codes)
    return Block(a, worker_index.astype(np.intp), first, block_gold, count_matrix(a))


def _first_keys(piece: Frame) -> Int64Array:
    """The key of each task name's first row in a piece (rows are in key order), shape (n_names,)."""
    keys: Int64Array = np.full(len(piece["task"]), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(keys, piece["task_code"], piece["key"])
    return keys


def summary_of(block: Block) -> BlockSummary:
    """The block's sizes and labels given per (local worker, class)."""
    a = block.annotations
    unlabelled = tuple(a.tasks[i] for i in np.flatnonzero(a.labels_per_task() == 0))
    return BlockSummary(a.n_tasks, a.n_annotations, block.worker_index, block.counts.given, unlabelled)
