"""An audit judges ``delivery.turnaround_days``: a late batch is not accepted on its labels alone, the due
time comes from the first label's start when none was given, and a contract without the clause is not cited."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import RunCli


def _labels(path: Path, *, started: bool) -> Path:
    rows = []
    for t in range(60):
        for w in range(3):
            label = "a" if t % 2 else "b"
            rows.append(f"t{t},w{w},{label}" + (f",2026-06-01T0{w}:00:00Z" if started else ""))
    header = "task,worker,label" + (",started_at" if started else "")
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _audit(cli: RunCli, tmp_path: Path, contract: str, *args: str, started: bool = False) -> dict:
    toml = tmp_path / "contract.toml"
    toml.write_text(contract, encoding="utf-8")
    assert cli("partner", "add", "Slow", "--contract", toml).code == 0
    labels = _labels(tmp_path / "labels.csv", started=started)
    run = cli("audit", labels, "--partner", "Slow", "--project", "p", *args, "--json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)


def _reason(doc: dict) -> dict:
    (reason,) = [r for r in doc["reasons"] if r["clause"] == "delivery.turnaround_days"]
    return reason


LENIENT = '[acceptance]\naql = 10\n[quality]\nerror_evidence = "model"\n'


def test_a_late_batch_is_sent_to_review(cli: RunCli, tmp_path: Path) -> None:
    contract = LENIENT + "[delivery]\nturnaround_days = 2\n"
    doc = _audit(cli, tmp_path, contract, "--delivered-at", "2026-06-30", "--due-at", "2026-06-01")
    assert _reason(doc)["outcome"] == "review"
    assert doc["verdict"] == "review"
    (late,) = [f for f in doc["findings"] if f["kind"] == "late_delivery"]
    assert late["clause"] == "delivery.turnaround_days"


def test_the_turnaround_counts_from_the_first_label_without_a_due_time(cli: RunCli, tmp_path: Path) -> None:
    contract = LENIENT + "[delivery]\nturnaround_days = 2\n"
    doc = _audit(cli, tmp_path, contract, "--delivered-at", "2026-06-10", started=True)
    reason = _reason(doc)
    assert reason["outcome"] == "review"
    assert (
        "Delivered 7.0 days after it was due (due 2 days after the first label was started"
        in reason["detail"]
    )
    assert [f["clause"] for f in doc["findings"] if f["kind"] == "late_delivery"] == [
        "delivery.turnaround_days"
    ]


def test_a_contract_without_a_turnaround_is_not_cited(cli: RunCli, tmp_path: Path) -> None:
    doc = _audit(cli, tmp_path, LENIENT, "--delivered-at", "2026-06-30", "--due-at", "2026-06-01")
    assert not [r for r in doc["reasons"] if r["clause"] == "delivery.turnaround_days"]
    (late,) = [f for f in doc["findings"] if f["kind"] == "late_delivery"]
    assert late["clause"] is None


def test_a_refinement_audit_judges_the_turnaround_too(cli: RunCli, tmp_path: Path) -> None:
    """Before: a preferences (ratings, demonstrations) audit never read the clause: a batch 29 days late kept
    its verdict and its late finding named no clause. These kinds carry no label start times, so without a
    due time the clause is unchecked."""
    toml = tmp_path / "contract.toml"
    toml.write_text("[delivery]\nturnaround_days = 2\n", encoding="utf-8")
    assert cli("partner", "add", "Slow", "--contract", toml).code == 0
    prefs = tmp_path / "prefs.csv"
    assert cli("simulate", "--kind", "preferences", "--out", prefs, "--size", "600").code == 0
    late = cli(
        "audit", prefs, "--partner", "Slow", "--project", "p", "--delivered-at", "2026-06-30",
        "--due-at", "2026-06-01", "--json",
    )  # fmt: skip
    assert late.code == 0, late.stderr
    doc = json.loads(late.stdout)
    assert _reason(doc)["outcome"] == "review" and doc["verdict"] in ("review", "reject")
    assert [f["clause"] for f in doc["findings"] if f["kind"] == "late_delivery"] == [
        "delivery.turnaround_days"
    ]
    (tmp_path / "p2").mkdir()
    other = tmp_path / "p2" / "prefs.csv"
    assert cli("simulate", "--kind", "preferences", "--out", other, "--size", "600", "--seed", "1").code == 0
    undated = json.loads(cli("audit", other, "--partner", "Slow", "--project", "p", "--json").stdout)
    assert _reason(undated)["outcome"] == "unchecked"
