"""Sessions of the dashboard: signed cookies, CSRF tokens, expiry and the bound on live sessions."""

from __future__ import annotations

import time

import pytest

from labelpact.web import session as session_module
from labelpact.web.session import Sessions


def test_a_signed_cookie_names_its_session_and_a_tampered_one_nothing() -> None:
    sessions = Sessions(b"k" * 32)
    live = sessions.start("lp_0123456789abcdef_secret")
    cookie = sessions.sign(live.id)
    assert sessions.get(cookie) is live
    assert "secret" not in cookie
    value, mac = cookie.rsplit(".", 1)
    assert sessions.get(f"{value}x.{mac}") is None
    assert sessions.get(f"{value}.{mac[:-1]}A" if not mac.endswith("A") else f"{value}.{mac[:-1]}B") is None
    assert sessions.get(value) is None
    assert sessions.get(None) is None
    assert Sessions(b"j" * 32).unsign(cookie) is None  # another server's secret


def test_sign_out_and_expiry_end_a_session() -> None:
    sessions = Sessions(seconds=0.05)
    live = sessions.start("key")
    cookie = sessions.sign(live.id)
    time.sleep(0.1)
    assert sessions.get(cookie) is None
    other = sessions.start("key")
    sessions.end(other)
    assert sessions.get(sessions.sign(other.id)) is None


def test_csrf_tokens() -> None:
    sessions = Sessions()
    live = sessions.start("key")
    assert Sessions.csrf_valid(live, live.csrf)
    assert not Sessions.csrf_valid(live, None)
    assert not Sessions.csrf_valid(live, live.csrf[:-1])
    nonce = sessions.login_nonce()
    assert sessions.login_valid(nonce, sessions.login_token(nonce))
    assert not sessions.login_valid(sessions.login_nonce(), sessions.login_token(nonce))
    assert not sessions.login_valid(None, sessions.login_token(nonce))
    assert sessions.login_token(nonce) != live.csrf


def test_notices_are_shown_once() -> None:
    live = Sessions().start("key")
    live.notice = "Dispute d1 opened."
    assert live.take_notice() == "Dispute d1 opened."
    assert live.take_notice() is None


def test_live_sessions_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_module, "MAX_SESSIONS", 3)
    sessions = Sessions()
    first = sessions.start("a")
    started = [sessions.start(k) for k in "bcd"]
    assert sessions.get(sessions.sign(first.id)) is None  # the oldest made room
    assert all(sessions.get(sessions.sign(s.id)) is s for s in started)
