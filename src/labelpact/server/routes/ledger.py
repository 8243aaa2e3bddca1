"""The client's own views: the events ledger (read and add) and the allocation of the next work."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from labelpact.server.deps import Caller, note
from labelpact.server.error_handlers import ERROR_RESPONSES
from labelpact.server.responses import LIST, OBJECT, Document, documented
from labelpact.services.scoped import add_event, allocation, list_event_dicts

__all__ = ["EventBody", "router"]

router = APIRouter(prefix="/api/v1", tags=["client"], responses=ERROR_RESPONSES)


class EventBody(BaseModel):
    """An event as ``labelpact event add``'s options: PARTNER, --kind, --date, --actor, --magnitude, ..."""

    model_config = ConfigDict(extra="forbid")

    partner: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=50)
    date: str = Field(min_length=1, max_length=40, description="YYYY-MM-DD")
    actor: str | None = Field(default=None, max_length=200)
    magnitude: float | str | None = None
    summary: str | None = Field(default=None, max_length=20_000)
    source: str | None = Field(default=None, max_length=2000)
    certainty: str | None = Field(default=None, max_length=30)


@router.get("/events", responses=documented(LIST))
def events(ctx: Caller, partner: str | None = None) -> Document:
    """``labelpact events list --json``'s events, in date order (client)."""
    return Document(list_event_dicts(ctx.store, ctx.principal, partner=partner))


@router.post(
    "/events",
    status_code=201,
    responses=documented(OBJECT, 201, "Recorded") | documented(OBJECT, 200, "Already recorded"),
)
def record(body: EventBody, request: Request, ctx: Caller) -> Document:
    """``labelpact event add --json`` (client); the same event twice is recorded once (200)."""
    note(request, "event.add", f"partner:{body.partner}")
    document: dict[str, Any] = add_event(ctx.store, ctx.principal, body.model_dump())
    note(request, "event.add", f"event:{document['id']}")
    return Document(document, status_code=201 if document["created"] else 200)


@router.get("/allocation", responses=documented(OBJECT))
def allocate(
    ctx: Caller,
    project: Annotated[str, Query(min_length=1)],
    labels: Annotated[int | None, Query(ge=1)] = None,
    budget: Annotated[float | None, Query(gt=0)] = None,
    horizon: int = 180,
) -> Document:
    """``labelpact allocate --json``: the split of the next work between partners (client)."""
    return Document(
        allocation(ctx.store, ctx.principal, project, labels=labels, budget=budget, horizon_days=horizon)
    )
