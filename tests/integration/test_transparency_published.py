"""``labelpact transparency`` and ``report`` on small CLI-built stores: the contract each batch was judged by,
a reviewed sample's verdict and verified estimate, the card's own files (named from the whole card name,
written all or nothing, the values as delivered) and class names mlcroissant accepts."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from .conftest import RunCli

STRICT = """\
[quality]
method = "auto"
min_gold_accuracy = 0.99
max_error_rate = 0.01
[pay]
pay_floor_per_hour = 30.0
[data]
personal_data = "reject"
"""
LENIENT = '[quality]\nmethod = "mv"\n[acceptance]\naql = 10\n'


def _labels(path: Path, classes: tuple[str, str] = ("pos", "neg"), *, task: str = "t{:02d}") -> Path:
    """40 tasks, three workers who always agree; the tasks alternate between the two classes."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["task", "worker", "label"])
        for t in range(40):
            for k in range(3):
                writer.writerow([task.format(t), f"w{k}", classes[t % 2]])
    return path


def _accepted_by_review(
    cli: RunCli, root: Path, labels: Path, *, contract: str | None = None, day: str = "2025-11-01"
) -> str:
    """Audit ``labels`` for Acme in project p (verdict review: no gold), and accept it by its sample."""
    args: list[str | Path] = []
    if contract is not None:
        (root / "judged.toml").write_text(contract, encoding="utf-8")
        args = ["--contract", root / "judged.toml"]
    run = cli("audit", labels, "--partner", "Acme", "--project", "p", "--delivered-at", day, "--json", *args)
    assert run.code == 0, run.stderr
    audit = json.loads(run.stdout)
    assert audit["verdict"] == "review", audit["reasons"]
    sheet = root / f"sample-{audit['audit']}.csv"
    assert cli("audits", "sample", audit["audit"], "--out", sheet).code == 0
    run = cli("review", audit["audit"], "--results", sheet, "--json")
    assert run.code == 0 and json.loads(run.stdout)["decision"] == "accept", run.stderr
    return str(audit["audit"])


def _partner(cli: RunCli, root: Path, contract: str = LENIENT) -> None:
    (root / "partner.toml").write_text(contract, encoding="utf-8")
    assert cli("partner", "add", "Acme", "--contract", root / "partner.toml").code == 0


def _card(cli: RunCli, out: Path, *extra: str) -> dict[str, Any]:
    run = cli("transparency", "--project", "p", "--as-of", "2026-12-31", "--out", out, *extra)
    assert run.code == 0, run.stderr
    return dict(json.loads(out.read_text(encoding="utf-8")))


def test_the_card_report_and_eu_file_state_the_contract_the_batch_was_judged_by(
    cli: RunCli, tmp_path: Path
) -> None:
    _partner(cli, tmp_path, STRICT)  # registered now; the batch was judged by LENIENT
    audit = _accepted_by_review(cli, tmp_path, _labels(tmp_path / "l.csv"), contract=LENIENT)
    shown = json.loads(cli("audits", "show", audit, "--json").stdout)
    judged = shown["contract_sha256"]
    card = _card(cli, tmp_path / "card.jsonld")
    protocol = card["rai:dataAnnotationProtocol"]
    assert f"contract {judged[:12]} (Acme; 1 batches, 1 published): " in protocol
    assert "truth inference mv" in protocol and "AQL 10.0%" in protocol
    assert "gold accuracy at least" not in protocol and "pay floor" not in protocol  # STRICT's clauses
    assert "Not applied to any of these batches: Acme's contract on file now (" in protocol
    assert card["auditHistory"][0]["contract"] == judged
    eu = tmp_path / "eu.json"
    assert cli("transparency", "--project", "p", "--profile", "eu-ai-act", "--out", eu).code == 0
    assert f"contract {judged[:12]} (Acme" in eu.read_text(encoding="utf-8")
    assert cli("report", "--project", "p", "--out", tmp_path / "r.html").code == 0
    assert f"contract {judged[:12]} (Acme" in (tmp_path / "r.html").read_text(encoding="utf-8")
