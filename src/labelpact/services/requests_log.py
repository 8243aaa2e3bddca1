"""The service's request log: every state-changing request and every denied one, append-only in the store.

Each line names the actor (``user:ada`` or ``anonymous``), the role, the action (``batch.upload``,
``dispute.open``, ``denied`` requests as ``METHOD /path``), the object, the outcome (ok, accepted,
denied, invalid, error), the HTTP status and the request id the response carried (``X-Request-ID``).
"""

from __future__ import annotations

from typing import Any

from labelpact.services.access import Principal
from labelpact.store import RequestEntry, Store

__all__ = ["entry_dict", "log_request", "read_log"]


def log_request(
    store: Store,
    principal: Principal,
    request_id: str,
    action: str,
    object: str,
    outcome: str,
    status: int,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one line; ``object`` is what it acted on (``batch:3f2a9c1b7d04``, ``dispute:d4``, a path).
    A NUL in a requested path is written as ``\\x00``: the store refuses NUL, and a probe must still be logged."""
    store.log_request(
        request_id=request_id,
        actor=principal.actor if principal.role != "none" else "anonymous",
        role=principal.role,
        action=action.replace("\x00", "\\x00"),
        object=object.replace("\x00", "\\x00"),
        outcome=outcome,
        status=status,
        detail=detail,
    )


def read_log(store: Store, *, actor: str | None = None, limit: int | None = None) -> list[RequestEntry]:
    """The request log, oldest first (the last ``limit`` lines when given)."""
    return store.request_log(actor=actor, limit=limit)


def entry_dict(entry: RequestEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "request_id": entry.request_id,
        "actor": entry.actor,
        "role": entry.role,
        "action": entry.action,
        "object": entry.object,
        "outcome": entry.outcome,
        "status": entry.status,
        "detail": entry.detail,
    }
