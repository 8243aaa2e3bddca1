"""ASGI middleware of the service: a request id on every response, a cap on request bodies, the API key checked
before a body is read, and the request log.

A body is capped at ``max_body_bytes`` on a route that takes files (an upload), else at
``max_small_body_bytes`` (JSON and web forms). A request that carries a body to a route answered only for a
key (it depends on ``deps.context``) has its key checked on the headers alone first: no key, or a bad one,
is a 401 before one byte of the body is read, so an anonymous client cannot make the server spool hundreds
of MiB to disk or parse them in memory. The route's own check then finds the caller already known.

Every state-changing request (any method but GET, HEAD, OPTIONS) and every refused one (status >= 400) is
appended to the request log once its response is decided and before its last body part is sent (so a
client that has its answer finds the line): actor and role (set by the auth dependency), the action and
object the route named (else ``METHOD /path``), the outcome and the status.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

import anyio.to_thread
from fastapi import params
from fastapi.routing import APIRoute
from fastapi.security.utils import get_authorization_scheme_param
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from labelpact.errors import LabelpactError
from labelpact.server.deps import context
from labelpact.services.access import ANONYMOUS, Principal, UnauthenticatedError, error_document
from labelpact.services.requests_log import log_request
from labelpact.services.users import authenticate

__all__ = ["BodyTooLargeError", "ServiceMiddleware", "outcome_of"]

log = logging.getLogger(__name__)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyTooLargeError(Exception):
    """The request body passed the server's limit (HTTP 413)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the request body is larger than the server's limit of {limit:,} bytes")


def outcome_of(status: int, method: str) -> str:
    if status in (401, 403, 404):
        return "denied"
    if status >= 500:
        return "error"
    if status >= 400:
        return "invalid"
    return "accepted" if status == 202 else "ok"


class _Route(NamedTuple):
    """An API route and what the middleware needs of it, worked out once when the app is built."""

    route: APIRoute
    needs_key: bool
    takes_files: bool


def _route(routes: Sequence[_Route], scope: Scope) -> _Route | None:
    """The API route of ``routes`` that will answer this request (None: a page, a 404 or a 405)."""
    for known in routes:
        match, _ = known.route.matches(scope)
        if match is Match.FULL:
            return known
    return None


def _needs_key(route: APIRoute) -> bool:
    """Whether ``route`` answers only for an API key: it depends, at any depth, on ``deps.context``."""
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        if dependant.call is context:
            return True
        pending.extend(dependant.dependencies)
    return False


def _takes_files(route: APIRoute) -> bool:
    return any(isinstance(f.field_info, params.File) for f in route.dependant.body_params)


def _bearer_key(scope: Scope) -> str | None:
    """The key of ``Authorization: Bearer KEY`` as FastAPI's ``HTTPBearer`` reads it (None: none given)."""
    header = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
    scheme, key = get_authorization_scheme_param(header)
    return key if header and key and scheme.lower() == "bearer" else None


class ServiceMiddleware:
    """Request id, body limit and request log around the FastAPI app (``app.state.store`` is the store)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: Sequence[APIRoute],
        max_body_bytes: int,
        max_small_body_bytes: int,
    ) -> None:
        """``routes`` are the API's routes (the routers' own, as included: FastAPI may wrap them in the app)."""
        self.app = app
        self.routes = tuple(_Route(r, _needs_key(r), _takes_files(r)) for r in routes)
        self.max_body_bytes = max_body_bytes
        self.max_small_body_bytes = min(max_small_body_bytes, max_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        status_seen: list[int] = []
        logged: list[bool] = []

        async def log_once(status: int, *, failed: bool = False) -> None:
            """Append the request's line the first time it is asked for (reads only when refused or failed)."""
            if not logged:
                logged.append(True)
                if failed or scope["method"] not in READ_ONLY_METHODS or status >= 400:
                    await self._log(scope, state, request_id, status)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_seen.append(int(message["status"]))
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                await log_once(status_seen[0] if status_seen else 500)  # before the client has its answer
            await send(message)

        known = _route(self.routes, scope) if scope["method"] not in READ_ONLY_METHODS else None
        limit = self.max_body_bytes if known and known.takes_files else self.max_small_body_bytes
        declared = headers.get(b"content-length")
        refused = await self._unauthenticated(scope, state) if known and known.needs_key else None
        if refused is not None:
            scope["route"] = (
                known and known.route
            )  # the log names the route, as when the route refused the key
            await self._respond(send_with_id, *error_document(refused), {b"www-authenticate": b"Bearer"})
        elif declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send_with_id, BodyTooLargeError(limit))
        else:
            received = 0

            async def counted() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        raise BodyTooLargeError(limit)
                return message

            try:
                await self.app(scope, counted, send_with_id)
            except BodyTooLargeError as error:
                if status_seen:
                    raise
                await self._refuse(send_with_id, error)
            except Exception:
                await log_once(status_seen[0] if status_seen else 500, failed=True)
                raise
        await log_once(status_seen[0] if status_seen else 500)  # a response that never sent its last part

    async def _unauthenticated(self, scope: Scope, state: dict[str, Any]) -> UnauthenticatedError | None:
        """Check the request's key on its headers alone (``users.authenticate``, as ``deps.context`` does):
        the error when it is missing or bad (the key's holder noted for the log when known), else None with
        the user kept in ``state`` for the route. A store that fails here fails the route the same way."""
        app_state = getattr(scope.get("app"), "state", None)
        store, verifier = getattr(app_state, "store", None), getattr(app_state, "verifier", None)
        if store is None or verifier is None:  # not started: the route answers as it would
            return None
        try:
            state["api_user"] = await anyio.to_thread.run_sync(
                authenticate, store, _bearer_key(scope), verifier
            )
        except UnauthenticatedError as error:
            if error.who is not None:  # a revoked key: the log names who tried
                state["principal"] = error.who
            state["error"] = error
            return error
        except LabelpactError:  # the store failed: the route's own check fails with the error it documents
            return None
        return None

    async def _refuse(self, send: Send, error: BodyTooLargeError) -> None:
        await self._respond(send, 413, {"error": {"type": "too_large", "message": str(error), "field": None}})

    async def _respond(
        self, send: Send, status: int, document: dict[str, Any], headers: dict[bytes, bytes] | None = None
    ) -> None:
        """Answer with the error ``document`` without calling the app (the body is never read)."""
        body = json.dumps(document).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    *(headers or {}).items(),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _log(self, scope: Scope, state: dict[str, Any], request_id: str, status: int) -> None:
        app = scope.get("app")
        store = getattr(getattr(app, "state", None), "store", None)
        if store is None:
            return
        principal: Principal = state.get("principal", ANONYMOUS)
        route = getattr(scope.get("route"), "path", None)
        action = state.get("action") or f"{scope['method']} {route or scope['path']}"
        target = state.get("object") or scope["path"]
        detail = {"method": scope["method"], "path": scope["path"]}
        if "error" in state:
            detail["error"] = str(state["error"])[:500]
        outcome = outcome_of(status, scope["method"])

        def write() -> None:
            log_request(store, principal, request_id, action, target, outcome, status, detail)

        try:
            await anyio.to_thread.run_sync(write)
        except LabelpactError:
            log.exception("could not append request %s to the request log", request_id)
