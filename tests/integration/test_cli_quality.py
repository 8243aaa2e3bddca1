"""The CLI contract of ``labelpact aggregate``: JSON keys of DESIGN.md, and an honest gold accuracy."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from labelpact.io.export import write_annotations, write_gold
from labelpact.simulate import simulate_delivery

RunCli = Callable[..., Any]
DESIGN_KEYS = {"method", "n_tasks", "n_workers", "n_annotations", "n_classes", "accuracy", "seconds"}


@pytest.fixture
def delivery(tmp_path: Path) -> tuple[Path, Path, float]:
    """A noisy delivery (K=2 labels per task, many mediocre workers), its gold file, and MV's accuracy on the gold."""
    sim = simulate_delivery(
        n_tasks=600, n_workers=40, labels_per_task=2, share_mediocre=0.6, gold_share=0.1, seed=5
    )
    votes = sim.annotations.label_counts()[sim.gold.task]
    mv_accuracy = float(np.mean(votes.argmax(axis=1) == sim.gold.label))
    labels = write_annotations(sim.annotations, tmp_path / "labels.csv")
    gold = write_gold(sim.annotations, sim.gold, tmp_path / "gold.csv")
    return labels, gold, mv_accuracy


def test_aggregate_json_without_gold_has_the_design_keys(
    cli: RunCli, delivery: tuple[Path, Path, float]
) -> None:
    labels, _, _ = delivery
    run = cli("aggregate", labels, "--json")
    assert run.code == 0, run.stderr
    document = json.loads(run.stdout)
    assert set(document) >= DESIGN_KEYS
    assert document["accuracy"] is None and document["accuracy_method"] is None and document["n_gold"] == 0
    assert document["n_tasks"] == 600 and document["method"].startswith("auto")


@pytest.mark.parametrize("method", ["mv", "ds", "auto"])
def test_accuracy_is_measured_on_gold_the_labels_did_not_see(
    cli: RunCli, delivery: tuple[Path, Path, float], tmp_path: Path, method: str
) -> None:
    labels, gold, mv_accuracy = delivery
    out = tmp_path / "consensus.csv"
    run = cli("aggregate", labels, "--gold", gold, "--method", method, "--out", out, "--json")
    assert run.code == 0, run.stderr
    document = json.loads(run.stdout)
    assert set(document) >= DESIGN_KEYS and document["n_gold"] == 60
    with gold.open() as f:
        truth = {row["task"]: row["label"] for row in csv.DictReader(f)}
    with out.open() as f:
        delivered = {row["task"]: row["label"] for row in csv.DictReader(f)}
    assert all(delivered[t] == y for t, y in truth.items())  # the gold anchors the delivered labels ...
    assert 0.5 < document["accuracy"] < 1.0  # ... but the accuracy reported is not that 100%
    if method == "mv":  # MV ignores gold: its held-out accuracy is plain MV on the gold tasks
        assert document["accuracy"] == pytest.approx(mv_accuracy)
        assert document["accuracy_method"] == "mv refitted without the 60 gold tasks, scored on them"
    if method == "auto":
        assert document["accuracy_method"].startswith("5-fold cross-validation of auto's choice over 60")


def test_human_output_names_held_out_gold(cli: RunCli, delivery: tuple[Path, Path, float]) -> None:
    labels, gold, _ = delivery
    run = cli("aggregate", labels, "--gold", gold, "--method", "mv")
    assert run.code == 0 and "accuracy on held-out gold" in run.stdout
