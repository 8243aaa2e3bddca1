"""Annotations spread over a Dask cluster as blocks of whole tasks, and the tree reduction of per-block tables.

Every label of a task lands in one block (hash of the task name), so an E-step never leaves its block;
an M-step needs only per-worker tables, summed pairwise across blocks (``tree_reduce``). The integer
coding of worker and class names (``Vocabulary``) is computed once, by a reduction over the parts.
"""

from __future__ import annotations

import functools
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
from labelpact.io.limits import DEFAULT_LIMITS
from labelpact.scale.parts import OPTIONAL, Frame, compact_codes

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
    "parts_first_seen",
    "split_by_task",
    "split_parts",
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
    gold_tasks: tuple[str, ...] = ()  # the gold tasks it holds, labelled or not (gold elsewhere is refused)


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
    hashes = pd.util.hash_array(np.asarray(names, dtype=object), categorize=False)  # the same hashes, faster
    return (hashes % np.uint64(n_blocks)).astype(np.intp)


def split_by_task(frame: Frame, n_blocks: int, vocabulary: Vocabulary | None = None) -> tuple[Frame, ...]:
    """The rows of a part split into ``n_blocks`` pieces by a hash of the task name (row order kept), in one
    pass whatever ``n_blocks``: each piece holds the names of its own tasks (a task's name is in one piece);
    with ``vocabulary``, workers and classes are coded globally (no names travel), else each piece refers to
    the part's own worker and class names."""
    names = frame["task"]
    name_block = task_destination(names, n_blocks)
    small = np.uint16 if n_blocks <= np.iinfo(np.uint16).max else np.intp  # a radix sort for the usual sizes
    name_order = np.argsort(name_block.astype(small), kind="stable")
    name_bounds = np.searchsorted(name_block[name_order], np.arange(n_blocks + 1))
    rank = np.empty(len(names), dtype=frame["task_code"].dtype)  # each name's place among its block's names
    rank[name_order] = np.arange(len(names)) - np.repeat(name_bounds[:-1], np.diff(name_bounds))
    destination = name_block[frame["task_code"]]
    order = np.argsort(destination.astype(small), kind="stable")
    bounds = np.searchsorted(destination[order], np.arange(n_blocks + 1))
    rows: Frame = {"key": frame["key"][order], "task_code": rank[frame["task_code"][order]]}
    shared: Frame = {}
    for role in ("worker", "label"):
        codes = frame[f"{role}_code"]
        if vocabulary is not None:
            known = vocabulary.workers if role == "worker" else vocabulary.classes
            found = pd.Index(known, dtype=object).get_indexer(pd.Index(frame[role], dtype=object))
            codes = np.append(found, -1).astype(codes.dtype)[codes]
        else:
            shared[role] = frame[role]
        rows[f"{role}_code"] = codes[order]
    for role in OPTIONAL:
        if role in frame:
            rows[role] = frame[role][order]
    return tuple(
        {"task": names[name_order[name_bounds[j] : name_bounds[j + 1]]], **shared}
        | {column: values[bounds[j] : bounds[j + 1]] for column, values in rows.items()}
        for j in range(n_blocks)
    )


def split_parts(frames: Sequence[Frame], n_blocks: int, vocabulary: Vocabulary) -> tuple[Frame, ...]:
    """Consecutive parts split by task as ``split_by_task`` splits one (each part on its own, in cache), then
    the parts' pieces for each block put one after another: one piece per block, rows in part order."""
    splits = [split_by_task(f, n_blocks, vocabulary) for f in frames]
    return tuple(_joined([s[j] for s in splits]) for j in range(n_blocks))


def _joined(pieces: Sequence[Frame]) -> Frame:
    """Globally coded pieces as one (a task named in two keeps both entries, as ``build_block`` allows)."""
    if len(pieces) == 1:
        return pieces[0]
    offsets = np.cumsum([0, *(len(p["task"]) for p in pieces[:-1])])
    out: Frame = {
        "task_code": np.concatenate([p["task_code"] + o for p, o in zip(pieces, offsets, strict=True)])
    }
    for column in pieces[0]:
        if column != "task_code":
            out[column] = np.concatenate([p[column] for p in pieces])
    return out


def first_seen(frame: Frame) -> tuple[pd.Series, frozenset[str]]:
    """Each worker's first row key in a part (a Series name -> key) and the class names it uses."""
    codes = frame["worker_code"]
    named = codes >= 0  # -1: a row without a worker (no label either)
    first = np.full(len(frame["worker"]), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, codes[named], frame["key"][named])
    used = first < np.iinfo(np.int64).max
    workers = pd.Series(first[used], index=pd.Index(frame["worker"][used], dtype=object))
    return workers, frozenset(frame["label"].tolist())


def parts_first_seen(frames: Sequence[Frame]) -> tuple[pd.Series, frozenset[str]]:
    """``first_seen`` of consecutive parts, merged."""
    seen = [first_seen(f) for f in frames]
    return functools.reduce(merge_first_seen, seen[1:], seen[0])


def merge_first_seen(
    x: tuple[pd.Series, frozenset[str]], y: tuple[pd.Series, frozenset[str]]
) -> tuple[pd.Series, frozenset[str]]:
    """Two parts' ``first_seen`` as one: the smaller key per worker, the union of classes."""
    both = pd.concat([x[0], y[0]])
    return both.groupby(level=0, sort=False).min(), x[1] | y[1]


def vocabulary_of(seen: tuple[pd.Series, frozenset[str]], classes: Sequence[str] | None) -> Vocabulary:
    """Workers ordered by first row key; ``classes`` when given (a label outside it is an error), else natural order."""
    workers = tuple(str(name) for name in seen[0].sort_values(kind="stable").index)
    most = DEFAULT_LIMITS.max_classes  # each part was held to it; their union is held here, as one file is
    if len(seen[1]) > most:
        raise InvalidInputError(
            f"at most {most:,} distinct labels (the documented limit max_classes)",
            column="label",
            got=f"{len(seen[1]):,} distinct labels over the parts",
        )
    if classes is None:
        return Vocabulary(workers, natural_order(seen[1]))
    unknown = sorted(seen[1] - set(classes))
    if unknown:
        raise InvalidInputError(f"a label in {list(classes)}", column="label", got=repr(unknown[0]))
    return Vocabulary(workers, tuple(classes))


def build_block(pieces: Sequence[Frame], vocabulary: Vocabulary, gold: pd.Series | None) -> Block:
    """One block from its pieces of every part (in part order, so rows stay in global order); ``gold`` maps
    task names to class names."""
    # every piece's task names, one after another; a row's entry is its piece's offset plus its code
    entries = np.concatenate([p["task"] for p in pieces])
    offsets = np.cumsum([0, *(len(p["task"]) for p in pieces[:-1])])
    row_entry = np.concatenate([p["task_code"] + o for p, o in zip(pieces, offsets, strict=True)])
    worker = np.concatenate([_global_codes(p, "worker", vocabulary.workers) for p in pieces])
    label = np.concatenate([_global_codes(p, "label", vocabulary.classes) for p in pieces])
    # tasks: a name's first key over the pieces orders the block's tasks as the in-process reader does
    entry_first = np.concatenate([_first_keys(p) for p in pieces])
    name_id, unique_tasks = pd.factorize(entries)
    first_by_name = np.full(len(unique_tasks), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_by_name, name_id, entry_first)
    order = np.argsort(first_by_name, kind="stable")
    code_of_name = np.empty(len(order), dtype=np.intp)
    code_of_name[order] = np.arange(len(order))
    labelled = label >= 0  # rows without a label only name their task
    task_codes = code_of_name[name_id][row_entry[labelled]]
    tasks = tuple(np.asarray(unique_tasks, dtype=object)[order].tolist())
    first = first_by_name[order]
    worker_index, worker_codes = compact_codes(
        np.arange(len(vocabulary.workers), dtype=np.intp), worker[labelled]
    )
    label_codes = label[labelled].astype(np.intp)
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
            # a gold label outside the classes is refused by the driver, naming its row (``scale.gold``)
            rows, codes = rows[codes >= 0], codes[codes >= 0]
            # as in-process, gold on a task nobody labelled checks nothing
            block_gold = Gold(task=rows, label=codes).labelled(a)
    return Block(a, worker_index.astype(np.intp), first, block_gold, count_matrix(a))


def _global_codes(piece: Frame, role: str, known: tuple[str, ...]) -> IntArray:
    """Each row's global code of ``role`` (-1 none): the piece's own when coded globally, else its names looked up."""
    codes: IntArray = piece[f"{role}_code"]
    if role not in piece:
        return codes
    found = pd.Index(known, dtype=object).get_indexer(pd.Index(piece[role], dtype=object))
    return np.append(found, -1)[codes]


def _first_keys(piece: Frame) -> Int64Array:
    """The key of each task name's first row in a piece (rows are in key order), shape (n_names,)."""
    keys: Int64Array = np.full(len(piece["task"]), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(keys, piece["task_code"], piece["key"])
    return keys


def summary_of(block: Block, gold: pd.Series | None = None) -> BlockSummary:
    """The block's sizes, labels given per (local worker, class), and which tasks of ``gold`` it holds."""
    a = block.annotations
    unlabelled = tuple(a.tasks[i] for i in np.flatnonzero(a.labels_per_task() == 0))
    held = () if gold is None else tuple(gold.index[gold.index.isin(a.tasks)].tolist())
    return BlockSummary(a.n_tasks, a.n_annotations, block.worker_index, block.counts.given, unlabelled, held)
