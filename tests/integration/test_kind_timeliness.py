"""Late deliveries of preferences, ratings and demonstrations (finding 8): the same ``late_delivery`` finding
and ``timeliness`` block a labels audit has, which partner health reads for its on-time rate and dates."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

RunCli = Callable[..., Any]

CONTRACT = "[preferences]\nmax_position_bias = 0.05\n[delivery]\nturnaround_days = 7\n"


def _audit(cli: RunCli, path: Path, *dates: str) -> dict[str, Any]:
    run = cli("audit", path, "--partner", "Tagwell", "--project", "rlhf", *dates, "--json")
    assert run.code == 0, run.stderr
    doc: dict[str, Any] = json.loads(run.stdout)
    return doc


def test_late_kinds_get_the_labels_finding_and_count_in_health(cli: RunCli, tmp_path: Path) -> None:
    contract = tmp_path / "late.toml"
    contract.write_text(CONTRACT, encoding="utf-8")
    assert cli("partner", "add", "Tagwell", "--contract", contract).code == 0
    files = {
        "preferences": tmp_path / "p.csv",
        "ratings": tmp_path / "r.csv",
        "demonstrations": tmp_path / "d.jsonl",
    }
    for kind, path in files.items():
        assert cli("simulate", "--kind", kind, "--out", path, "--size", "300").code == 0
    late = {
        kind: _audit(cli, path, "--delivered-at", f"2026-0{i}-20", "--due-at", f"2026-0{i}-05")
        for i, (kind, path) in enumerate(files.items(), start=1)
    }
    for kind, doc in late.items():
        assert doc["metrics"]["kind"] == kind
        assert doc["metrics"]["timeliness"]["late_by_days"] == 15.0  # 20th minus 5th of the month
        assert doc["metrics"]["timeliness"]["on_time"] is False
        found = [f for f in doc["findings"] if f["kind"] == "late_delivery"]
        assert len(found) == 1 and found[0]["severity"] == "critical"  # 7 days late or more
        assert found[0]["detail"] == "Delivered 15.0 days after it was due."
    again = _audit(cli, files["ratings"])  # the stored batch keeps its dates
    assert again["metrics"]["timeliness"]["late_by_days"] == 15.0
    health = cli("health", "Tagwell", "--as-of", "2026-04-01", "--json")
    assert health.code == 0, health.stderr
    card = json.loads(health.stdout)["scorecard"]
    assert card["on_time_rate"] == 0.0  # three deliveries, none on time (was null: no kind had a date)
    assert (card["first_delivery"], card["last_delivery"]) == ("2026-01-20", "2026-03-20")


def test_an_early_delivery_is_on_time_without_a_finding(cli: RunCli, tmp_path: Path) -> None:
    contract = tmp_path / "late.toml"
    contract.write_text(CONTRACT, encoding="utf-8")
    assert cli("partner", "add", "Tagwell", "--contract", contract).code == 0
    path = tmp_path / "p.csv"
    assert cli("simulate", "--kind", "preferences", "--out", path, "--size", "300").code == 0
    doc = _audit(cli, path, "--delivered-at", "2026-01-04T12:00:00Z", "--due-at", "2026-01-05")
    assert doc["metrics"]["timeliness"]["late_by_days"] == -0.5 and doc["metrics"]["timeliness"]["on_time"]
    assert not [f for f in doc["findings"] if f["kind"] == "late_delivery"]
