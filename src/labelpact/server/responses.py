"""JSON responses of the service: the documents as the CLI prints them (dates as ISO text), and their schemas."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi.responses import JSONResponse

__all__ = ["JOB", "LIST", "OBJECT", "Document", "documented"]


def _default(value: object) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class Document(JSONResponse):
    """A JSON document rendered by the C encoder (no indentation); NaN and infinity become null."""

    def render(self, content: Any) -> bytes:
        try:
            return json.dumps(content, default=_default, separators=(",", ":"), allow_nan=False).encode()
        except ValueError:  # NaN or infinity somewhere: JSON has no such numbers, they are unknown values
            return json.dumps(_finite(content), default=_default, separators=(",", ":")).encode()


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


OBJECT: dict[str, Any] = {"type": "object"}
LIST: dict[str, Any] = {
    "type": "array",
    "items": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
}
JOB: dict[str, Any] = {
    "type": "object",
    "required": ["id", "kind", "status"],
    "properties": {
        "id": {"type": "string"},
        "kind": {"type": "string"},
        "status": {"type": "string", "enum": ["queued", "running", "succeeded", "failed"]},
    },
}


def documented(
    schema: dict[str, Any], status: int = 200, description: str = "OK"
) -> dict[int | str, dict[str, Any]]:
    """An OpenAPI ``responses`` entry: ``status`` answers a JSON document of ``schema``."""
    return {status: {"description": description, "content": {"application/json": {"schema": schema}}}}
