"""An audit of labels that cannot measure quality (one label per task) stores its label-error search as not
measured, not as 0 candidates, and the card does not publish a 0.0% share for it."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import RunCli


def test_one_label_per_task_measures_no_label_errors(cli: RunCli, tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    rows = [f"t{t},w{t % 7},{'ab'[t % 3 == 0]}" for t in range(200)]
    labels.write_text("task,worker,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    contract = tmp_path / "contract.toml"
    contract.write_text('[quality]\nmethod = "mv"\n', encoding="utf-8")
    assert cli("partner", "add", "Solo", "--contract", contract).code == 0
    run = cli("audit", labels, "--partner", "Solo", "--project", "p", "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    errors = doc["metrics"]["label_errors"]
    assert (errors["n"], errors["rate"], errors["n_tasks_checked"]) == (None, None, 0)
    assert "one label" in errors["not_measured"]
