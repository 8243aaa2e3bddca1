"""Checks made before an insert hold on PostgreSQL as on SQLite when two writers race: two look-alike
partners added at once, and two first ``client set`` at once. SQLite serialises writers at BEGIN; on
PostgreSQL both had passed the check (two look-alike partners; an IntegrityError for the client)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from labelpact.config import Settings
from labelpact.errors import ConflictError
from labelpact.store import Store, queries
from labelpact.store import store as store_module

WAIT_S = 2.0  # how long the first writer waits for the second to reach the same point


def _race(settings: Settings, calls: list[Callable[[Store], Any]]) -> list[Any]:
    """Run each call on its own store in its own thread at once; each one's result or exception."""
    stores = [Store.open(settings) for _ in calls]
    results: list[Any] = [None] * len(calls)

    def run(k: int) -> None:
        try:
            results[k] = calls[k](stores[k])
        except Exception as error:  # the outcome under test
            results[k] = error

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(calls))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        for opened in stores:
            opened.close()
    return results


def _meet(barrier: threading.Barrier) -> None:
    """Wait for the other writer here; when it cannot come (it waits for a lock), go on alone."""
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait()


def test_two_look_alike_partners_added_at_once_give_one_partner(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.open(settings).close()
    barrier = threading.Barrier(2, timeout=WAIT_S)
    refuse = store_module._refuse_lookalike

    def scan_then_meet(name: str, names: Iterable[str]) -> None:
        seen = list(names)  # the scan, before the other writer inserts
        _meet(barrier)
        refuse(name, seen)

    monkeypatch.setattr(store_module, "_refuse_lookalike", scan_then_meet)
    results = _race(settings, [lambda s: s.add_partner("Scale"), lambda s: s.add_partner("scale")])
    assert sorted(type(r).__name__ for r in results) == ["ConflictError", "PartnerRecord"], results
    assert "looks like" in str(next(r for r in results if isinstance(r, ConflictError)))
    with Store.open(settings) as store:
        assert len(store.list_partners()) == 1


def test_two_first_client_sets_at_once_both_succeed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.open(settings).close()
    barrier = threading.Barrier(2, timeout=WAIT_S)
    now = queries.now
    racing = threading.local()

    def now_then_meet() -> Any:
        if getattr(racing, "on", False):  # between reading row 1 and inserting it
            racing.on = False
            _meet(barrier)
        return now()

    def set_client(name: str) -> Callable[[Store], Any]:
        def call(store: Store) -> Any:
            racing.on = True
            return store.set_client(name, []).name

        return call

    monkeypatch.setattr(queries, "now", now_then_meet)
    results = _race(settings, [set_client("Lab0"), set_client("Lab1")])
    assert all(isinstance(r, str) for r in results) and sorted(results) == ["Lab0", "Lab1"], results
    with Store.open(settings) as store:
        client = store.get_client()
        assert client is not None and client.name in ("Lab0", "Lab1")
