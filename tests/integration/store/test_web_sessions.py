"""The dashboard's sessions in the store, on SQLite and PostgreSQL: found by token hash until they expire or
end, expired rows removed when a session starts, and never in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from labelpact.errors import NotFoundError
from labelpact.store import Store


def test_start_find_expire_and_end(store: Store) -> None:
    store.add_user("analyst", role="client", partner=None, key_id="0123456789abcdef", salt="00", digest="11")
    soon = datetime.now(UTC) + timedelta(hours=1)
    store.start_web_session("a" * 64, key_id="0123456789abcdef", csrf="c" * 43, expires_at=soon)
    found = store.find_web_session("a" * 64)
    assert found is not None and found.key_id == "0123456789abcdef" and found.csrf == "c" * 43
    assert abs((found.expires_at - soon).total_seconds()) < 1e-3
    assert store.find_web_session("b" * 64) is None
    past = datetime.now(UTC) - timedelta(seconds=1)
    store.start_web_session("d" * 64, key_id="0123456789abcdef", csrf="e" * 43, expires_at=past)
    assert store.find_web_session("d" * 64) is None  # expired: not found, and removed by the next start
    store.start_web_session("f" * 64, key_id="0123456789abcdef", csrf="g" * 43, expires_at=soon)
    store.end_web_session("a" * 64)
    assert store.find_web_session("a" * 64) is None and store.find_web_session("f" * 64) is not None
    assert not [e for e in store.audit_log() if "session" in e.action]
    with pytest.raises(NotFoundError, match="no user holds the key"):
        store.start_web_session("h" * 64, key_id="ffffffffffffffff", csrf="i" * 43, expires_at=soon)
