"""``verify`` on a damaged SQLite database names the damage and exits 2 (README: it "checks the whole
workspace (... the database itself) and exits 2 naming what is damaged"); it had been an internal error."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from labelpact.io.export import write_annotations
from labelpact.simulate import simulate_delivery

RunCli = Callable[..., Any]
PAGE = 4096


@pytest.fixture
def ingested(cli: RunCli, workspace: Path, tmp_path: Path) -> Path:
    sim = simulate_delivery(n_tasks=40, n_workers=5, seed=2)
    labels = write_annotations(sim.annotations, tmp_path / "week1.csv")
    assert cli("partner", "add", "Acme").code == 0
    assert cli("ingest", labels, "--partner", "Acme", "--project", "p").code == 0
    database = workspace / "labelpact.db"
    assert not database.with_name("labelpact.db-wal").exists()  # checkpointed: the file holds every page
    return database


def _damage(database: Path, offset: int, size: int) -> None:
    with database.open("r+b") as handle:
        handle.seek(offset)
        handle.write(b"\x00" * size)


def _assert_names_the_database(cli: RunCli) -> None:
    run = cli("verify")
    assert run.code == 2, run.stderr
    assert run.stderr.count("\n") == 1 and "damaged: database" in run.stderr, run.stderr
    assert "internal error" not in run.stderr
    run = cli("verify", "--json")
    assert run.code == 2
    document = json.loads(run.stdout)
    assert document["ok"] is False and [d["kind"] for d in document["damage"]] == ["database"]
    assert json.loads(run.stderr)["error"]["exit_code"] == 2


def test_a_malformed_page_is_named(cli: RunCli, ingested: Path) -> None:
    _damage(ingested, PAGE, ingested.stat().st_size - PAGE)  # every page but the header's
    _assert_names_the_database(cli)
    run = cli("batches", "list")  # other commands: a one-line store error, not an internal one
    assert "internal error" not in run.stderr


def test_a_file_that_is_no_longer_a_database_is_named(cli: RunCli, ingested: Path) -> None:
    _damage(ingested, 0, 100)  # the header
    _assert_names_the_database(cli)


def test_an_intact_workspace_still_counts_its_files(cli: RunCli, ingested: Path) -> None:
    run = cli("verify", "--json")
    assert run.code == 0
    document = json.loads(run.stdout)
    assert document["ok"] is True and document["files"] >= 2 and document["damage"] == []
