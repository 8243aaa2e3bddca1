"""A stored batch whose normalised Parquet is lost gets it back from a re-ingest of its delivered files, as
``labelpact verify`` advises: the file is made again, and put back only when it has the recorded SHA-256."""

from __future__ import annotations

from pathlib import Path

from labelpact.services.ingest import ingest_batch
from labelpact.store import BatchRecord, Store

DATA = Path(__file__).resolve().parents[3] / "examples" / "data"
FILES = {"gold": DATA / "acme-week1-gold.csv", "tasks": DATA / "acme-week1-tasks.csv"}


def _ingest(store: Store, **files: Path) -> tuple[bool, tuple[str, ...]]:
    result = ingest_batch(store, DATA / "acme-week1.csv", partner="Acme", project="sent", **files)
    return result.created, result.restored


def _normalised(store: Store, batch: BatchRecord) -> Path:
    stored = batch.file("normalised")
    assert stored is not None
    return store.blob_root / stored.path


def test_a_re_ingest_makes_a_lost_normalised_file_again(store: Store) -> None:
    store.add_partner("Acme")
    assert _ingest(store, **FILES) == (True, ())
    batch = store.list_batches()[0]
    normalised = _normalised(store, batch)
    recorded = normalised.read_bytes()
    normalised.unlink()
    assert store.damaged_batch_files(batch) == ["normalised"]
    assert _ingest(store, **FILES) == (False, ("normalised",))
    assert normalised.read_bytes() == recorded
    assert store.damaged_batch_files(batch) == []


def test_a_normalised_file_read_with_other_files_is_not_put_back(store: Store) -> None:
    store.add_partner("Acme")
    _ingest(store, **FILES)
    batch = store.list_batches()[0]
    normalised = _normalised(store, batch)
    normalised.unlink()
    assert _ingest(store, tasks=FILES["tasks"]) == (False, ())  # without its gold: other bytes
    assert not normalised.exists()
    assert store.damaged_batch_files(batch) == ["normalised"]
