"""The audit's label-error finding leaves gold tasks out and says what its rate is of.

Before: with ``--gold`` and ``--pred-probs`` the consensus equals the gold on gold tasks, so a model that
disagreed there produced "probable errors" that the gold proves right (zheng_dog: 92 of 92 flagged labels equal
to their gold); and the finding's rate was called "of tasks" when it was of the tasks with predictions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

RunCli = Any


def _delivery(tmp_path: Path, gold_share: float) -> tuple[Path, Path, Path, set[str]]:
    """120 tasks, 5 careful workers (classes a, b), gold on the first ``gold_share`` of them, and a model that
    contradicts the truth on every 10th task (predictions for every task)."""
    rng = np.random.default_rng(11)
    n = 120
    truth = rng.integers(0, 2, n)
    tasks = [f"t{i:03d}" for i in range(n)]
    rows = [
        (tasks[t], f"w{w}", "ab"[truth[t] if rng.random() < 0.95 else 1 - truth[t]])
        for t in range(n)
        for w in range(5)
    ]
    labels, gold, preds = tmp_path / "labels.csv", tmp_path / "gold.csv", tmp_path / "preds.csv"
    pd.DataFrame(rows, columns=["task", "worker", "label"]).to_csv(labels, index=False)
    n_gold = int(n * gold_share)
    pd.DataFrame({"task": tasks[:n_gold], "label": ["ab"[y] for y in truth[:n_gold]]}).to_csv(
        gold, index=False
    )
    wrong = np.arange(n) % 10 == 0
    p_b = np.where(truth == 1, 0.97, 0.03)
    p_b[wrong] = 1.0 - p_b[wrong]
    pd.DataFrame({"task": tasks, "a": 1.0 - p_b, "b": p_b}).to_csv(preds, index=False)
    return labels, gold, preds, set(tasks[:n_gold])


def _audit(cli: RunCli, labels: Path, gold: Path, preds: Path) -> dict[str, Any]:
    run = cli(
        "audit",
        labels,
        "--partner",
        "Acme",
        "--project",
        "p",
        "--gold",
        gold,
        "--pred-probs",
        preds,
        "--json",
    )
    assert run.code == 0, run.stderr
    doc: dict[str, Any] = json.loads(run.stdout)
    return doc


def test_gold_tasks_are_no_label_error_candidates(cli: RunCli, tmp_path: Path) -> None:
    assert cli("partner", "add", "Acme").code == 0
    labels, gold, preds, with_gold = _delivery(tmp_path, 0.5)
    doc = _audit(cli, labels, gold, preds)
    finding = next(f for f in doc["findings"] if f["kind"] == "label_errors")
    flagged = {w["task"] for w in finding["evidence"]["worst"]}
    assert flagged and not flagged & with_gold  # the model's 6 contradictions on gold tasks are not errors
    assert doc["metrics"]["label_errors"]["n_tasks_checked"] == 60  # the tasks without gold
    assert "of the 60 tasks checked" in finding["detail"]


def test_copy_ring_workers_count_once_in_by_flag(cli: RunCli, tmp_path: Path) -> None:
    """Three workers copying each other (three pairs): by_flag counted each worker once per pair (6)."""
    assert cli("partner", "add", "Acme").code == 0
    rng = np.random.default_rng(5)
    n = 200
    truth = rng.integers(0, 4, n)
    rows = []
    for t in range(n):
        for w in range(6):
            rows.append((f"t{t}", f"w{w}", "abcd"[truth[t] if rng.random() < 0.7 else rng.integers(0, 4)]))
        copied = "abcd"[rng.integers(0, 4)]  # the ring answers as one, right or wrong
        rows += [(f"t{t}", name, copied) for name in ("x", "y", "z")]
    labels = tmp_path / "ring.csv"
    pd.DataFrame(rows, columns=["task", "worker", "label"]).to_csv(labels, index=False)
    run = cli("audit", labels, "--partner", "Acme", "--project", "p", "--json")
    assert run.code == 0, run.stderr
    by_flag = json.loads(run.stdout)["metrics"]["workers"]["by_flag"]
    assert by_flag.get("copying") == 3
