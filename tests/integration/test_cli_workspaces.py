"""Workspaces (issue 10, item 9): a typo never creates one, and a read-only one can still be read.

The rule: only ``client set``, ``partner add`` and ``project add`` create a missing workspace; every other
command says "no workspace at PATH" (exit 2) and creates nothing. On a read-only workspace, reading
commands work (SQLite opened read-only) and writing commands say it is read-only (exit 2).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest

from labelpact.cli.app import cli as group
from labelpact.cli.common import CREATING_COMMANDS, WRITING_COMMANDS
from labelpact.io.export import write_annotations, write_gold
from labelpact.simulate import simulate_delivery

RunCli = Callable[..., Any]
Snapshot = Callable[[Path], dict[str, Any]]

READING = [
    ("partner", "list"),
    ("partner", "show", "Acme"),
    ("project", "list"),
    ("client", "show"),
    ("batches", "list"),
    ("batches", "show", "abcdef"),
    ("audits", "list"),
    ("events", "list"),
    ("disputes",),
    ("verify",),
]


@pytest.fixture
def delivery(tmp_path: Path) -> tuple[Path, Path]:
    sim = simulate_delivery(n_tasks=80, n_workers=10, seed=5)
    return write_annotations(sim.annotations, tmp_path / "week1.csv"), write_gold(
        sim.annotations, sim.gold, tmp_path / "gold.csv"
    )


def _command_paths() -> set[str]:
    paths: set[str] = set()

    def walk(command: click.Command, prefix: list[str]) -> None:
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):  # the lazy group loads each command
                sub = command.get_command(ctx, name)
                if sub is not None:
                    walk(sub, [*prefix, name])
        else:
            paths.add(" ".join(prefix))

    walk(group, [])
    return paths


def test_the_workspace_rule_names_real_commands() -> None:
    assert CREATING_COMMANDS <= WRITING_COMMANDS <= _command_paths()


@pytest.mark.parametrize("args", READING, ids=" ".join)
def test_a_reading_command_on_a_missing_workspace_says_so_and_creates_nothing(
    cli: RunCli, tmp_path: Path, args: tuple[str, ...]
) -> None:
    typo = tmp_path / "wrokspace"
    run = cli(*args, "--workspace", typo)
    assert run.code == 2
    assert run.stderr.startswith(f"labelpact: error: no workspace at {typo} (no labelpact.db in it)")
    assert len(run.stderr.splitlines()) == 1
    assert not typo.exists()


def test_a_writing_command_that_needs_a_partner_creates_no_workspace(
    cli: RunCli, tmp_path: Path, delivery: tuple[Path, Path]
) -> None:
    labels, _ = delivery
    typo = tmp_path / "wrokspace"
    for args in (
        ("ingest", labels, "--partner", "Acme", "--project", "p"),
        ("audit", labels, "--partner", "Acme", "--project", "p"),
        ("event", "add", "Acme", "--kind", "layoff", "--date", "2026-01-01"),
    ):
        run = cli(*args, "--workspace", typo)
        assert run.code == 2, run.stderr
        assert "no workspace at" in run.stderr
    assert not typo.exists()


def test_adding_a_partner_creates_the_workspace(cli: RunCli, workspace: Path) -> None:
    assert not workspace.exists()
    assert cli("partner", "add", "Acme").code == 0
    assert (workspace / "labelpact.db").is_file()
    assert [p["name"] for p in json.loads(cli("partner", "list", "--json").stdout)["partners"]] == ["Acme"]


# -- read-only workspaces -------------------------------------------------------------------------
@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Callable[[Path], Path]]:
    """``read_only(ws)``: a view of ``ws`` this process cannot write (a read-only bind mount as root)."""
    mounts: list[Path] = []
    chmodded: list[Path] = []

    def make(workspace: Path) -> Path:
        if os.geteuid() != 0:
            for path in [workspace, *workspace.rglob("*")]:
                path.chmod(path.stat().st_mode & ~0o222)
                chmodded.append(path)
            return workspace
        view = tmp_path / "read-only-view"
        view.mkdir()
        done = subprocess.run(
            ["mount", "--bind", "-o", "ro", str(workspace), str(view)], capture_output=True, check=False
        )
        if done.returncode != 0 or os.access(view, os.W_OK):
            pytest.skip(f"root cannot make a read-only view here (mount: {done.stderr.decode().strip()})")
        mounts.append(view)
        return view

    yield make
    for view in mounts:
        subprocess.run(["umount", str(view)], check=False)
    for path in chmodded:
        path.chmod(path.stat().st_mode | 0o200)


@pytest.mark.skipif(shutil.which("mount") is None and os.geteuid() == 0, reason="needs mount as root")
def test_a_read_only_workspace_can_be_read_but_not_written(
    cli: RunCli,
    workspace: Path,
    delivery: tuple[Path, Path],
    read_only: Callable[[Path], Path],
    snapshot: Snapshot,
) -> None:
    labels, gold = delivery
    assert cli("partner", "add", "Acme").code == 0
    ingested = cli("ingest", labels, "--partner", "Acme", "--project", "p", "--gold", gold, "--json")
    assert ingested.code == 0, ingested.stderr
    batch = json.loads(ingested.stdout)["batch"]
    before = snapshot(workspace)
    view = read_only(workspace)

    partners = cli("partner", "list", "--workspace", view, "--json")
    assert partners.code == 0, partners.stderr
    assert [p["name"] for p in json.loads(partners.stdout)["partners"]] == ["Acme"]
    shown = cli("batches", "show", batch, "--workspace", view, "--json")
    assert shown.code == 0 and json.loads(shown.stdout)["id"] == batch
    verified = cli("verify", "--workspace", view, "--json")
    assert verified.code == 0 and json.loads(verified.stdout)["ok"] is True

    for args in (
        ("partner", "add", "Surge"),
        ("project", "add", "q"),
        ("client", "set", "--name", "Lab"),
        ("ingest", gold, "--partner", "Acme", "--project", "p"),
    ):
        run = cli(*args, "--workspace", view)
        assert run.code == 2, (args, run.stderr)
        assert run.stderr == f"labelpact: error: the workspace at {view} is read-only; this command writes\n"
    assert snapshot(workspace) == before
