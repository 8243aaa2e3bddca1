"""A store URL that keeps nothing (in-memory SQLite) or cannot be parsed is bad input: one line naming
``--db``, exit 2, and nothing reported as written or created."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from labelpact.config import load_settings
from labelpact.errors import InvalidInputError
from labelpact.store import Store

RunCli = Callable[..., Any]

IN_MEMORY = ["sqlite://", "sqlite:///", "sqlite:///:memory:", "sqlite:///file::memory:?uri=true"]


@pytest.mark.parametrize("url", [*IN_MEMORY, "not a url", "postgresql://u:secret@h:port/x"])
def test_a_store_that_keeps_nothing_or_cannot_be_parsed_is_refused(
    cli: RunCli, workspace: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    run = cli("partner", "add", "Acme", "--db", url)
    assert run.code == 2, run.stderr
    assert run.stderr.count("\n") == 1 and "option '--db'" in run.stderr and "secret" not in run.stderr
    assert "Added" not in run.stdout
    monkeypatch.setenv("LABELPACT_DB", url)
    assert cli("partner", "add", "Acme").code == 2
    assert not workspace.exists()


@pytest.mark.parametrize("url", IN_MEMORY)
def test_the_store_itself_refuses_an_in_memory_database(tmp_path: Path, url: str) -> None:
    with pytest.raises(InvalidInputError, match="in-memory"):
        Store.open(load_settings({}, workspace=tmp_path / "ws", db=url))
