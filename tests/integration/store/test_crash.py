"""A process killed in the middle of ``add_batch`` leaves the whole batch or nothing, and debris the sweep removes.

The child process opens the store and SIGKILLs itself at one point of the write (no clean-up code runs);
the parent then checks the store as the next command would find it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from labelpact.config import Settings
from labelpact.store import Store

from .conftest import Delivery, Snapshot

CHILD = r"""
import itertools, json, os, signal, sys
from pathlib import Path
from datetime import datetime
from pathlib import Path
import labelpact.store.blobs as blobs
from labelpact.config import Settings
from labelpact.store import BatchCreate, Store

workspace, db_url, point, spec, files = sys.argv[1:]
fields = json.loads(spec)
for name in ("delivered_at", "due_at"):
    fields[name] = datetime.fromisoformat(fields[name])
new = BatchCreate(**fields)
kill = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
store = Store.open(Settings(workspace=Path(workspace), db_url=db_url))
if point == "staging":        # the first staged file written, not yet fsynced; the second not begun
    real_fsync, calls = blobs._fsync, itertools.count()
    blobs._fsync = lambda path, directory=False: kill() if not directory else real_fsync(path, directory=True)
elif point == "rename":       # one file renamed into the batch folder, the other still staged
    real_replace = os.replace
    def replace_then_die(src, dst):
        real_replace(src, dst)
        kill()
    blobs.os.replace = replace_then_die
elif point == "commit":       # every file in place and fsynced, the rows flushed, COMMIT never sent
    store._engine.dialect.do_commit = kill
store.add_batch(new, files={role: Path(p) for role, p in json.loads(files).items()})
print("the write finished: the kill point was never reached")
"""


def _spec(d: Delivery) -> str:
    fields = dataclasses.asdict(d.new)
    fields["delivered_at"] = d.new.delivered_at.isoformat()
    fields["due_at"] = d.new.due_at.isoformat() if d.new.due_at else None
    return json.dumps(fields)


@pytest.mark.parametrize("point", ["staging", "rename", "commit"])
def test_a_kill_during_add_batch_leaves_nothing_visible(
    settings: Settings,
    delivery: Callable[..., Delivery],
    take_snapshot: Callable[[], Snapshot],
    point: str,
) -> None:
    with Store.open(settings) as store:
        store.add_partner("Scale")
    before = take_snapshot()
    d = delivery(b"task,worker,label\nt1,w1,pos\n" * 100, project="killed")
    files = json.dumps({role: str(path) for role, path in d.files.items()})
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(settings.workspace), settings.db_url, point, _spec(d), files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr

    folder = settings.blob_root / "sha256" / d.new.sha256[:2] / d.new.sha256
    expected_on_disk = {
        "staging": set(),
        "rename": {"labels.csv"},
        "commit": {"labels.csv", "normalised.parquet"},
    }
    on_disk = {p.name for p in folder.iterdir()} if folder.exists() else set()
    assert on_disk == expected_on_disk[point]

    with Store.open(settings) as store:  # the next command: the batch is not there, nor its project
        assert store.find_batch_by_sha256(d.new.sha256) is None
        assert store.list_batches() == []
        assert [p.name for p in store.list_projects()] == []
        assert [e.action for e in store.audit_log()] == ["partner.added"]
        store.sweep_orphans(older_than=timedelta(0))
        assert take_snapshot() == before  # rows and files as they were before the killed write

        again = store.add_batch(d.new, files=d.files)  # and the same delivery goes in cleanly afterwards
        assert [store.blob_path(f).read_bytes() for f in again.files] == [
            p.read_bytes() for p in d.files.values()
        ]


def test_open_removes_what_a_killed_writer_left_at_once(
    settings: Settings, delivery: Callable[..., Delivery], take_snapshot: Callable[[], Snapshot]
) -> None:
    """The dead writer's lock is free, so the next open cleans its staging copy and folder without waiting."""
    with Store.open(settings) as store:
        store.add_partner("Scale")
    before = take_snapshot()
    d = delivery(b"task,worker,label\nt1,w1,pos\n")
    files = json.dumps({role: str(path) for role, path in d.files.items()})
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(settings.workspace), settings.db_url, "commit", _spec(d), files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    assert take_snapshot() != before  # the kill left a staging folder and a batch folder
    with Store.open(settings):
        pass
    assert take_snapshot() == before


def test_open_keeps_an_old_staging_folder_whose_writer_is_alive(settings: Settings) -> None:
    """A slow writer (its lock held by another process) keeps its staging folder, however old it is."""
    with Store.open(settings):
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(settings.blob_root)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        folder = Path(holder.stdout.readline().strip())
        two_hours_ago = (datetime.now().timestamp() - 7200,) * 2
        os.utime(folder, two_hours_ago)
        with Store.open(settings):
            pass
        assert folder.is_dir()
    finally:
        holder.kill()
        holder.communicate()
    with Store.open(settings):
        pass
    assert not folder.exists()


HOLD = r"""
import sys, time
from pathlib import Path
from labelpact.store.blobs import BlobStore
with BlobStore(Path(sys.argv[1])).scratch("slow") as folder:
    print(folder, flush=True)
    time.sleep(120)
"""
