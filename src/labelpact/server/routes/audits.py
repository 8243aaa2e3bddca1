"""Audits: list (filter ``batch``), show, their findings; re-audit a stored batch as a job (client)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from labelpact.server.deps import Caller, note
from labelpact.server.error_handlers import ERROR_RESPONSES
from labelpact.server.responses import JOB, LIST, OBJECT, Document, documented
from labelpact.services.jobs import job_dict
from labelpact.services.scoped import audit_job, get_audit, list_audit_rows, list_findings

__all__ = ["AuditRequest", "router"]

router = APIRouter(prefix="/api/v1/audits", tags=["audits"], responses=ERROR_RESPONSES)


class AuditRequest(BaseModel):
    """Audit stored batch ``batch`` against ``contract`` (TOML text), else the partner's contract on file."""

    model_config = ConfigDict(extra="forbid")

    batch: str = Field(min_length=1, max_length=64)
    contract: str | None = Field(default=None, max_length=1_000_000)


@router.get("", responses=documented(LIST))
def audits(ctx: Caller, batch: str | None = None) -> Document:
    """``labelpact audits list --json``'s audits, newest first (a partner: of its own batches)."""
    return Document(list_audit_rows(ctx.store, ctx.principal, batch=batch))


@router.get("/{audit_id}", responses=documented(OBJECT))
def audit(audit_id: str, ctx: Caller) -> Document:
    """``labelpact audits show ID --json``: verdict, clauses, metrics, findings with evidence, sampling plan."""
    return Document(get_audit(ctx.store, ctx.principal, audit_id))


@router.get("/{audit_id}/findings", responses=documented(LIST))
def findings(audit_id: str, ctx: Caller) -> Document:
    """The audit's findings with their evidence (each ``id`` is what a dispute names)."""
    return Document(list_findings(ctx.store, ctx.principal, audit_id))


@router.post("", status_code=202, responses=documented(JOB, 202, "Accepted as a job"))
def start_audit(body: AuditRequest, request: Request, ctx: Caller) -> Document:
    """Re-audit a stored batch in a background job; its result is the ``labelpact audit --json`` document."""
    note(request, "audit.start", f"batch:{body.batch}")
    batch_id, work = audit_job(ctx.store, ctx.principal, body.batch, contract=body.contract)
    params: dict[str, Any] = {"batch": batch_id, "contract": body.contract is not None}
    job = ctx.jobs.submit(ctx.principal, "audit", params, work, request_id=ctx.request_id)
    note(request, "audit.start", f"job:{job.id}")
    return Document(job_dict(job), status_code=202, headers={"Location": f"/api/v1/jobs/{job.id}"})
