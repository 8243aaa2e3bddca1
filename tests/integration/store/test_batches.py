"""Batches: content-addressed, atomic, found by sha256 prefix; a failed add leaves everything as it was."""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from labelpact.config import Settings
from labelpact.errors import ConflictError, InvalidInputError, NotFoundError
from labelpact.store import BatchRecord, Store
from labelpact.store.blobs import OWNER, PLACING
from labelpact.store.database import store_identity

from .conftest import Delivery, Snapshot

MakeDelivery = Callable[..., Delivery]
CSV = b"task,worker,label\nt1,w1,pos\nt1,w2,neg\nt2,w1,\n"


@pytest.fixture
def scale(store: Store) -> Store:
    store.add_partner("Scale")
    store.add_partner("Surge")
    return store


def test_a_batch_round_trips_with_its_files(scale: Store, settings: Settings, delivery: MakeDelivery) -> None:
    d = delivery(CSV)
    added = scale.add_batch(d.new, files=d.files)
    sha = hashlib.sha256(CSV).hexdigest()
    assert (added.id, added.sha256, added.partner, added.project) == (sha[:12], sha, "Scale", "sentiment")
    assert added.classes == ("neg", "pos")
    assert (added.n_abstentions, added.n_gold, added.median_duration_s) == (1, 1, 12.5)
    assert added.delivered_at == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert abs(datetime.now(UTC) - added.received_at) < timedelta(minutes=1)
    assert [f.role for f in added.files] == ["labels", "normalised"]
    labels = added.file("labels")
    assert labels is not None
    assert labels.path == f"sha256/{sha[:2]}/{sha}/labels.csv"
    assert (labels.sha256, labels.size_bytes) == (sha, len(CSV))
    assert scale.blob_path(labels).read_bytes() == CSV
    normalised = added.file("normalised")
    assert normalised is not None and normalised.path.endswith("/normalised.parquet")
    assert scale.blob_path(normalised).read_bytes() == d.files["normalised"].read_bytes()
    with Store.open(settings) as reopened:
        assert reopened.find_batch_by_sha256(sha) == added
        assert reopened.get_batch(sha) == added
    assert list((settings.blob_root / ".staging").iterdir()) == []


def test_the_project_is_created_with_the_batch(scale: Store, delivery: MakeDelivery) -> None:
    d = delivery(CSV, project="ner")
    scale.add_batch(d.new, files=d.files)
    assert [(p.name, p.n_batches) for p in scale.list_projects()] == [("ner", 1)]
    assert scale.get_project("ner").n_batches == 1


def test_an_unknown_partner_changes_nothing_and_names_the_known_ones(
    scale: Store, delivery: MakeDelivery, take_snapshot: Callable[[], Snapshot]
) -> None:
    before = take_snapshot()
    d = delivery(CSV, partner="Scael")
    with pytest.raises(
        NotFoundError, match=r"unknown partner 'Scael'; known partners: Scale, Surge; did you mean 'Scale'\?"
    ):
        scale.add_batch(d.new, files=d.files)
    assert take_snapshot() == before
    assert scale.list_projects() == []  # the project made in that transaction was rolled back


def test_the_same_bytes_twice_is_a_conflict_naming_the_batch(
    scale: Store, delivery: MakeDelivery, take_snapshot: Callable[[], Snapshot]
) -> None:
    first = _add(scale, delivery(CSV))
    before = take_snapshot()
    again = delivery(CSV, partner="Surge", project="other")
    with pytest.raises(
        ConflictError, match=rf"^these bytes are already batch {first.id} \(Scale/sentiment, labels.csv\)$"
    ):
        scale.add_batch(again.new, files=again.files)
    assert take_snapshot() == before


def test_labels_that_do_not_hash_to_the_sha256_are_refused(
    scale: Store, delivery: MakeDelivery, take_snapshot: Callable[[], Snapshot]
) -> None:
    d = delivery(CSV)
    before = take_snapshot()
    d.files["labels"].write_bytes(CSV + b"t3,w9,pos\n")  # changed after it was hashed
    with pytest.raises(InvalidInputError, match="it changed"):
        scale.add_batch(d.new, files=d.files)
    assert take_snapshot() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sha256": "ABC"}, "SHA-256 of 64 lower-case hex"),
        ({"delivered_at": datetime(2026, 1, 1)}, "timezone-aware"),
        ({"n_tasks": -1}, "count >= 0"),
        ({"classes": ["a"]}, "2 class names"),
    ],
)
def test_impossible_batch_values_are_invalid_input(
    scale: Store,
    delivery: MakeDelivery,
    change: dict[str, Any],
    message: str,
    take_snapshot: Callable[[], Snapshot],
) -> None:
    d = delivery(CSV)
    before = take_snapshot()
    with pytest.raises(InvalidInputError, match=message):
        scale.add_batch(replace(d.new, **change), files=d.files)
    assert take_snapshot() == before


def test_missing_files_are_invalid_input(scale: Store, delivery: MakeDelivery, tmp_path: Path) -> None:
    d = delivery(CSV)
    with pytest.raises(InvalidInputError, match="'labels' file"):
        scale.add_batch(d.new, files={"normalised": d.files["normalised"]})
    with pytest.raises(InvalidInputError, match="no such file"):
        scale.add_batch(d.new, files={**d.files, "gold": tmp_path / "absent.csv"})
    with pytest.raises(InvalidInputError, match="file role"):
        scale.add_batch(d.new, files={**d.files, "../evil": d.files["labels"]})
    assert scale.list_batches() == []


def test_a_failure_after_the_first_rename_leaves_everything_as_it_was(
    scale: Store,
    delivery: MakeDelivery,
    take_snapshot: Callable[[], Snapshot],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _add(scale, delivery(b"an earlier batch"))
    before = take_snapshot()
    real, calls = os.replace, itertools.count()

    def flaky(src: Any, dst: Any) -> None:
        if next(calls) == 1:
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr("labelpact.store.blobs.os.replace", flaky)
    d = delivery(CSV, project="new-project")
    with pytest.raises(OSError, match="No space left"):
        scale.add_batch(d.new, files=d.files)
    assert take_snapshot() == before


def test_a_failed_commit_leaves_everything_as_it_was(
    scale: Store,
    delivery: MakeDelivery,
    take_snapshot: Callable[[], Snapshot],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = take_snapshot()

    def refuse(dbapi_connection: Any) -> None:
        raise RuntimeError("commit refused")

    monkeypatch.setattr(scale._engine.dialect, "do_commit", refuse)  # the database says no at COMMIT
    d = delivery(CSV)
    with pytest.raises(RuntimeError, match="commit refused"):
        scale.add_batch(d.new, files=d.files)
    monkeypatch.undo()
    assert take_snapshot() == before


def test_gold_and_task_files_are_stored_under_their_roles(
    scale: Store, delivery: MakeDelivery, tmp_path: Path
) -> None:
    d = delivery(CSV)
    gold, tasks = tmp_path / "gold.CSV", tmp_path / "tasks.jsonl"
    gold.write_bytes(b"task,label\nt1,pos\n")
    tasks.write_bytes(b'{"task": "t1", "text": "fine"}\n')
    added = scale.add_batch(d.new, files={**d.files, "gold": gold, "tasks": tasks})
    assert [f.role for f in added.files] == ["gold", "labels", "normalised", "tasks"]
    stored = {f.role: scale.blob_path(f) for f in added.files}
    assert stored["gold"].name == "gold.csv" and stored["gold"].read_bytes() == gold.read_bytes()
    assert stored["tasks"].name == "tasks.jsonl" and stored["tasks"].read_bytes() == tasks.read_bytes()


def test_list_batches_newest_first_and_filtered(scale: Store, delivery: MakeDelivery) -> None:
    a = _add(scale, delivery(b"a", partner="Scale", project="p1"))
    b = _add(scale, delivery(b"b", partner="Surge", project="p1"))
    c = _add(scale, delivery(b"c", partner="Scale", project="p2"))
    assert [x.id for x in scale.list_batches()] == [c.id, b.id, a.id]
    assert [x.id for x in scale.list_batches(partner="Scale")] == [c.id, a.id]
    assert [x.id for x in scale.list_batches(project="p1")] == [b.id, a.id]
    assert [x.id for x in scale.list_batches(partner="Scale", project="p1")] == [a.id]
    with pytest.raises(NotFoundError, match="unknown partner 'Surg'"):
        scale.list_batches(partner="Surg")
    assert [(p.name, p.n_batches) for p in scale.list_projects()] == [("p1", 2), ("p2", 1)]


def _two_sharing_a_prefix(length: int = 6) -> tuple[bytes, bytes]:
    seen: dict[str, bytes] = {}
    for i in itertools.count():
        content = f"batch {i}\n".encode()
        prefix = hashlib.sha256(content).hexdigest()[:length]
        if prefix in seen:
            return seen[prefix], content
        seen[prefix] = content
    raise AssertionError("unreachable")


def test_get_batch_by_unique_prefix(scale: Store, delivery: MakeDelivery) -> None:
    one, two = _two_sharing_a_prefix()
    a = _add(scale, delivery(one))
    b = _add(scale, delivery(two))
    shared = a.sha256[:6]
    assert b.sha256.startswith(shared)
    longest = next(i for i in range(6, 64) if a.sha256[i] != b.sha256[i])
    assert scale.get_batch(a.sha256[: longest + 1]) == a
    assert scale.get_batch(b.sha256[: longest + 1].upper()) == b
    assert scale.get_batch(a.id) == a
    with pytest.raises(InvalidInputError, match=rf"matches one batch, got '{shared}', which matches"):
        scale.get_batch(shared)
    with pytest.raises(InvalidInputError, match="6 to 64 hex digits"):
        scale.get_batch(a.sha256[:5])
    with pytest.raises(InvalidInputError, match="6 to 64 hex digits"):
        scale.get_batch("zzzzzzzz")
    missing = "0" * 6 if not a.sha256.startswith("000000") else "f" * 6
    with pytest.raises(NotFoundError, match=rf"^unknown batch '{missing}'; latest batches: {b.id}, {a.id}$"):
        scale.get_batch(missing)
    assert scale.find_batch_by_sha256("0" * 64) is None


def test_identical_bytes_left_by_a_crash_are_reused(
    scale: Store, settings: Settings, delivery: MakeDelivery
) -> None:
    d = delivery(CSV)
    folder = settings.blob_root / "sha256" / d.new.sha256[:2] / d.new.sha256
    folder.mkdir(parents=True)
    (folder / "labels.csv").write_bytes(CSV)  # what a killed earlier attempt left behind
    (folder / "normalised.parquet").write_bytes(b"half-written")
    added = scale.add_batch(d.new, files=d.files)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == {
        "labels.csv": CSV,
        "normalised.parquet": d.files["normalised"].read_bytes(),
    }
    assert [f.sha256 for f in added.files] == [hashlib.sha256(CSV).hexdigest(), _sha(d.files["normalised"])]


def test_sweep_removes_old_unreferenced_folders_and_files_only(
    scale: Store, settings: Settings, delivery: MakeDelivery
) -> None:
    kept = _add(scale, delivery(CSV))
    orphan = settings.blob_root / "sha256" / "ab" / ("ab" * 32)
    orphan.mkdir(parents=True)
    (orphan / "labels.csv").write_bytes(b"never committed")
    young = settings.blob_root / "sha256" / "cd" / ("cd" * 32)
    young.mkdir(parents=True)
    stray = scale.blob_path(kept.files[0]).with_name("gold.csv")
    stray.write_bytes(b"not in batch_files")
    stale_marker = settings.blob_root / ".staging" / f"{'ef' * 32}.dead"
    stale_marker.mkdir()
    hour_ago = (datetime.now().timestamp() - 7200,) * 2
    for path in (orphan, stray, stale_marker):
        os.utime(path, hour_ago)
    removed = scale.sweep_orphans()
    assert sorted(removed) == sorted(
        [
            f"sha256/ab/{'ab' * 32}",
            stray.relative_to(settings.blob_root).as_posix(),
            f".staging/{'ef' * 32}.dead",
        ]
    )
    assert (
        not orphan.exists()
        and not orphan.parent.exists()
        and not stray.exists()
        and not stale_marker.exists()
    )
    assert young.is_dir()  # a write in flight may own it
    assert all(scale.blob_path(f).is_file() for f in kept.files)


def test_open_finishes_a_write_a_crash_left_an_hour_ago(settings: Settings, delivery: MakeDelivery) -> None:
    with Store.open(settings) as store:
        store.add_partner("Scale")
        kept = _add(store, delivery(CSV))
    sha = "12" * 32
    orphan = settings.blob_root / "sha256" / "12" / sha
    orphan.mkdir(parents=True)
    (orphan / "labels.csv").write_bytes(b"renamed, never committed")
    markers = [
        settings.blob_root / ".staging" / f"{sha}.x",
        settings.blob_root / ".staging" / f"{kept.sha256}.y",
    ]
    # what each crashed write noted before renaming: the file and the folders it made; nothing new for the
    # write that reused the committed batch's files
    placed = [f"sha256/12/{sha}/labels.csv", f"sha256/12/{sha}", "sha256/12"]
    for marker, note in zip(markers, ("\n".join(placed), ""), strict=True):
        marker.mkdir()
        (marker / PLACING).write_text(note, encoding="utf-8")
        (marker / OWNER).write_text(store_identity(settings.db_url), encoding="utf-8")  # this store's write
        os.utime(marker, (datetime.now().timestamp() - 7200,) * 2)
    with Store.open(settings) as store:
        assert store.get_batch(kept.id) == kept
    assert not orphan.exists()
    assert not any(m.exists() for m in markers)
    assert all((settings.blob_root / f.path).is_file() for f in kept.files)


def test_recovery_removes_only_what_the_crashed_write_placed(settings: Settings) -> None:
    # one workspace folder used with two databases: the other store's committed batch files are in the
    # folder a crashed write of this store reused (identical bytes); no row of this store names the folder
    with Store.open(settings, create=True) as store:
        store.add_partner("Scale")
    sha = "34" * 32
    other = settings.blob_root / "sha256" / "34" / sha
    other.mkdir(parents=True)
    (other / "labels.csv").write_bytes(b"another store's committed batch")
    (other / "extra.parquet").write_bytes(b"placed by the crashed write")
    marker = settings.blob_root / ".staging" / f"{sha}.z"
    marker.mkdir()
    (marker / PLACING).write_text(f"sha256/34/{sha}/extra.parquet", encoding="utf-8")
    (marker / OWNER).write_text(store_identity(settings.db_url), encoding="utf-8")  # this store's write
    os.utime(marker, (datetime.now().timestamp() - 7200,) * 2)  # after the note: a dead write's old marker
    with Store.open(settings):
        pass
    assert (other / "labels.csv").read_bytes() == b"another store's committed batch"
    assert not (other / "extra.parquet").exists() and not marker.exists()


def _add(store: Store, d: Delivery) -> BatchRecord:
    return store.add_batch(d.new, files=d.files)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
