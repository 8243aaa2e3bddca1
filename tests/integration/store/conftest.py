"""Fixtures for the store suite: each test runs on SQLite and on PostgreSQL (fresh schema per test).

PostgreSQL comes from ``LABELPACT_TEST_POSTGRES_URL``, else the server ``.ci/postgres.sh`` starts; the
``postgres`` cases skip with the reason when nothing answers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.integration.postgres import BACKENDS, admin_engine, schema_settings

from labelpact.config import Settings, load_settings
from labelpact.store import BatchCreate, Store


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[sa.Engine]:
    """An engine on the test database, or a skip that says how to get one."""
    engine = admin_engine()
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Settings]:
    """Settings of an empty store: a SQLite file in a temporary workspace, or a fresh PostgreSQL schema."""
    workspace = tmp_path / "ws"
    if backend == "sqlite":
        yield load_settings({}, workspace=workspace)
        return
    admin: sa.Engine = request.getfixturevalue("postgres_admin")
    with schema_settings(admin, workspace) as made:
        yield made


@pytest.fixture
def store_cli(
    cli: Callable[..., Any], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Any]:
    """The integration ``cli`` pointed at this test's store: its workspace and its database (SQLite or PostgreSQL)."""
    monkeypatch.setenv("LABELPACT_WORKSPACE", str(settings.workspace))
    monkeypatch.setenv("LABELPACT_DB", settings.db_url)
    return cli


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    with Store.open(settings) as opened:
        yield opened


# -- snapshots: every row of every table and every file under the blob root -----------------------
Snapshot = dict[str, Any]


def snapshot(settings: Settings) -> Snapshot:
    """All rows (sorted) of all tables, and the SHA-256 of every file and the list of every folder under blobs/."""
    engine = sa.create_engine(settings.db_url, poolclass=sa.NullPool)
    rows: dict[str, list[str]] = {}
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            for name, table in sorted(meta.tables.items()):
                rows[name] = sorted(repr(tuple(r)) for r in conn.execute(sa.select(table)))
    finally:
        engine.dispose()
    root = settings.blob_root
    files = {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
    folders = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir())
    return {"rows": rows, "files": files, "folders": folders}


@pytest.fixture
def take_snapshot(settings: Settings) -> Callable[[], Snapshot]:
    return lambda: snapshot(settings)


# -- deliveries -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Delivery:
    """A batch to add: what the reader would report, and the files staged for it."""

    new: BatchCreate
    files: dict[str, Path]


def make_delivery(
    folder: Path, content: bytes, *, partner: str = "Scale", project: str = "sentiment", **changes: Any
) -> Delivery:
    """A labels file with ``content``, a fake normalised Parquet, and the BatchCreate that describes them."""
    folder.mkdir(parents=True, exist_ok=True)
    sha = hashlib.sha256(content).hexdigest()
    labels = folder / f"{sha[:8]}-labels.csv"
    labels.write_bytes(content)
    normalised = folder / f"{sha[:8]}-annotations.parquet"
    normalised.write_bytes(b"PAR1" + content[::-1] + b"PAR1")
    new = BatchCreate(
        sha256=sha,
        partner=partner,
        project=project,
        source_name="labels.csv",
        format="csv",
        size_bytes=len(content),
        n_rows=3,
        n_annotations=3,
        n_tasks=2,
        n_workers=2,
        n_classes=2,
        classes=["neg", "pos"],
        n_duplicates=0,
        n_abstentions=1,
        n_cancelled=0,
        n_tasks_without_labels=0,
        n_gold=1,
        median_duration_s=12.5,
        delivered_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        due_at=datetime(2026, 11, 21, 0, 0, tzinfo=UTC),
    )
    return Delivery(new=replace(new, **changes), files={"labels": labels, "normalised": normalised})


@pytest.fixture
def delivery(tmp_path: Path) -> Callable[..., Delivery]:
    """Make deliveries in a staging folder outside the workspace: ``delivery(b"bytes", partner=...)``."""
    return lambda content, **kw: make_delivery(tmp_path / "incoming", content, **kw)
