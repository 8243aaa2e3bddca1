"""Shared fixtures for tests that touch the disk: a CLI runner in-process and store snapshots."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from labelpact.cli import main


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


RunCli = Callable[..., Run]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "ws"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], workspace: Path, monkeypatch: pytest.MonkeyPatch) -> RunCli:
    """Run ``labelpact ARGS`` in-process against a fresh workspace; returns exit code, stdout, stderr."""
    monkeypatch.setenv("LABELPACT_WORKSPACE", str(workspace))
    monkeypatch.delenv("LABELPACT_DB", raising=False)
    monkeypatch.setenv("COLUMNS", "160")

    def run(*args: str | Path) -> Run:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        else:  # pragma: no cover - main always exits
            code = 0
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def snapshot() -> Callable[..., dict[str, Any]]:
    """``snapshot(workspace)``: the store's rows and blob hashes, to prove that nothing changed."""
    return snapshot_store


def snapshot_store(workspace: Path, db_url: str | None = None) -> dict[str, Any]:
    """Every row of every table and the SHA-256 of every file under the blob folder."""
    url = db_url or f"sqlite:///{workspace / 'labelpact.db'}"
    engine = sa.create_engine(url)
    rows: dict[str, list[tuple[Any, ...]]] = {}
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            for name, table in sorted(meta.tables.items()):
                rows[name] = sorted(map(tuple, conn.execute(sa.select(table)).all()), key=repr)
    finally:
        engine.dispose()
    blobs = (
        {
            str(p.relative_to(workspace)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((workspace / "blobs").rglob("*"))
            if p.is_file()
        }
        if (workspace / "blobs").exists()
        else {}
    )
    folders = (
        sorted(str(p.relative_to(workspace)) for p in (workspace / "blobs").rglob("*") if p.is_dir())
        if (workspace / "blobs").exists()
        else []
    )
    return {"rows": rows, "blobs": blobs, "folders": folders}
