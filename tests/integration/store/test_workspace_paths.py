"""A workspace path of the wrong kind (a file above it, the database a folder, the blob folder a file) is bad
input: exit 2 with one line naming the path and what was expected, and nothing is created."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from labelpact.config import load_settings
from labelpact.errors import InvalidInputError
from labelpact.store import Store

RunCli = Callable[..., Any]


def _afile_parent(tmp_path: Path) -> tuple[list[str], Path, str]:
    (tmp_path / "afile").write_text("x")
    return ["--workspace", str(tmp_path / "afile" / "sub")], tmp_path / "afile", "expected a folder"


def _database_folder(tmp_path: Path) -> tuple[list[str], Path, str]:
    (tmp_path / "ws" / "labelpact.db").mkdir(parents=True)
    return ["--workspace", str(tmp_path / "ws")], tmp_path / "ws" / "labelpact.db", "a SQLite database file"


def _blobs_file(tmp_path: Path) -> tuple[list[str], Path, str]:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "blobs").write_text("x")
    return ["--workspace", str(tmp_path / "ws")], tmp_path / "ws" / "blobs", "blob store"


def _db_under_a_file(tmp_path: Path) -> tuple[list[str], Path, str]:
    (tmp_path / "afile").write_text("x")
    url = f"sqlite:///{tmp_path / 'afile' / 'x.db'}"
    return ["--workspace", str(tmp_path / "ws"), "--db", url], tmp_path / "afile", "SQLite database"


CASES = [_afile_parent, _database_folder, _blobs_file, _db_under_a_file]


@pytest.mark.parametrize("case", CASES)
def test_a_path_of_the_wrong_kind_is_bad_input_naming_it(
    cli: RunCli, tmp_path: Path, case: Callable[[Path], tuple[list[str], Path, str]]
) -> None:
    args, path, expected = case(tmp_path)
    run = cli("partner", "add", "Acme", *args)
    assert run.code == 2, run.stderr
    assert run.stderr.count("\n") == 1 and str(path) in run.stderr and expected in run.stderr, run.stderr
    assert "Added" not in run.stdout


def test_the_store_names_the_blob_folder_that_is_a_file(tmp_path: Path) -> None:
    _blobs_file(tmp_path)
    with pytest.raises(InvalidInputError, match="got a file"):
        Store.open(load_settings({}, workspace=tmp_path / "ws"))
    assert not (tmp_path / "ws" / "labelpact.db").exists()
