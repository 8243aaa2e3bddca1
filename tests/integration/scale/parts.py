"""What the Dask tests share: rows written as Parquet parts, the in-process coding of the same rows, and
the equality every distributed fit must meet (labels identical, posteriors within ``TOL``)."""

from __future__ import annotations

import math
import os
import signal
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from labelpact.core.annotations import Annotations, Gold

DATASETS = Path(__file__).resolve().parents[3] / ".." / "shared" / "datasets"
TOL = 1e-9


def write_parts(table: pa.Table, folder: Path, n_parts: int) -> Path:
    """``table`` cut into ``n_parts`` Parquet files, rows in order."""
    folder.mkdir(parents=True, exist_ok=True)
    size = -(-table.num_rows // n_parts)
    for i in range(n_parts):
        pq.write_table(table.slice(i * size, size), folder / f"part-{i:05d}.parquet")
    return folder


def reference(table: pa.Table, gold: dict[str, str] | None) -> tuple[Annotations, Gold | None]:
    """The in-process coding of the same rows: tasks and workers by first appearance, classes natural; gold in
    task order, as ``read_delivery`` codes it (``auto``'s gold folds follow that order); the rows' durations
    and times where the table has them."""
    times = {
        name: table[name].to_numpy()
        for name in ("duration_s", "started_at", "submitted_at")
        if name in table.column_names
    }
    a = Annotations.from_columns(
        task=table["task"].to_pylist(),
        worker=table["worker"].to_pylist(),
        label=table["label"].to_pylist(),
        **times,
    )
    if gold is None:
        return a, None
    known = set(a.tasks)
    items = [(t, y) for t, y in gold.items() if t in known]
    g = Gold.from_names(a, task=[t for t, _ in items], label=[y for _, y in items])
    order = np.argsort(g.task)
    return a, Gold(task=g.task[order], label=g.label[order])


def check_same(tasks: tuple[str, ...], probas: np.ndarray, a: Annotations, expected: np.ndarray) -> None:
    """The distributed fit's task order, shape, labels and posteriors (within ``TOL``) equal in-process."""
    assert tasks == a.tasks  # the global task order is the in-process one
    assert probas.shape == expected.shape
    assert np.array_equal(probas.argmax(axis=1), expected.argmax(axis=1))
    assert float(np.abs(probas - expected).max()) < TOL


def assert_close(x: Any, y: Any, skip: frozenset[str] = frozenset(), path: str = "") -> None:
    """Two JSON-like documents equal, floats to ``TOL`` (NaN alike), dict keys in ``skip`` not compared."""
    if isinstance(x, dict):
        assert x.keys() == y.keys(), path
        for key in x.keys() - skip:
            assert_close(x[key], y[key], skip, f"{path}/{key}")
    elif isinstance(x, list | tuple):
        assert len(x) == len(y), path
        for i, (u, v) in enumerate(zip(x, y, strict=True)):
            assert_close(u, v, skip, f"{path}[{i}]")
    elif isinstance(x, float) and isinstance(y, float):
        assert (math.isnan(x) and math.isnan(y)) or abs(x - y) < TOL, (path, x, y)
    else:
        assert x == y, (path, x, y)


def worker_killer(client: Any, stages: Collection[str], killed: list[str]) -> Callable[[str, float], None]:
    """A progress callback that SIGKILLs one worker process holding data at the start of each of ``stages``
    (appending the stage to ``killed``), each nanny's process once: a nanny may not restart a process it has
    just restarted, and a restarted process keeps its nanny's name."""
    victims: set[str] = set()

    def kill(what: str, fraction: float) -> None:
        if what in stages and what not in killed:  # engine stages come from the thread that runs the fit
            pids = client.run(os.getpid)
            names = {a: str(w["name"]) for a, w in client.scheduler_info()["workers"].items()}
            holders = {w for ws in client.who_has().values() for w in ws}
            fresh = sorted(a for a in holders if names.get(a) not in victims) or sorted(holders)
            os.kill(pids[fresh[0]], signal.SIGKILL)  # its nanny starts a new process
            victims.add(names.get(fresh[0], fresh[0]))
            killed.append(what)

    return kill
