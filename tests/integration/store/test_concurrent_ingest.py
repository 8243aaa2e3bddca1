"""Real processes running ``labelpact ingest`` at once (issue 10, item 12), on SQLite and PostgreSQL.

Four processes creating the same new project must all land their batches; four processes ingesting the
same file must all get the same answer (exit 0, one "created", three "already ingested"). Each child
waits for a start file, and pauses 1.5 s inside its write transaction (after the project is looked up and
written, before COMMIT), so the race the issue saw once in 17 rounds happens every time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from labelpact.config import Settings
from labelpact.store import Store

PROCESSES = 4

CHILD = r"""
import sys, time
from pathlib import Path
import labelpact.store.queries as q
from labelpact.cli import main

go, ready, *args = sys.argv[1:]
real = q.audit
def slow_audit(session, actor, action, *rest):
    real(session, actor, action, *rest)
    if action == "batch.ingested":  # the project row is written but not committed: hold it there a while
        time.sleep(1.5)
q.audit = slow_audit
Path(ready).touch()
while not Path(go).exists():
    time.sleep(0.005)
main(args)
"""


def _ingest_at_once(
    settings: Settings, tmp_path: Path, files: list[Path], command: str = "ingest"
) -> list[subprocess.CompletedProcess[str]]:
    go = tmp_path / "go"
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                CHILD,
                str(go),
                str(tmp_path / f"ready{k}"),
                command,
                str(path),
                "--partner",
                "Scale",
                "--project",
                "brand-new",
                "--workspace",
                str(settings.workspace),
                "--db",
                settings.db_url,
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k, path in enumerate(files)
    ]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready{k}").exists() for k in range(len(files))):  # all imported, waiting
        assert time.monotonic() < deadline, "the children did not start"
        time.sleep(0.01)
    go.touch()
    done = []
    for child in children:
        out, err = child.communicate(timeout=180)
        done.append(subprocess.CompletedProcess(child.args, child.returncode, out, err))
    return done


def test_concurrent_ingests_creating_the_same_new_project_all_land(
    settings: Settings, tmp_path: Path
) -> None:
    with Store.open(settings) as store:
        store.add_partner("Scale")
    files = []
    for k in range(PROCESSES):
        path = tmp_path / f"week{k}.csv"
        path.write_text(f"task,worker,label\nt{k},w1,pos\nt{k},w2,neg\nt{k}b,w1,pos\n", encoding="utf-8")
        files.append(path)
    done = _ingest_at_once(settings, tmp_path, files)
    assert [d.returncode for d in done] == [0] * PROCESSES, [d.stderr for d in done]
    assert all(json.loads(d.stdout)["created"] for d in done)
    with Store.open(settings) as store:
        assert len(store.list_batches(project="brand-new")) == PROCESSES
        assert [p.name for p in store.list_projects()] == ["brand-new"]
        assert len(store.audit_log(action="project.added")) == 1
        assert len(store.audit_log(action="batch.ingested")) == PROCESSES


def test_four_processes_ingesting_the_same_file_get_one_answer(settings: Settings, tmp_path: Path) -> None:
    with Store.open(settings) as store:
        store.add_partner("Scale")
    path = tmp_path / "week.csv"
    path.write_text("task,worker,label\nt1,w1,pos\nt1,w2,neg\nt2,w1,pos\n", encoding="utf-8")
    done = _ingest_at_once(settings, tmp_path, [path] * PROCESSES)
    assert [d.returncode for d in done] == [0] * PROCESSES, [d.stderr for d in done]
    documents = [json.loads(d.stdout) for d in done]
    assert sorted(doc["created"] for doc in documents) == [False] * (PROCESSES - 1) + [True]
    assert len({doc["batch"] for doc in documents}) == 1
    with Store.open(settings) as store:
        assert len(store.list_batches()) == 1
        assert store.sweep_orphans() == []
    assert list((settings.blob_root / ".staging").iterdir()) == []


def test_two_processes_auditing_the_same_new_file_both_store_an_audit(
    settings: Settings, tmp_path: Path
) -> None:
    with Store.open(settings) as store:
        store.add_partner("Scale")
    path = tmp_path / "week.csv"
    rows = [f"t{t},w{w},{'pos' if (t + w) % 3 else 'neg'}" for t in range(30) for w in range(3)]
    path.write_text("task,worker,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    done = _ingest_at_once(settings, tmp_path, [path, path], command="audit")
    assert [d.returncode for d in done] == [0, 0], [d.stderr for d in done]
    documents = [json.loads(d.stdout) for d in done]
    assert len({doc["batch"] for doc in documents}) == 1
    with Store.open(settings) as store:
        assert len(store.list_batches()) == 1
        assert len(store.list_audits()) == 2
