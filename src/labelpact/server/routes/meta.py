"""``/health`` (no key), ``/me``, ``/jobs/{id}`` and the request log (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from labelpact.errors import NotFoundError
from labelpact.server.deps import Caller
from labelpact.server.error_handlers import ERROR_RESPONSES
from labelpact.server.responses import JOB, LIST, OBJECT, Document, documented
from labelpact.services.jobs import job_dict
from labelpact.services.scoped import log_entries, me

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES, default_response_class=Document)
HEALTH = {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}}


@router.get("/health", tags=["service"], responses=documented(HEALTH))
def service_health() -> Document:
    """Whether the service is up (no key needed)."""
    return Document({"status": "ok"})


@router.get("/me", tags=["service"], responses=documented(OBJECT))
def whoami(ctx: Caller) -> Document:
    """The caller: user, role and (for a partner) its name."""
    return Document(me(ctx.principal))


@router.get("/jobs/{job_id}", tags=["service"], responses=documented(JOB))
def get_job(job_id: str, ctx: Caller) -> Document:
    """A background job: its status and, once finished, its result document or error."""
    record = ctx.store.get_job(job_id)
    if ctx.principal.is_partner and record.created_by != ctx.principal.user:
        raise NotFoundError(f"unknown job {job_id!r}")
    return Document(job_dict(record))


@router.get("/log", tags=["service"], responses=documented(LIST))
def request_log(ctx: Caller, limit: Annotated[int, Query(ge=1, le=100_000)] = 1000) -> Document:
    """The request log, oldest first: every state change and every denied request (admin only)."""
    return Document(
        [entry | {"id": str(entry["id"])} for entry in log_entries(ctx.store, ctx.principal, limit=limit)]
    )
