"""Several stores (as several processes would) writing at once: no lost writes, one winner per sha256."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from labelpact.config import Settings
from labelpact.errors import ConflictError
from labelpact.store import BatchRecord, Store

from .conftest import Delivery

WRITERS = 4


def test_concurrent_writers_lose_nothing(settings: Settings) -> None:
    with Store.open(settings):
        pass
    start = threading.Barrier(WRITERS)

    def write(k: int) -> None:
        with Store.open(settings) as store:
            start.wait()
            for i in range(10):
                store.add_partner(f"p{k}-{i}")
                store.list_partners()

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(write, range(WRITERS)))
    with Store.open(settings) as store:
        assert len(store.list_partners()) == WRITERS * 10
        assert len(store.audit_log(action="partner.added")) == WRITERS * 10


def test_the_same_bytes_at_once_make_one_batch(settings: Settings, delivery: Callable[..., Delivery]) -> None:
    with Store.open(settings) as store:
        store.add_partner("Scale")
    d = delivery(b"task,worker,label\n" + b"t,w,x\n" * 10_000)
    start = threading.Barrier(WRITERS)

    def add(_: int) -> BatchRecord | ConflictError:
        with Store.open(settings) as store:
            start.wait()
            try:
                return store.add_batch(d.new, files=d.files)
            except ConflictError as error:
                return error

    with ThreadPoolExecutor(WRITERS) as pool:
        outcomes = list(pool.map(add, range(WRITERS)))
    won = [o for o in outcomes if isinstance(o, BatchRecord)]
    assert len(won) == 1
    assert all(
        str(o).startswith(f"these bytes are already batch {won[0].id}") for o in outcomes if o not in won
    )
    with Store.open(settings) as store:
        assert store.list_batches() == won
        assert [store.blob_path(f).read_bytes() for f in won[0].files] == [
            p.read_bytes() for p in d.files.values()
        ]
        assert store.sweep_orphans() == []
    assert list((settings.blob_root / ".staging").iterdir()) == []
