"""``labelpact audit --engine dask`` on a real LocalCluster: the consensus (``auto``) and the agreement run on the
cluster, and the audit stored is the one a local audit of the same file stores: the same verdict, reasons,
findings and sample, metrics and consensus to 1e-9."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from tests.integration.scale.parts import assert_close

from labelpact.io.export import annotations_table
from labelpact.simulate import simulate_delivery

distributed = pytest.importorskip("distributed")

VOLATILE = frozenset({"audit", "created_at", "seconds", "id"})  # differ between any two audits of one file


@pytest.fixture
def delivery(tmp_path: Path) -> tuple[Path, Path]:
    sim = simulate_delivery(n_tasks=160, n_workers=12, n_classes=3, seed=8, gold_share=0.1)
    labels, gold = tmp_path / "labels.csv", tmp_path / "gold.csv"
    pacsv.write_csv(annotations_table(sim.annotations).select(["task", "worker", "label"]), labels)
    a = sim.annotations
    pacsv.write_csv(
        pa.table(
            {"task": [a.tasks[t] for t in sim.gold.task], "label": [a.classes[y] for y in sim.gold.label]}
        ),
        gold,
    )
    return labels, gold


def test_an_audit_on_dask_stores_what_a_local_audit_stores(
    client: Any, delivery: tuple[Path, Path], tmp_path: Path, cli: Any
) -> None:
    labels, gold = delivery
    assert cli("partner", "add", "Acme").code == 0
    args = ("audit", labels, "--partner", "Acme", "--project", "p", "--gold", gold, "--json")
    local = cli(*args)
    assert local.code == 0, local.stderr
    dask = cli(*args, "--engine", "dask", "--scheduler", client.scheduler.address)
    assert dask.code == 0, dask.stderr
    ids = [json.loads(run.stdout)["audit"] for run in (local, dask)]
    assert ids[0] != ids[1]
    stored = [json.loads(cli("audits", "show", audit, "--json").stdout) for audit in ids]
    assert_close(stored[1], stored[0], skip=VOLATILE)
    assert stored[0]["method"] == "auto" and stored[0]["metrics"]["method"].startswith("auto: ")
    assert stored[0]["metrics"]["n_gold"] > 0 and stored[0]["sample_tasks"]
    tables = []
    for audit in ids:
        out = tmp_path / f"{audit}.parquet"
        assert cli("consensus", "export", audit, "--out", out).code == 0
        tables.append(pq.read_table(out).to_pydict())
    assert_close(tables[1], tables[0], skip=VOLATILE)


def test_a_named_method_is_refused_on_dask(
    client: Any, delivery: tuple[Path, Path], tmp_path: Path, cli: Any
) -> None:
    labels, _ = delivery
    contract = tmp_path / "contract.toml"
    contract.write_text('[quality]\nmethod = "ds"\n')
    assert cli("partner", "add", "Acme").code == 0
    run = cli(
        "audit", labels, "--partner", "Acme", "--project", "p", "--contract", contract, "--json",
        "--engine", "dask", "--scheduler", client.scheduler.address,
    )  # fmt: skip
    assert (
        run.code == 2
        and "quality.method" in run.stderr
        and "method 'auto' for an audit on the dask" in run.stderr
    )
    assert (
        "--scheduler"
        in cli("audit", labels, "--partner", "Acme", "--project", "p", "--scheduler", "x").stderr
    )
