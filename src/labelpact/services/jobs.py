"""Background jobs of the service: long work (upload+ingest, audit) runs on a thread pool in the server process.

A job is a row in the store (``jobs``) from the moment it is accepted, so its status survives the request
that asked for it and is the same for every server worker: queued -> running -> succeeded (``result`` is
the JSON document the CLI's ``--json`` prints) or failed (``error``: type, message, field and the HTTP status
the same work would have answered in a request).

Each server process is a job's *owner* (a random id) and refreshes its unfinished jobs' heartbeat every
``heartbeat_s``; a job whose owner has been quiet for ``quiet_after_s`` (its process died) is failed by the
next server that starts or by any running one (``abandon_stale``), never a job a live server is running.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from labelpact.errors import LabelpactError
from labelpact.services.access import Principal, error_document
from labelpact.services.requests_log import log_request
from labelpact.store import JobRecord, Store

__all__ = ["HEARTBEAT_S", "QUIET_AFTER_S", "JobRunner", "job_dict"]

log = logging.getLogger(__name__)
Work = Callable[[Store], dict[str, Any]]
HEARTBEAT_S = 10.0  # how often a server says its jobs are alive
QUIET_AFTER_S = 60.0  # a server quiet this long is gone: its unfinished jobs are failed


def job_dict(record: JobRecord) -> dict[str, Any]:
    """A job as JSON-ready data; ``result`` and ``error`` are set once it has finished."""
    return {
        "id": record.id,
        "kind": record.kind,
        "status": record.status,
        "created_by": record.created_by,
        "created_at": record.created_at.isoformat(),
        "started_at": None if record.started_at is None else record.started_at.isoformat(),
        "finished_at": None if record.finished_at is None else record.finished_at.isoformat(),
        "params": record.params,
        "result": record.result,
        "error": record.error,  # {"type", "message", "field", "status"}: the response the work would have had
    }


class JobRunner:
    """A bounded thread pool that runs jobs and records their outcome in the store."""

    def __init__(
        self,
        store: Store,
        *,
        workers: int = 2,
        heartbeat_s: float = HEARTBEAT_S,
        quiet_after_s: float = QUIET_AFTER_S,
    ) -> None:
        self._store = store
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="labelpact-job")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()
        self.owner = uuid.uuid4().hex  # this process, as the owner its jobs name
        self._heartbeat_s, self._quiet_after = heartbeat_s, timedelta(seconds=quiet_after_s)
        self._stop = threading.Event()
        self._beating: threading.Thread | None = None

    def abandon_stale(self) -> list[str]:
        """Fail the queued or running jobs whose server has been quiet for ``quiet_after_s`` (it died);
        returns their ids. The jobs of a server still running on the same store are left alone."""
        return self._store.abandon_jobs(
            "the server stopped before this job finished; submit it again",
            quiet_since=datetime.now(UTC) - self._quiet_after,
            keep=self.owner,
        )

    def start_heartbeat(self) -> None:
        """Refresh this server's jobs' heartbeat, and fail dead servers' jobs, every ``heartbeat_s``."""
        if self._beating is None:
            self._beating = threading.Thread(target=self._beat, name="labelpact-job-heartbeat", daemon=True)
            self._beating.start()

    def _beat(self) -> None:
        while not self._stop.wait(self._heartbeat_s):
            try:
                with self._lock:
                    mine = bool(self._pending)
                if mine:
                    self._store.beat_jobs(self.owner)
                self.abandon_stale()
            except Exception:  # a store hiccup must not end the heartbeat; the next beat tries again
                log.exception("could not refresh the heartbeat of this server's jobs")

    def submit(
        self, principal: Principal, kind: str, params: dict[str, Any], work: Work, *, request_id: str
    ) -> JobRecord:
        """Record a queued job and run ``work(store)`` in the background; ``work`` returns the result document."""
        job = self._store.add_job(
            kind,
            created_by=principal.user,
            role=principal.role,
            request_id=request_id,
            params=params,
            owner=self.owner,
        )
        future = self._pool.submit(self._run, job.id, principal, kind, work, request_id)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return job

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _run(self, job: str, principal: Principal, kind: str, work: Work, request_id: str) -> None:
        store = self._store.acting_as(principal.actor)
        try:
            self._store.start_job(job)
            result = work(store)
        except Exception as error:  # every failure is the job's outcome, never a lost thread
            if not isinstance(error, LabelpactError):
                log.exception("job %s (%s) failed", job, kind)
            status, document = error_document(error)
            self._finish(job, error=document["error"] | {"status": status})
            outcome = "invalid" if 400 <= status < 500 else "error"
            self._log(principal, request_id, f"job.{kind}", job, outcome, status)
            return
        self._finish(job, result=result)
        self._log(principal, request_id, f"job.{kind}", job, "ok", 200)

    def _finish(
        self, job: str, *, result: dict[str, Any] | None = None, error: dict[str, Any] | None = None
    ) -> None:
        try:
            self._store.finish_job(job, result=result, error=error)
        except LabelpactError:
            log.exception("could not record the end of job %s", job)

    def _log(
        self, principal: Principal, request_id: str, action: str, job: str, outcome: str, status: int
    ) -> None:
        try:
            log_request(self._store, principal, request_id, action, f"job:{job}", outcome, status)
        except LabelpactError:
            log.exception("could not log the end of job %s", job)

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the jobs in flight (tests, shutdown)."""
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            future.result(timeout=timeout)

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop taking jobs; with ``wait`` finish the ones in flight (graceful shutdown), then stop the heartbeat."""
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
        self._stop.set()
        if self._beating is not None:
            self._beating.join()
