"""Progress from the scheduler's task stream: every task the engine submits is counted, and each one the
scheduler reports finished (a future's done callback) is reported with the stage it belongs to.

``watch(client, progress)`` gives the client the engine uses: the same client, with ``submit`` and
``compute`` counted. Reports are ``progress(stage + TASKS, finished, submitted)``; the engine's own
stage reports (``BlockSet.report``) pass through the same lock, so a listener is called by one thread at
a time, whichever thread the scheduler's callback arrives on.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Final

from labelpact.scale.blocks import Progress

__all__ = ["TASKS", "TaskStream", "WatchedClient", "watch"]

TASKS: Final = ": dask tasks"  # the suffix of a task-stream report's stage


class TaskStream:
    """Tasks submitted and finished since the engine started, reported to ``progress`` as they finish."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._lock = threading.Lock()
        self.stage = "reading parts"
        self.submitted = 0
        self.finished = 0

    def report(self, stage: str, done: int, total: int | None) -> None:
        """An engine stage (an EM iteration, parts read): passed on, and the label of the next task reports."""
        with self._lock:
            self.stage = f"{stage} ({done})" if total is None else f"{stage} ({done}/{total})"
            self._progress(stage, done, total)

    def watch(self, futures: Sequence[Any]) -> None:
        """Count ``futures`` as submitted; each reports when the scheduler has finished it."""
        with self._lock:
            self.submitted += len(futures)
        for future in futures:
            future.add_done_callback(self._finished)

    def _finished(self, _future: Any) -> None:
        with self._lock:
            self.finished += 1
            self._progress(self.stage + TASKS, self.finished, self.submitted)


class WatchedClient:
    """A ``distributed.Client`` whose ``submit`` and ``compute`` futures a ``TaskStream`` counts; anything else
    is the client's own."""

    def __init__(self, client: Any, stream: TaskStream) -> None:
        self.client = client
        self.stream = stream

    def submit(self, *args: Any, **kwargs: Any) -> Any:
        future = self.client.submit(*args, **kwargs)
        self.stream.watch([future])
        return future

    def compute(self, collections: Any, **kwargs: Any) -> Any:
        futures = self.client.compute(collections, **kwargs)
        self.stream.watch(futures if isinstance(futures, list | tuple) else [futures])
        return futures

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def watch(client: Any, progress: Progress | None) -> tuple[Any, Progress | None]:
    """The client to use and the stage reporter: counted by a ``TaskStream`` when anyone listens."""
    if progress is None or isinstance(client, WatchedClient):
        return client, progress
    stream = TaskStream(progress)
    return WatchedClient(client, stream), stream.report
