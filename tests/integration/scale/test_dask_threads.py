"""A Dask worker's compiled EM passes use no more threads than the worker's ``nthreads``: N worker processes
on one machine do not each start a pool of the machine's CPUs (``scale.threads``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from tests.integration.scale.parts import write_parts

from labelpact.core.fused import thread_count
from labelpact.scale.threads import PLUGIN_NAME

distributed = pytest.importorskip("distributed")

from labelpact.scale import distribute, fit_distributed  # noqa: E402


def test_the_engines_cluster_runs_one_em_thread_per_task_thread(client: Any) -> None:
    assert set(client.run(thread_count).values()) == {1}  # two workers of one thread each (conftest)


def test_a_callers_own_cluster_is_limited_when_blocks_are_sent(tmp_path: Path) -> None:
    table = pa.table({"task": list("aabbcc"), "worker": list("xyxyxy"), "label": list("101101")})
    folder = write_parts(table, tmp_path / "parts", 2)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as own,
    ):
        here = thread_count()  # this process's default: its CPUs, capped
        if here > 1:  # before: each worker would cut a pass into a part per CPU of the machine
            assert set(own.run(thread_count).values()) == {here}
        fit = fit_distributed(distribute(own, folder), "ds")
        assert fit.tasks == ("a", "b", "c")
        assert set(own.run(thread_count).values()) == {1}
        plugins = own.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.worker_plugins))
        assert PLUGIN_NAME in plugins  # a worker that joins later gets it as it starts
