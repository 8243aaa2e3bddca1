"""A task nobody labelled is left out of the transparency card's files and written with empty cells by
``consensus export``: the stored consensus keeps the model's prior there, which is no estimate of it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from .conftest import RunCli


def test_a_task_nobody_labelled_is_not_published_with_invented_numbers(cli: RunCli, tmp_path: Path) -> None:
    """Before: the card's files held the task with confidence "nan" and a class distribution, though the card
    says such tasks are left out; ``consensus export`` wrote "nan" where ``aggregate --out`` leaves cells empty."""
    labels = tmp_path / "labels.csv"
    rows = [f"t{i:02d},w{w},{'pos' if i % 2 else 'neg'}" for i in range(40) for w in range(3)]
    labels.write_text("task,worker,label\n" + "\n".join([*rows, "nobody,w0,"]) + "\n", encoding="utf-8")
    gold = tmp_path / "gold.csv"
    gold.write_text("task,label\n" + "".join(f"t{i:02d},{'pos' if i % 2 else 'neg'}\n" for i in range(20)))
    contract = tmp_path / "c.toml"
    contract.write_text('[quality]\nmethod = "mv"\n[acceptance]\naql = 10\n[data]\npersonal_data = "allow"\n')
    assert cli("client", "set", "--name", "Lab").code == 0
    assert cli("partner", "add", "Acme", "--contract", contract).code == 0
    audited = cli("audit", labels, "--gold", gold, "--partner", "Acme", "--project", "p", "--json")
    assert audited.code == 0 and json.loads(audited.stdout)["verdict"] == "accept", audited.stdout[-2000:]
    assert cli("transparency", "--project", "p", "--out", tmp_path / "card.jsonld").code == 0
    for name in ("card.consensus.csv", "card.probabilities.csv"):
        with (tmp_path / name).open(encoding="utf-8") as handle:
            published = list(csv.DictReader(handle))
        assert len(published) == 40 and "nobody" not in {r["task"] for r in published}
        assert not any("nan" in v for r in published for v in r.values())
    exported = tmp_path / "c.csv"
    assert cli("consensus", "export", json.loads(audited.stdout)["batch"], "--out", exported).code == 0
    with exported.open(encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if r["task"] == "nobody")
    assert row == {"task": "nobody", "label": "", "confidence": ""}
