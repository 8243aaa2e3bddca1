"""Who may see and do what through the service: a ``Principal`` and the visibility rules of DESIGN.md.

Roles: ``admin`` (everything, users and the log), ``client`` (the lab: everything about every partner),
``partner:<name>`` (one vendor: its own batches, their audits, findings and disputes). Another partner's
object is reported exactly as a missing one (``NotFoundError``, HTTP 404) so existence does not leak; what
only the client may see or do (events, health internals, risk, allocation, resolving) is ``ForbiddenError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from labelpact.errors import ForbiddenError, InvalidInputError, LabelpactError, NotFoundError, http_status
from labelpact.store import UserRecord

__all__ = [
    "Principal",
    "UnauthenticatedError",
    "error_document",
    "error_type",
    "hidden_from",
    "principal_of",
    "require_admin",
    "require_client",
    "require_owner",
]

_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


class UnauthenticatedError(ForbiddenError):
    """No key, a malformed or unknown key, or a revoked one: HTTP 401 (not 403: the caller is nobody yet).

    ``who`` is the key's holder when it is known (a revoked key), for the request log.
    """

    def __init__(self, message: str, *, who: Principal | None = None) -> None:
        super().__init__(message)
        self.who = who


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of a request: user name, role (admin | client | partner:NAME) and, for a partner, its name."""

    user: str
    role: str
    partner: str | None = None

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        return f"user:{self.user}"

    @property
    def is_partner(self) -> bool:
        return self.partner is not None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_see(self, partner: str) -> bool:
        """Whether an object of ``partner`` is visible: always for the client and admin, own ones for a partner."""
        return self.partner is None or self.partner == partner


ANONYMOUS = Principal(user="anonymous", role="none")


def principal_of(user: UserRecord) -> Principal:
    return Principal(user=user.name, role=user.role, partner=user.partner)


def require_client(principal: Principal, what: str) -> None:
    """Only the client's users (client, admin) may see or do ``what``."""
    if principal.is_partner:
        raise ForbiddenError(f"{what} is for the client's users; role {principal.role} may not")


def require_admin(principal: Principal, what: str) -> None:
    if not principal.is_admin:
        raise ForbiddenError(f"{what} is for admins; role {principal.role} may not")


def require_owner(principal: Principal, partner: str, kind: str, ref: str) -> None:
    """A partner reaching another partner's ``kind`` ``ref`` gets the answer a missing one gets."""
    if not principal.may_see(partner):
        raise NotFoundError(f"unknown {kind} {ref!r}")


@contextmanager
def hidden_from(principal: Principal, kind: str, ref: str) -> Iterator[None]:
    """For a partner, a not-found message names only ``ref`` (the store's lists other partners' ids)."""
    try:
        yield
    except NotFoundError:
        if principal.is_partner:
            raise NotFoundError(f"unknown {kind} {ref!r}") from None
        raise


def error_type(error: BaseException) -> str:
    """``InvalidInputError`` -> ``invalid_input``; anything not labelpact's own -> ``internal``."""
    if not isinstance(error, LabelpactError):
        return "internal"
    return _SNAKE.sub("_", type(error).__name__.removesuffix("Error")).lower()


def error_document(error: BaseException) -> tuple[int, dict[str, Any]]:
    """The HTTP status and ``{"error": {"type", "message", "field"}}`` of ``error`` (500 hides internals)."""
    status = 401 if isinstance(error, UnauthenticatedError) else http_status(error)
    if not isinstance(error, LabelpactError):
        return 500, {
            "error": {"type": "internal", "message": "internal error; see the server log", "field": None}
        }
    field = error.column if isinstance(error, InvalidInputError) else None
    return status, {"error": {"type": error_type(error), "message": str(error), "field": field}}
