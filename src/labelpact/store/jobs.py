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
        self, kind: str, *, created_by: str, role: str, request_id: str, params: dict[str, Any]
    ) -> JobRecord:
        with self._write() as session:
            row = JobRow(
                kind=kind,
                status="queued",
                created_by=created_by,
                role=role,
                request_id=request_id[:64],
                params=plain_json(params, "params"),
                created_at=q.now(),
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

    def abandon_jobs(self, message: str) -> list[str]:
        """Fail every queued or running job (the process that ran them is gone); returns their ids."""
        with self._write() as session:
            rows = list(session.scalars(sa.select(JobRow).where(JobRow.status.in_(("queued", "running")))))
            for row in rows:
                row.status = "failed"
                row.finished_at = q.now()
                row.error = {"type": "store", "message": message, "field": None, "status": 503}
            return [f"j{row.id}" for row in rows]
