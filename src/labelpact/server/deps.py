"""What a route depends on: the store, the caller (from ``Authorization: Bearer KEY``), the job runner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from labelpact.services.access import Principal, UnauthenticatedError, principal_of
from labelpact.services.jobs import JobRunner
from labelpact.services.scoped import Store
from labelpact.services.users import KeyVerifier, authenticate

__all__ = ["Caller", "Context", "context", "note"]

_bearer = HTTPBearer(auto_error=False, description="An API key from `labelpact user add`.")


@dataclass(frozen=True, slots=True)
class Context:
    """One request's view of the service: the store acting as the caller, the caller, the request id."""

    store: Store
    principal: Principal
    request_id: str
    jobs: JobRunner


def context(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Context:
    """Authenticate the caller (HTTP 401 otherwise) and give the route a store that names them in the audit log.

    A request with a body had its key checked by ``ServiceMiddleware`` before the body was read: the user
    it found (``request.state.api_user``) is the caller then."""
    state = request.app.state
    store: Store = state.store
    verifier: KeyVerifier = state.verifier
    key = None if credentials is None else credentials.credentials
    try:
        user = getattr(request.state, "api_user", None) or authenticate(store, key, verifier)
    except UnauthenticatedError as error:
        if error.who is not None:  # a revoked key: the log names who tried
            request.state.principal = error.who
        raise
    principal = principal_of(user)
    request.state.principal = principal
    return Context(
        store=store.acting_as(principal.actor),
        principal=principal,
        request_id=request.state.request_id,
        jobs=state.jobs,
    )


Caller = Annotated[Context, Depends(context)]


def note(request: Request, action: str, target: str) -> None:
    """Name what this request does for the request log (``batch.upload``, ``batch:3f2a9c1b7d04``)."""
    request.state.action = action
    request.state.object = target
