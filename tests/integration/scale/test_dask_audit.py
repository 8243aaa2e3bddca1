"""``labelpact audit --engine dask`` on a real LocalCluster: the consensus (``auto``), the agreement and the worker
scorecards (their speed columns too) run on the cluster, and the audit stored is the one a local audit of the
same file stores: the same verdict, reasons, findings and sample, metrics and consensus to 1e-9; a worker
killed mid-audit (Dask recomputes what it held) changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from tests.integration.scale.parts import assert_close, worker_killer

from labelpact.cli.common import open_store
from labelpact.core.fused import thread_count
from labelpact.io.export import annotations_table
from labelpact.services.audit import audit_batch
from labelpact.simulate import simulate_delivery

distributed = pytest.importorskip("distributed")

from labelpact.scale import cluster_client  # noqa: E402
from labelpact.services.engine import audit_engine  # noqa: E402

VOLATILE = frozenset({"audit", "created_at", "seconds", "id"})  # differ between any two audits of one file


@pytest.fixture
def delivery(tmp_path: Path) -> tuple[Path, Path]:
    """160 simulated tasks with the seconds each label took; one busy worker takes a tenth of the time."""
    sim = simulate_delivery(n_tasks=160, n_workers=12, n_classes=3, seed=8, gold_share=0.1)
    labels, gold = tmp_path / "labels.csv", tmp_path / "gold.csv"
    frame = annotations_table(sim.annotations).select(["task", "worker", "label", "duration_s"]).to_pandas()
    fast = frame["worker"] == frame["worker"].value_counts().index[0]
    frame.loc[fast, "duration_s"] = frame.loc[fast, "duration_s"] / 10.0
    pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), labels)
    a = sim.annotations
    pacsv.write_csv(
        pa.table(
            {"task": [a.tasks[t] for t in sim.gold.task], "label": [a.classes[y] for y in sim.gold.label]}
        ),
        gold,
    )
    return labels, gold


def test_an_audit_on_dask_stores_what_a_local_audit_stores(
    client: Any, delivery: tuple[Path, Path], tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    labels, gold = delivery
    assert cli("partner", "add", "Acme").code == 0
    args = ("audit", labels, "--partner", "Acme", "--project", "p", "--gold", gold, "--json")
    local = cli(*args)
    assert local.code == 0, local.stderr
    with monkeypatch.context() as m:  # the scorecards must come from the cluster, not this process
        m.setattr("labelpact.services.assessment.workers_of", _no_local_scorecards)
        dask = cli(*args, "--engine", "dask", "--scheduler", client.scheduler.address)
    assert dask.code == 0, dask.stderr
    ids = [json.loads(run.stdout)["audit"] for run in (local, dask)]
    assert ids[0] != ids[1]
    stored = [json.loads(cli("audits", "show", audit, "--json").stdout) for audit in ids]
    assert_close(stored[1], stored[0], skip=VOLATILE)
    assert stored[0]["method"] == "auto" and stored[0]["metrics"]["method"].startswith("auto: ")
    assert stored[0]["metrics"]["n_gold"] > 0 and stored[0]["sample_tasks"]
    flags = stored[0]["metrics"]["workers"]["by_flag"]
    assert flags.get("too_fast", 0) >= 1, flags  # the speed columns count: the fast worker is flagged
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


def _no_local_scorecards(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("worker scorecards computed in this process on the dask engine")


def test_a_worker_killed_mid_audit_changes_nothing(
    delivery: tuple[Path, Path], workspace: Path, cli: Any
) -> None:
    """Two worker processes; one is killed in auto's first fit and the other in the scorecards' refinement
    (each nanny's process once: a nanny may not restart a process it has just restarted). Blocks, posteriors
    and parameters were sent as tasks, so Dask recomputes what the dead held; the stored audit is the local
    one. The restarted workers' EM threads are limited too."""
    labels, gold = delivery
    assert cli("partner", "add", "Acme").code == 0
    local = cli("audit", labels, "--partner", "Acme", "--project", "p", "--gold", gold, "--json")
    assert local.code == 0, local.stderr
    stages = {"ds EM iterations (3)", "refining the reference of worker scores (3/10)"}
    killed: list[str] = []
    with cluster_client(n_workers=2) as own:
        kill = worker_killer(own, stages, killed)

        with open_store(workspace, None) as store, audit_engine("dask", client=own, progress=kill):
            result = audit_batch(store, labels, partner="Acme", project="p", gold=gold)
        own.wait_for_workers(2, timeout=60)
        assert set(own.run(thread_count).values()) == {1}
    assert sorted(killed) == sorted(stages), "the audit ended before both workers could be killed"
    stored = [
        json.loads(cli("audits", "show", audit, "--json").stdout)
        for audit in (json.loads(local.stdout)["audit"], result.document["audit"])
    ]
    assert_close(stored[1], stored[0], skip=VOLATILE)
