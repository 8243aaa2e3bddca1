"""GLAD, Wawa, unlabelled tasks, agreement and worker scorecards on a real LocalCluster (two worker processes).

Each is compared with the in-process computation on the same rows: labels identical and posteriors
within 1e-9; agreement documents identical (the bootstrap draws the same replicates); scorecards equal to
1e-9 with the same flags and copy pairs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from tests.integration.scale.parts import DATASETS, TOL, assert_close, check_same, reference, write_parts

from labelpact.core.aggregators import create
from labelpact.core.agreement import agreement
from labelpact.core.consensus import aggregate, consensus_codes
from labelpact.core.workers import score_workers
from labelpact.errors import InvalidInputError
from labelpact.io import read_delivery, read_gold
from labelpact.io.export import annotations_table
from labelpact.simulate import simulate_delivery

distributed = pytest.importorskip("distributed")

from labelpact.scale import cluster_client, distribute, fit_distributed  # noqa: E402
from labelpact.scale.agreement import agreement_distributed  # noqa: E402
from labelpact.scale.workers import score_workers_distributed  # noqa: E402
from labelpact.services.engine import aggregate_distributed  # noqa: E402

# a looser GLAD tolerance: fewer EM rounds on the cluster (both sides use it), the same loop
PARAMS: dict[str, dict[str, Any]] = {"glad": {"tol": 1e-4}}


@pytest.fixture(scope="module")
def delivery(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pa.Table, dict[str, str]]:
    """1,200 simulated tasks, 3 labels each, with the seconds each label took, and a copier who repeats the
    labels of the busy worker (100+ labels) who agrees least with the majority vote, on that worker's tasks,
    in a tenth of its time (so the copier is ``too_fast`` too)."""
    sim = simulate_delivery(n_tasks=1200, n_workers=40, n_classes=3, seed=11)
    table = annotations_table(sim.annotations).select(["task", "worker", "label", "duration_s"])
    frame = table.to_pandas()
    vote = frame.groupby("task")["label"].agg(lambda s: s.mode().iloc[0])
    frame["agrees"] = frame["label"].to_numpy() == vote[frame["task"]].to_numpy()
    per_worker = frame.groupby("worker")["agrees"].agg(["mean", "size"])
    source = per_worker[per_worker["size"] >= 100]["mean"].idxmin()
    frame = frame.drop(columns="agrees")
    copied = frame[frame["worker"] == source].assign(worker="copier")
    copied["duration_s"] = copied["duration_s"] / 10.0
    table = pa.Table.from_pandas(pd.concat([frame, copied]).sort_index(kind="stable"), preserve_index=False)
    gold = {
        sim.annotations.tasks[t]: sim.annotations.classes[y]
        for t, y in zip(sim.gold.task, sim.gold.label, strict=True)
    }
    return write_parts(table, tmp_path_factory.mktemp("delivery"), 4), table, gold


@pytest.mark.parametrize("method", ["glad", "wawa", "ebcc"])
def test_glad_wawa_and_ebcc_match_in_process(client: Any, delivery: Any, method: str) -> None:
    folder, table, gold = delivery
    a, g = reference(table, gold)
    blocks = distribute(client, folder, n_blocks=3)
    params = PARAMS.get(method, {})
    fit = fit_distributed(blocks, method, params=params)
    expected = create(method, **params).fit(a)
    check_same(fit.tasks, fit.probas, a, expected.probas_)
    assert fit.n_iter == expected.n_iter_
    if method != "ebcc":
        assert np.abs(fit.model.skills_ - getattr(expected, "skills_")).max() < TOL  # noqa: B009
    else:
        assert np.abs(fit.model.priors_ - getattr(expected, "priors_")).max() < TOL  # noqa: B009
    anchored = distribute(client, folder, n_blocks=3, gold=pd.Series(gold))
    anchored_fit = fit_distributed(anchored, method, params=params)
    check_same(fit.tasks, anchored_fit.probas, a, create(method, **params).fit(a, g).probas_)


@pytest.mark.datasets
@pytest.mark.parametrize("name", ["act_weather_cf", "snow_wsd"])
def test_glad_wawa_and_ebcc_on_shared_datasets(client: Any, tmp_path: Path, name: str) -> None:
    folder = DATASETS / name
    if not (folder / "labels.csv").is_file():
        pytest.skip(f"shared dataset {name} absent at {folder} (../shared/datasets next to the repo)")
    read = pacsv.ConvertOptions(column_types={c: pa.string() for c in ("item", "worker", "label")})
    raw = pacsv.read_csv(folder / "labels.csv", convert_options=read)
    table = pa.table({"task": raw["item"], "worker": raw["worker"], "label": raw["label"]})
    blocks = distribute(client, write_parts(table, tmp_path / "parts", 3), n_blocks=2)
    a, _ = reference(table, None)
    for method in ("glad", "wawa", "ebcc"):
        fit = fit_distributed(blocks, method)
        check_same(fit.tasks, fit.probas, a, create(method).fit(a).probas_)


def test_unlabelled_tasks_are_listed_as_in_process(client: Any, tmp_path: Path) -> None:
    """Rows without a label (an abstention; a task row with no worker) keep their task, as the file readers do."""
    sim = simulate_delivery(n_tasks=300, n_workers=12, n_classes=3, seed=5)
    frame = annotations_table(sim.annotations).select(["task", "worker", "label"]).to_pandas()
    blank = pd.DataFrame(
        {"task": ["empty-1", frame["task"][7], "empty-2"], "worker": ["lazy", "lazy", None], "label": None}
    )
    rows = pd.concat([frame.iloc[:400], blank.iloc[:2], frame.iloc[400:], blank.iloc[2:]], ignore_index=True)
    table = pa.Table.from_pandas(rows, preserve_index=False)
    csv = tmp_path / "labels.csv"
    pacsv.write_csv(table, csv)
    local = read_delivery(csv)
    a = local.annotations
    assert local.tasks_without_labels == ("empty-1", "empty-2")
    parts = write_parts(table, tmp_path / "parts", 3)
    blocks = distribute(client, parts, n_blocks=2)
    assert blocks.vocabulary.workers == a.workers and "lazy" in a.workers
    assert (blocks.n_tasks, blocks.n_annotations) == (a.n_tasks, a.n_annotations)
    for method in ("mv", "wawa", "ds", "one-coin-ds", "glad", "mace", "ebcc"):
        params = {"n_restarts": 2} if method == "mace" else {}
        fit = fit_distributed(blocks, method, params=params)
        check_same(fit.tasks, fit.probas, a, create(method, **params).fit(a).probas_)
    found = aggregate_distributed(parts, "ds", client=client).result.consensus
    assert found.unlabelled == local.tasks_without_labels
    assert [found.labels[found.tasks.index(t)] for t in found.unlabelled] == [None, None]
    assert int(np.isnan(found.confidence).sum()) == 2
    # gold on a task nobody labelled is set aside, as in-process: it neither anchors the fit nor is scored
    labelled = list(frame["task"].drop_duplicates()[:40])
    truth = dict(zip(labelled, frame.drop_duplicates("task")["label"][:40], strict=True))
    gold_csv = tmp_path / "gold.csv"
    pacsv.write_csv(
        pa.table({"task": ["empty-1", *truth], "label": [a.classes[0], *truth.values()]}), gold_csv
    )
    in_process = aggregate(a, method="ds", gold=read_gold(gold_csv, a)[1])
    with_gold = aggregate_distributed(parts, "ds", gold=gold_csv, client=client)
    assert in_process.held_out is not None and in_process.held_out.n_gold == 40  # scored: the labelled ones
    scored = with_gold.result.consensus.held_out
    assert (
        with_gold.n_gold == 41 and scored is not None and scored.n_gold == 40
    )  # n_gold: all, as aggregate_file
    assert with_gold.result.accuracy == pytest.approx(in_process.held_out.value, abs=1e-12)
    check_same(with_gold.result.consensus.tasks, with_gold.result.consensus.probas, a, in_process.probas)


def test_an_unknown_method_is_refused_with_the_methods_that_run(client: Any, delivery: Any) -> None:
    blocks = distribute(client, delivery[0], n_blocks=2)
    with pytest.raises(InvalidInputError, match=r"dask engine runs: .*auto.*ebcc.*glad.*wawa") as error:
        fit_distributed(blocks, "zero-shot")
    assert "'zero-shot'" in str(error.value)


@pytest.mark.parametrize("level", ["nominal", "ordinal"])
def test_agreement_equals_in_process_exactly(client: Any, delivery: Any, level: str) -> None:
    folder, table, _ = delivery
    a, _ = reference(table, None)
    blocks = distribute(client, folder, n_blocks=3)
    got = agreement_distributed(blocks, level=level, n_bootstrap=300, min_pair_tasks=5)  # type: ignore[arg-type]
    expected = agreement(a, level=level, n_bootstrap=300, min_pair_tasks=5)  # type: ignore[arg-type]
    assert got.to_dict() == expected.to_dict()
    assert len(got.cohen_kappa.kappa) > 20 and got.krippendorff_alpha.ci[0] < got.krippendorff_alpha.value
    assert np.array_equal(got.cohen_kappa.kappa, expected.cohen_kappa.kappa, equal_nan=True)
    assert np.array_equal(got.cohen_kappa.worker_b, expected.cohen_kappa.worker_b)


def test_agreement_says_why_quality_is_unmeasurable(client: Any, tmp_path: Path) -> None:
    table = pa.table({"task": list("aabbcc"), "worker": list("xyxyxy"), "label": list("110011")})
    blocks = distribute(client, write_parts(table, tmp_path / "p", 2), n_blocks=2)
    got = agreement_distributed(blocks, n_bootstrap=50)
    a, _ = reference(table, None)
    assert got.unidentifiable is not None and "unanimous" in got.unidentifiable
    assert got.to_dict() == agreement(a, n_bootstrap=50).to_dict()


def test_worker_scorecards_equal_in_process(client: Any, delivery: Any) -> None:
    folder, table, gold = delivery
    a, g = reference(table, gold)
    blocks = distribute(client, folder, n_blocks=3, gold=pd.Series(gold))
    fit = fit_distributed(blocks, "ds")
    got = score_workers_distributed(blocks, fit.probas)
    probas = create("ds").fit(a, g).probas_
    expected = score_workers(a, consensus=consensus_codes(a, probas), probas=probas, gold=g)
    assert_close(got.to_dict(), expected.to_dict())
    assert got.flags == expected.flags
    assert any(f.startswith("copying:") for f in got.flags[a.workers.index("copier")])
    assert np.abs(got.confusion - expected.confusion).max() < TOL
    # the speed columns, from the parts' durations: medians and z within 1e-9, and the copier is too fast
    assert np.isfinite(expected.median_duration_s).all() and np.isfinite(expected.speed_z).any()
    assert np.allclose(got.median_duration_s, expected.median_duration_s, rtol=0, atol=TOL, equal_nan=True)
    assert np.allclose(got.speed_z, expected.speed_z, rtol=0, atol=TOL, equal_nan=True)
    assert "too_fast" in got.flags[a.workers.index("copier")]


def test_cli_agreement_and_workers_on_dask(client: Any, delivery: Any, tmp_path: Path, cli: Any) -> None:
    folder, table, gold = delivery
    address = client.scheduler.address
    run = cli("agreement", folder, "--bootstrap", "100", "--engine", "dask", "--scheduler", address, "--json")
    assert run.code == 0, run.stderr
    csv = tmp_path / "labels.csv"
    pacsv.write_csv(table, csv)
    local = cli("agreement", csv, "--bootstrap", "100", "--json")
    assert json.loads(run.stdout) == json.loads(local.stdout)
    gold_csv = tmp_path / "gold.csv"
    pacsv.write_csv(pa.table({"task": list(gold), "label": list(gold.values())}), gold_csv)
    args = ("workers", "--gold", gold_csv, "--method", "ds", "--json")
    run = cli(*args[:1], folder, *args[1:], "--engine", "dask", "--scheduler", address)
    assert run.code == 0, run.stderr
    document = json.loads(run.stdout)
    assert document.pop("engine")["name"] == "dask"
    assert_close(document, json.loads(cli(*args[:1], csv, *args[1:]).stdout))


def test_a_killed_worker_changes_no_glad_fit(tmp_path: Path) -> None:
    """GLAD's block states are futures made from the previous step's: a worker killed mid-fit loses some,
    and Dask rebuilds them from that chain on the survivor; the posteriors are the in-process ones."""
    import os
    import signal

    sim = simulate_delivery(n_tasks=300, n_workers=15, n_classes=3, seed=2)
    table = annotations_table(sim.annotations).select(["task", "worker", "label"])
    folder = write_parts(table, tmp_path / "parts", 3)
    a, _ = reference(table, None)
    expected = create("glad").fit(a).probas_
    killed: list[str] = []
    with cluster_client(n_workers=2) as own:
        pids = own.run(os.getpid)

        def kill_once(stage: str, done: int, total: int | None) -> None:
            if stage == "glad EM iterations" and done == 4 and not killed:
                holders = {w for ws in own.who_has().values() for w in ws}
                victim = sorted(holders)[0]
                os.kill(pids[victim], signal.SIGKILL)  # the process dies; its nanny starts a new one
                killed.append(victim)

        blocks = distribute(own, folder, n_blocks=3, progress=kill_once)
        fit = fit_distributed(blocks, "glad")
    assert killed, "the fit ended before a worker could be killed"
    check_same(fit.tasks, fit.probas, a, expected)


@pytest.mark.filterwarnings("ignore:DawidSkene stopped at max_iter")
def test_a_warm_dawid_skene_takes_each_workers_own_matrix_on_the_cluster(client: Any, delivery: Any) -> None:
    """The start is a fit of the same rows in reverse order, so its worker codes differ from the cluster's
    vocabulary: matched by position, each worker would start from another's matrix (as in-process did
    before matching by name); one warm step on each side must give the same posteriors."""
    folder, table, _ = delivery
    a, _ = reference(table, None)
    backwards, _ = reference(table.take(pa.array(np.arange(table.num_rows)[::-1])), None)
    assert backwards.workers != a.workers
    local = create("ds", max_iter=1).fit(backwards)
    local.warm_start = True
    local.fit(a)
    start = create("ds", max_iter=1).fit(backwards)
    fit = fit_distributed(distribute(client, folder, n_blocks=3), "ds", start=start)
    check_same(fit.tasks, fit.probas, a, local.probas_)
