"""Sessions of the dashboard: kept in the store by their token's hash (a restart or a second server keeps them),
CSRF tokens, expiry, sign-out, revocation, one-shot notices, and a read-only store's sessions in memory."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from labelpact.config import load_settings
from labelpact.services.users import UnauthenticatedError, add_user, authenticate_key_id, revoke_user
from labelpact.store import Store
from labelpact.web.session import Sessions


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(load_settings({}, workspace=tmp_path / "ws"), create=True) as opened:
        yield opened


def _key_id(store: Store, name: str = "analyst") -> str:
    return add_user(store, name, role="client").user.key_id


def test_a_session_outlives_its_server_and_the_store_keeps_no_token(store: Store, tmp_path: Path) -> None:
    key_id = _key_id(store)
    live, token = Sessions(b"k" * 32).start(store, key_id)
    restarted = Sessions(b"j" * 32)  # a new process: another HMAC key, no memory of the session
    found = restarted.get(store, token)
    assert found is not None and (found.id, found.key_id, found.csrf) == (live.id, key_id, live.csrf)
    assert live.id == hashlib.sha256(token.encode()).hexdigest()
    with Store.open(load_settings({}, workspace=tmp_path / "ws")) as other:  # a second server on the store
        assert Sessions().get(other, token) is not None
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'ws' / 'labelpact.db'}")
    with engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(sa.text("SELECT token_hash, csrf FROM web_sessions"))]
    engine.dispose()
    assert stored == [(live.id, live.csrf)] and token not in str(stored)
    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), "", None, "x" * 300, live.id):
        assert restarted.get(store, forged) is None  # the hash itself is not a token


def test_sign_out_and_expiry_end_a_session(store: Store) -> None:
    key_id = _key_id(store)
    short = Sessions(seconds=0.05)
    _, token = short.start(store, key_id)
    time.sleep(0.1)
    assert short.get(store, token) is None
    sessions = Sessions()
    other, other_token = sessions.start(store, key_id)
    sessions.end(store, other)
    assert Sessions().get(store, other_token) is None  # ended for every server
    _, fresh = sessions.start(store, key_id)  # starting one removes the expired rows
    assert store.find_web_session(hashlib.sha256(token.encode()).hexdigest()) is None
    assert sessions.get(store, fresh) is not None


def test_a_revoked_key_ends_its_sessions(store: Store) -> None:
    key_id = _key_id(store)
    session, _ = Sessions().start(store, key_id)
    assert authenticate_key_id(store, session.key_id).name == "analyst"
    revoke_user(store, "analyst")
    with pytest.raises(UnauthenticatedError, match="revoked"):
        authenticate_key_id(store, session.key_id)
    assert store.find_web_session(session.id) is None  # the revocation removed its sessions


def test_csrf_tokens(store: Store) -> None:
    sessions = Sessions()
    live, _ = sessions.start(store, _key_id(store))
    assert Sessions.csrf_valid(live, live.csrf)
    assert not Sessions.csrf_valid(live, None)
    assert not Sessions.csrf_valid(live, live.csrf[:-1])
    nonce = sessions.login_nonce()
    assert sessions.login_valid(nonce, sessions.login_token(nonce))
    assert not sessions.login_valid(sessions.login_nonce(), sessions.login_token(nonce))
    assert not sessions.login_valid(None, sessions.login_token(nonce))
    assert sessions.login_token(nonce) != live.csrf


def test_notices_are_shown_once_to_the_next_page(store: Store) -> None:
    sessions = Sessions()
    live, token = sessions.start(store, _key_id(store))
    live.set_notice("Dispute d1 opened.")
    next_page = sessions.get(store, token)  # the redirect's request loads the session again
    assert next_page is not None and next_page.take_notice() == "Dispute d1 opened."
    assert next_page.take_notice() is None


def test_a_read_only_store_keeps_sessions_in_memory(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_id = _key_id(store)
    monkeypatch.setattr("labelpact.store.base.writable", lambda database: False)  # as test_integrity does
    with Store.open(load_settings({}, workspace=tmp_path / "ws"), write=False) as read_only:
        assert read_only.read_only
        sessions = Sessions()
        live, token = sessions.start(read_only, key_id)
        assert sessions.get(read_only, token) is not None
        assert Sessions().get(read_only, token) is None  # in this process only
        sessions.end(read_only, live)
        assert sessions.get(read_only, token) is None
