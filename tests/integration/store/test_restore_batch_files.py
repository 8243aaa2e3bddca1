"""A re-ingest of a stored batch's bytes puts back its stored files that went missing (the bytes hash to
what the batch recorded), and ``verify`` says so; it had been a no-op that left the batch unusable."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labelpact.config import Settings
from labelpact.io.export import write_annotations, write_gold
from labelpact.simulate import simulate_delivery
from labelpact.store import Store

RunCli = Callable[..., Any]


def test_a_re_ingest_restores_missing_files_with_the_recorded_bytes(
    store_cli: RunCli, settings: Settings, tmp_path: Path
) -> None:
    sim = simulate_delivery(n_tasks=50, n_workers=6, seed=9)
    labels = write_annotations(sim.annotations, tmp_path / "week1.csv")
    gold = write_gold(sim.annotations, sim.gold, tmp_path / "gold.csv")
    assert store_cli("partner", "add", "Acme").code == 0
    assert store_cli("ingest", labels, "--partner", "Acme", "--project", "p", "--gold", gold).code == 0
    with Store.open(settings) as store:
        (batch,) = store.list_batches()
    stored = {f.role: store.blob_root / f.path for f in batch.files}
    kept = stored["labels"].read_bytes()
    stored["labels"].unlink()
    stored["gold"].write_text("task,label\n", encoding="utf-8")  # damaged in place

    run = store_cli("verify")
    assert run.code == 2 and "ingesting a damaged batch's delivered file again" in run.stderr, run.stderr
    other = tmp_path / "other-gold.csv"
    other.write_text("task,label\n", encoding="utf-8")
    run = store_cli("ingest", labels, "--partner", "Acme", "--project", "p", "--gold", other, "--json")
    assert run.code == 0 and "restored the stored labels file(s)" in " ".join(json.loads(run.stdout)["notes"])
    assert stored["labels"].read_bytes() == kept
    assert stored["gold"].read_text(encoding="utf-8") == "task,label\n"  # other bytes never replace a record
    assert store_cli("verify").code == 2

    stored["gold"].unlink()
    human = store_cli(
        "ingest", labels, "--partner", "Acme", "--project", "p", "--gold", gold
    )  # as people read it
    shown = " ".join(human.stdout.split())
    assert human.code == 0 and "restored its missing or damaged gold file(s)" in shown
    assert "nothing written" not in human.stdout
    assert store_cli("verify").code == 0
    run = store_cli("ingest", labels, "--partner", "Acme", "--project", "p", "--json")
    assert run.code == 0 and json.loads(run.stdout)["notes"] == []  # intact: nothing to put back
    with Store.open(settings) as store:
        restores = store.audit_log(action="batch.files_restored")
    assert [entry.detail["roles"] for entry in restores] == [["labels"], ["gold"]]
