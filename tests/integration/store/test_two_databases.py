"""One workspace used with two databases: a crash recovery by one database never removes the files of a
write another database staged (it may have committed there); each database settles only its own markers."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from tests.integration.store.conftest import Delivery

from labelpact.config import Settings, load_settings
from labelpact.store import Store
from labelpact.store.blobs import PLACING, Placement
from labelpact.store.database import store_identity

MakeDelivery = Callable[..., Delivery]


def _die_after_commit(placement: Placement) -> None:
    """What a kill right after COMMIT leaves: the writer's lock is released, its staging marker stays."""
    if placement.lock_fd is not None:
        os.close(placement.lock_fd)
        placement.lock_fd = None


def test_another_databases_recovery_keeps_a_batch_committed_before_a_crash(
    settings: Settings, delivery: MakeDelivery, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the batch is committed in `settings`' database (SQLite or PostgreSQL), which dies before removing
    # its marker; a second database (a SQLite file) is then opened on the same workspace
    other = load_settings({}, workspace=settings.workspace, db=f"sqlite:///{settings.workspace / 'other.db'}")
    with Store.open(settings) as store:
        store.add_partner("Scale")
        d = delivery(b"task,worker,label\nt1,w1,pos\n")
        with monkeypatch.context() as patch:
            patch.setattr(Placement, "finish", _die_after_commit)
            batch = store.add_batch(d.new, files=d.files)
    markers = list((settings.blob_root / ".staging").iterdir())
    assert len(markers) == 1 and (markers[0] / PLACING).is_file()
    with Store.open(other) as second:  # its recovery finds a dead writer's marker naming no row of its own
        assert second.list_partners() == []
    assert all((settings.blob_root / f.path).is_file() for f in batch.files)
    assert markers[0].is_dir()  # left for its own database to settle
    with Store.open(settings) as store:
        assert [f.path for f in store.get_batch(batch.id).files] == [f.path for f in batch.files]
    assert not markers[0].exists()
    assert all((settings.blob_root / f.path).is_file() for f in batch.files)


def test_a_crashed_write_of_this_database_is_still_undone(
    settings: Settings, delivery: MakeDelivery, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(settings) as store:
        store.add_partner("Scale")
        d = delivery(b"task,worker,label\nt1,w1,neg\n")

        def die_before_commit(placement: Placement) -> None:
            original_place(placement)
            _die_after_commit(placement)
            raise SystemExit(137)

        original_place = Placement.place
        with monkeypatch.context() as patch:
            patch.setattr(Placement, "place", die_before_commit)
            patch.setattr(Placement, "undo", _die_after_commit)  # a killed process undoes nothing
            with pytest.raises(SystemExit):
                store.add_batch(d.new, files=d.files)
    placed = settings.blob_root / "sha256" / d.new.sha256[:2] / d.new.sha256
    assert placed.is_dir()
    with Store.open(settings):
        pass
    assert not placed.exists()
    assert list((settings.blob_root / ".staging").iterdir()) == []


def test_a_marker_that_names_no_database_keeps_its_files(settings: Settings) -> None:
    # an older labelpact's crashed write: which database it committed to cannot be told, so nothing goes
    with Store.open(settings):
        pass
    sha = "56" * 32
    folder = settings.blob_root / "sha256" / "56" / sha
    folder.mkdir(parents=True)
    (folder / "labels.csv").write_bytes(b"committed by some database")
    marker = settings.blob_root / ".staging" / f"{sha}.old"
    marker.mkdir()
    (marker / PLACING).write_text(f"sha256/56/{sha}/labels.csv\nsha256/56/{sha}\nsha256/56", encoding="utf-8")
    os.utime(marker, (datetime.now().timestamp() - 7200,) * 2)
    with Store.open(settings):
        pass
    assert (folder / "labels.csv").read_bytes() == b"committed by some database"
    assert not marker.exists()


def test_the_marker_names_the_database_not_its_password(tmp_path: Path) -> None:
    a = store_identity("postgresql+psycopg://u:secret@h:5432/db?options=-csearch_path%3Dx")
    assert a == store_identity("postgresql://u:other@h:5432/db?options=-csearch_path%3Dx")
    assert a != store_identity("postgresql://u:secret@h:5432/db?options=-csearch_path%3Dy")
    assert store_identity(f"sqlite:///{tmp_path}/a.db") != store_identity(f"sqlite:///{tmp_path}/b.db")
    assert "secret" not in a
