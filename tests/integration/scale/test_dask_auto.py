"""``auto`` on a real LocalCluster (two worker processes): the same choice, labels and calibrated posteriors as
``Auto().fit`` in one process, on simulated deliveries and shared public datasets.

Labels must be identical, posteriors and ``calibrated_probas_`` within 1e-9, and ``chosen_``, ``criterion_``,
``scores_``, the held-out accuracy and the calibration map the same. The large-delivery paths (the
held-out-label test on a growing sample, warm starts from the sample's and the no-gold fits, gold scored
with the no-gold fits) run here on small deliveries by lowering ``SAMPLE`` and ``CROSS_FIT_LABELS``.
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
from tests.integration.scale.parts import DATASETS, TOL, check_same, reference, write_parts

from labelpact.core.aggregators import Auto, create
from labelpact.core.annotations import Annotations, Gold
from labelpact.errors import InvalidInputError
from labelpact.io.export import annotations_table
from labelpact.simulate import simulate_delivery

distributed = pytest.importorskip("distributed")

import labelpact.core.aggregators.auto as auto_module  # noqa: E402
import labelpact.scale.auto as scale_auto  # noqa: E402
from labelpact.scale import distribute, fit_distributed  # noqa: E402

MAX_DIFF: list[float] = []  # the largest posterior difference of each comparison, for the report


def _gold_names(a: Annotations, gold: Gold | None) -> pd.Series | None:
    if gold is None:
        return None
    return pd.Series(
        [a.classes[y] for y in gold.label], index=pd.Index([a.tasks[t] for t in gold.task], dtype=object)
    )


def check_auto(fit: Any, local: Auto, a: Annotations) -> None:
    """The distributed ``auto`` fit equals the in-process one: labels, posteriors, choice and calibration."""
    got = fit.model
    check_same(fit.tasks, fit.probas, a, local.probas_)
    diff = float(np.abs(got.calibrated_probas_ - local.calibrated_probas_).max())
    MAX_DIFF.append(max(diff, float(np.abs(fit.probas - local.probas_).max())))
    assert diff < TOL
    assert (got.default_, got.chosen_, got.criterion_) == (local.default_, local.chosen_, local.criterion_)
    assert list(got.models_) == list(local.models_) and got.n_iter_ == local.n_iter_
    assert got.label_test_size_ == local.label_test_size_
    assert got.label_test_z_ == pytest.approx(local.label_test_z_, abs=1e-9, nan_ok=True)
    assert got.scores_ == pytest.approx(local.scores_, abs=1e-12)
    assert (got.held_out_accuracy_, got.held_out_procedure_) == (
        local.held_out_accuracy_,
        local.held_out_procedure_,
    )
    mine, theirs = got.calibration_, local.calibration_
    assert (mine.kind, mine.source, len(mine.blend)) == (theirs.kind, theirs.source, len(theirs.blend))
    assert (mine.rho, mine.tau, mine.crowd) == pytest.approx((theirs.rho, theirs.tau, theirs.crowd), abs=1e-9)


def _simulated(
    seed: int, n_tasks: int = 300, n_workers: int = 15, **shares: Any
) -> tuple[pa.Table, dict[str, str]]:
    sim = simulate_delivery(
        n_tasks=n_tasks, n_workers=n_workers, n_classes=3, seed=seed, gold_share=0.06, **shares
    )
    table = annotations_table(sim.annotations).select(["task", "worker", "label"])
    gold = {
        sim.annotations.tasks[t]: sim.annotations.classes[y]
        for t, y in zip(sim.gold.task, sim.gold.label, strict=True)
    }
    return table, gold


def test_auto_with_gold_matches_in_process(client: Any, tmp_path: Path) -> None:
    table, gold = _simulated(seed=11)
    a, g = reference(table, gold)
    assert g is not None and len(g) >= 5
    blocks = distribute(client, write_parts(table, tmp_path / "p", 3), n_blocks=3, gold=pd.Series(gold))
    fit = fit_distributed(blocks, "auto")
    local = Auto().fit(a, g)
    check_auto(fit, local, a)
    assert set(local.scores_) >= {"mv", "wawa", "ds", "average"}  # the gold step ran


def test_auto_on_a_sample_with_warm_starts_matches_in_process(
    client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``SAMPLE`` and ``CROSS_FIT_LABELS`` lowered, the label test decides on a sample of whole tasks, the
    full fits warm-start from its fits (and the gold-anchored ones from the no-gold fits), and the gold
    calibration uses the no-gold fits: the path of a large delivery, on both sides."""
    monkeypatch.setattr(auto_module, "SAMPLE", 600)
    monkeypatch.setattr(auto_module, "CROSS_FIT_LABELS", 800)
    monkeypatch.setattr(scale_auto, "CROSS_FIT_LABELS", 800)
    spammers = {"share_random_spammers": 0.2, "share_fixed_spammers": 0.1, "labels_per_task": 4}
    table, gold = _simulated(seed=4, n_tasks=250, n_workers=10, **spammers)
    a, g = reference(table, gold)
    blocks = distribute(client, write_parts(table, tmp_path / "p", 3), n_blocks=3, gold=pd.Series(gold))
    params = {"candidates": ["one-coin-ds", "glad", "mace"]}
    fit = fit_distributed(blocks, "auto", params=params)
    local = Auto(**params).fit(a, g)  # type: ignore[arg-type]
    assert local.label_test_size_ < a.n_annotations  # decided on a sample
    check_auto(fit, local, a)


def test_auto_on_parts_in_another_row_order_matches_in_process(
    client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parts hold the rows shuffled, so their codes and global task order differ from the in-process
    file's; the sample, starts and folds are keyed by name, so each task's posterior is the same."""
    monkeypatch.setattr(auto_module, "SAMPLE", 600)
    spammers = {"share_random_spammers": 0.2, "labels_per_task": 4}
    table, _ = _simulated(seed=6, n_tasks=250, n_workers=10, **spammers)
    a, _ = reference(table, None)
    shuffled = table.take(pa.array(np.random.default_rng(2).permutation(table.num_rows)))
    blocks = distribute(client, write_parts(shuffled, tmp_path / "p", 3))
    fit = fit_distributed(blocks, "auto")
    local = Auto().fit(a)
    assert local.label_test_size_ < a.n_annotations and fit.tasks != a.tasks
    where = {name: i for i, name in enumerate(fit.tasks)}
    rows = np.array([where[name] for name in a.tasks])
    assert np.array_equal(fit.probas[rows].argmax(axis=1), local.probas_.argmax(axis=1))
    assert float(np.abs(fit.probas[rows] - local.probas_).max()) < TOL
    assert float(np.abs(fit.model.calibrated_probas_[rows] - local.calibrated_probas_).max()) < TOL
    for name in ("mace", "ebcc"):  # the random starts alone
        other, alone = fit_distributed(blocks, name), create(name).fit(a)
        assert float(np.abs(other.probas[rows] - alone.probas_).max()) < TOL, name


def test_one_label_workers_get_majority_vote_as_in_process(client: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 400
    truth = rng.integers(0, 3, n)
    task = np.repeat(np.arange(n), 3)
    label = np.where(rng.random(3 * n) < 0.7, truth[task], rng.integers(0, 3, 3 * n))
    table = pa.table(
        {
            "task": [f"t{i}" for i in task],
            "worker": [f"w{i}" for i in range(3 * n)],  # every worker labels once
            "label": [str(y) for y in label],
        }
    )
    a, _ = reference(table, None)
    fit = fit_distributed(distribute(client, write_parts(table, tmp_path / "p", 2)), "auto")
    local = Auto().fit(a)
    check_auto(fit, local, a)
    assert fit.model.chosen_ == "mv" and "not identifiable" in fit.model.criterion_


@pytest.mark.datasets
def test_auto_on_a_shared_dataset_with_its_gold(client: Any, tmp_path: Path) -> None:
    folder = DATASETS / "act_weather_cf"
    if not (folder / "labels.csv").is_file():
        pytest.skip(f"shared dataset absent at {folder} (../shared/datasets next to the repo)")
    read = pacsv.ConvertOptions(column_types={c: pa.string() for c in ("item", "worker", "label")})
    raw = pacsv.read_csv(folder / "labels.csv", convert_options=read)
    table = pa.table({"task": raw["item"], "worker": raw["worker"], "label": raw["label"]})
    raw_gold = pacsv.read_csv(folder / "gold.csv", convert_options=read).to_pandas()
    gold = dict(zip(raw_gold["item"], raw_gold["label"], strict=True))
    a, g = reference(table, gold)
    blocks = distribute(client, write_parts(table, tmp_path / "p", 3), n_blocks=2, gold=_gold_names(a, g))
    check_auto(fit_distributed(blocks, "auto"), Auto().fit(a, g), a)


def test_a_sample_too_large_for_one_process_is_refused(
    client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scale_auto, "DRIVER_LABELS", 100)
    table, _ = _simulated(seed=2, n_tasks=200)
    blocks = distribute(client, write_parts(table, tmp_path / "p", 2))
    with pytest.raises(InvalidInputError, match="DRIVER_LABELS = 100 labels") as error:
        fit_distributed(blocks, "auto")
    assert "named methods run at any size" in str(error.value)


def test_cli_aggregate_auto_on_dask_prints_the_local_document(client: Any, tmp_path: Path, cli: Any) -> None:
    table, _ = _simulated(seed=5, n_tasks=150)
    folder = write_parts(table, tmp_path / "parts", 3)
    csv = tmp_path / "labels.csv"
    pacsv.write_csv(table, csv)
    address = client.scheduler.address
    outs = {name: tmp_path / f"{name}.csv" for name in ("dask", "local")}
    args = ("--method", "auto", "--json")
    run = cli("aggregate", folder, *args, "--out", outs["dask"], "--engine", "dask", "--scheduler", address)
    assert run.code == 0, run.stderr
    local = cli("aggregate", csv, *args, "--out", outs["local"])
    assert local.code == 0, local.stderr
    document, expected = json.loads(run.stdout), json.loads(local.stdout)
    assert document.pop("engine")["name"] == "dask"
    for doc in (document, expected):
        doc.pop("seconds"), doc.pop("out")
    assert document.pop("mean_confidence") == pytest.approx(expected.pop("mean_confidence"), abs=1e-9)
    # the no-gold calibration's rho is fitted on sums taken in another row order: equal within 1e-9, not bitwise
    rho = document["calibration"].pop("rho")
    assert rho == pytest.approx(expected["calibration"].pop("rho"), abs=1e-9)
    assert document == expected and expected["method"].startswith("auto: ")
    got, want = (pacsv.read_csv(outs[name]).to_pandas() for name in ("dask", "local"))
    assert got["label"].astype(str).tolist() == want["label"].astype(str).tolist()
    assert np.abs(got["confidence"].to_numpy() - want["confidence"].to_numpy()).max() < TOL
