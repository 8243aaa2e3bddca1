"""Batches stored before migration 0007 (no labels digest of their own) are covered by redelivery detection:
their digest is computed once from the stored normalised file. They had been invisible to it, so the same
labels delivered again after an upgrade were neither warned about nor flagged."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from labelpact.config import Settings
from labelpact.io.export import write_annotations
from labelpact.services import ingest as ingest_module
from labelpact.services import refinement_audit
from labelpact.services import workspace as workspace_module
from labelpact.simulate import simulate_delivery
from labelpact.store import Store

RunCli = Callable[..., Any]


def test_a_batch_stored_before_0007_is_found_when_its_labels_come_again(
    store_cli: RunCli, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sim = simulate_delivery(n_tasks=60, n_workers=6, seed=4)
    first = write_annotations(sim.annotations, tmp_path / "week1.csv")
    header, *rows = first.read_text(encoding="utf-8").splitlines()
    again = tmp_path / "again.csv"
    again.write_text("\n".join([header, *reversed(rows)]) + "\n", encoding="utf-8")
    assert store_cli("partner", "add", "Acme").code == 0
    with monkeypatch.context() as old_release:  # stored as a release before 0007 stored it: no digest
        old_release.setattr(ingest_module, "labels_digest", lambda _a: None)
        assert store_cli("ingest", first, "--partner", "Acme", "--project", "p").code == 0
    with Store.open(settings) as store:
        (old,) = store.list_batches()
        assert old.labels_digest is None and store.batches_without_digest() == [old]
    run = store_cli("audit", again, "--partner", "Acme", "--project", "p", "--json")
    assert run.code == 0, run.stderr
    assert "redelivered" in [f["kind"] for f in json.loads(run.stdout)["findings"]]
    assert old.id in run.stdout  # the finding names the batch that held these rows first
    with Store.open(settings) as store:
        assert store.batches_without_digest() == []
        digest = ingest_module.labels_digest(sim.annotations)
        assert next(b.id for b in store.find_batches_with_labels(digest)) == old.id
        assert store.get_batch(old.id).labels_digest == digest  # the record shows it (it had stayed null)


@pytest.mark.parametrize("kind", ["preferences", "ratings", "demonstrations"])
@pytest.mark.filterwarnings("ignore::labelpact.errors.ConvergenceWarning")  # 60 comparisons are few for EM
def test_a_deliverable_batch_stored_without_a_digest_is_found_when_its_rows_come_again(
    kind: str, store_cli: RunCli, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first = tmp_path / f"{kind}.csv"
    assert store_cli("simulate", "--kind", kind, "--out", first, "--size", "60", "--seed", "3").code == 0
    header, *rows = first.read_text(encoding="utf-8").splitlines()
    again = tmp_path / f"{kind}-again.csv"
    again.write_text("\n".join([header, *reversed(rows)]) + "\n", encoding="utf-8")
    assert store_cli("partner", "add", "RLHFCo").code == 0
    args = ("--kind", kind, "--partner", "RLHFCo", "--project", "rlhf")
    with monkeypatch.context() as old_release:  # stored as a release before 0010 stored it: no digest
        old_release.setattr(refinement_audit, "deliverable_digest", lambda _d: None)
        assert store_cli("ingest", first, *args).code == 0
    with Store.open(settings) as store:
        (old,) = store.list_batches()
        assert old.kind == kind and old.labels_digest is None and store.batches_without_digest() == [old]
    run = store_cli("ingest", again, *args, "--json")
    assert run.code == 0, run.stderr
    assert any(old.id in w for w in json.loads(run.stdout)["warnings"])  # the redelivery is warned about
    run = store_cli("audit", again, *args, "--json")
    assert run.code == 0, run.stderr
    assert "redelivered" in [f["kind"] for f in json.loads(run.stdout)["findings"]]
    with Store.open(settings) as store:
        assert store.batches_without_digest() == []


def test_backfills_at_once_record_each_digest_once(
    store_cli: RunCli, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The first commands after an upgrade each backfill the old batches' digests; on PostgreSQL two of them
    inserting the same digest row had failed one with an internal error (UniqueViolation)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    assert store_cli("partner", "add", "Acme").code == 0
    with monkeypatch.context() as old_release:  # an old release: no digest stored, none backfilled
        old_release.setattr(ingest_module, "labels_digest", lambda _a: None)
        old_release.setattr(workspace_module, "backfill_labels_digests", lambda _s: 0)
        for seed in range(6):
            sim = simulate_delivery(n_tasks=20, n_workers=4, seed=seed)
            path = write_annotations(sim.annotations, tmp_path / f"w{seed}.csv")
            assert store_cli("ingest", path, "--partner", "Acme", "--project", "p").code == 0
    with Store.open(settings) as store:
        old = store.batches_without_digest()
    assert len(old) == 6
    start = threading.Barrier(6)

    def backfill(_: int) -> None:
        with Store.open(settings) as store:
            start.wait()
            for batch in old:
                store.add_batch_digest(batch.id, "0123456789abcdef")

    for _ in range(3):  # the race needs both to find no row, then both insert: give it a few rounds
        with ThreadPoolExecutor(6) as pool:
            list(pool.map(backfill, range(6)))
    with Store.open(settings) as store:
        assert store.batches_without_digest() == []
