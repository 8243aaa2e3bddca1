"""``labelpact audit``, ``issues``, ``review``, ``audits`` and ``consensus export`` end to end, in-process."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from labelpact.io.export import write_annotations, write_gold
from labelpact.simulate import Simulation, simulate_delivery

from .conftest import RunCli

STRICT = """
[quality]
method = "ds"
min_gold_accuracy = 0.99
[acceptance]
aql = 10
"""
LOOSE = """
[quality]
method = "ds"
min_gold_accuracy = 0.50
min_agreement = 0.10
[acceptance]
aql = 10
"""


@pytest.fixture(scope="module")
def delivery(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, Simulation]:
    root = tmp_path_factory.mktemp("delivery")
    sim = simulate_delivery(
        n_tasks=600, n_workers=40, n_classes=3, labels_per_task=3, gold_share=0.1, seed=11
    )
    labels = write_annotations(sim.annotations, root / "labels.csv")
    gold = write_gold(sim.annotations, sim.gold, root / "gold.csv")
    contract = root / "strict.toml"
    contract.write_text(STRICT, encoding="utf-8")
    (root / "loose.toml").write_text(LOOSE, encoding="utf-8")
    return labels, gold, contract, sim


def _setup(cli: RunCli) -> None:
    assert cli("client", "set", "--name", "Lab").code == 0
    assert cli("partner", "add", "Acme").code == 0


def _audit(cli: RunCli, labels: Path, *extra: str | Path) -> dict:
    run = cli("audit", labels, "--partner", "Acme", "--project", "p", "--json", *extra)
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)


def test_audit_json_has_the_contract_keys_and_is_stored(cli: RunCli, delivery, tmp_path: Path) -> None:
    labels, gold, contract, sim = delivery
    _setup(cli)
    doc = _audit(cli, labels, "--gold", gold, "--contract", contract.parent / "loose.toml")
    assert set(doc) >= {"batch", "verdict", "reasons", "metrics", "sampling_plan", "findings", "ethics"}
    assert doc["verdict"] == "accept"
    plan = doc["sampling_plan"]
    # 600 labelled tasks, level II -> code letter J (501-1200); at AQL 10 row J's own plan:
    # n=80, Ac 14, Re 15 (ISO 2859-1 Table 2-A)
    assert (plan["lot_size"], plan["code_letter"], plan["sample_size"]) == (600, "J", 80)
    assert (plan["accept_number"], plan["reject_number"]) == (14, 15)
    assert len(doc["sample_tasks"]) == 80 and len(set(doc["sample_tasks"])) == 80
    assert doc["metrics"]["n_tasks"] == 600 and doc["metrics"]["n_gold"] == len(sim.gold)
    assert {r["clause"] for r in doc["reasons"]} >= {"quality.min_gold_accuracy", "quality.min_agreement"}
    assert all(r["outcome"] in ("met", "unchecked") for r in doc["reasons"])
    shown = cli("audits", "show", doc["audit"], "--json")
    assert shown.code == 0
    stored = json.loads(shown.stdout)
    assert stored["verdict"] == doc["verdict"] and stored["sample_tasks"] == doc["sample_tasks"]
    assert stored["contract_sha256"] == doc["contract_sha256"] and len(doc["contract_sha256"]) == 64


def test_the_strict_contract_rejects_and_a_reaudit_is_a_new_audit(cli: RunCli, delivery) -> None:
    labels, gold, contract, _ = delivery
    _setup(cli)
    first = _audit(cli, labels, "--gold", gold, "--contract", contract.parent / "loose.toml")
    second = _audit(cli, labels, "--gold", gold, "--contract", contract)
    assert second["batch"] == first["batch"] and second["audit"] != first["audit"]
    clause = next(r for r in second["reasons"] if r["clause"] == "quality.min_gold_accuracy")
    assert clause["outcome"] in ("review", "reject") and clause["limit"] == 0.99
    assert second["verdict"] == clause["outcome"]
    listed = json.loads(cli("audits", "list", "--json").stdout)["audits"]
    assert [a["audit"] for a in listed] == [second["audit"], first["audit"]]
    assert json.loads(cli("batches", "list", "--json").stdout)["batches"][0]["id"] == first["batch"]
    human = cli(
        "audit", labels, "--partner", "Acme", "--project", "p", "--gold", gold, "--contract", contract
    )
    assert human.code == 0 and human.stdout.lstrip("╭─╮│ \n").startswith(second["verdict"].upper())


def test_review_decides_by_the_plan(cli: RunCli, delivery, tmp_path: Path) -> None:
    labels, gold, contract, _sim = delivery
    _setup(cli)
    doc = _audit(cli, labels, "--gold", gold, "--contract", contract.parent / "loose.toml")
    sample = doc["sample_tasks"]
    plan = doc["sampling_plan"]
    exported = tmp_path / "consensus.csv"
    run = cli("consensus", "export", doc["batch"], "--out", exported)
    assert run.code == 0, run.stderr
    with exported.open() as handle:
        consensus = {row["task"]: row["label"] for row in csv.DictReader(handle)}
    assert len(consensus) == 600
    good = tmp_path / "good.csv"
    good.write_text("task,label\n" + "".join(f"{t},{consensus[t]}\n" for t in sample))
    accepted = json.loads(cli("review", doc["audit"], "--results", good, "--json").stdout)
    assert accepted["decision"] == "accept" and accepted["n_defective"] == 0
    bad = tmp_path / "bad.csv"
    flags = ["yes" if i <= plan["reject_number"] else "no" for i in range(len(sample))]
    bad.write_text("task,defective\n" + "".join(f"{t},{f}\n" for t, f in zip(sample, flags, strict=True)))
    rejected = json.loads(cli("review", doc["batch"], "--results", bad, "--json").stdout)
    assert rejected["decision"] == "reject" and rejected["n_defective"] == plan["reject_number"] + 1
    shown = json.loads(cli("audits", "show", doc["audit"], "--json").stdout)
    assert [r["decision"] for r in shown["reviews"]] == ["reject", "accept"]
    partial = tmp_path / "partial.csv"
    partial.write_text("task,label\n" + "".join(f"{t},{consensus[t]}\n" for t in sample[:-1]))
    run = cli("review", doc["audit"], "--results", partial)
    assert run.code == 2 and "sampled tasks" in run.stderr and "1 missing" in run.stderr


def test_the_sample_sheet_is_filled_in_and_read_back(cli: RunCli, delivery, tmp_path: Path) -> None:
    """``audits sample`` writes the sampled tasks with ``label`` starting as the consensus; a sheet whose
    ``label`` is blank is refused in one line (it had been an internal error); corrected to the truth,
    the review counts exactly the consensus labels that were wrong."""
    labels, gold, contract, sim = delivery
    _setup(cli)
    doc = _audit(cli, labels, "--gold", gold, "--contract", contract.parent / "loose.toml")
    sheet = tmp_path / "sample.csv"
    run = cli("audits", "sample", doc["audit"], "--out", sheet, "--json")
    assert run.code == 0, run.stderr
    written = json.loads(run.stdout)
    assert written["n_tasks"] == len(doc["sample_tasks"]) and written["answer_column"] == "label"
    with sheet.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["task"] for r in rows] == doc["sample_tasks"]
    assert all(r["label"] == r["consensus"] and 0 < float(r["confidence"]) <= 1 for r in rows)
    blank = tmp_path / "blank.csv"
    blank.write_text("task,label\n" + "".join(f"{r['task']},\n" for r in rows))
    refused = cli("review", doc["audit"], "--results", blank)
    assert refused.code == 2 and refused.stderr.count("\n") == 1
    assert "line 2, column 'label'" in refused.stderr and "got a blank cell" in refused.stderr
    truth = dict(zip(sim.annotations.tasks, (sim.annotations.classes[k] for k in sim.truth), strict=True))
    sheet.write_text("task,label\n" + "".join(f"{r['task']},{truth[r['task']]}\n" for r in rows))
    review = json.loads(cli("review", doc["audit"], "--results", sheet, "--json").stdout)
    assert review["n_defective"] == sum(r["consensus"] != truth[r["task"]] for r in rows)
    human = cli("audits", "sample", doc["batch"], "--out", tmp_path / "again.parquet")
    assert human.code == 0 and "review 'label'" in human.stdout
    # a sheet is CSV or Parquet: CSV under a .jsonl name could not be read back; a missing folder is one line
    for out, said in (
        (tmp_path / "sample.jsonl", "ending in .csv or .parquet"),
        (tmp_path / "no" / "s.csv", "folder"),
    ):
        wrong = cli("audits", "sample", doc["audit"], "--out", out)
        assert wrong.code == 2 and wrong.stderr.count("\n") == 1 and said in wrong.stderr, wrong.stderr
        assert "--out" in wrong.stderr and not out.exists()


def test_bad_predictions_leave_the_store_unchanged(
    cli: RunCli, delivery, tmp_path: Path, workspace: Path, snapshot
) -> None:
    labels, _gold, _, sim = delivery
    _setup(cli)
    before = snapshot(workspace)
    preds = tmp_path / "preds.csv"
    classes = sim.annotations.classes
    rows = [",".join(["task", *classes])]
    rows += [f"{t},{','.join(['0.5'] * len(classes))}" for t in sim.annotations.tasks[:5]]
    preds.write_text("\n".join(rows) + "\n")
    run = cli("audit", labels, "--partner", "Acme", "--project", "p", "--pred-probs", preds)
    assert run.code == 2
    assert "preds.csv, line 2" in run.stderr and "sum to 1" in run.stderr
    assert snapshot(workspace) == before


def test_an_unknown_partner_or_a_file_from_another_partner_is_refused(cli: RunCli, delivery) -> None:
    labels, *_ = delivery
    _setup(cli)
    run = cli("audit", labels, "--partner", "Acmee", "--project", "p")
    assert run.code == 2 and "Acme" in run.stderr
    assert cli("ingest", labels, "--partner", "Acme", "--project", "p").code == 0
    assert cli("partner", "add", "Globex").code == 0
    run = cli("audit", labels, "--partner", "Globex", "--project", "p")
    assert run.code == 2 and "Acme" in run.stderr


def test_issues_agrees_with_cleanlab_on_single_labels(cli: RunCli, tmp_path: Path) -> None:
    cleanlab_filter = pytest.importorskip("cleanlab.filter")
    rng = np.random.default_rng(5)
    n, k = 3000, 4
    truth = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + 2.5 * np.eye(k)[truth]
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    given = truth.copy()
    noisy = rng.random(n) < 0.12
    given[noisy] = rng.integers(0, k, int(noisy.sum()))
    names = [f"c{j}" for j in range(k)]
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "task,worker,label\n" + "".join(f"t{i},w{i % 7},{names[y]}\n" for i, y in enumerate(given))
    )
    preds = tmp_path / "preds.csv"
    preds.write_text(
        "task,"
        + ",".join(names)
        + "\n"
        + "".join(f"t{i}," + ",".join(f"{p:.17g}" for p in row) + "\n" for i, row in enumerate(probs))
    )
    run = cli("issues", labels, "--pred-probs", preds, "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    ours = {r["task"] for r in doc["issues"]}
    theirs = {f"t{i}" for i in np.flatnonzero(cleanlab_filter.find_label_issues(given, probs))}
    jaccard = len(ours & theirs) / len(ours | theirs)
    assert jaccard >= 0.95, jaccard
    assert doc["n_tasks"] == n and len(ours) > 100
    qualities = [r["quality"] for r in doc["issues"]]
    assert qualities == sorted(qualities)


def test_a_sample_cannot_lift_a_rejection(cli: RunCli, delivery, tmp_path: Path) -> None:
    labels, gold, _contract, _sim = delivery
    _setup(cli)
    strict = tmp_path / "agreement.toml"
    strict.write_text('[quality]\nmethod = "ds"\nmin_agreement = 0.99\n', encoding="utf-8")
    doc = _audit(cli, labels, "--gold", gold, "--contract", strict)
    assert doc["verdict"] == "reject"
    exported = tmp_path / "consensus.csv"
    assert cli("consensus", "export", doc["audit"], "--out", exported).code == 0
    with exported.open() as handle:
        consensus = {row["task"]: row["label"] for row in csv.DictReader(handle)}
    answers = tmp_path / "answers.csv"
    answers.write_text("task,label\n" + "".join(f"{t},{consensus[t]}\n" for t in doc["sample_tasks"]))
    review = json.loads(cli("review", doc["audit"], "--results", answers, "--json").stdout)
    assert review["sample_decision"] == "accept" and review["decision"] == "reject"
    assert review["rejected_on"] == ["quality.min_agreement"]


def test_a_partners_contract_is_validated_when_it_is_filed(cli: RunCli, tmp_path: Path) -> None:
    contract = tmp_path / "typo.toml"
    contract.write_text("[quality]\nmin_gold_acuracy = 0.9\n", encoding="utf-8")
    run = cli("partner", "add", "Acme", "--contract", contract)
    assert run.code == 2
    assert "typo.toml, line 2" in run.stderr and "did you mean 'min_gold_accuracy'" in run.stderr
    assert cli("partner", "list", "--json").stdout.count('"Acme"') == 0


def _same(left: object, right: object, where: str = "") -> None:
    """Equal documents, floats within 1e-9 (a fit sums its labels in the file's order)."""
    if isinstance(left, dict) and isinstance(right, dict):
        assert left.keys() == right.keys(), where
        for key in left:
            _same(left[key], right[key], f"{where}.{key}")
    elif isinstance(left, list) and isinstance(right, list):
        assert len(left) == len(right), where
        for i, (x, y) in enumerate(zip(left, right, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(left, float) and isinstance(right, float):
        assert left == pytest.approx(right, abs=1e-9, nan_ok=True), where
    else:
        assert left == right, where


def test_the_same_labels_in_another_row_order_get_the_same_audit(cli: RunCli, tmp_path: Path) -> None:
    """An export in another row order (labels and gold) is audited alike: consensus, error rate, verdict,
    findings and the ISO 2859-1 sample, which is drawn by task name; and it is recognised as a redelivery. (Without repeated (task, worker) labels:
    where a worker labelled a task twice, agreement counts the file's first label, which the order decides.)"""
    sim = simulate_delivery(
        n_tasks=600, n_workers=40, n_classes=3, labels_per_task=3, gold_share=0.1, duplicate_rate=0.0, seed=12
    )
    labels = write_annotations(sim.annotations, tmp_path / "labels.csv")
    gold = write_gold(sim.annotations, sim.gold, tmp_path / "gold.csv")
    _setup(cli)
    shuffled = {}
    for name, path in (("labels", labels), ("gold", gold)):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        body = [lines[i] for i in np.random.default_rng(7).permutation(len(lines) - 1) + 1]
        shuffled[name] = tmp_path / f"shuffled-{path.name}"
        shuffled[name].write_text(lines[0] + "".join(body), encoding="utf-8")
    contract = tmp_path / "auto.toml"
    contract.write_text('[quality]\nmethod = "auto"\n[acceptance]\naql = 4\n', encoding="utf-8")
    one = _audit(cli, labels, "--gold", gold, "--contract", contract)
    two = _audit(cli, shuffled["labels"], "--gold", shuffled["gold"], "--contract", contract)
    first_batch = one["batch"]
    for doc in (one, two):
        for key in ("audit", "batch", "seconds", "input_sha256", "delivered_at", "created_at", "stages"):
            doc.pop(key, None)
        doc["metrics"]["timeliness"].pop("delivered_at"), doc["metrics"].pop("seconds")
        for finding in doc["findings"]:
            finding.pop("id")  # the store's row
    assert one["sample_tasks"] == sorted(two["sample_tasks"]) and len(one["sample_tasks"]) > 0
    # the second file holds the same labels: a finding names the batch that held them first
    again = [f for f in two["findings"] if f["kind"] == "redelivered"]
    assert len(again) == 1 and again[0]["evidence"]["batches"] == [first_batch]
    assert not any(f["kind"] == "redelivered" for f in one["findings"])
    two["findings"] = [f for f in two["findings"] if f["kind"] != "redelivered"]
    _same(one, two)
    # audited again, the first delivery still names no later batch; the second still names the first
    kinds = [f["kind"] for f in _audit(cli, labels, "--gold", gold, "--contract", contract)["findings"]]
    assert "redelivered" not in kinds
    later = _audit(cli, shuffled["labels"], "--gold", shuffled["gold"], "--contract", contract)["findings"]
    assert [f["evidence"]["batches"] for f in later if f["kind"] == "redelivered"] == [[first_batch]]


def test_a_clean_sample_does_not_show_as_an_accepted_review_of_a_batch_rejected_on_other_clauses(
    cli: RunCli, tmp_path: Path
) -> None:
    """The README's batch is rejected on agreement and personal data; a sample with nothing wrong leaves it
    rejected. Before, ``review --json`` said reject while ``audits show``, ``audits list`` and the
    transparency facts read the stored review as accept."""
    examples = Path(__file__).resolve().parents[2] / "examples"
    assert cli("partner", "add", "Acme", "--contract", examples / "contracts" / "standard.toml").code == 0
    data = examples / "data"
    audited = cli(
        "audit", data / "acme-week1.csv", "--partner", "Acme", "--project", "s", "--gold",
        data / "acme-week1-gold.csv", "--tasks", data / "acme-week1-tasks.csv", "--json",
    )  # fmt: skip
    assert audited.code == 0, audited.stderr
    doc = json.loads(audited.stdout)
    assert doc["verdict"] == "reject"
    sheet = tmp_path / "sheet.csv"
    assert cli("audits", "sample", doc["audit"], "--out", sheet).code == 0  # the consensus: nothing defective
    reviewed = json.loads(cli("review", doc["audit"], "--results", sheet, "--json").stdout)
    assert (reviewed["decision"], reviewed["sample_decision"]) == ("reject", "accept")
    shown = json.loads(cli("audits", "show", doc["audit"], "--json").stdout)
    listed = json.loads(cli("audits", "list", "--json").stdout)["audits"]
    assert [r["decision"] for r in shown["reviews"]] == ["reject"]
    assert [a["review_decision"] for a in listed] == ["reject"]


def test_an_audit_of_a_folder_says_it_stores_one_file(cli: RunCli, tmp_path: Path) -> None:
    """Before: "expected an existing annotations file, got a directory", though the Dask commands take folders."""
    assert cli("partner", "add", "Acme").code == 0
    run = cli("audit", tmp_path, "--partner", "Acme", "--project", "p", "--engine", "dask")
    assert run.code == 2 and "expected one annotations file (the batch an audit stores" in run.stderr
    assert "got a folder" in run.stderr
