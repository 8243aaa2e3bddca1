"""Disputes: a partner disputes its own finding, both sides comment, the client resolves."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from labelpact.server.deps import Caller, note
from labelpact.server.error_handlers import ERROR_RESPONSES
from labelpact.server.responses import LIST, OBJECT, Document, documented
from labelpact.services.scoped import comment, get_dispute, list_dispute_dicts, open_finding_dispute, resolve

__all__ = ["Resolution", "Text", "router"]

router = APIRouter(prefix="/api/v1", tags=["disputes"], responses=ERROR_RESPONSES)


class Text(BaseModel):
    """A dispute's reason or a comment."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=20_000)


class Resolution(BaseModel):
    """How the client closes a dispute: ``accepted`` (= upheld: the finding does not stand) or ``rejected``;
    ``upheld`` and ``withdrawn`` as the CLI spells them."""

    model_config = ConfigDict(extra="forbid")

    status: str = Field(pattern="^(accepted|upheld|rejected|withdrawn)$")
    note: str | None = Field(default=None, max_length=20_000)


@router.post("/findings/{finding_id}/disputes", status_code=201, responses=documented(OBJECT, 201, "Opened"))
def open_(finding_id: str, body: Text, request: Request, ctx: Caller) -> Document:
    """``labelpact dispute open FINDING --json``: one open dispute per finding at a time."""
    note(request, "dispute.open", f"finding:{finding_id}")
    document = open_finding_dispute(ctx.store, ctx.principal, finding_id, text=body.text)
    note(request, "dispute.open", f"dispute:{document['id']}")
    return Document(document, status_code=201)


@router.get("/disputes", responses=documented(LIST))
def disputes(ctx: Caller, status: str | None = None) -> Document:
    """``labelpact disputes --json``'s disputes, newest first (a partner: on its own findings)."""
    return Document(list_dispute_dicts(ctx.store, ctx.principal, status=status))


@router.get("/disputes/{dispute_id}", responses=documented(OBJECT))
def dispute(dispute_id: str, ctx: Caller) -> Document:
    """A dispute with its state and its comments."""
    return Document(get_dispute(ctx.store, ctx.principal, dispute_id))


@router.post(
    "/disputes/{dispute_id}/comments", status_code=201, responses=documented(OBJECT, 201, "Commented")
)
def add_comment(dispute_id: str, body: Text, request: Request, ctx: Caller) -> Document:
    """Add a comment to an open dispute; the dispute with every comment."""
    note(request, "dispute.comment", f"dispute:{dispute_id}")
    return Document(comment(ctx.store, ctx.principal, dispute_id, text=body.text), status_code=201)


@router.post("/disputes/{dispute_id}/resolve", responses=documented(OBJECT))
def resolve_(dispute_id: str, body: Resolution, request: Request, ctx: Caller) -> Document:
    """``labelpact dispute resolve --json`` (client): a resolved dispute cannot be resolved again (409)."""
    note(request, "dispute.resolve", f"dispute:{dispute_id}")
    return Document(resolve(ctx.store, ctx.principal, dispute_id, status=body.status, note=body.note))
