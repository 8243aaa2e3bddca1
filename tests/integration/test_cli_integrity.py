"""Stored files are not trusted blindly (issue 10, item 17): checked when read, ``labelpact verify``, one-transaction audits."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import labelpact.store.queries as queries
from labelpact.io.export import write_annotations, write_gold
from labelpact.simulate import simulate_delivery

RunCli = Callable[..., Any]
Snapshot = Callable[[Path], dict[str, Any]]


@pytest.fixture
def audited(cli: RunCli, tmp_path: Path) -> tuple[RunCli, dict[str, Any]]:
    sim = simulate_delivery(n_tasks=150, n_workers=12, seed=7)
    labels = write_annotations(sim.annotations, tmp_path / "week1.csv")
    gold = write_gold(sim.annotations, sim.gold, tmp_path / "gold.csv")
    assert cli("partner", "add", "Acme").code == 0
    run = cli("audit", labels, "--partner", "Acme", "--project", "p", "--gold", gold, "--json")
    assert run.code == 0, run.stderr
    return cli, json.loads(run.stdout)


def test_a_consensus_changed_by_hand_is_not_exported_and_verify_names_it(
    audited: tuple[RunCli, dict[str, Any]], workspace: Path, tmp_path: Path
) -> None:
    cli, doc = audited
    assert cli("verify").code == 0
    stored = next((workspace / "blobs" / "audits").rglob("consensus.parquet"))
    table = pq.read_table(stored)
    first = table.column("label")[0].as_py()
    other = next(v for v in pc.unique(table.column("label")).to_pylist() if v not in (first, None))
    labels = table.column("label").to_pylist()
    labels[0] = other  # one label changed by hand, in a valid Parquet file
    pq.write_table(table.set_column(table.schema.get_field_index("label"), "label", [labels]), stored)

    exported = cli("consensus", "export", doc["audit"], "--out", tmp_path / "consensus.csv")
    assert exported.code == 1
    assert exported.stderr.count("\n") == 1
    assert "cannot be trusted: changed file" in exported.stderr
    assert not (tmp_path / "consensus.csv").exists()

    verified = cli("verify")
    assert verified.code == 2
    relative = stored.relative_to(workspace / "blobs").as_posix()
    assert verified.stderr.startswith(
        f"labelpact: error: 1 damaged: audit {doc['audit']}: {relative} changed file"
    )
    assert doc["audit"] in verified.stdout and "changed file" in verified.stdout
    document = json.loads(cli("verify", "--json").stdout)
    assert document["ok"] is False
    assert [(d["kind"], d["path"]) for d in document["damage"]] == [("changed file", relative)]


def test_an_audit_that_fails_while_stored_leaves_no_batch_behind(
    cli: RunCli, tmp_path: Path, workspace: Path, snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = simulate_delivery(n_tasks=100, n_workers=10, seed=8)
    labels = write_annotations(sim.annotations, tmp_path / "week1.csv")
    assert cli("partner", "add", "Acme").code == 0
    before = snapshot(workspace)
    real = queries.audit

    def fail_at_the_audit(session: Any, actor: str, action: str, subject: str, detail: Any) -> None:
        if action == "audit.created":  # the batch rows are already written in this transaction
            raise OSError(28, "No space left on device")
        real(session, actor, action, subject, detail)

    monkeypatch.setattr(queries, "audit", fail_at_the_audit)
    run = cli("audit", labels, "--partner", "Acme", "--project", "p")
    assert run.code == 1
    assert run.stderr == "labelpact: error: No space left on device\n"
    monkeypatch.setattr(queries, "audit", real)
    assert snapshot(workspace) == before  # no batch without its audit
    listed = cli("batches", "list", "--json")
    assert listed.code == 0, (listed.stdout, listed.stderr)
    assert json.loads(listed.stdout)["batches"] == []
