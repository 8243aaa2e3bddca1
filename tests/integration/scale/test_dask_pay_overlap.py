"""Pay on the Dask engine with overlapping time records: a worker's tasks land in several blocks, and the
union of their started_at/submitted_at intervals is merged across blocks, equal to the local document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.integration.scale.parts import assert_close, write_parts

from labelpact.services.ethics import ethics_file

distributed = pytest.importorskip("distributed")

from labelpact.services.engine import ethics_parts_file  # noqa: E402


def test_overlapping_intervals_merge_across_blocks_as_in_process(client: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    n_tasks, n_workers, per_task = 240, 6, 3
    task = np.repeat(np.arange(n_tasks), per_task)
    worker = np.concatenate([rng.choice(n_workers, per_task, replace=False) for _ in range(n_tasks)])
    t0 = np.datetime64("2026-01-05T09:00:00", "ms")
    # each worker accepts tasks in bursts: starts on a coarse grid, so many intervals overlap
    start = t0 + (rng.integers(0, 40, task.size) * 30_000).astype("timedelta64[ms]")
    end = start + (rng.integers(5_000, 120_000, task.size)).astype("timedelta64[ms]")
    labels = pa.table(
        {
            "task": [f"t{t}" for t in task],
            "worker": [f"w{w}" for w in worker],
            "label": rng.choice(["a", "b"], task.size),
            "started_at": pa.array(start.astype("datetime64[ms]"), pa.timestamp("ms", tz="UTC")),
            "submitted_at": pa.array(end.astype("datetime64[ms]"), pa.timestamp("ms", tz="UTC")),
        }
    )
    tasks = pa.table({"task": [f"t{t}" for t in range(n_tasks)], "text": ["a short text"] * n_tasks})
    pq.write_table(labels, tmp_path / "labels.parquet")
    pq.write_table(tasks, tmp_path / "tasks.parquet")
    (tmp_path / "c.toml").write_text("[pay]\nprice_per_label = 0.05\npay_floor_per_hour = 15.0\n")
    local = ethics_file(
        tmp_path / "labels.parquet", tasks=tmp_path / "tasks.parquet", contract=tmp_path / "c.toml"
    )
    dask = ethics_parts_file(
        write_parts(labels, tmp_path / "label_parts", 4),
        tasks=write_parts(tasks, tmp_path / "task_parts", 2),
        contract=tmp_path / "c.toml",
        client=client,
    )
    dask.pop("engine")
    assert local["pay"]["hours_overlapping"] > 0.5 * sum(w["hours"] for w in local["pay"]["workers"])
    assert_close(local["pay"], dask["pay"])
    assert [r for r in local["reasons"] if r["clause"].startswith("pay")] == [
        r for r in dask["reasons"] if r["clause"].startswith("pay")
    ]
