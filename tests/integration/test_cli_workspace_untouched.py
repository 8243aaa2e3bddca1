"""Commands that fail on bad input, or only read a database kept outside the workspace, leave no workspace
behind, and a --db file that is missing is named as itself, not as a workspace."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

RunCli = Callable[..., Any]


def test_a_bad_stake_or_spend_creates_no_workspace(cli: RunCli, workspace: Path) -> None:
    """Before: ``partner add X --equity-stake 2`` exited 2 and left labelpact.db and blobs/ behind."""
    for option, value in (("--equity-stake", "2"), ("--min-spend", "-1")):
        run = cli("partner", "add", "X", option, value)
        assert run.code == 2 and f"option '{option}'" in run.stderr
        assert not workspace.exists()


def test_reading_a_database_outside_the_workspace_creates_no_workspace(
    cli: RunCli, workspace: Path, tmp_path: Path
) -> None:
    """Before: ``partner list --db sqlite:///elsewhere.db`` on a missing workspace made it with an empty blobs/."""
    kept = tmp_path / "kept"
    assert cli("partner", "add", "Acme", "--workspace", kept).code == 0
    other = tmp_path / "other"
    run = cli("partner", "list", "--json", "--db", f"sqlite:///{kept / 'labelpact.db'}", "--workspace", other)
    assert run.code == 0 and [p["name"] for p in json.loads(run.stdout)["partners"]] == ["Acme"]
    assert not other.exists()


def test_a_missing_database_file_is_named_as_itself(cli: RunCli, tmp_path: Path) -> None:
    """Before: "no workspace at WS (no x.db in it)" for a --db file in another folder."""
    missing = tmp_path / "nowhere" / "x.db"
    run = cli("partner", "list", "--db", f"sqlite:///{missing}")
    assert run.code == 2 and f"no SQLite database at {missing}" in run.stderr
