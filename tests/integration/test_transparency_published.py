"""``labelpact transparency`` and ``report`` on small CLI-built stores: the contract each batch was judged by,
a reviewed sample's verdict and verified estimate, the card's own files (named from the whole card name,
written all or nothing, the values as delivered) and class names mlcroissant accepts."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest

from labelpact.io.export import UNQUOTE_PATTERN

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
    """Audit ``labels`` for Acme in project p (verdict review: no gold), and accept it by its sample,
    reviewed the day it was delivered (a history entered later: a card as of a later day counts it)."""
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
    run = cli("review", audit["audit"], "--results", sheet, "--reviewed-at", day, "--json")
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


def test_cards_in_one_folder_keep_their_own_files_and_check_catches_changed_ones(
    cli: RunCli, tmp_path: Path
) -> None:
    _partner(cli, tmp_path)
    _accepted_by_review(cli, tmp_path, _labels(tmp_path / "l1.csv"), day="2025-07-01")
    _accepted_by_review(cli, tmp_path, _labels(tmp_path / "l2.csv", ("up", "down")), day="2026-01-01")
    pub = tmp_path / "pub"
    pub.mkdir()
    for day in ("2025-12-31", "2026-01-31"):
        out = pub / f"reviews.{day}.jsonld"
        assert cli("transparency", "--project", "p", "--as-of", day, "--out", out).code == 0
    first = json.loads((pub / "reviews.2025-12-31.jsonld").read_text(encoding="utf-8"))
    assert [f["contentUrl"] for f in first["distribution"]] == [
        "reviews.2025-12-31.consensus.csv",
        "reviews.2025-12-31.probabilities.csv",
    ]
    for f in first["distribution"]:  # the second card wrote its own files, not these
        assert hashlib.sha256((pub / f["contentUrl"]).read_bytes()).hexdigest() == f["sha256"]
    with (pub / "reviews.2025-12-31.consensus.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 40  # one batch as of 2025-12-31
    assert cli("transparency", "--check", pub / "reviews.2025-12-31.jsonld").code == 0
    (pub / "reviews.2025-12-31.consensus.csv").write_bytes(
        (pub / "reviews.2026-01-31.consensus.csv").read_bytes()
    )
    run = cli("transparency", "--check", pub / "reviews.2025-12-31.jsonld")
    assert run.code == 2
    assert (
        "reviews.2025-12-31.jsonld: distribution[0] reviews.2025-12-31.consensus.csv: expected its sha256"
        in (run.stderr)
    )


@pytest.mark.parametrize("blocked", ["card.jsonld", "card.probabilities.csv", "card.consensus.csv"])
def test_a_failed_card_leaves_no_file_written_or_replaced(cli: RunCli, tmp_path: Path, blocked: str) -> None:
    _partner(cli, tmp_path)
    _accepted_by_review(cli, tmp_path, _labels(tmp_path / "l.csv"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "card.consensus.csv").write_text("an earlier card's data\n", encoding="utf-8")
    if blocked == "card.consensus.csv":
        (out / blocked).unlink()
    (out / blocked).mkdir()
    before = sorted((p.name, p.is_dir(), p.read_bytes() if p.is_file() else b"") for p in out.iterdir())
    run = cli("transparency", "--project", "p", "--out", out / "card.jsonld")
    assert run.code == 2
    assert (
        run.stderr == f"labelpact: error: {out / blocked}: expected a file path to write, got a directory\n"
    )
    after = sorted((p.name, p.is_dir(), p.read_bytes() if p.is_file() else b"") for p in out.iterdir())
    assert after == before  # no temporary file left, the earlier data untouched


def test_check_reads_strict_json_and_refuses_deep_nesting_in_one_line(cli: RunCli, tmp_path: Path) -> None:
    deep = tmp_path / "deep.jsonld"
    deep.write_text("[" * 2000 + "]" * 2000, encoding="utf-8")
    run = cli("transparency", "--check", deep)
    assert run.code == 2 and run.stderr.count("\n") == 1, run.stderr  # was RecursionError, exit 1
    assert "deep.jsonld, line 1: expected JSON nested at most 64 levels deep" in run.stderr
    run = cli("transparency", "--check", deep, "--json")
    assert run.code == 2 and json.loads(run.stderr)["error"]["exit_code"] == 2
    _partner(cli, tmp_path)
    _accepted_by_review(cli, tmp_path, _labels(tmp_path / "l.csv"))
    _card(cli, tmp_path / "card.jsonld")
    text = (tmp_path / "card.jsonld").read_text(encoding="utf-8")
    twice = tmp_path / "twice.jsonld"  # rai:dataBiases given twice in the JSON text
    twice.write_text(
        text.replace('"rai:dataBiases":', '"rai:dataBiases": "first", "rai:dataBiases":'), "utf-8"
    )
    run = cli("transparency", "--check", twice)
    assert (
        run.code == 2
        and "twice.jsonld: rai:dataBiases: given more than once in one JSON object" in run.stderr
    )
    nan = tmp_path / "nan.jsonld"
    nan.write_text(text.replace('"datePublished": "2026-12-31"', '"datePublished": NaN'), "utf-8")
    run = cli("transparency", "--check", nan)
    assert run.code == 2
    assert run.stderr.endswith(
        "nan.jsonld: expected a JSON-LD document (RFC 8259 JSON), got the non-standard JSON constant NaN\n"
    )


def test_a_batch_accepted_by_its_sample_is_published_with_the_estimate_the_review_verified(
    cli: RunCli, tmp_path: Path
) -> None:
    _partner(cli, tmp_path)
    labels = _labels(tmp_path / "l.csv")
    rows = labels.read_text(encoding="utf-8").splitlines()  # w2 answers the other class on every 4th task
    flipped = [r.replace(",w2,pos", ",w2,neg") if r.startswith(("t00,", "t04,", "t08,")) else r for r in rows]
    labels.write_text("\n".join(flipped) + "\n", encoding="utf-8")
    run = cli(
        "audit", labels, "--partner", "Acme", "--project", "p", "--delivered-at", "2025-11-01", "--json"
    )
    audit = json.loads(run.stdout)
    model = audit["metrics"]["error_rate"]
    assert audit["verdict"] == "review" and model["verified"] is False and model["value"] > 0
    sheet = tmp_path / "sample.csv"
    assert cli("audits", "sample", audit["audit"], "--out", sheet).code == 0
    reviewed = json.loads(cli("review", audit["audit"], "--results", sheet, "--json").stdout)
    verified = reviewed["error_rate"]  # the reference: what labelpact review printed
    assert reviewed["decision"] == "accept" and verified["verified"] and verified["ci"] != model["ci"]
    card = _card(cli, tmp_path / "card.jsonld")
    [history] = card["auditHistory"]
    assert (history["verdict"], history["review"], history["published"]) == ("review", "accept", True)
    assert history["error_rate"] == verified["value"] and history["error_rate_verified"] is True
    analysis = card["rai:dataAnnotationAnalysis"]
    assert "1 of 1 estimates verified on gold or a reviewed sample" in analysis
    low, high = (f"{100 * v:.1f}%" for v in verified["ci"])
    assert f"(95% CI {low} to {high}) from {verified['source']}" in analysis
    assert "review 1, reject 0 (reviewed samples then accepted 1)." in analysis
    assert "model-only" not in card["rai:dataLimitations"]
    assert cli("report", "--project", "p", "--out", tmp_path / "r.html").code == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    row = re.search(r"<tr><td>2025-11-01</td>.*?</tr>", html)
    assert row is not None and high in row.group(0) and " *</td>" not in row.group(0)  # not "model-only"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("license", "got license (a project attestation's key: labelpact attest --project NAME)"),
        ("extra", "got extra"),  # no close name: was IndexError, exit 1
    ],
)
def test_attest_refuses_a_top_level_key_without_a_close_name_in_one_line(
    cli: RunCli, tmp_path: Path, snapshot: Any, workspace: Path, key: str, expected: str
) -> None:
    body = f'{key} = "MIT"\n[rai]\nannotatorDemographics = "ok"\n'
    assert_refused(
        cli, tmp_path, snapshot, workspace, body, f"key '{key}': expected keys attested_by, rai, {expected}"
    )


@pytest.mark.parametrize(
    ("body", "key", "expected"),
    [
        (  # the card measures the timeframe: a statement was stored and never shown
            '[rai]\ndataCollectionTimeframe = "always"\n',
            "rai.dataCollectionTimeframe",
            "an attestable RAI 1.0 property (the card measures this one from the delivery dates), "
            "got dataCollectionTimeframe",
        ),
        (  # stored, and published raw in the card
            '[rai]\ndataUseCases = "line1\\u0000x"\n',
            "rai.dataUseCases",
            "a text without NUL characters, got U+0000 at character 6",
        ),
        (  # one of the two values was dropped without a word
            '[rai]\n"rai:annotatorDemographics" = "ok"\nannotatorDemographics = "ok2"\n',
            "rai.annotatorDemographics",
            "each property once (the 'rai:' prefix is optional), got annotatorDemographics given twice",
        ),
    ],
)
def test_attest_refuses_a_measured_property_nul_and_a_property_twice_in_one_line(
    cli: RunCli, tmp_path: Path, snapshot: Any, workspace: Path, body: str, key: str, expected: str
) -> None:
    assert_refused(cli, tmp_path, snapshot, workspace, body, f"key '{key}': expected {expected}")


def assert_refused(cli: RunCli, tmp_path: Path, snapshot: Any, workspace: Path, body: str, said: str) -> None:
    """Acme's statement ``body`` (after its attested_by line) is refused in exactly one line, storing nothing."""
    _partner(cli, tmp_path)
    before = snapshot(workspace)
    statement = tmp_path / "acme.toml"
    statement.write_text(f'attested_by = "X"\n{body}', "utf-8")
    run = cli("attest", "Acme", "--file", statement)
    assert run.code == 2
    assert run.stderr == f"labelpact: error: {statement}, {said}\n"
    assert snapshot(workspace) == before


def test_the_report_format_follows_the_extension_and_a_mismatch_is_refused(
    cli: RunCli, tmp_path: Path
) -> None:
    _partner(cli, tmp_path)
    _accepted_by_review(cli, tmp_path, _labels(tmp_path / "l.csv"))
    assert cli("report", "--project", "p", "--out", tmp_path / "r.pdf").code == 0
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-")  # was HTML under a .pdf name
    assert cli("report", "--project", "p", "--out", tmp_path / "r.htm").code == 0
    assert (tmp_path / "r.htm").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    for fmt, name, named in (("pdf", "x.html", "html"), ("html", "x.pdf", "pdf")):
        run = cli("report", "--project", "p", "--format", fmt, "--out", tmp_path / name)
        assert run.code == 2 and not (tmp_path / name).exists()
        other = "pdf" if fmt == "pdf" else "html"
        assert run.stderr == (
            f"labelpact: error: option '--format': expected {named} for {name} (or an output ending in .{other}), "
            f"got {fmt}\n"
        )


def test_the_card_files_quote_formulas_reversibly_and_loaders_get_the_delivered_values(
    cli: RunCli, tmp_path: Path
) -> None:
    mlc = pytest.importorskip("mlcroissant")
    _partner(cli, tmp_path)
    labels = _labels(tmp_path / "l.csv", ("@home", "=SUM(A1)"), task="=t{:02d}")
    text = labels.read_text(encoding="utf-8").replace("=t01,", "'=t01,")  # a vendor id starting with '=
    labels.write_text(text, encoding="utf-8")
    _accepted_by_review(cli, tmp_path, labels)
    card = _card(cli, tmp_path / "card.jsonld")
    with (tmp_path / "card.consensus.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["task"], r["label"]) for r in rows[:2]] == [("'=t00", "'@home"), ("''=t01", "'=SUM(A1)")]
    task = next(f for f in card["recordSet"][0]["field"] if f["name"].endswith("/task"))
    assert task["source"]["transform"] == {"regex": UNQUOTE_PATTERN}
    assert "one ' before it" in task["description"]
    assert cli("transparency", "--check", tmp_path / "card.jsonld").code == 0
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        records = list(mlc.Dataset(jsonld=str(tmp_path / "card.jsonld")).records("consensus-csv-records"))
    got = {
        (r["consensus-csv-records/task"].decode(), r["consensus-csv-records/label"].decode()) for r in records
    }
    with labels.open(encoding="utf-8", newline="") as handle:
        delivered = {(row["task"], row["label"]) for row in csv.DictReader(handle)}
    assert got == delivered  # the reference loader reads the values as delivered


@pytest.mark.parametrize("profile", ["croissant", "eu-ai-act"])
def test_a_card_for_a_partner_with_no_batch_in_the_project_is_refused_in_one_line(
    cli: RunCli, tmp_path: Path, profile: str
) -> None:
    """Before, an empty card was written with exit 0."""
    _partner(cli, tmp_path)
    _accepted_by_review(cli, tmp_path, _labels(tmp_path / "l.csv"))
    assert cli("partner", "add", "Halcyon").code == 0
    out = tmp_path / "pub" / "card.jsonld"
    out.parent.mkdir()
    run = cli("transparency", "--project", "p", "--partner", "Halcyon", "--profile", profile, "--out", out)
    assert run.code == 2
    assert run.stderr == (
        "labelpact: error: partner 'Halcyon' has delivered no batch to project 'p'; "
        "partners of the project: Acme\n"
    )
    assert list(out.parent.iterdir()) == []
