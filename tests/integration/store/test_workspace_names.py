"""A workspace folder whose name holds URL characters (``?``, ``%20``, ``#``, spaces, non-ASCII) keeps its
database inside itself: the default SQLite URL is quoted, so no two such workspaces share one database."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelpact.config import load_settings
from labelpact.store import Store
from labelpact.store.database import sqlite_file

NAMES = ["ws one", "ws?two", "ws%20one", "ws#3", "wö rk ☃", "C:\\Users\\lab ws", "a+b@c:d;e=f&g"]


@pytest.mark.parametrize("name", NAMES)
def test_the_default_database_url_names_the_file_inside_the_workspace(tmp_path: Path, name: str) -> None:
    workspace = tmp_path / name
    settings = load_settings({}, workspace=workspace)
    assert sqlite_file(settings.db_url) == (workspace / "labelpact.db").resolve()


def test_workspaces_with_url_characters_in_their_names_each_keep_their_own_database(tmp_path: Path) -> None:
    for name in NAMES:
        with Store.open(load_settings({}, workspace=tmp_path / name)) as store:
            store.add_partner(f"P{NAMES.index(name)}")
    for name in NAMES:
        workspace = tmp_path / name
        assert (workspace / "labelpact.db").is_file(), name
        with Store.open(load_settings({}, workspace=workspace), create=False) as store:
            assert [p.name for p in store.list_partners()] == [f"P{NAMES.index(name)}"]
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(NAMES)  # no database landed beside a workspace ("ws", "ws one" made by "ws%20one")
