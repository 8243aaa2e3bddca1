"""ASGI middleware of the service: a request id on every response, a cap on request bodies, and the request log.

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
from typing import Any

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from labelpact.errors import LabelpactError
from labelpact.services.access import ANONYMOUS, Principal
from labelpact.services.requests_log import log_request

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


def _error_body(status: int, kind: str, message: str) -> bytes:
    return json.dumps({"error": {"type": kind, "message": message, "field": None}}).encode()


class ServiceMiddleware:
    """Request id, body limit and request log around the FastAPI app (``app.state.store`` is the store)."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

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

        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._refuse(send_with_id, BodyTooLargeError(self.max_body_bytes))
        else:
            received = 0

            async def counted() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_body_bytes:
                        raise BodyTooLargeError(self.max_body_bytes)
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

    async def _refuse(self, send: Send, error: BodyTooLargeError) -> None:
        body = _error_body(413, "too_large", str(error))
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
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
