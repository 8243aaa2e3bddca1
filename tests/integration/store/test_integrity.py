"""What the store promises about its own contents (issue 10, items 9, 12, 15, 16, 17), on SQLite and PostgreSQL.

Rows a delivery rests on are never rewritten (0003 triggers); stored files are checked against their
SHA-256 when read and by ``verify``; a new batch and its audit are one transaction; names are bounded;
a missing store is never created by a reader; a dead writer's debris goes at the next open.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
import sqlalchemy as sa
from alembic import command

from labelpact.config import Settings
from labelpact.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError, StoreError
from labelpact.store import AuditCreate, BatchRecord, Store
from labelpact.store.database import alembic_config, create_store_engine

from .audit_case import add_batch, audit_of, consensus_file
from .conftest import Delivery, Snapshot, make_delivery


def _execute(settings: Settings, statement: str) -> None:
    engine = create_store_engine(settings.db_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(statement))
    finally:
        engine.dispose()


# -- item 17: the rows a delivery rests on are immutable ------------------------------------------
@pytest.mark.parametrize(
    ("table", "column"),
    [("partners", "name"), ("projects", "description"), ("batches", "n_tasks"), ("batch_files", "sha256")],
)
def test_the_database_refuses_to_rewrite_partners_projects_and_batches(
    store: Store, settings: Settings, tmp_path: Path, table: str, column: str
) -> None:
    store.add_partner("Scale")
    batch = add_batch(store, tmp_path / "in")
    for statement in (f"UPDATE {table} SET {column} = {column}", f"DELETE FROM {table}"):
        with pytest.raises(sa.exc.DatabaseError, match=f"{table} is append-only"):
            _execute(settings, statement)
    assert store.get_batch(batch.id) == batch


def test_the_client_may_be_replaced_but_keeps_its_identity(store: Store, settings: Settings) -> None:
    first = store.set_client("Meta", ["Google"])
    second = store.set_client(
        "Meta Platforms", ["Google", "xAI"]
    )  # client set still replaces name and rivals
    assert (second.name, second.rivals, second.created_at) == (
        "Meta Platforms",
        ("Google", "xAI"),
        first.created_at,
    )
    for statement in (
        "UPDATE clients SET id = 2",
        "UPDATE clients SET created_at = updated_at",
        "DELETE FROM clients",
    ):
        with pytest.raises(sa.exc.DatabaseError, match="the client keeps its id and created_at"):
            _execute(settings, statement)
    assert store.get_client() == second


def test_0003_goes_down_to_0002_and_up_again(store: Store, settings: Settings) -> None:
    store.add_partner("Scale")
    engine = create_store_engine(settings.db_url)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0002")
        with engine.begin() as conn:  # without its triggers a partner can be renamed (what 0003 stops)
            conn.execute(sa.text("UPDATE partners SET name = 'Scale AI'"))
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        with pytest.raises(sa.exc.DatabaseError, match="partners is append-only"), engine.begin() as conn:
            conn.execute(sa.text("UPDATE partners SET name = 'Scale'"))
    finally:
        engine.dispose()
    assert [p.name for p in store.list_partners()] == ["Scale AI"]


# -- item 17: stored files are checked when read, and by verify ----------------------------------
def test_a_stored_file_changed_by_hand_is_refused_when_read_and_named_by_verify(
    store: Store, tmp_path: Path
) -> None:
    store.add_partner("Scale")
    batch = add_batch(store, tmp_path / "in")
    audit = store.add_audit(audit_of(batch), files={"consensus": consensus_file(tmp_path / "out")})
    stored = audit.files[0]
    assert store.blob_path(stored).read_bytes() == b"PAR1 consensus PAR1"
    assert store.verify() == []

    path = store.blob_path(stored)
    path.write_bytes(b"PAR1 consensvs PAR1")  # same size, one label changed by hand
    with pytest.raises(
        StoreError, match=f"the stored file {stored.path} cannot be trusted: changed file, sha256"
    ):
        store.blob_path(stored)
    labels = store.blob_path(batch.files[0])
    labels.unlink()
    damage = store.verify()
    assert [(d.kind, d.subject, d.path) for d in damage] == [
        ("missing file", f"batch {batch.id}", batch.files[0].path),
        ("changed file", f"audit {audit.id}", stored.path),
    ]
    assert str(damage[1]).startswith(f"audit {audit.id}: {stored.path} changed file (sha256 ")


# -- item 17: a new batch and its audit in one transaction ----------------------------------------
def test_a_batch_and_its_audit_are_stored_together_or_not_at_all(
    store: Store, tmp_path: Path, delivery: Callable[..., Delivery], take_snapshot: Callable[[], Snapshot]
) -> None:
    store.add_partner("Scale")
    d = delivery(b"task,worker,label\nt1,w1,pos\nt2,w1,neg\n")
    before = take_snapshot()
    broken = audit_of_new(d, contract_toml=None, contract_sha256="ab" * 32)  # unknown contract: fails last
    with pytest.raises(NotFoundError, match="unknown contract"):
        store.add_batch_with_audit(
            d.new, broken, files=d.files, audit_files={"consensus": consensus_file(tmp_path / "c")}
        )
    assert take_snapshot() == before  # no batch without its audit

    batch, audit = store.add_batch_with_audit(
        d.new, audit_of_new(d), files=d.files, audit_files={"consensus": consensus_file(tmp_path / "c")}
    )
    assert store.latest_audit(batch.id) == audit
    assert [e.action for e in store.audit_log()][-4:] == [
        "project.added",
        "batch.ingested",
        "contract.stored",
        "audit.created",
    ]
    assert list((store.blob_root / ".staging").iterdir()) == []


def audit_of_new(d: Delivery, **changes: Any) -> AuditCreate:
    """The test audit of the batch ``d`` will become (only its id is needed)."""
    return replace(audit_of(cast(BatchRecord, SimpleNamespace(id=d.new.sha256[:12]))), **changes)


KILL_CHILD = r"""
import os, pickle, signal, sys
from pathlib import Path
from labelpact.config import Settings
from labelpact.store import AuditCreate, Store
import labelpact.store.store as module

workspace, db_url, spec, labels, normalised, consensus = sys.argv[1:]
store = Store.open(Settings(workspace=Path(workspace), db_url=db_url))
new = pickle.loads(bytes.fromhex(spec))
real = module.insert_audit
def insert_then_die(*args, **kwargs):
    real(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)   # the batch and audit rows flushed, nothing committed
module.insert_audit = insert_then_die
audit = AuditCreate(batch=new.sha256[:12], verdict="accept", reasons=[], metrics={}, sampling_plan=None,
                    sample_tasks=[], ethics=None, method="mv", contract_toml=None, contract_sha256=None,
                    findings=[])
files = {"labels": Path(labels), "normalised": Path(normalised)}
store.add_batch_with_audit(new, audit, files=files, audit_files={"consensus": Path(consensus)})
print("not killed")
"""


def test_a_kill_between_the_batch_and_its_audit_leaves_neither(
    settings: Settings, tmp_path: Path, take_snapshot: Callable[[], Snapshot]
) -> None:
    with Store.open(settings) as store:
        store.add_partner("Scale")
    before = take_snapshot()
    d = make_delivery(tmp_path / "in", b"task,worker,label\nt1,w1,pos\n")
    args = [str(settings.workspace), settings.db_url, pickle.dumps(d.new).hex()]
    args += [str(d.files["labels"]), str(d.files["normalised"]), str(consensus_file(tmp_path / "c"))]
    child = subprocess.run(
        [sys.executable, "-c", KILL_CHILD, *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    with Store.open(settings) as store:  # the dead writer's files go at once; no batch without an audit
        assert store.list_batches() == []
    assert take_snapshot() == before


# -- item 9: a reader never creates a store -------------------------------------------------------
def test_opening_a_missing_store_without_create_creates_nothing(settings: Settings) -> None:
    with pytest.raises(
        NotFoundError, match=r"^no (workspace at .* \(no labelpact.db in it\)|labelpact store at)"
    ):
        Store.open(settings, create=False)
    if settings.is_sqlite:
        assert not settings.workspace.exists()
    with Store.open(settings):
        pass
    with Store.open(settings, create=False, write=False) as store:
        assert store.list_partners() == []


def test_a_read_only_sqlite_workspace_reads_and_refuses_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(workspace=tmp_path / "ws", db_url=f"sqlite:///{tmp_path / 'ws' / 'labelpact.db'}")
    with Store.open(settings) as store:
        store.add_partner("Scale")
    monkeypatch.setattr("labelpact.store.base.writable", lambda database: False)
    with pytest.raises(ForbiddenError, match="is read-only; this command writes"):
        Store.open(settings)
    with Store.open(settings, write=False) as store:
        assert store.read_only
        assert [p.name for p in store.list_partners()] == ["Scale"]
        with pytest.raises(ForbiddenError, match="is read-only; nothing was written"):
            store.add_partner("Surge")


# -- item 16: names -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["partner", "project"])
def test_a_name_over_200_characters_is_bad_input_not_a_database_error(
    store: Store, kind: str, take_snapshot: Callable[[], Snapshot]
) -> None:
    before = take_snapshot()
    add = store.add_partner if kind == "partner" else store.add_project
    with pytest.raises(InvalidInputError, match=f"expected a {kind} name of at most 200 characters"):
        add("x" * 201)
    assert take_snapshot() == before
    assert add("x" * 200).name == "x" * 200


def test_a_batch_for_a_project_name_over_200_characters_is_refused(
    store: Store, delivery: Callable[..., Delivery], take_snapshot: Callable[[], Snapshot]
) -> None:
    store.add_partner("Scale")
    before = take_snapshot()
    d = delivery(b"task,worker,label\nt1,w1,pos\n", project="p" * 201)
    with pytest.raises(InvalidInputError, match="project name of at most 200 characters"):
        store.add_batch(d.new, files=d.files)
    assert take_snapshot() == before


def test_a_look_alike_partner_is_a_conflict(store: Store) -> None:
    store.add_partner("Scale")
    with pytest.raises(ConflictError, match="partner 'Sсale' looks like the existing partner 'Scale'"):
        store.add_partner("Sсale")  # Cyrillic es
    assert store.add_partner("Sсale", allow_lookalike=True).name == "Sсale"


# -- item 15: scratch folders live in the workspace and die with their process -------------------
def test_a_scratch_folder_is_inside_the_workspace_and_removed(store: Store) -> None:
    with store.scratch("ingest") as folder:
        assert folder.parent == store.blob_root / ".staging"
        (folder / "big.parquet").write_bytes(b"x" * 1000)
    assert not folder.exists()


def test_a_killed_ingest_leaves_nothing_outside_the_workspace_and_its_debris_goes_at_the_next_open(
    settings: Settings, tmp_path: Path
) -> None:
    with Store.open(settings) as store:
        store.add_partner("Scale")
    labels = tmp_path / "week.csv"
    labels.write_text("task,worker,label\nt1,w1,pos\nt1,w2,neg\nt2,w1,pos\n", encoding="utf-8")
    temp = tmp_path / "tmp"
    temp.mkdir()
    child = subprocess.run(
        [sys.executable, "-c", INGEST_CHILD, str(settings.workspace), settings.db_url, str(labels)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=os.environ | {"TMPDIR": str(temp)},
    )
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    assert list(temp.iterdir()) == []  # no temporary folder outside the workspace
    staged = list((settings.blob_root / ".staging").iterdir())
    assert [p.name.split(".")[0] for p in staged] == ["scratch-ingest"]
    with Store.open(settings) as store:
        assert store.list_batches() == []
    assert list((settings.blob_root / ".staging").iterdir()) == []


INGEST_CHILD = r"""
import os, signal, sys
from pathlib import Path
from labelpact.config import Settings
from labelpact.store import AuditCreate, BatchRecord, Store
import labelpact.services.ingest as ingest

workspace, db_url, labels = sys.argv[1:]
real = ingest.write_normalised
def write_then_die(*args, **kwargs):
    real(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)   # the normalised copy written, nothing stored yet
ingest.write_normalised = write_then_die
store = Store.open(Settings(workspace=Path(workspace), db_url=db_url))
ingest.ingest_batch(store, labels, partner="Scale", project="p")
print("not killed")
"""


def test_an_audit_method_longer_than_its_column_is_bad_input_on_every_backend(
    store: Store, tmp_path: Path, take_snapshot: Callable[[], Snapshot]
) -> None:
    store.add_partner("Scale")
    batch = add_batch(store, tmp_path / "in")
    before = take_snapshot()
    with pytest.raises(InvalidInputError, match="field 'method': expected at most 50 characters"):
        store.add_audit(
            audit_of(batch, method="auto: mean posterior of ds, one-coin-ds, glad, mace, ebcc"), files={}
        )
    assert take_snapshot() == before
