"""Use cases: each function takes a store and plain values, does one thing a user asked, and returns records.

The CLI and the REST API call these and nothing below them. Names here load on first use, so importing
one service module (``labelpact.services.workspace``) does not import every other.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["IngestResult", "add_partner", "add_project", "file_sha256", "ingest_batch", "set_client"]

_EXPORTS: dict[str, str] = {
    "IngestResult": "labelpact.services.ingest",
    "add_partner": "labelpact.services.workspace",
    "add_project": "labelpact.services.workspace",
    "file_sha256": "labelpact.services.ingest",
    "ingest_batch": "labelpact.services.ingest",
    "set_client": "labelpact.services.workspace",
}

if TYPE_CHECKING:
    from labelpact.services.ingest import IngestResult, file_sha256, ingest_batch
    from labelpact.services.workspace import add_partner, add_project, set_client


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
