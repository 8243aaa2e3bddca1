"""The CLI contract of ``labelpact aggregate``: JSON keys of DESIGN.md, and an honest gold accuracy."""

from __future__ import annotations

import csv
import json
import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from labelpact.errors import ConvergenceWarning
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
    assert document["accuracy_interval"] is None
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
    # the 95% Wilson interval of the hits among the 60 gold tasks, by hand (Wilson 1927)
    k, n, z = round(document["accuracy"] * 60), 60, 1.959963984540054
    centre = (k / n + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(k / n * (1 - k / n) / n + z * z / (4 * n * n))
    assert document["accuracy_interval"] == pytest.approx([centre - half, centre + half])
    if method == "mv":  # MV ignores gold: its held-out accuracy is plain MV on the gold tasks
        assert document["accuracy"] == pytest.approx(mv_accuracy)
        assert document["accuracy_method"].startswith("mv cross-fitted over 60 gold tasks in 5 folds")
    if method == "auto":
        assert document["accuracy_method"].startswith("auto's choice (")
        assert "cross-fitted over 60 gold tasks in 5 folds" in document["accuracy_method"]


def test_human_output_names_held_out_gold(cli: RunCli, delivery: tuple[Path, Path, float]) -> None:
    labels, gold, _ = delivery
    run = cli("aggregate", labels, "--gold", gold, "--method", "mv")
    assert run.code == 0 and "accuracy on held-out gold" in run.stdout
    assert "of 60 gold tasks (95% interval" in run.stdout


LABEL_STUDIO = [
    {
        "id": 1,
        "data": {"text": "a"},
        "annotations": [
            {
                "id": 1,
                "completed_by": 2,
                "result": [
                    {
                        "from_name": "topic",
                        "to_name": "text",
                        "type": "choices",
                        "value": {"choices": ["World"]},
                    }
                ],
            },
            {
                "id": 2,
                "completed_by": 3,
                "result": [
                    {
                        "from_name": "topic",
                        "to_name": "text",
                        "type": "choices",
                        "value": {"choices": ["World"]},
                    }
                ],
            },
        ],
    },
    {
        "id": 2,
        "data": {"text": "b"},
        "annotations": [
            {
                "id": 3,
                "completed_by": 2,
                "result": [
                    {
                        "from_name": "topic",
                        "to_name": "text",
                        "type": "choices",
                        "value": {"choices": ["Sport"]},
                    }
                ],
            },
            {
                "id": 4,
                "completed_by": 3,
                "result": [
                    {
                        "from_name": "topic",
                        "to_name": "text",
                        "type": "choices",
                        "value": {"choices": ["World"]},
                    }
                ],
            },
        ],
    },
    {"id": 3, "data": {"text": "c"}, "annotations": []},
]


@pytest.mark.parametrize("method", ["auto", "mv"])
def test_a_task_nobody_labelled_gets_no_label_in_out(cli: RunCli, tmp_path: Path, method: str) -> None:
    """Issue 10: a Label Studio task with no annotations is listed as unlabelled, never given the class prior."""
    export = tmp_path / "export.json"
    export.write_text(json.dumps(LABEL_STUDIO))
    out = tmp_path / "consensus.csv"
    with (
        warnings.catch_warnings()
    ):  # four labels: auto's MACE may stop at max_iter, which is not the point here
        warnings.simplefilter("ignore", ConvergenceWarning)
        run = cli("aggregate", export, "--method", method, "--out", out, "--json")
    assert run.code == 0, run.stderr
    document = json.loads(run.stdout)
    assert document["n_unlabelled"] == 1 and document["unlabelled"] == ["3"] and document["n_tasks"] == 3
    with out.open() as f:
        rows = {row["task"]: row for row in csv.DictReader(f)}
    assert rows["3"]["label"] == "" and rows["3"]["confidence"] == ""
    assert rows["1"]["label"] == "World" and 0.5 < float(rows["1"]["confidence"]) <= 1.0


def test_workers_show_how_many_gold_tasks_each_gold_accuracy_rests_on(
    cli: RunCli, delivery: tuple[Path, Path, float]
) -> None:
    labels, gold, _ = delivery
    doc = json.loads(cli("workers", labels, "--gold", gold, "--json").stdout)
    table = cli("workers", labels, "--gold", gold, "--top", "200").stdout
    for row in doc["workers"]:
        line = next(line for line in table.splitlines() if line.startswith(f"│ {row['worker']} "))
        shown = (
            "-" if row["gold_accuracy"] is None else f"{100 * row['gold_accuracy']:.1f}% of {row['n_gold']}"
        )
        assert shown in line, (row, line)
