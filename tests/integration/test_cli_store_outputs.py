"""An ``--out`` never replaces the store's own files: the SQLite database (with its ``-wal``, ``-shm`` and
``-journal``) and the blob store are refused in one line, exit 2, before anything is written."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from labelpact.errors import InvalidInputError
from labelpact.io.export import write_annotations, write_gold
from labelpact.io.outputs import refuse_store_file
from labelpact.services.staged_files import staged_files
from labelpact.simulate import simulate_delivery

RunCli = Callable[..., Any]
Snapshot = Callable[[Path], dict[str, Any]]


@pytest.fixture
def audited(cli: RunCli, workspace: Path, tmp_path: Path) -> Path:
    """A workspace holding one audited batch (audit a1); returns the stored labels file."""
    sim = simulate_delivery(n_tasks=60, n_workers=8, seed=3)
    labels = write_annotations(sim.annotations, tmp_path / "week1.csv")
    gold = write_gold(sim.annotations, sim.gold, tmp_path / "gold.csv")
    assert cli("partner", "add", "Acme").code == 0
    run = cli("audit", labels, "--partner", "Acme", "--project", "p", "--gold", gold)
    assert run.code == 0, run.stderr
    (stored,) = (workspace / "blobs" / "sha256").glob("*/*/labels.csv")
    return stored


def _refused(run: Any) -> None:
    assert run.code == 2, run.stderr
    assert run.stderr.count("\n") == 1 and "option '--out'" in run.stderr, run.stderr


@pytest.mark.parametrize(
    "name", ["labelpact.db", "labelpact.db-wal", "labelpact.db-shm", "labelpact.db-journal"]
)
def test_report_and_transparency_never_replace_the_database(
    cli: RunCli, workspace: Path, audited: Path, snapshot: Snapshot, name: str
) -> None:
    before = snapshot(workspace)
    files = sorted(workspace.iterdir())
    _refused(cli("report", "--project", "p", "--out", workspace / name))
    _refused(cli("transparency", "--project", "p", "--out", workspace / name))
    assert snapshot(workspace) == before
    assert sorted(workspace.iterdir()) == files  # no card, consensus or temporary file left in the workspace
    assert cli("batches", "list").code == 0


def test_no_writer_replaces_the_stores_files(
    cli: RunCli, workspace: Path, audited: Path, snapshot: Snapshot
) -> None:
    before = snapshot(workspace)
    _refused(cli("audits", "sample", "a1", "--out", audited))
    (consensus,) = (workspace / "blobs" / "audits").glob("*/*/consensus.parquet")
    _refused(cli("consensus", "export", "a1", "--out", consensus))
    _refused(cli("consensus", "export", "a1", "--out", workspace / "blobs" / "new.csv"))
    # aggregate, workers and simulate write their --out the same way: never over the store either
    for command in ("aggregate", "workers"):
        _refused(cli(command, audited, "--out", workspace / "labelpact.db"))
    _refused(cli("simulate", "--kind", "preferences", "--out", workspace / "blobs" / "p.csv"))
    assert snapshot(workspace) == before
    assert cli("verify").code == 0


def test_a_link_to_the_database_is_refused_and_other_paths_are_written(
    cli: RunCli, workspace: Path, audited: Path, tmp_path: Path
) -> None:
    link = tmp_path / "innocent.csv"
    os.symlink(workspace / "labelpact.db", link)
    with pytest.raises(InvalidInputError, match="SQLite database"):
        refuse_store_file(link)
    with pytest.raises(InvalidInputError, match="blob store"), staged_files() as stage:
        stage.path(audited.parent / "other.csv").write_text("x")
    assert not (audited.parent / "other.csv").exists()
    assert cli("consensus", "export", "a1", "--out", tmp_path / "out.csv").code == 0
    assert (tmp_path / "out.csv").read_text().startswith('"task",')
