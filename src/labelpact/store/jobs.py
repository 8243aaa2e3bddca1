"""Background work of the REST service (upload and ingest, audit): a job's row moves queued -> running ->
succeeded | failed and then never changes; a server that stops fails what it left unfinished.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from labelpact.errors import ConflictError, NotFoundError
from labelpact.store import queries as q
from labelpact.store.audit_records import parse_id, plain_json
from labelpact.store.base import StoreBase
from labelpact.store.schema import JobRow

__all__ = ["JOB_STATUSES", "JobMethods", "JobRecord"]

JOB_STATUSES = ("queued", "running", "succeeded", "failed")
_UNFINISHED = ("queued", "running")


@dataclass(frozen=True, slots=True)
class JobRecord:
    """Background work: ``result`` is the finished work's JSON document, ``error`` the error document."""

    id: str
    kind: str
    status: str
    created_by: str
    role: str
    request_id: str
    params: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    result: dict[str, Any] | None
    error: dict[str, Any] | None


def _job_record(row: JobRow) -> JobRecord:
    return JobRecord(
        id=f"j{row.id}",
        kind=row.kind,
        status=row.status,
        created_by=row.created_by,
        role=row.role,
        request_id=row.request_id,
        params=dict(row.params),
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        result=row.result,
        error=row.error,
    )


class JobMethods(StoreBase):
    """Queue, start, finish and abandon jobs."""

    def add_job(
        self,
        kind: str,
        *,
        created_by: str,
        role: str,
        request_id: str,
        params: dict[str, Any],
        owner: str | None = None,
    ) -> JobRecord:
        """Queue a job run by the server ``owner`` (its heartbeat starts now; see ``beat_jobs``)."""
        with self._write() as session:
            moment = q.now()
            row = JobRow(
                kind=kind,
                status="queued",
                created_by=created_by,
                role=role,
                request_id=request_id[:64],
                params=plain_json(params, "params"),
                created_at=moment,
                owner=owner,
                heartbeat_at=moment,
            )
            session.add(row)
            session.flush()
            return _job_record(row)

    def get_job(self, ref: str | int) -> JobRecord:
        number = parse_id("j", ref, "job")
        with self._read() as session:
            row = session.get(JobRow, number)
            if row is None:
                raise NotFoundError(f"unknown job 'j{number}'")
            return _job_record(row)

    def start_job(self, ref: str | int) -> JobRecord:
        """Mark a queued job running; ``ConflictError`` if it is not queued."""
        return self._move_job(ref, "running", None, None)

    def finish_job(
        self, ref: str | int, *, result: dict[str, Any] | None = None, error: dict[str, Any] | None = None
    ) -> JobRecord:
        """Record a job's result (succeeded) or its error document (failed); a finished job never changes."""
        return self._move_job(ref, "failed" if error is not None else "succeeded", result, error)

    def _move_job(
        self, ref: str | int, status: str, result: dict[str, Any] | None, error: dict[str, Any] | None
    ) -> JobRecord:
        number = parse_id("j", ref, "job")
        with self._write() as session:
            row = session.get(JobRow, number)
            if row is None:
                raise NotFoundError(f"unknown job 'j{number}'")
            allowed = ("queued",) if status == "running" else ("queued", "running")
            if row.status not in allowed:
                raise ConflictError(f"job j{number} is {row.status}; it cannot become {status}")
            moment = q.now()
            row.status = status
            if status == "running":
                row.started_at = moment
            else:
                row.finished_at = moment
                row.result = None if result is None else plain_json(result, "result", non_finite="null")
                row.error = None if error is None else plain_json(error, "error")
            session.flush()
            return _job_record(row)

    def beat_jobs(self, owner: str) -> int:
        """``owner`` is alive: refresh the heartbeat of its unfinished jobs; returns how many it has."""
        with self._write() as session:
            result = session.execute(
                sa.update(JobRow)
                .where(JobRow.owner == owner, JobRow.status.in_(_UNFINISHED))
                .values(heartbeat_at=q.now())
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def abandon_jobs(
        self, message: str, *, quiet_since: datetime | None = None, keep: str | None = None
    ) -> list[str]:
        """Fail the queued or running jobs whose server is gone; returns their ids.

        A server is gone when its heartbeat is older than ``quiet_since`` (None: every unfinished job's is),
        or when the job names none (queued before 0009). The jobs of ``keep`` (the caller's own) never are.
        One ``UPDATE`` that checks status and heartbeat again, so a job its live server finishes or beats
        meanwhile is left alone.
        """
        gone = JobRow.owner.is_(None) | JobRow.heartbeat_at.is_(None)
        if quiet_since is not None:
            gone = gone | (JobRow.heartbeat_at < quiet_since)
        condition = JobRow.status.in_(_UNFINISHED) & (gone if quiet_since is not None else sa.true())
        if keep is not None:
            condition = condition & ((JobRow.owner != keep) | JobRow.owner.is_(None))
        with self._read() as session:
            if session.scalar(sa.select(sa.func.count()).select_from(JobRow).where(condition)) == 0:
                return []  # nothing to fail: no write transaction (servers call this every few seconds)
        with self._write() as session:
            ids = session.scalars(
                sa.update(JobRow)
                .where(condition)
                .values(
                    status="failed",
                    finished_at=q.now(),
                    error={"type": "store", "message": message, "field": None, "status": 503},
                )
                .returning(JobRow.id)
            ).all()
            return [f"j{number}" for number in sorted(ids)]
