"""Health reads what a review and a dispute decided: a finding whose dispute was upheld is no signal of the
forecast, and a reviewed batch counts the errors its review verified, as the card and the report do."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from .conftest import RunCli
from .email_batch import email_batch


def _audit(cli: RunCli, root: Path, contract: str) -> dict[str, object]:
    labels, tasks, gold = email_batch(root)
    path = root / "c.toml"
    path.write_text(contract, encoding="utf-8")
    assert cli("client", "set", "--name", "Lab").code == 0
    assert cli("partner", "add", "Acme", "--contract", path).code == 0
    run = cli(
        "audit", labels, "--partner", "Acme", "--project", "p", "--tasks", tasks, "--gold", gold,
        "--delivered-at", "2026-01-10", "--json",
    )  # fmt: skip
    assert run.code == 0, run.stderr
    doc: dict[str, object] = json.loads(run.stdout)
    return doc


def _signals(cli: RunCli) -> list[tuple[str, str]]:
    health = cli("health", "Acme", "--json")
    assert health.code == 0, health.stderr
    contributions = json.loads(health.stdout)["risk"]["contributions"]
    return [(c["signal"], c["event_id"]) for c in contributions if c["event_id"] is not None]


def test_a_finding_whose_dispute_was_upheld_is_no_signal(cli: RunCli, tmp_path: Path) -> None:
    """Before: the forecast kept the personal-data finding at full weight after the client upheld the
    partner's dispute ("the finding does not stand"); a rejected dispute leaves it."""
    doc = _audit(cli, tmp_path, '[data]\npersonal_data = "review"\n')
    findings = doc["findings"]
    assert isinstance(findings, list)
    pii = next(f["id"] for f in findings if f["kind"] == "pii")
    assert _signals(cli) == [("pii_leak", pii)]
    assert cli("dispute", "open", pii, "--text", "synthetic address", "--by", "partner:Acme").code == 0
    assert cli("dispute", "resolve", "d1", "--status", "rejected", "--note", "it is real").code == 0
    assert _signals(cli) == [("pii_leak", pii)]
    assert cli("dispute", "open", pii, "--text", "it is our test inbox", "--by", "partner:Acme").code == 0
    assert cli("dispute", "resolve", "d2", "--status", "upheld", "--note", "right").code == 0
    assert _signals(cli) == []
    # replayed as of a day before anyone disputed it, the finding still counts (as the card reads disputes)
    before = cli("health", "Acme", "--as-of", "2026-01-20", "--json")
    assert before.code == 0, before.stderr
    contributions = json.loads(before.stdout)["risk"]["contributions"]
    assert [(c["signal"], c["event_id"]) for c in contributions if c["event_id"]] == [("pii_leak", pii)]


def test_a_reviewed_batch_counts_the_errors_its_review_verified(cli: RunCli, tmp_path: Path) -> None:
    """Before: health kept the audit's error (0 of 20 gold tasks wrong) after a review found every sampled
    task wrong, while the transparency card stated the review's verified rate."""
    doc = _audit(cli, tmp_path, '[quality]\nmethod = "mv"\n[acceptance]\naql = 10\n')
    results = _answered_sample(cli, str(doc["audit"]), tmp_path, "yes")
    reviewed = cli("review", str(doc["audit"]), "--results", results, "--json")
    assert reviewed.code == 0, reviewed.stderr
    verified = json.loads(reviewed.stdout)["error_rate"]
    assert verified["verified"] and verified["value"] > 0.05  # the audit had 0 of 20 gold tasks wrong
    card = json.loads(cli("health", "Acme", "--json").stdout)["scorecard"]
    assert card["verdicts"]["reject"] == 1
    assert abs(card["error_rate_mean"] - verified["value"]) < 1e-12


def _answered_sample(cli: RunCli, audit: str, root: Path, answer: str) -> Path:
    """``audit``'s review sample with every sampled task answered ``answer`` ("yes": defective)."""
    sheet, results = root / f"{audit}.sheet.csv", root / f"{audit}.results.csv"
    assert cli("audits", "sample", audit, "--out", sheet).code == 0
    with sheet.open(encoding="utf-8") as handle:
        sampled = [row["task"] for row in csv.DictReader(handle)]
    results.write_text("task,defective\n" + "".join(f"{t},{answer}\n" for t in sampled), encoding="utf-8")
    return results


def _review_all(cli: RunCli, audit: str, root: Path, answer: str) -> str:
    """Review ``audit``'s sample with every sampled task ``answer`` ("yes": defective); the decision."""
    results = _answered_sample(cli, audit, root, answer)
    reviewed = cli("review", audit, "--results", results, "--json")
    assert reviewed.code == 0, reviewed.stderr
    decision: str = json.loads(reviewed.stdout)["decision"]
    return decision


def test_a_re_audit_does_not_lift_a_reviewers_rejection(cli: RunCli, tmp_path: Path) -> None:
    """Before: auditing the same bytes again made a new "accept" audit without a review, and every view (the
    card, health) read the batch by it: the batch the reviewer rejected was published and counted accepted."""
    doc = _audit(
        cli, tmp_path, '[quality]\nmethod = "mv"\n[acceptance]\naql = 10\n[data]\npersonal_data = "allow"\n'
    )
    assert doc["verdict"] == "accept" and _review_all(cli, str(doc["audit"]), tmp_path, "yes") == "reject"
    labels, tasks, gold = tmp_path / "labels.csv", tmp_path / "tasks.csv", tmp_path / "gold.csv"
    again = cli(
        "audit", labels, "--partner", "Acme", "--project", "p", "--tasks", tasks, "--gold", gold, "--json"
    )
    second = json.loads(again.stdout)
    assert second["verdict"] == "accept" and second["audit"] != doc["audit"]

    def verdicts() -> dict[str, int]:
        card: dict[str, int] = json.loads(cli("health", "Acme", "--json").stdout)["scorecard"]["verdicts"]
        return card

    def published() -> bool:
        assert cli("transparency", "--project", "p", "--out", tmp_path / "card.jsonld").code == 0
        history = json.loads((tmp_path / "card.jsonld").read_text(encoding="utf-8"))["auditHistory"]
        return bool(history[0]["published"])

    assert verdicts()["reject"] == 1 and not published()
    # a review of the new audit's own sample decides again
    assert _review_all(cli, str(second["audit"]), tmp_path, "no") == "accept"
    assert verdicts()["accept"] == 1 and published()


def test_an_upheld_dispute_stands_for_the_same_finding_of_a_re_audit(cli: RunCli, tmp_path: Path) -> None:
    """Before: a re-audit of the same bytes found the personal data again under a new finding id, and the
    forecast counted it at full weight although the client had upheld the partner's dispute; the report then
    said no finding was disputed (it read disputes on the latest audits only)."""
    doc = _audit(cli, tmp_path, '[data]\npersonal_data = "review"\n')
    findings = doc["findings"]
    assert isinstance(findings, list)
    pii = next(f["id"] for f in findings if f["kind"] == "pii")
    assert cli("dispute", "open", pii, "--text", "it is our test inbox", "--by", "partner:Acme").code == 0
    assert cli("dispute", "resolve", "d1", "--status", "upheld", "--note", "right").code == 0
    labels, tasks, gold = tmp_path / "labels.csv", tmp_path / "tasks.csv", tmp_path / "gold.csv"
    again = cli(
        "audit", labels, "--partner", "Acme", "--project", "p", "--tasks", tasks, "--gold", gold, "--json"
    )
    assert again.code == 0, again.stderr
    second = json.loads(again.stdout)
    repeated = next(f["id"] for f in second["findings"] if f["kind"] == "pii")
    assert repeated != pii
    assert _signals(cli) == []
    # the partner was right about this finding: disputing it again on the re-audit is refused as on the first
    anew = cli("dispute", "open", repeated, "--text", "still our inbox", "--by", "partner:Acme")
    assert anew.code != 0 and "no longer stands" in anew.stderr
    assert cli("report", "--project", "p", "--out", tmp_path / "report.html").code == 0
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert f"<td>d1</td><td>{pii} (pii)</td>" in report and "No finding was disputed" not in report


def test_a_review_counts_in_a_replay_only_from_the_day_it_was_made(cli: RunCli, tmp_path: Path) -> None:
    """Before: ``--as-of`` a day before anyone reviewed the batch already applied the review (made today):
    health counted the batch rejected and the card left it unpublished, as if it had been known then."""
    doc = _audit(
        cli, tmp_path, '[quality]\nmethod = "mv"\n[acceptance]\naql = 10\n[data]\npersonal_data = "allow"\n'
    )
    assert doc["verdict"] == "accept" and _review_all(cli, str(doc["audit"]), tmp_path, "yes") == "reject"

    def verdicts(*as_of: str) -> dict[str, int]:
        run = cli("health", "Acme", *as_of, "--json")
        assert run.code == 0, run.stderr
        card: dict[str, int] = json.loads(run.stdout)["scorecard"]["verdicts"]
        return card

    def published(*as_of: str) -> bool:
        assert cli("transparency", "--project", "p", *as_of, "--out", tmp_path / "card.jsonld").code == 0
        history = json.loads((tmp_path / "card.jsonld").read_text(encoding="utf-8"))["auditHistory"]
        return bool(history[0]["published"])

    assert verdicts()["reject"] == 1 and not published()
    before_review = ("--as-of", "2026-02-01")  # delivered 2026-01-10, reviewed today
    assert verdicts(*before_review).get("reject", 0) == 0 and verdicts(*before_review)["accept"] == 1
    assert published(*before_review)


def test_a_review_dated_before_the_delivery_or_in_the_future_is_refused(cli: RunCli, tmp_path: Path) -> None:
    """``--reviewed-at`` dates a review entered later; a review cannot precede the delivery it reviews, nor
    come from the future, and a refused one stores nothing."""
    doc = _audit(cli, tmp_path, '[quality]\nmethod = "mv"\n[acceptance]\naql = 10\n')
    results = _answered_sample(cli, str(doc["audit"]), tmp_path, "no")
    for day in ("2026-01-09", "2999-01-01"):  # delivered 2026-01-10
        run = cli("review", str(doc["audit"]), "--results", results, "--reviewed-at", day)
        assert run.code == 2 and "--reviewed-at" in run.stderr and "delivery (2026-01-10" in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1
    shown = json.loads(cli("audits", "show", str(doc["audit"]), "--json").stdout)
    assert not shown.get("reviews")
    run = cli("review", str(doc["audit"]), "--results", results, "--reviewed-at", "2026-01-12", "--json")
    assert run.code == 0 and json.loads(run.stdout)["reviewed_at"].startswith("2026-01-12")
