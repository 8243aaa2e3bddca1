"""A process killed in the middle of ``add_audit`` leaves the whole audit or nothing, and debris the sweep removes.

The same kill points as ``test_crash.py`` for batches: while staging, between two renames, at COMMIT.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from labelpact.config import Settings
from labelpact.store import Store

from .audit_case import add_batch, audit_of
from .conftest import Snapshot

CHILD = r"""
import itertools, os, signal, sys
from pathlib import Path
import labelpact.store.blobs as blobs
from labelpact.config import Settings
from labelpact.store import AuditCreate, FindingCreate, Store

workspace, db_url, point, batch, consensus, issues = sys.argv[1:]
kill = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
store = Store.open(Settings(workspace=Path(workspace), db_url=db_url))
if point == "staging":        # the first staged file written, not yet fsynced; the second not begun
    real_fsync = blobs._fsync
    blobs._fsync = lambda path, directory=False: kill() if not directory else real_fsync(path, directory=True)
elif point == "rename":       # one file renamed into the audit folder, the other still staged
    real_replace = os.replace
    def replace_then_die(src, dst):
        real_replace(src, dst)
        kill()
    blobs.os.replace = replace_then_die
elif point == "commit":       # every file in place and fsynced, the rows flushed, COMMIT never sent
    store._engine.dialect.do_commit = kill
finding = FindingCreate(kind="spammer", severity="warning", detail="w2.", clause=None, evidence={}, action=None)
new = AuditCreate(batch=batch, verdict="reject", reasons=[], metrics={"alpha": 0.1}, sampling_plan=None,
                  sample_tasks=["t1"], ethics=None, method="mv", contract_toml="[quality]\n",
                  contract_sha256=None, findings=[finding])
store.add_audit(new, files={"consensus": Path(consensus), "issues": Path(issues)})
print("the write finished: the kill point was never reached")
"""


def _audit_folders(settings: Settings) -> list[Path]:
    return [p for p in (settings.blob_root / "audits").glob("*/*") if p.is_dir()]


@pytest.mark.parametrize("point", ["staging", "rename", "commit"])
def test_a_kill_during_add_audit_leaves_nothing_visible(
    settings: Settings, tmp_path: Path, take_snapshot: Callable[[], Snapshot], point: str
) -> None:
    with Store.open(settings) as store:
        store.add_partner("Scale")
        batch = add_batch(store, tmp_path / "in")
    before = take_snapshot()
    out = tmp_path / "out"
    out.mkdir()
    (out / "consensus.parquet").write_bytes(b"PAR1" * 1000)
    (out / "issues.csv").write_bytes(b"task,quality\nt1,0.1\n")
    args = [str(settings.workspace), settings.db_url, point, batch.id, str(out / "consensus.parquet")]
    child = subprocess.run(
        [sys.executable, "-c", CHILD, *args, str(out / "issues.csv")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr

    folders = _audit_folders(settings)
    on_disk = {p.name for folder in folders for p in folder.iterdir()}
    expected = {
        "staging": set(),
        "rename": {"consensus.parquet"},
        "commit": {"consensus.parquet", "issues.csv"},
    }
    assert on_disk == expected[point]
    assert len(folders) == (0 if point == "staging" else 1)

    with Store.open(settings) as store:  # the next command: no audit, no finding, no contract, no log line
        assert store.list_audits() == []
        assert store.latest_audit(batch.id) is None
        assert [e.action for e in store.audit_log()] == ["partner.added", "project.added", "batch.ingested"]
        store.sweep_orphans(older_than=timedelta(0))
        assert take_snapshot() == before

        again = store.add_audit(audit_of(batch), files={"consensus": out / "consensus.parquet"})
        assert store.blob_path(again.files[0]).read_bytes() == b"PAR1" * 1000
        assert store.list_audits() == [again]


def test_open_removes_what_a_killed_audit_left_at_once(
    settings: Settings, tmp_path: Path, take_snapshot: Callable[[], Snapshot]
) -> None:
    with Store.open(settings) as store:
        store.add_partner("Scale")
        batch = add_batch(store, tmp_path / "in")
    before = take_snapshot()
    out = tmp_path / "out"
    out.mkdir()
    for name in ("consensus.parquet", "issues.csv"):
        (out / name).write_bytes(name.encode())
    args = [str(settings.workspace), settings.db_url, "commit", batch.id, str(out / "consensus.parquet")]
    child = subprocess.run(
        [sys.executable, "-c", CHILD, *args, str(out / "issues.csv")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    assert len(_audit_folders(settings)) == 1
    with Store.open(settings):  # the writer is dead (its staging lock is free): no hour to wait
        pass
    assert take_snapshot() == before
