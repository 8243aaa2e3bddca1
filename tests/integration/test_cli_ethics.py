"""``labelpact ethics``: the JSON contract, the report for people, and one-line errors with exit 2."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from labelpact.io.export import write_annotations, write_gold
from labelpact.simulate import simulate_delivery
from labelpact.simulate.payloads import simulate_payloads, underpay_workers, write_tasks

RunCli = Callable[..., Any]
CONTRACT = """
[pay]
price_per_label = 0.08
pay_floor_per_hour = 15.0
[data]
allowed_licenses = ["CC-BY-4.0", "CC0-1.0", "MIT"]
personal_data = "reject"
"""


@dataclass(frozen=True)
class Batch:
    labels: Path
    gold: Path
    tasks: Path
    contract: Path
    underpaid: tuple[str, ...]
    raw_values: tuple[str, ...]  # the leaked emails and card numbers, as written in the tasks file


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    root = tmp_path_factory.mktemp("ethics")
    sim = simulate_delivery(n_tasks=300, n_workers=30, median_duration_s=12.0, seed=5)
    a, underpaid = underpay_workers(
        sim.annotations, share=0.2, price_per_label=0.08, pay_floor_per_hour=15.0, seed=6
    )
    payloads = simulate_payloads(
        a.tasks, seed=7, email_share=0.02, card_share=0.01, disallowed_share=0.03, unknown_license_share=0.01
    )
    text = " ".join(t or "" for t in payloads.fields["text"])
    raw = tuple(re.findall(r"[\w.]+@[\w.]+\w", text) + re.findall(r"\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{4}", text))
    assert len(raw) == 9  # 6 emails, 3 cards
    (root / "contract.toml").write_text(CONTRACT, encoding="utf-8")
    return Batch(
        labels=write_annotations(a, root / "labels.csv"),
        gold=write_gold(a, sim.gold, root / "gold.csv"),
        tasks=write_tasks(payloads, root / "tasks.csv"),
        contract=root / "contract.toml",
        underpaid=underpaid,
        raw_values=raw,
    )


def _refuse(constant: str) -> None:
    raise AssertionError(f"{constant} is not JSON")


def run_json(cli: RunCli, *args: str | Path) -> dict[str, Any]:
    run = cli("ethics", *args, "--json")
    assert run.code == 0, run.stderr
    document: dict[str, Any] = json.loads(run.stdout, parse_constant=_refuse)  # one JSON document, no NaN
    return document


def test_json_follows_the_design_and_finds_what_was_planted(cli: RunCli, batch: Batch) -> None:
    options = ("--contract", batch.contract, "--gold", batch.gold, "--slice-column", "language")
    doc = run_json(cli, batch.labels, "--tasks", batch.tasks, *options)
    assert {"pii", "provenance", "bias", "pay", "verdict", "findings", "reasons", "pii_summary"} <= set(doc)
    assert len(doc["pii"]) == 9
    assert all({"task", "field", "entity", "start", "end"} <= set(f) for f in doc["pii"])
    assert doc["pii_summary"]["by_entity"] == {"email": 6, "card": 3}
    assert {(f["kind"], f["source"], f["n_tasks"]) for f in doc["provenance"]} == {
        ("disallowed", "shop-scrape", 9), ("unknown", "partner-upload", 3)
    }  # fmt: skip
    assert doc["bias"][0]["column"] == "language"
    assert [s["slice"] for s in doc["bias"][0]["slices"]] == ["de", "en", "es"]
    assert set(doc["pay"]["workers_below_floor"]) == set(batch.underpaid)
    assert doc["pay"]["price_per_label"] == 0.08 and doc["pay"]["annotator_share"] == 1.0
    assert doc["verdict"] == "reject"
    kinds = [f["kind"] for f in doc["findings"]]
    assert kinds[:2] == ["pii", "disallowed_license"]  # critical first
    assert {"unknown_license", "pay_below_floor"} <= set(kinds)
    outcomes = {(r["clause"], r["outcome"]) for r in doc["reasons"]}
    assert ("data.personal_data", "reject") in outcomes and ("pay.pay_floor_per_hour", "review") in outcomes
    for finding in doc["findings"]:
        assert set(finding) == {"kind", "severity", "detail", "clause", "evidence", "action"}


def test_json_never_holds_a_raw_personal_value(cli: RunCli, batch: Batch) -> None:
    run = cli("ethics", batch.labels, "--tasks", batch.tasks, "--contract", batch.contract, "--json")
    assert run.code == 0, run.stderr
    for value in batch.raw_values:
        assert value not in run.stdout and value.replace(" ", "").replace("-", "") not in run.stdout
    assert "***@" in run.stdout and ("**** **** **** " in run.stdout or "****-****-****-" in run.stdout)


def test_report_for_people(cli: RunCli, batch: Batch) -> None:
    run = cli("ethics", batch.labels, "--tasks", batch.tasks, "--contract", batch.contract)
    assert run.code == 0, run.stderr
    out = run.stdout
    assert out.startswith("Ethics of labels.csv: REJECT")
    for words in ("Contract clauses", "Personal data", "Licences", "shop-scrape", "not allowed",
                  "Annotator pay", "workers below the floor", "Findings", "pay_below_floor"):  # fmt: skip
        assert words in out
    assert all(value not in out for value in batch.raw_values)


def test_annotator_share_lowers_the_pay(cli: RunCli, batch: Batch, tmp_path: Path) -> None:
    halved = tmp_path / "halved.toml"
    halved.write_text(CONTRACT.replace("[data]", "annotator_share = 0.5\n[data]"), encoding="utf-8")
    full = run_json(cli, batch.labels, "--tasks", batch.tasks, "--contract", batch.contract)["pay"]
    half = run_json(cli, batch.labels, "--tasks", batch.tasks, "--contract", halved)["pay"]
    assert (half["price_per_label"], half["pay_per_label"], half["annotator_share"]) == (0.08, 0.04, 0.5)
    assert half["quantiles"]["p50"] == pytest.approx(full["quantiles"]["p50"] / 2)
    assert len(half["workers_below_floor"]) > len(full["workers_below_floor"])


def test_without_a_contract_only_personal_data_is_judged(cli: RunCli, batch: Batch) -> None:
    doc = run_json(cli, batch.labels, "--tasks", batch.tasks, "--slice-column", "language")  # no gold: no NaN
    assert doc["bias"][0]["slices"][0]["gold_accuracy"] is None
    assert doc["pay"] is None and doc["provenance"] == [] and doc["provenance_summary"] is None
    first = doc["reasons"][0]
    assert (first["clause"], first["outcome"]) == ("data.personal_data", "reject")
    assert {r["clause"] for r in doc["reasons"]} <= {"data.personal_data", "ethics.block_on"}


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--tasks", "missing.csv"), "missing.csv"),
        (("--tasks", "{tasks}", "--slice-column", "region"), "slice column 'region'"),
        (("--tasks", "{tasks}", "--contract", "nope.toml"), "nope.toml"),
        (("--tasks", "{tasks}", "--contract", "{bad_contract}"), "pay.pay_floor"),
        (("--tasks", "{tasks}", "--phone-region", "XX"), "--phone-region"),
        ((), "--tasks"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    cli: RunCli, batch: Batch, tmp_path: Path, args: tuple[str, ...], needle: str
) -> None:
    bad_contract = tmp_path / "bad.toml"
    bad_contract.write_text("[pay]\npay_floor = 15\n", encoding="utf-8")
    filled = [a.format(tasks=batch.tasks, bad_contract=bad_contract) for a in args]
    run = cli("ethics", batch.labels, *filled, "--json")
    assert run.code == 2
    assert run.stdout == ""
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert needle in run.stderr and len(lines) <= 3  # click adds its usage lines to a missing option
    if args:
        assert len(lines) == 1


def test_payloads_must_cover_the_batch_before_a_clause_can_be_met(cli: RunCli, tmp_path: Path) -> None:
    """Before: payloads naming none of the batch's tasks (or a header alone) gave "no personal data found"
    and "all 0 task(s) carry an allowed licence", both met, and a batch accepted on tasks never scanned."""
    labels = tmp_path / "labels.csv"
    labels.write_text("task,worker,label\nt1,w1,a\nt1,w2,a\nt2,w1,b\nt2,w2,b\nt3,w1,a\nt3,w2,b\n")
    contract = tmp_path / "c.toml"
    contract.write_text('[data]\nallowed_licenses = ["CC0-1.0"]\npersonal_data = "reject"\n')
    payloads = {
        "header.csv": "task,text,license\n",
        "other.csv": "task,text,license\nx1,hello,CC0-1.0\n",
        "part.csv": "task,text,license\nt1,hello,CC0-1.0\nx9,bye,CC0-1.0\n",
    }
    for name, text in payloads.items():
        (tmp_path / name).write_text(text)
    header = cli("ethics", labels, "--tasks", tmp_path / "header.csv", "--contract", contract)
    other = cli("ethics", labels, "--tasks", tmp_path / "other.csv", "--contract", contract)
    assert header.code == 2 and "header.csv: expected payloads for the batch's tasks" in header.stderr
    assert "got a file with no rows" in header.stderr
    assert other.code == 2 and "got 1 row(s), none of them a task of the batch (such as 'x1')" in other.stderr
    part = cli("ethics", labels, "--tasks", tmp_path / "part.csv", "--contract", contract, "--json")
    assert part.code == 0, part.stderr
    outcomes = {r["clause"]: (r["outcome"], r["detail"]) for r in json.loads(part.stdout)["reasons"]}
    assert (
        outcomes["data.personal_data"][0] == "unchecked"
        and "2 of the batch's tasks" in outcomes["data.personal_data"][1]
    )
    assert outcomes["data.allowed_licenses"][0] == "unchecked"
