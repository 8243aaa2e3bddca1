"""``labelpact agreement --level ordinal|interval`` on named classes: the scale is stated, and ``--classes`` sets it.

Before, text classes were put in name order (high < low < medium) with nothing to say so, and the command had
no way to give the real order: ordinal alpha 0.25 where the audit, given the contract's classes, said 0.62.
The reference values are the ``krippendorff`` package's on the same data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np
import pytest

RunCli = Callable[..., Any]

# workers at most one step apart on a low < medium < high scale
ROWS = [
    ("t1", "low", "low", "medium"),
    ("t2", "medium", "medium", "high"),
    ("t3", "high", "high", "medium"),
    ("t4", "low", "medium", "low"),
    ("t5", "high", "high", "high"),
    ("t6", "medium", "low", "medium"),
    ("t7", "low", "low", "low"),
    ("t8", "high", "medium", "high"),
]


def _reference(order: list[str]) -> float:
    rank = {name: i for i, name in enumerate(order)}
    data = np.array([[rank[row[1 + w]] for row in ROWS] for w in range(3)], dtype=float)
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal"))


def test_the_ordinal_scale_is_stated_and_set_by_classes(cli: RunCli, tmp_path: Path) -> None:
    labels = tmp_path / "ratings.csv"
    lines = ["task,worker,label"] + [f"{r[0]},w{w},{r[1 + w]}" for r in ROWS for w in range(3)]
    labels.write_text("\n".join(lines) + "\n", encoding="utf-8")

    guessed = cli("agreement", labels, "--level", "ordinal", "--bootstrap", "0", "--json")
    assert guessed.code == 0, guessed.stderr
    doc = json.loads(guessed.stdout)
    assert doc["scale"] == ["high", "low", "medium"] and "high < low < medium" in guessed.stderr
    assert doc["krippendorff_alpha"]["value"] == pytest.approx(_reference(["high", "low", "medium"]))

    given = cli(
        "agreement",
        labels,
        "--level",
        "ordinal",
        "--classes",
        "low,medium,high",
        "--bootstrap",
        "0",
        "--json",
    )
    assert given.code == 0 and "scale" not in given.stderr
    doc = json.loads(given.stdout)
    assert doc["scale"] == ["low", "medium", "high"]
    assert doc["krippendorff_alpha"]["value"] == pytest.approx(_reference(["low", "medium", "high"]))
    assert doc["krippendorff_alpha"]["value"] > 0.5

    nominal = json.loads(cli("agreement", labels, "--bootstrap", "0", "--json").stdout)
    assert nominal["scale"] is None and nominal["n_pair_bootstrap"] == 0

    missing = cli("agreement", labels, "--level", "ordinal", "--classes", "low,medium")
    assert missing.code == 2 and "expected a label in ['low', 'medium'], got 'high'" in missing.stderr
