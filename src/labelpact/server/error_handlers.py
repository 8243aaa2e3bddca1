"""Every error leaves the service as ``{"error": {"type", "message", "field"}}`` with the status from ``errors.py``."""

from __future__ import annotations

import logging
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from labelpact.errors import LabelpactError
from labelpact.server.middleware import BodyTooLargeError
from labelpact.services.access import error_document

__all__ = ["ERROR_RESPONSES", "ERROR_SCHEMA", "install_error_handlers"]

log = logging.getLogger(__name__)

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["type", "message", "field"],
            "properties": {
                "type": {"type": "string"},
                "message": {"type": "string"},
                "field": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            },
        }
    },
}
_ERROR_CONTENT = {"application/json": {"schema": ERROR_SCHEMA}}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "content": _ERROR_CONTENT}
    for status, text in (
        (400, "Malformed request body"),
        (401, "No valid API key"),
        (403, "The role may not do this"),
        (404, "Not found (or another partner's)"),
        (409, "Conflict"),
        (413, "Request body too large"),
        (422, "Invalid input"),
        (503, "Store unavailable"),
    )
}
_HTTP_TYPES = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 400: "bad_request"}


def _respond(
    request: Request, status: int, document: dict[str, Any], cause: BaseException | None = None
) -> JSONResponse:
    if cause is not None:
        request.state.error = cause
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(document, status_code=status, headers=headers)


def _labelpact(request: Request, error: Exception) -> JSONResponse:
    status, document = error_document(error)
    return _respond(request, status, document, error)


def _validation(request: Request, error: Exception) -> JSONResponse:
    problems = cast(RequestValidationError, error).errors()
    first = problems[0] if problems else {}
    where = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "header")]
    field = ".".join(where) or None
    message = f"{field}: {first.get('msg', 'invalid')}" if field else str(first.get("msg", "invalid request"))
    document = {"error": {"type": "invalid_input", "message": message, "field": field}}
    return _respond(request, 422, document, error)


def _http(request: Request, error: Exception) -> JSONResponse:
    error = cast(HTTPException, error)
    if isinstance(error.__cause__, BodyTooLargeError):
        return _respond(
            request, 413, {"error": {"type": "too_large", "message": str(error.__cause__), "field": None}}
        )
    kind = _HTTP_TYPES.get(error.status_code, "http_error")
    document = {"error": {"type": kind, "message": str(error.detail), "field": None}}
    return _respond(request, error.status_code, document, error)


def _too_large(request: Request, error: Exception) -> JSONResponse:
    return _respond(
        request, 413, {"error": {"type": "too_large", "message": str(error), "field": None}}, error
    )


def _internal(request: Request, error: Exception) -> JSONResponse:
    log.exception("internal error in %s %s", request.method, request.url.path, exc_info=error)
    status, document = error_document(error)
    return _respond(request, status, document, error)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(LabelpactError, _labelpact)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(BodyTooLargeError, _too_large)
    app.add_exception_handler(Exception, _internal)
