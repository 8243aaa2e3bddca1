"""The README's tour runs on the bundled example data, and what it finds is what the data holds."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import RunCli

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"
STANDARD = ROOT / "examples" / "contracts" / "standard.toml"


def test_the_example_batch_is_rejected_for_its_personal_data(cli: RunCli) -> None:
    assert cli("client", "set", "--name", "Northwind AI").code == 0
    assert cli("partner", "add", "Acme Labels", "--contract", STANDARD).code == 0
    run = cli(
        "audit",
        DATA / "acme-week1.csv",
        "--partner",
        "Acme Labels",
        "--project",
        "sentiment",
        "--gold",
        DATA / "acme-week1-gold.csv",
        "--tasks",
        DATA / "acme-week1-tasks.csv",
        "--pred-probs",
        DATA / "acme-week1-preds.csv",
        "--json",
    )
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["verdict"] == "reject"
    personal = next(r for r in doc["reasons"] if r["clause"] == "data.personal_data")
    assert (
        personal["outcome"] == "reject" and personal["measured"] == 3
    )  # make_data.py plants 2 emails, 1 card
    entities = sorted(p["entity"] for p in doc["ethics"]["pii"])
    assert entities == ["card", "email", "email"]
    pay = next(r for r in doc["reasons"] if r["clause"] == "pay.pay_floor_per_hour")
    assert pay["outcome"] == "review"  # make_data.py underpays 10% of the timed workers
    assert doc["metrics"]["label_errors"]["source"] == "confident learning on model predictions"
    assert doc["metrics"]["timeliness"]["late_by_days"] is None  # no due date was given
    raw = (DATA / "acme-week1-tasks.csv").read_text(encoding="utf-8")
    leaked = [w for w in raw.split() if "@" in w]
    assert leaked and not any(w.strip(".,") in run.stdout for w in leaked)  # never echoed unmasked
