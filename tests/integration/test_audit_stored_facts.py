"""An audit of bytes already stored judges them by the stored batch's times (a contradicting time given now
is ignored with a warning, as ingest ignores it) and keeps a gold file given now with the audit that used it."""

from __future__ import annotations

import json
from pathlib import Path

from labelpact.config import load_settings
from labelpact.io.export import write_annotations, write_gold
from labelpact.simulate import simulate_delivery
from labelpact.store import Store

from .conftest import RunCli


def test_a_stored_batch_keeps_its_times_and_the_audit_keeps_its_gold(
    cli: RunCli, tmp_path: Path, workspace: Path
) -> None:
    sim = simulate_delivery(n_tasks=200, n_workers=20, seed=6)
    assert sim.gold is not None
    labels = write_annotations(sim.annotations, tmp_path / "week1.csv")
    gold = write_gold(sim.annotations, sim.gold, tmp_path / "gold.csv")
    assert cli("partner", "add", "Acme").code == 0
    where = ("--partner", "Acme", "--project", "p")
    late = ("--delivered-at", "2026-01-20", "--due-at", "2026-01-09")  # 11 days late, as stored
    assert cli("ingest", labels, *where, *late).code == 0
    run = cli("audit", labels, *where, "--delivered-at", "2026-01-01", "--gold", gold, "--json")
    assert run.code == 0, run.stderr
    assert "delivered_at 2026-01-01T00:00:00+00:00 ignored" in run.stderr  # not silently on time
    doc = json.loads(run.stdout)
    assert any(f["kind"] == "late_delivery" for f in doc["findings"])
    assert doc["metrics"]["n_gold"] > 0
    with Store.open(load_settings({}, workspace=workspace)) as store:
        kept = store.get_audit(doc["audit"]).file("gold")
    assert kept is not None  # the 60 gold answers it rests on are in the store
