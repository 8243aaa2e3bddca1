"""``labelpact issues`` with a model that knows a class nobody chose in the batch: CL over every column."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from cleanlab.filter import find_label_issues

from labelpact.errors import InvalidInputError
from labelpact.io.predictions import read_pred_probs
from labelpact.services.quality import label_issues_file


def _files(tmp_path: Path, *, prefix: str = "") -> tuple[Path, Path, np.ndarray, np.ndarray]:
    """One label per task (classes a, b, c) and a model over a, b, c, d that puts 1-60% on d."""
    rng = np.random.default_rng(7)
    n = 240
    given = rng.integers(0, 3, n)
    centre = np.where(rng.random(n) < 0.8, given, rng.integers(0, 4, n))
    logits = 2.5 * np.eye(4)[centre] + rng.normal(0, 0.6, (n, 4))
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    tasks = [f"t{i:03d}" for i in range(n)]
    labels = tmp_path / "labels.csv"
    pd.DataFrame({"task": tasks, "worker": "w", "label": np.array(list("abc"))[given]}).to_csv(
        labels, index=False
    )
    preds = tmp_path / "preds.csv"
    frame = pd.DataFrame(probs, columns=[f"{prefix}{c}" for c in "abcd"])
    frame.insert(0, "task", tasks)
    frame.to_csv(preds, index=False)
    return labels, preds, given, probs


@pytest.mark.parametrize("prefix", ["", "p_"])
def test_a_class_nobody_chose_is_a_class_and_the_issues_are_cleanlabs(tmp_path: Path, prefix: str) -> None:
    labels, preds, given, probs = _files(tmp_path, prefix=prefix)
    document = label_issues_file(labels, preds)
    with warnings.catch_warnings():  # cleanlab warns that class d has too few examples (none): it is absent
        warnings.simplefilter("ignore", UserWarning)
        found = find_label_issues(given, probs, filter_by="prune_by_noise_rate", n_jobs=1)
    expected = np.flatnonzero(found)
    assert len(expected) > 0
    assert sorted(i["task"] for i in document["issues"]) == [f"t{i:03d}" for i in expected]
    assert document["n_tasks"] == 240
    assert {i["suggested"] for i in document["issues"]} <= {"a", "b", "c", "d"}
    read = read_pred_probs(
        preds, tasks=[f"t{i:03d}" for i in range(240)], classes=["a", "b", "c"], extra_classes=True
    )
    assert read.extra_classes == ("d",) and read.probs.shape == (240, 4)


def test_without_extra_classes_the_reader_still_refuses_the_column(tmp_path: Path) -> None:
    _, preds, _, _ = _files(tmp_path)
    with pytest.raises(InvalidInputError, match="a class the batch does not have"):
        read_pred_probs(preds, tasks=[f"t{i:03d}" for i in range(240)], classes=["a", "b", "c"])


def test_cli_issues_accepts_the_extra_column(tmp_path: Path, cli: Any) -> None:
    labels, preds, _, _ = _files(tmp_path)
    run = cli("issues", labels, "--pred-probs", preds, "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["n_tasks"] == 240
