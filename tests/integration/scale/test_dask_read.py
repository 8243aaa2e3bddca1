"""Reading parts into blocks: the grouped read (Arrow dictionary pages, global codes in the pieces, groups of
parts x blocks pieces) builds the same blocks as reading each part on its own from pandas and splitting it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labelpact.scale import distribute, fit_distributed
from labelpact.scale.blocks import (
    Block,
    build_block,
    first_seen,
    merge_first_seen,
    split_by_task,
    vocabulary_of,
)
from labelpact.scale.parts import read_part

from .parts import check_same, reference

COLUMNS = {"task": "task", "worker": "worker", "label": "label"}


def _messy(seed: int, n: int, int_tasks: bool) -> pa.Table:
    """Rows with blank and missing workers and labels, tasks spread over the parts, names repeated."""
    rng = np.random.default_rng(seed)
    task = rng.integers(0, n // 4, n)
    worker = np.array([f"w{i}" for i in rng.integers(0, 40, n)], dtype=object)
    label = np.array([str(i) for i in rng.integers(0, 4, n)], dtype=object)
    blank = rng.random(n) < 0.05
    label[blank] = None
    label[rng.random(n) < 0.03] = ""
    worker[blank & (rng.random(n) < 0.5)] = None  # no worker and no label: the task is only named
    return pa.table(
        {
            "task": pa.array(task) if int_tasks else pa.array([f"t{i}" for i in task]),
            "worker": pa.array(worker.tolist(), type=pa.string()),
            "label": pa.array(label.tolist(), type=pa.string()),
        }
    )


def _write(table: pa.Table, folder: Path, n_parts: int) -> Path:
    """Parts of several row groups; every other part written without dictionary pages (plain strings)."""
    folder.mkdir(parents=True, exist_ok=True)
    size = -(-table.num_rows // n_parts)
    for i in range(n_parts):
        pq.write_table(
            table.slice(i * size, size),
            folder / f"part-{i:05d}.parquet",
            row_group_size=size // 3 + 1,
            use_dictionary=i % 2 == 0,
        )
    return folder


def _part_by_part(folder: Path, n: int) -> tuple[Any, list[Block]]:
    """The blocks as the reader built them before: each part read from pandas, split, blocks assembled."""
    files = sorted(folder.glob("*.parquet"))
    frames = [read_part(pq.read_table(f).to_pandas(), i, COLUMNS) for i, f in enumerate(files)]
    seen = [first_seen(f) for f in frames]
    total = seen[0]
    for s in seen[1:]:
        total = merge_first_seen(total, s)
    vocabulary = vocabulary_of(total, None)
    pieces = [split_by_task(f, n) for f in frames]
    return vocabulary, [build_block([p[j] for p in pieces], vocabulary, None) for j in range(n)]


@pytest.mark.parametrize("int_tasks", [False, True])
def test_grouped_read_builds_the_part_by_part_blocks(client: Any, tmp_path: Path, int_tasks: bool) -> None:
    table = _messy(3, 6000, int_tasks)
    folder = _write(table, tmp_path / "p", 7)
    blocks = distribute(client, folder, n_blocks=5)
    vocabulary, expected = _part_by_part(folder, 5)
    assert blocks.vocabulary == vocabulary
    got: list[Block] = client.gather(blocks.blocks)
    for b, e in zip(got, expected, strict=True):
        assert b.annotations.tasks == e.annotations.tasks and b.annotations.workers == e.annotations.workers
        for name in ("task", "worker", "label"):
            assert np.array_equal(getattr(b.annotations, name), getattr(e.annotations, name))
        assert np.array_equal(b.first_key, e.first_key) and np.array_equal(b.worker_index, e.worker_index)
        assert np.array_equal(b.counts.given, e.counts.given)
    assert blocks.unlabelled == {t for e in expected for t in e.annotations.tasks} - {
        e.annotations.tasks[i] for e in expected for i in np.unique(e.annotations.task)
    }


def test_many_parts_and_blocks_move_groups_x_blocks_pieces(client: Any, tmp_path: Path) -> None:
    from distributed import get_task_stream

    from labelpact.core.aggregators import create

    table = _messy(5, 8000, False).filter(pa.compute.is_valid(pa.compute.field("label")))
    table = table.filter(pa.compute.not_equal(table["label"], ""))
    folder = _write(table, tmp_path / "p", 40)
    threads = sum(w["nthreads"] for w in client.scheduler_info()["workers"].values())
    with get_task_stream(client) as stream:
        blocks = distribute(client, folder)
    pieces = [t for t in stream.data if "-piece" in str(t["key"])]
    assert len(blocks.blocks) == 40
    assert len(pieces) <= 2 * threads * 40  # groups x blocks, not parts x blocks (1,600)
    a, _ = reference(table, None)
    fit = fit_distributed(blocks, "ds")
    check_same(fit.tasks, fit.probas, a, create("ds").fit(a).probas_)


def test_a_url_reads_the_same_blocks_as_its_local_path(client: Any, tmp_path: Path) -> None:
    folder = _write(_messy(7, 3000, False), tmp_path / "p", 4)
    local = distribute(client, folder, n_blocks=3)
    for url in (folder.as_uri(), folder.as_uri() + "/part-0000[0-3].parquet"):  # fsspec: a folder, a glob
        remote = distribute(client, url, n_blocks=3)
        assert remote.vocabulary == local.vocabulary and remote.n_annotations == local.n_annotations
        for b, e in zip(client.gather(remote.blocks), client.gather(local.blocks), strict=True):
            assert b.annotations.tasks == e.annotations.tasks
            assert np.array_equal(b.annotations.worker, e.annotations.worker)
            assert np.array_equal(b.first_key, e.first_key)
