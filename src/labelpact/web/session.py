"""Sign-in sessions of the dashboard: the API key stays in the server's memory, the browser holds only a
signed, HttpOnly, SameSite=Strict cookie naming the session, and every form carries the session's CSRF token.

A page re-authenticates the session's key on every request (``services.users.authenticate``), so a revoked
key ends its sessions at once. The sign-in form, which has no session yet, is protected by a token bound to
a short-lived signed cookie (double submit). Sessions live in this process: a restart signs everyone out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

__all__ = ["LOGIN_COOKIE", "SESSION_COOKIE", "Session", "Sessions"]

SESSION_COOKIE = "labelpact_session"
LOGIN_COOKIE = "labelpact_login"
SESSION_SECONDS = 12 * 3600
MAX_SESSIONS = 10_000


@dataclass(slots=True)
class Session:
    """One signed-in browser: the key it signed in with, its CSRF token, when it expires, a one-shot notice."""

    id: str
    key: str
    csrf: str
    expires: float
    notice: str | None = field(default=None)

    def take_notice(self) -> str | None:
        """The message of the last form (shown once), then forgotten."""
        notice, self.notice = self.notice, None
        return notice


class Sessions:
    """The live sessions of one server, and the HMAC-SHA256 signature of the cookies that name them."""

    def __init__(self, secret: bytes | None = None, *, seconds: float = SESSION_SECONDS) -> None:
        self._secret = secret or secrets.token_bytes(32)
        self._seconds = seconds
        self._live: dict[str, Session] = {}
        self._lock = threading.Lock()

    def _mac(self, purpose: str, value: str) -> str:
        digest = hmac.new(self._secret, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def sign(self, value: str) -> str:
        """``value.signature``: what the session cookie holds."""
        return f"{value}.{self._mac('session', value)}"

    def unsign(self, signed: str | None) -> str | None:
        """The value of a cookie this server signed; None for anything else."""
        if not signed or "." not in signed:
            return None
        value, _, mac = signed.rpartition(".")
        return value if hmac.compare_digest(mac, self._mac("session", value)) else None

    def start(self, key: str) -> Session:
        """A new session for a key that has just been authenticated."""
        now = time.monotonic()
        session = Session(
            id=secrets.token_urlsafe(32), key=key, csrf=secrets.token_urlsafe(32), expires=now + self._seconds
        )
        with self._lock:
            if len(self._live) >= MAX_SESSIONS:
                self._live = {k: s for k, s in self._live.items() if s.expires > now}
                while len(self._live) >= MAX_SESSIONS:
                    self._live.pop(next(iter(self._live)))
            self._live[session.id] = session
        return session

    def get(self, cookie: str | None) -> Session | None:
        """The live session a signed cookie names; None when unsigned, unknown or expired."""
        sid = self.unsign(cookie)
        if sid is None:
            return None
        with self._lock:
            session = self._live.get(sid)
            if session is not None and session.expires <= time.monotonic():
                del self._live[sid]
                session = None
        return session

    def end(self, session: Session) -> None:
        with self._lock:
            self._live.pop(session.id, None)

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
