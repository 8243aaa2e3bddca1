"""Partners: the list (a partner sees itself), one partner, its health (a partner: its scorecard), its risk."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from labelpact.server.deps import Caller
from labelpact.server.error_handlers import ERROR_RESPONSES
from labelpact.server.responses import LIST, OBJECT, Document, documented
from labelpact.services.scoped import get_partner, health, list_partner_dicts, risk

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/partners", tags=["partners"], responses=ERROR_RESPONSES)
Horizon = Annotated[int, Query(description="Forecast horizon in days: 90, 180 or 365.")]


@router.get("", responses=documented(LIST))
def partners(ctx: Caller) -> Document:
    """``labelpact partner list --json``'s partners (a partner sees only itself)."""
    return Document(list_partner_dicts(ctx.store, ctx.principal))


@router.get("/{name}", responses=documented(OBJECT))
def partner(name: str, ctx: Caller) -> Document:
    """``labelpact partner show NAME --json``."""
    return Document(get_partner(ctx.store, ctx.principal, name))


@router.get("/{name}/health", responses=documented(OBJECT))
def partner_health(name: str, ctx: Caller, as_of: dt.date | None = None, horizon: Horizon = 180) -> Document:
    """``labelpact health NAME --json``; a partner gets only its own scorecard."""
    return Document(health(ctx.store, ctx.principal, name, as_of=as_of, horizon_days=horizon))


@router.get("/{name}/risk", responses=documented(OBJECT))
def partner_risk(name: str, ctx: Caller, as_of: dt.date | None = None, horizon: Horizon = 180) -> Document:
    """The forecast that the partnership breaks down within the horizon, every contribution explained (client)."""
    return Document(risk(ctx.store, ctx.principal, name, as_of=as_of, horizon_days=horizon))
