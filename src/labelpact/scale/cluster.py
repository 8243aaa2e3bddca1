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
import operator
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from labelpact.core.annotations import Annotations, FloatArray, Gold
from labelpact.errors import InvalidInputError
from labelpact.io.column import resolve_columns
from labelpact.scale.address import CONNECT_TIMEOUT_S, scheduler_address
from labelpact.scale.blocks import (
    Block,
    BlockSummary,
    Progress,
    SparseRows,
    Vocabulary,
    add_tables,
    build_block,
    merge_first_seen,
    parts_first_seen,
    split_parts,
    summary_of,
    task_destination,
    vocabulary_of,
)
from labelpact.scale.gold import GoldNames, check_gold
from labelpact.scale.parts import (
    OPTIONAL,
    ROLES,
    compact_codes,
    part_columns,
    part_files,
    part_sources,
    read_group,
)

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
        address = scheduler_address(scheduler)
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT_S)  # type: ignore[no-untyped-call]
        except (
            Exception
        ) as error:  # unreachable, or something else answering there (MemoryError on its bytes)
            raise InvalidInputError(
                "a Dask scheduler answering at the address",
                column="scheduler",
                column_kind="field",
                got=f"{address}: {type(error).__name__}: {' '.join(str(error).split())[:200]}",
            ) from None
        with client:
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
    gold_tasks: frozenset[str] = frozenset()  # the gold tasks the blocks hold (``distribute``'s gold)
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
    gold: GoldNames | pd.Series | None = None,
    n_blocks: int | None = None,
    progress: Progress | None = None,
) -> BlockSet:
    """Read the parts at ``path`` into blocks on the cluster: a graph of reads, a vocabulary reduction and
    splits by task, persisted; only the per-block summaries come back to this process.

    One task reads consecutive parts (``GROUP_PARTS`` at most; two groups per worker thread at least), so
    the shuffle to ``n_blocks`` blocks moves groups x blocks pieces, not parts x blocks; the pieces carry
    global worker and class codes, only task names travel as text. With ``progress``, every task the blocks'
    computations submit is counted and reported as the scheduler finishes it (``scale.progress``). Gold read
    from a file (``scale.gold.read_gold``) is checked against the batch as in-process (``check_gold``)."""
    from labelpact.scale.progress import WatchedClient, watch
    from labelpact.scale.threads import limit_threads

    limit_threads(client)
    client, progress = watch(client, progress)
    gold_names = gold.names if isinstance(gold, GoldNames) else gold  # a Series: names the caller checked
    sources = part_sources(part_files(path))  # a URL's folder or glob expanded into its parts
    if not sources:
        raise InvalidInputError("at least one Parquet part", file=Path(str(path)), got="no *.parquet file")
    chosen = resolve_columns(
        part_columns(sources[0]),
        file=Path(sources[0]),
        explicit=columns or {},
        required=ROLES,
        roles=(*ROLES, *OPTIONAL),
    )
    workers = client.scheduler_info().get("workers", {})
    threads = sum(w.get("nthreads", 1) for w in workers.values())
    n = n_blocks or max(len(sources), 2 * len(workers) or 1)
    n_groups = max(2 * threads, -(-len(sources) // GROUP_PARTS), 1)
    groups = np.array_split(np.arange(len(sources)), min(len(sources), n_groups))
    graph, vocab, blocks, summaries = _read_graph(
        [[(sources[i], int(i)) for i in g] for g in groups if len(g)], chosen, classes, gold_names, n
    )
    futures = client.get(graph, [vocab, *blocks, *summaries], sync=False)
    if isinstance(client, WatchedClient):
        client.stream.watch(futures)
    found = _block_set(client, futures[0].result(), futures[1 : n + 1], futures[n + 1 :], progress)
    if isinstance(gold, GoldNames):  # as in-process: every gold task in the batch, every gold label a class
        check_gold(gold, found.gold_tasks, found.vocabulary.classes, classes_fixed=classes is not None)
    return found


GROUP_PARTS: Final = 16  # parts read by one task: few pieces to shuffle, a few parts' rows in memory at once


def _read_graph(
    groups: list[list[tuple[str, int]]],
    chosen: dict[str, str],
    classes: Sequence[str] | None,
    gold: pd.Series | None,
    n: int,
) -> tuple[dict[Any, Any], Any, list[Any], list[Any]]:
    """The graph (a plain dict, one layer: cheap to build and to schedule) that reads each group of parts,
    reduces their workers' first keys to the vocabulary, splits each group by task and builds each block;
    and the keys of the vocabulary, the blocks and their summaries."""
    name = f"labelpact-read-{uuid.uuid4().hex}"
    vocab, gold_key = f"{name}-vocabulary", f"{name}-gold"
    graph: dict[Any, Any] = {gold_key: gold}
    seen: list[Any] = []
    for g, group in enumerate(groups):
        listed = None if classes is None else (list, list(classes))
        graph[(f"{name}-part", g)] = (
            read_group,
            [s for s, _ in group],
            [i for _, i in group],
            chosen,
            listed,
        )
        graph[(f"{name}-seen", g)] = (parts_first_seen, (f"{name}-part", g))
        graph[(f"{name}-split", g)] = (split_parts, (f"{name}-part", g), n, vocab)
        seen.append((f"{name}-seen", g))
        for j in range(n):
            graph[(f"{name}-piece", g, j)] = (operator.getitem, (f"{name}-split", g), j)
    level = 0
    while len(seen) > 1:
        merged: list[Any] = []
        for i in range(0, len(seen) - 1, 2):
            graph[(f"{name}-merge", level, i)] = (merge_first_seen, seen[i], seen[i + 1])
            merged.append((f"{name}-merge", level, i))
        seen, level = merged + seen[len(merged) * 2 :], level + 1
    graph[vocab] = (vocabulary_of, seen[0], None if classes is None else (list, list(classes)))
    blocks, summaries = [(f"{name}-block", j) for j in range(n)], [(f"{name}-summary", j) for j in range(n)]
    for j in range(n):
        pieces = [(f"{name}-piece", g, j) for g in range(len(groups))]
        graph[blocks[j]] = (build_block, pieces, vocab, gold_key)
        graph[summaries[j]] = (summary_of, blocks[j], gold_key)
    return graph, vocab, blocks, summaries


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
        gold_tasks=frozenset(name for s in summaries_ for name in s.gold_tasks),
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
