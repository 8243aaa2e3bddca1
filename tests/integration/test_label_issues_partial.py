"""``labelpact issues`` with predictions for only some tasks says so: a warning and the counts behind the rate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from labelpact.services.quality import label_issues_file


def _files(tmp_path: Path) -> tuple[Path, Path]:
    """80 tasks with one label each (classes a, b); a model's predictions for every 4th task only."""
    rng = np.random.default_rng(3)
    n = 80
    given = rng.integers(0, 2, n)
    tasks = [f"t{i:02d}" for i in range(n)]
    labels = tmp_path / "labels.csv"
    pd.DataFrame({"task": tasks, "worker": "w", "label": np.array(list("ab"))[given]}).to_csv(
        labels, index=False
    )
    p = np.clip(np.where(given == 1, 0.8, 0.2) + rng.normal(0, 0.1, n), 0.01, 0.99)[::4]
    preds = tmp_path / "preds.csv"
    pd.DataFrame({"task": tasks[::4], "a": 1 - p, "b": p}).to_csv(preds, index=False)
    return labels, preds


def test_partial_predictions_warn_and_report_both_counts(tmp_path: Path) -> None:
    labels, preds = _files(tmp_path)
    warned: list[str] = []
    document = label_issues_file(labels, preds, warn=warned.append)
    assert warned == ["predictions cover 20 of the 80 labelled tasks: only those are checked"]
    assert document["n_tasks_checked"] == document["n_tasks"] == 20
    assert document["n_tasks_labelled"] == 80
    assert document["rate"] == document["n_issues"] / 20


def test_full_predictions_do_not_warn(tmp_path: Path) -> None:
    labels, _ = _files(tmp_path)
    full = tmp_path / "full.csv"
    pd.DataFrame({"task": [f"t{i:02d}" for i in range(80)], "a": 0.5, "b": 0.5}).to_csv(full, index=False)
    warned: list[str] = []
    document = label_issues_file(labels, full, warn=warned.append)
    assert warned == [] and document["n_tasks_checked"] == document["n_tasks_labelled"] == 80


def test_cli_issues_prints_the_warning_on_stderr(tmp_path: Path, cli: Any) -> None:
    labels, preds = _files(tmp_path)
    run = cli("issues", labels, "--pred-probs", preds, "--json")
    assert run.code == 0, run.stderr
    assert "predictions cover 20 of the 80 labelled tasks" in run.stderr
    assert json.loads(run.stdout)["n_tasks_labelled"] == 80
