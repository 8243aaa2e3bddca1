"""Each Dask worker's compiled EM passes use at most the worker's own task threads (``nthreads``).

``core.fused`` cuts a Dawid-Skene or MACE pass into parts run on a pool of this process's CPUs (at most 8).
On a cluster that would be one pool per worker process: N single-threaded workers on a machine would run
N x CPUs threads. The plugin sets each worker's pool to its ``nthreads`` when it starts (a worker the nanny
restarts gets it too); the worker's concurrent tasks share that one pool, so the passes never run on more
threads than Dask gives the worker. Needs the ``dask`` extra.
"""

from __future__ import annotations

from typing import Any, Final

from distributed.diagnostics.plugin import WorkerPlugin

__all__ = ["PLUGIN_NAME", "EmThreads", "limit_threads"]

PLUGIN_NAME: Final = "labelpact-em-threads"


class EmThreads(WorkerPlugin):
    """Sets ``core.fused``'s thread count to the worker's ``nthreads`` as the worker starts."""

    name = PLUGIN_NAME

    def setup(self, worker: Any) -> None:
        from labelpact.core.fused import set_threads

        set_threads(max(1, int(worker.state.nthreads)))


def limit_threads(client: Any) -> None:
    """Register ``EmThreads`` on ``client``'s cluster: every worker now and every worker that joins later."""
    client.register_plugin(EmThreads(), name=PLUGIN_NAME)
