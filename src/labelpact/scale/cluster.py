"""The driver's handle on annotations spread over a Dask cluster (``BlockSet``), and the cluster itself.

Blocks are built from the parts by a Dask graph (read, split by task, vocabulary, assemble) and kept
on the workers as futures; a lost worker's blocks are recomputed from that graph by Dask, so a fit
survives it. Values this process sends (annotations already read, parameters, rows per task) travel as
tasks that hold them (``send``), never as scattered data, which Dask could not recompute. Per-iteration
work is ``map_reduce``: one task per block, then pairwise sums of tables.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from labelpact.core.annotations import Annotations, FloatArray, Gold
from labelpact.errors import InvalidInputError
from labelpact.scale.blocks import (
    Block,
    BlockSummary,
    Progress,
    SparseRows,
    Vocabulary,
    add_tables,
    build_block,
    first_seen,
    merge_first_seen,
    split_by_task,
    summary_of,
    task_destination,
    vocabulary_of,
)
from labelpact.scale.parts import OPTIONAL, ROLES, compact_codes, part_files, part_frames

__all__ = [
    "BlockSet",
    "cluster_client",
    "distribute",
    "distribute_annotations",
    "hold",
    "send",
    "tree_reduce",
]


@contextmanager
def cluster_client(scheduler: str | None = None, *, n_workers: int | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` on ``scheduler``, or on a new ``LocalCluster`` of one single-threaded
    process per core (``n_workers`` to choose), closed at the end of the block. Either way its workers'
    EM passes use no more threads than each worker's ``nthreads`` (``scale.threads``)."""
    from distributed import Client, LocalCluster

    from labelpact.scale.threads import limit_threads

    if scheduler:
        with Client(scheduler) as client:  # type: ignore[no-untyped-call]
            limit_threads(client)
            yield client
        return
    workers = n_workers or os.cpu_count() or 1
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: a second cluster on this machine does not clash
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        limit_threads(client)
        yield client


def hold(value: Any) -> Any:
    """The identity: ``client.submit(hold, params)`` makes parameters a recomputable task, not scattered data."""
    return value


def send(client: Any, values: Sequence[Any]) -> list[Any]:
    """``values`` of this process as futures the cluster can recompute: one ``hold`` task each, so a worker
    lost with one costs its recomputation (the scheduler keeps the value in the task), not the run.

    Dask warns about a graph over 10 MB; here the value is the graph, sent once, so the warning is off."""
    import dask

    with dask.config.set({"distributed.admin.large-graph-warning-threshold": "1 PiB"}):
        return [client.submit(hold, value, pure=False) for value in values]


def tree_reduce(
    client: Any, futures: Sequence[Any], combine: Callable[[Any, Any], Any], fan_in: int = 8
) -> Any:
    """Combine futures ``fan_in`` at a time, level by level, on the cluster; only the final value comes back."""
    level = list(futures)
    while len(level) > 1:
        level = [
            client.submit(combine_all, combine, *level[i : i + fan_in], pure=False)
            for i in range(0, len(level), fan_in)
        ]
    return level[0].result()


def combine_all(combine: Callable[[Any, Any], Any], *values: Any) -> Any:
    """``combine`` folded over ``values`` (one node of the reduction tree)."""
    total = values[0]
    for value in values[1:]:
        total = combine(total, value)
    return total


@dataclass
class BlockSet:
    """Blocks of whole tasks held by the cluster, with the global sizes and the vocabulary."""

    client: Any
    blocks: list[Any]  # futures of Block
    vocabulary: Vocabulary
    n_tasks: int
    n_annotations: int
    given: FloatArray  # (n_workers, K) labels each worker gave per class
    progress: Progress | None = None
    use_gold: bool = True  # False: fits ignore the blocks' gold (scored on gold they never saw)
    unlabelled: frozenset[str] = frozenset()  # tasks named by rows without a label only
    layout: tuple[Any, Any] | None = None  # the last gather's task order and block bounds (``scatter_rows``)

    @property
    def n_workers(self) -> int:
        return len(self.vocabulary.workers)

    @property
    def n_classes(self) -> int:
        return len(self.vocabulary.classes)

    def report(self, stage: str, done: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def params(self, value: Any) -> Any:
        """A future of ``value`` the blocks' tasks take as an argument (sent once, recomputable)."""
        return send(self.client, [value])[0]

    def map_reduce(self, fn: Callable[..., tuple[Any, ...]], *args: Any) -> tuple[Any, ...]:
        """``fn(block, *args)`` on every block, results summed by ``add_tables`` in a tree on the cluster."""
        futures = [self.client.submit(fn, block, *args, pure=False) for block in self.blocks]
        return tuple(tree_reduce(self.client, futures, add_tables))

    def gather_tasks(
        self, fn: Callable[..., Any], *args: Any, items: Sequence[Any] | None = None
    ) -> tuple[tuple[str, ...], FloatArray]:
        """Task names and rows (n_tasks, ...) from ``fn(item, *args)`` per block (or per item of ``items``, futures
        of objects holding their ``block``), in global task order."""
        futures = [
            self.client.submit(task_rows, fn, item, *args, pure=False) for item in (items or self.blocks)
        ]
        parts = self.client.gather(futures)
        keys = np.concatenate([p[0] for p in parts])
        names = np.concatenate([np.asarray(p[1], dtype=object) for p in parts])
        rows = np.concatenate([p[2] for p in parts])
        order = np.argsort(keys, kind="stable")
        self.layout = (order, np.cumsum([0, *(len(p[0]) for p in parts)]))
        return tuple(str(n) for n in names[order]), rows[order]

    def scatter_rows(self, rows: npt.NDArray[Any]) -> list[Any]:
        """Rows (n_tasks, ...) in global task order, as the last ``gather_tasks`` returned them, cut back into
        one future per block (each block's tasks in its own order)."""
        if self.layout is None:
            raise InvalidInputError("rows gathered from the blocks before they are sent back")
        order, bounds = self.layout
        by_entry = np.empty_like(rows)
        by_entry[order] = rows
        return send(self.client, [by_entry[lo:hi] for lo, hi in itertools.pairwise(bounds)])


def task_rows(fn: Callable[..., Any], item: Any, *args: Any) -> tuple[Any, Any, Any]:
    """(first keys, task names, ``fn(item, *args)``) of one block, or of an object holding one as ``block``."""
    block: Block = getattr(item, "block", item)
    return block.first_key, block.annotations.tasks, fn(item, *args)


def distribute(
    client: Any,
    path: str | Path,
    *,
    columns: dict[str, str | None] | None = None,
    classes: Sequence[str] | None = None,
    gold: pd.Series | None = None,
    n_blocks: int | None = None,
    progress: Progress | None = None,
) -> BlockSet:
    """Read the parts at ``path`` into blocks on the cluster: a graph of reads, splits by task and a
    vocabulary reduction, persisted; only the per-block summaries come back to this process.

    With ``progress``, every task the blocks' computations submit is counted and reported as the scheduler
    finishes it (``scale.progress``), beside the engine's stages."""
    from dask.delayed import delayed

    from labelpact.scale.progress import watch
    from labelpact.scale.threads import limit_threads

    limit_threads(client)
    client, progress = watch(client, progress)
    files = part_files(path)
    frames, _ = part_frames(files, explicit=columns)
    n = n_blocks or max(len(frames), 2 * len(client.scheduler_info().get("workers", {})) or 1)
    seen = [delayed(first_seen)(f) for f in frames]
    while len(seen) > 1:
        seen = [delayed(merge_first_seen)(x, y) for x, y in zip(seen[::2], seen[1::2], strict=False)] + (
            [seen[-1]] if len(seen) % 2 else []
        )
    vocabulary = delayed(vocabulary_of)(seen[0], None if classes is None else tuple(classes))
    pieces = [delayed(split_by_task, nout=n)(f, n) for f in frames]
    gold_value = None if gold is None else delayed(gold)
    blocks = [delayed(build_block)([p[j] for p in pieces], vocabulary, gold_value) for j in range(n)]
    summaries = [delayed(summary_of)(b) for b in blocks]
    futures = client.compute([vocabulary, *blocks, *summaries])
    return _block_set(client, futures[0].result(), futures[1 : n + 1], futures[n + 1 :], progress)


def _block_set(
    client: Any,
    vocab: Vocabulary,
    block_futures: list[Any],
    summary_futures: list[Any],
    progress: Progress | None,
) -> BlockSet:
    """The driver's ``BlockSet`` once the blocks are built: sizes and labels given, summed from the summaries."""
    from distributed import as_completed

    n = len(block_futures)
    for done, _ in enumerate(as_completed(summary_futures), start=1):  # type: ignore[no-untyped-call]
        if progress is not None:
            progress("reading parts", done, n)
    summaries_: list[BlockSummary] = client.gather(summary_futures)
    given = SparseRows(np.empty(0, dtype=np.intp), np.zeros((0, len(vocab.classes))))
    for s in summaries_:
        given = given.merged(SparseRows(s.worker_index, s.given))
    return BlockSet(
        client=client,
        blocks=block_futures,
        vocabulary=vocab,
        n_tasks=sum(s.n_tasks for s in summaries_),
        n_annotations=sum(s.n_annotations for s in summaries_),
        given=given.dense(len(vocab.workers)),
        progress=progress,
        unlabelled=frozenset(name for s in summaries_ for name in s.unlabelled),
    )


def distribute_annotations(
    client: Any,
    a: Annotations,
    *,
    gold: Gold | None = None,
    n_blocks: int | None = None,
    progress: Progress | None = None,
) -> BlockSet:
    """Annotations already in this process sent to the cluster as blocks (no file: a remote cluster works too).

    The coding is ``a``'s own: its vocabulary, its task order (each task's first key is its code) and, within
    a task, its row order; tasks nobody labelled stay listed. The blocks equal those ``distribute`` reads from
    Parquet parts of the same rows, so every fit on them equals the in-process fit on ``a``.
    """
    from labelpact.scale.progress import watch
    from labelpact.scale.threads import limit_threads

    limit_threads(client)
    client, progress = watch(client, progress)
    n = n_blocks or max(2 * len(client.scheduler_info().get("workers", {})), 1)
    names = {
        "task": np.asarray(a.tasks, dtype=object),
        "worker": np.asarray(a.workers, dtype=object),
        "label": np.asarray(a.classes, dtype=object),
    }
    destination = task_destination(names["task"], n)
    pieces = []
    for j in range(n):
        # one row naming each task, keyed by its code, then its labels
        tasks = np.flatnonzero(destination == j)
        rows = np.flatnonzero(destination[a.task] == j)
        none = np.full(len(tasks), -1, dtype=np.intp)
        codes = {
            "task": np.concatenate([tasks, a.task[rows]]),
            "worker": np.concatenate([none, a.worker[rows]]),
            "label": np.concatenate([none, a.label[rows]]),
        }
        piece = {"key": np.concatenate([tasks, a.n_tasks + rows]).astype(np.int64)}
        for role in ROLES:
            piece[role], piece[f"{role}_code"] = compact_codes(names[role], codes[role])
        for role in OPTIONAL:  # the time columns, unknown on the rows that only name a task
            values = getattr(a, role)
            if values is not None:
                blank = np.full(len(tasks), np.nan).astype(values.dtype)
                piece[role] = np.concatenate([blank, values[rows]])
        pieces.append(piece)
    vocab = Vocabulary(a.workers, a.classes)
    gold_names = None
    if gold is not None and len(gold):
        gold_names = pd.Series(
            names["label"][gold.label], index=pd.Index(names["task"][gold.task], dtype=object)
        )
    sent = send(client, pieces)  # recomputable: a worker lost with a block costs its rebuild only
    blocks = [client.submit(build_block, [piece], vocab, gold_names, pure=False) for piece in sent]
    summaries = [client.submit(summary_of, b, pure=False) for b in blocks]
    return _block_set(client, vocab, blocks, summaries, progress)
