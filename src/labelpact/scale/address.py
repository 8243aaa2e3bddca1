"""The address of a Dask scheduler as a user types it, checked before Dask connects (whose own errors on a
missing port or an ``http://`` address were internal ones)."""

from __future__ import annotations

from typing import Final

from labelpact.errors import InvalidInputError

__all__ = ["CONNECT_TIMEOUT_S", "scheduler_address"]

CONNECT_TIMEOUT_S: Final = 30
_SCHEMES: Final = ("tcp", "tls", "ws", "wss", "ucx", "inproc")


def scheduler_address(text: str) -> str:
    """``text`` as a scheduler address Dask connects to (``tcp://host:port``; a bare ``host:port`` is TCP), or
    ``InvalidInputError`` naming the expected form (Dask's own errors were internal ones: no port, http://)."""
    scheme, sep, rest = text.strip().partition("://")
    if not sep:
        scheme, rest = "tcp", text.strip()
    host, _, port = rest.rpartition(":")
    if scheme not in _SCHEMES or (
        scheme != "inproc" and not (host and port.isdigit() and 0 < int(port) < 65536)
    ):
        raise InvalidInputError(
            f"a scheduler address such as tcp://10.0.0.5:8786 (schemes: {', '.join(_SCHEMES)})",
            column="scheduler",
            column_kind="field",
            got=repr(text),
        )
    return f"{scheme}://{rest}"
