"""Several stores auditing at once: every audit kept, a new contract stored once, a dispute resolved once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from labelpact.config import Settings
from labelpact.errors import ConflictError
from labelpact.store import AuditRecord, DisputeRecord, Store
from labelpact.store.database import create_store_engine, lock

from .audit_case import add_batch, audit_of

WRITERS = 4


def test_concurrent_audits_with_one_new_contract_keep_every_audit(settings: Settings, tmp_path: Path) -> None:
    with Store.open(settings) as store:
        store.add_partner("Scale")
        batch = add_batch(store, tmp_path / "in")
    start = threading.Barrier(WRITERS)

    def audit(k: int) -> list[AuditRecord]:
        folder = tmp_path / f"w{k}"
        folder.mkdir()
        (folder / "consensus.parquet").write_bytes(f"writer {k}".encode())
        with Store.open(settings) as store:
            start.wait()
            new = audit_of(batch, contract_toml="[quality]\nmin_agreement = 0.6\n")
            return [store.add_audit(new, files={"consensus": folder / "consensus.parquet"}) for _ in range(3)]

    with ThreadPoolExecutor(WRITERS) as pool:
        made = [a for batch_of in pool.map(audit, range(WRITERS)) for a in batch_of]
    with Store.open(settings) as store:
        stored = store.list_audits()
        assert sorted(a.id for a in stored) == sorted(a.id for a in made) and len(stored) == WRITERS * 3
        assert len({a.contract_sha256 for a in stored}) == 1
        assert len(store.audit_log(action="contract.stored")) == 1
        assert all(store.blob_path(a.files[0]).is_file() for a in stored)
        assert store.sweep_orphans() == []


def test_a_dispute_resolved_at_once_by_several_is_resolved_once(settings: Settings, tmp_path: Path) -> None:
    with Store.open(settings) as store:
        store.add_partner("Scale")
        batch = add_batch(store, tmp_path / "in")
        finding = store.add_audit(audit_of(batch), files={}).findings[0]
        dispute = store.open_dispute(finding.id, text="no")
    start = threading.Barrier(WRITERS)
    statuses = ["upheld", "rejected", "withdrawn", "upheld"]

    def resolve(k: int) -> DisputeRecord | ConflictError:
        with Store.open(settings, actor=f"user:{k}") as store:
            start.wait()
            try:
                return store.resolve_dispute(dispute.id, status=statuses[k])
            except ConflictError as error:
                return error

    with ThreadPoolExecutor(WRITERS) as pool:
        outcomes = list(pool.map(resolve, range(WRITERS)))
    won = [o for o in outcomes if isinstance(o, DisputeRecord)]
    assert len(won) == 1
    with Store.open(settings) as store:
        assert store.get_dispute(dispute.id) == won[0]
        assert len(store.audit_log(action="dispute.resolved")) == 1


def test_a_comment_waits_for_the_disputes_lock_as_a_resolve_does(settings: Settings, tmp_path: Path) -> None:
    """Both take the dispute's lock, so a comment never lands on a dispute resolved in the meantime: before,
    on PostgreSQL, a comment that read the dispute as open while a resolve committed was stored after it."""
    if sa.make_url(settings.db_url).get_backend_name() == "sqlite":
        pytest.skip(
            "SQLite serialises every writer at BEGIN IMMEDIATE; the lock is PostgreSQL's advisory lock"
        )
    with Store.open(settings) as store:
        store.add_partner("Scale")
        batch = add_batch(store, tmp_path / "in")
        dispute = store.open_dispute(store.add_audit(audit_of(batch), files={}).findings[0].id, text="no")
    outcome: list[object] = []

    def comment() -> None:
        with Store.open(settings) as store:
            outcome.append(store.add_comment(dispute.id, text="one more thing"))

    engine = create_store_engine(settings.db_url)
    writer = threading.Thread(target=comment)
    try:
        with engine.begin() as held:  # as a resolve in progress holds it until it commits
            lock(held, f"dispute:{int(dispute.id[1:])}")
            writer.start()
            writer.join(1.0)
            assert writer.is_alive() and not outcome
    finally:
        writer.join(30)
        engine.dispose()
    assert len(outcome) == 1
