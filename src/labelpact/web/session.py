"""Sign-in sessions of the dashboard: the browser holds a random token in an HttpOnly, SameSite=Strict cookie,
the store keeps only the token's SHA-256 with the user's key id and the session's CSRF token
(``store.web_sessions``), so a restart or a second server on the same store keeps everyone signed in.

A page checks the session's user on every request (``services.users.authenticate_key_id``), so a revoked key
ends its sessions at once. The sign-in form, which has no session yet, is protected by a token bound to a
short-lived cookie by this process's HMAC key (double submit). A read-only store keeps sessions in this
process instead. A form's one-shot notice is kept in this process (a restart drops an unread one).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from labelpact.services.scoped import Store

__all__ = ["LOGIN_COOKIE", "SESSION_COOKIE", "Session", "Sessions"]

SESSION_COOKIE = "labelpact_session"
LOGIN_COOKIE = "labelpact_login"
SESSION_SECONDS = 12 * 3600
MAX_SESSIONS = 10_000  # sessions a read-only store's server keeps in memory; the oldest make room
MAX_NOTICES = 10_000


@dataclass(slots=True)
class Session:
    """One signed-in browser: ``id`` is its token's SHA-256; the key id it signed in with; its CSRF token."""

    id: str
    key_id: str
    csrf: str
    expires: datetime
    _notices: dict[str, str] = field(repr=False)

    def set_notice(self, text: str | None) -> None:
        """The message of a form, shown once by the next page of this session."""
        if text is None:
            self._notices.pop(self.id, None)
            return
        if len(self._notices) >= MAX_NOTICES:
            self._notices.pop(next(iter(self._notices)))
        self._notices[self.id] = text

    def take_notice(self) -> str | None:
        """The message of the last form (shown once), then forgotten."""
        return self._notices.pop(self.id, None)


class _SessionRow(Protocol):
    @property
    def key_id(self) -> str: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def csrf(self) -> str: ...


class _SessionStore(Protocol):
    """Where sessions live: the store's ``web_sessions`` (``store.web_sessions``), or ``_InMemory``."""

    def start_web_session(self, token_hash: str, *, key_id: str, csrf: str, expires_at: datetime) -> None: ...
    def find_web_session(self, token_hash: str) -> _SessionRow | None: ...
    def end_web_session(self, token_hash: str) -> None: ...


@dataclass(frozen=True, slots=True)
class _Remembered:
    key_id: str
    expires_at: datetime
    csrf: str = field(repr=False)


class _InMemory:
    """The store's session methods for a read-only store's server: this process only, bounded, oldest out."""

    def __init__(self) -> None:
        self._rows: dict[str, _Remembered] = {}
        self._lock = threading.Lock()

    def start_web_session(self, token_hash: str, *, key_id: str, csrf: str, expires_at: datetime) -> None:
        with self._lock:
            now = datetime.now(UTC)
            self._rows = {k: r for k, r in self._rows.items() if r.expires_at > now}
            while len(self._rows) >= MAX_SESSIONS:
                self._rows.pop(next(iter(self._rows)))
            self._rows[token_hash] = _Remembered(key_id, expires_at, csrf)

    def find_web_session(self, token_hash: str) -> _Remembered | None:
        with self._lock:
            found = self._rows.get(token_hash)
        return found if found is not None and found.expires_at > datetime.now(UTC) else None

    def end_web_session(self, token_hash: str) -> None:
        with self._lock:
            self._rows.pop(token_hash, None)


class Sessions:
    """The dashboard's sessions (in ``store``, or in memory for a read-only one) and the sign-in form's tokens."""

    def __init__(self, secret: bytes | None = None, *, seconds: float = SESSION_SECONDS) -> None:
        self._secret = secret or secrets.token_bytes(32)
        self._seconds = seconds
        self._memory = _InMemory()
        self._notices: dict[str, str] = {}

    @staticmethod
    def _hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def _where(self, store: Store) -> _SessionStore:
        return self._memory if store.read_only else store

    def start(self, store: Store, key_id: str) -> tuple[Session, str]:
        """A new session for the user of ``key_id`` (authenticated just now) and the token for its cookie."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = datetime.now(UTC) + timedelta(seconds=self._seconds)
        digest = self._hash(token)
        self._where(store).start_web_session(digest, key_id=key_id, csrf=csrf, expires_at=expires)
        return Session(digest, key_id, csrf, expires, self._notices), token

    def get(self, store: Store, cookie: str | None) -> Session | None:
        """The live session a cookie's token names; None when it names none or it has expired."""
        if not cookie or len(cookie) > 256:
            return None
        digest = self._hash(cookie)
        found = self._where(store).find_web_session(digest)
        if found is None:
            return None
        return Session(digest, found.key_id, found.csrf, found.expires_at, self._notices)

    def end(self, store: Store, session: Session) -> None:
        """Sign out: the session's token no longer names anything, here or on another server."""
        self._notices.pop(session.id, None)
        self._where(store).end_web_session(session.id)

    def _mac(self, purpose: str, value: str) -> str:
        digest = hmac.new(self._secret, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def login_nonce(self) -> str:
        return secrets.token_urlsafe(24)

    def login_token(self, nonce: str) -> str:
        """The sign-in form's CSRF token, bound to the nonce in its cookie."""
        return self._mac("login", nonce)

    def login_valid(self, nonce: str | None, token: str | None) -> bool:
        return bool(nonce and token) and hmac.compare_digest(str(token), self.login_token(str(nonce)))

    @staticmethod
    def csrf_valid(session: Session, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token.encode(), session.csrf.encode())
