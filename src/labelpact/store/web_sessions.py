"""The dashboard's sign-in sessions in the store (``web_sessions``): a restart or a second server keeps them.

Only the SHA-256 of a session's token is stored; the token lives in the browser's cookie. Expired rows are
removed whenever a session starts. Sessions are not part of the audit log: signing in is in the request log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from labelpact.errors import NotFoundError
from labelpact.store import queries as q
from labelpact.store.base import StoreBase
from labelpact.store.schema import UserRow, WebSessionRow

__all__ = ["WebSessionMethods", "WebSessionRecord"]


@dataclass(frozen=True, slots=True)
class WebSessionRecord:
    """A live sign-in: whose key it was started with, its CSRF token and when it ends."""

    key_id: str
    expires_at: datetime
    csrf: str = field(repr=False)


class WebSessionMethods(StoreBase):
    """Start, find and end dashboard sessions by the SHA-256 of their token."""

    def start_web_session(self, token_hash: str, *, key_id: str, csrf: str, expires_at: datetime) -> None:
        """Store a session for the user holding ``key_id`` (just authenticated); expired sessions go."""
        with self._write() as session:
            now = q.now()
            session.execute(sa.delete(WebSessionRow).where(WebSessionRow.expires_at <= now))
            user_id = session.scalar(sa.select(UserRow.id).where(UserRow.key_id == key_id))
            if user_id is None:  # the caller authenticated the key a moment ago: only a race gets here
                raise NotFoundError(f"no user holds the key {key_id!r}")
            session.add(
                WebSessionRow(
                    token_hash=token_hash, user_id=user_id, csrf=csrf, created_at=now, expires_at=expires_at
                )
            )

    def find_web_session(self, token_hash: str) -> WebSessionRecord | None:
        """The live session with this token hash; None when there is none or it has expired."""
        with self._read() as session:
            row = session.scalars(
                sa.select(WebSessionRow).where(WebSessionRow.token_hash == token_hash)
            ).one_or_none()
            if row is None or row.expires_at <= q.now():
                return None
            return WebSessionRecord(key_id=row.user.key_id, expires_at=row.expires_at, csrf=row.csrf)

    def end_web_session(self, token_hash: str) -> None:
        """Forget the session with this token hash (sign-out, or a key that no longer works)."""
        with self._write() as session:
            session.execute(sa.delete(WebSessionRow).where(WebSessionRow.token_hash == token_hash))
