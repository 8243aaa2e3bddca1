"""``quality.max_flagged_worker_share`` measures the workers a flag rule could judge: a batch where no
worker has the labels a flag needs is ``unchecked``, never met on a share of nobody."""

from __future__ import annotations

import json
import random
from pathlib import Path

from .conftest import RunCli


def _labels(path: Path, per_worker: int) -> Path:
    """300 tasks x 3 labels over workers with ``per_worker`` labels each; a third of them answer at random."""
    rng = random.Random(5)
    classes = ["cat", "dog", "bird"]
    n_workers = 900 // per_worker
    slots = [w for w in range(n_workers) for _ in range(per_worker)]
    rows = []
    for t in range(300):
        truth = classes[t % 3]
        for k in range(3):
            w = slots[t * 3 + k]
            label = rng.choice(classes) if w % 3 == 0 else truth
            rows.append(f"t{t},w{w:03d},{label}")
    path.write_text("task,worker,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _audit(cli: RunCli, tmp_path: Path, per_worker: int) -> dict:
    contract = tmp_path / "contract.toml"
    contract.write_text("[quality]\nmax_flagged_worker_share = 0.05\n", encoding="utf-8")
    assert cli("partner", "add", "Many", "--contract", contract).code == 0
    labels = _labels(tmp_path / f"labels{per_worker}.csv", per_worker)
    run = cli("audit", labels, "--partner", "Many", "--project", "p", "--json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)


def test_no_worker_with_enough_labels_leaves_the_clause_unchecked(cli: RunCli, tmp_path: Path) -> None:
    audit = _audit(cli, tmp_path, per_worker=10)  # a flag needs 20 labels
    (reason,) = [r for r in audit["reasons"] if r["clause"] == "quality.max_flagged_worker_share"]
    assert reason["outcome"] == "unchecked"
    assert "20 labels" in reason["detail"]
    workers = audit["metrics"]["workers"]
    assert workers["n_scored"] == 0
    assert workers["flagged_share"] is None


def test_workers_with_enough_labels_are_scored(cli: RunCli, tmp_path: Path) -> None:
    audit = _audit(cli, tmp_path, per_worker=30)
    (reason,) = [r for r in audit["reasons"] if r["clause"] == "quality.max_flagged_worker_share"]
    assert audit["metrics"]["workers"]["n_scored"] == 30
    assert reason["outcome"] in {"met", "review"}
    assert " of 30 workers flagged" in reason["detail"]
