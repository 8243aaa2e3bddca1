"""Through the CLI: a batch whose quality cannot be measured is a finding, never an accept; an error rate
from the model alone cannot meet the contract until a reviewed sample verifies it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labelpact.io.export import write_annotations, write_gold
from labelpact.simulate import simulate_delivery

from .conftest import RunCli

CONTRACT = """
[labels]
classes = ["cat", "dog"]
[quality]
min_agreement = 0.5
min_gold_accuracy = 0.9
max_error_rate = 0.1
max_flagged_worker_share = 0.2
"""

DEGENERATE = {
    "one_class": ("t{t},w{w},cat", range(3), "one class only"),
    "one_label_per_task": ("t{t},w{t},{c}", range(1), "has one label"),
    "no_overlap": ("t{t},w{t},{c}", range(3), "no overlap between workers"),
    "unanimous": ("t{t},w{w},{c}", range(3), "unanimous"),
}


def _write(path: Path, row: str, workers: range) -> Path:
    lines = ["task,worker,label"]
    for t in range(8):
        c = "cat" if t % 2 else "dog"
        lines += [row.format(t=t, w=w, c=c) for w in workers]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(DEGENERATE))
@pytest.mark.parametrize("with_contract", [False, True])
def test_an_unmeasurable_batch_is_a_finding_not_an_accept(
    cli: RunCli, tmp_path: Path, case: str, with_contract: bool
) -> None:
    row, workers, why = DEGENERATE[case]
    labels = _write(tmp_path / f"{case}.csv", row, workers)
    assert cli("partner", "add", "Acme").code == 0
    extra: list[str | Path] = []
    if with_contract:
        contract = tmp_path / "contract.toml"
        contract.write_text(CONTRACT, encoding="utf-8")
        extra = ["--contract", contract]
    run = cli("audit", labels, "--partner", "Acme", "--project", "p", "--json", *extra)
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["verdict"] != "accept"
    measurable = next(r for r in doc["reasons"] if r["clause"] == "quality.measurable")
    assert measurable["outcome"] == "review" and why in measurable["detail"]
    assert any(f["kind"] == "unmeasurable_quality" for f in doc["findings"])
    assert doc["metrics"]["measurable"] is False
    assert "shape" not in run.stdout
    for reason in doc["reasons"]:
        assert "no task has two labels" not in reason["detail"]
        if reason["clause"] == "quality.max_error_rate":
            assert reason["outcome"] != "met"
    agreement = cli("agreement", labels, "--json")
    assert agreement.code == 0, agreement.stderr
    assert why in json.loads(agreement.stdout)["unidentifiable"]
    human = cli("agreement", labels)
    assert "cannot be measured" in human.stdout


def test_a_model_only_estimate_is_unverified_until_a_reviewed_sample_verifies_it(
    cli: RunCli, tmp_path: Path
) -> None:
    sim = simulate_delivery(
        n_tasks=400,
        n_workers=30,
        n_classes=3,
        labels_per_task=3,
        gold_share=0.0,
        share_mediocre=0.0,
        duplicate_rate=0.0,
        seed=5,
    )
    labels = write_annotations(sim.annotations, tmp_path / "labels.csv")
    contract = tmp_path / "contract.toml"
    contract.write_text('[quality]\nmethod = "ds"\nmax_error_rate = 0.25\n[acceptance]\naql = 10\n')
    assert cli("partner", "add", "Acme").code == 0
    run = cli("audit", labels, "--partner", "Acme", "--project", "p", "--contract", contract, "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    rate = doc["metrics"]["error_rate"]
    assert rate["verified"] is False and rate["checks"]["n"] == 0
    clause = next(r for r in doc["reasons"] if r["clause"] == "quality.max_error_rate")
    assert clause["outcome"] == "review" and "unverified" in clause["detail"]
    assert "model alone cannot meet" in clause["detail"]
    assert doc["verdict"] == "review"
    answers = all_right(cli, doc, tmp_path)
    review = cli("review", doc["audit"], "--results", answers, "--json")
    assert review.code == 0, review.stderr
    reviewed = json.loads(review.stdout)
    assert reviewed["error_rate"]["verified"] is True
    assert reviewed["error_rate"]["checks"]["n"] == len(doc["sample_tasks"])
    verified = next(r for r in reviewed["clauses"] if r["clause"] == "quality.max_error_rate")
    assert verified["outcome"] == "met" and "unverified" not in verified["detail"]
    assert reviewed["decision"] == "accept" and reviewed["replaces"] is None
    human = cli("review", doc["audit"], "--results", answers)  # a second review of the same sample
    assert "verified by" in human.stdout and "quality.max_error_rate" in human.stdout
    assert f"replaces {reviewed['review']} (accept)" in " ".join(human.stdout.split())
    third = json.loads(cli("review", doc["audit"], "--results", answers, "--json").stdout)
    assert third["replaces"]["review"] not in (None, reviewed["review"], third["review"])


def test_the_audit_estimate_covers_the_truth_under_correlated_mistakes() -> None:
    """The audit's own estimate (``error_rate_of`` on ``aggregate``'s out-of-fold gold score) on deliveries
    whose workers share decoys: the interval covers the true error of the delivered consensus, and no
    clause is met by a batch more than 2 points worse than the limit."""
    import numpy as np

    from labelpact.core.annotations import Annotations, Gold
    from labelpact.core.consensus import aggregate, consensus_codes
    from labelpact.core.consensus_error import error_rate_of

    covered, replicates = 0, 6
    for seed in range(replicates):
        rng = np.random.default_rng(seed)
        n_tasks, k = 400, 3
        truth = rng.integers(0, k, n_tasks)
        decoy = (truth + rng.integers(1, k, n_tasks)) % k
        hard = rng.random(n_tasks) < 0.2
        accuracy = rng.uniform(0.6, 0.95, 30)
        task = np.repeat(np.arange(n_tasks), 5)
        worker = np.concatenate([rng.choice(30, 5, replace=False) for _ in range(n_tasks)])
        label = np.where(rng.random(len(task)) < accuracy[worker], truth[task], (truth[task] + 1) % k)
        label = np.where(hard[task] & (rng.random(len(task)) < 0.6), decoy[task], label)
        a = Annotations.from_columns(
            task=[f"t{i:04d}" for i in task],
            worker=[f"w{w:02d}" for w in worker],
            label=[f"c{c}" for c in label],
        )
        true_class = np.searchsorted([int(c[1:]) for c in a.classes], truth[[int(t[1:]) for t in a.tasks]])
        given = np.sort(rng.choice(n_tasks, 40, replace=False))
        gold = Gold(task=given, label=true_class[given])
        c = aggregate(a, method="ds", gold=gold, random_state=seed)
        codes = consensus_codes(a, c.probas)
        rest = np.setdiff1d(np.arange(n_tasks), given)
        true_error = float(np.mean(codes[rest] != true_class[rest]))
        assert c.held_out is not None
        e = error_rate_of(a, c, codes, gold, check=None, held_out_accuracy=c.held_out.value)
        assert e.verified and e.checks.n == 40
        covered += e.ci[0] <= true_error <= e.ci[1]
        assert not (true_error > 0.12 and e.ci[1] <= 0.10)  # would meet a 10% clause
    assert covered >= replicates - 1


def test_a_review_judges_the_error_clause_again_instead_of_keeping_the_audits_rejection(
    cli: RunCli, tmp_path: Path
) -> None:
    # a model-only estimate whose optimistic end is above a tight limit rejects the audit; a reviewed sample
    # with no wrong label verifies a far lower rate, and the review's own clause outcome replaces the audit's
    sim = simulate_delivery(
        n_tasks=400, n_workers=30, n_classes=3, labels_per_task=3, gold_share=0.0, duplicate_rate=0.0, seed=7
    )
    labels = write_annotations(sim.annotations, tmp_path / "labels.csv")
    contract = tmp_path / "contract.toml"
    contract.write_text('[quality]\nmethod = "ds"\nmax_error_rate = 0.02\n[acceptance]\naql = 10\n')
    assert cli("partner", "add", "Acme").code == 0
    doc = json.loads(
        cli("audit", labels, "--partner", "Acme", "--project", "p", "--contract", contract, "--json").stdout
    )
    rejected = [r["clause"] for r in doc["reasons"] if r["outcome"] == "reject"]
    assert rejected == ["quality.max_error_rate"], doc["reasons"]
    answers = all_right(cli, doc, tmp_path)
    reviewed = json.loads(cli("review", doc["audit"], "--results", answers, "--json").stdout)
    verified = next(r for r in reviewed["clauses"] if r["clause"] == "quality.max_error_rate")
    assert verified["outcome"] != "reject"
    assert "quality.max_error_rate" not in reviewed["rejected_on"]
    assert reviewed["decision"] == "accept"


def all_right(cli: RunCli, doc: dict, tmp_path: Path) -> Path:  # type: ignore[type-arg]
    """A review sheet that confirms the consensus label of every task the audit ``doc`` sampled."""
    import pyarrow.parquet as pq

    exported = tmp_path / "consensus.parquet"
    assert cli("consensus", "export", doc["audit"], "--out", exported).code == 0
    table = pq.read_table(exported).to_pydict()
    consensus = dict(zip(table["task"], table["label"], strict=True))
    answers = tmp_path / "answers.csv"
    answers.write_text("task,label\n" + "".join(f"{t},{consensus[t]}\n" for t in doc["sample_tasks"]))
    return answers


def test_a_sampled_gold_task_is_not_counted_twice_by_a_review(cli: RunCli, tmp_path: Path) -> None:
    # half the tasks are gold, so the plan's sample holds many of them: the audit has already scored them
    # (out of fold); the review adds only the sampled tasks without gold, and estimates the tasks without gold
    sim = simulate_delivery(
        n_tasks=300, n_workers=25, n_classes=3, labels_per_task=3, gold_share=0.5, duplicate_rate=0.0, seed=3
    )
    labels = write_annotations(sim.annotations, tmp_path / "labels.csv")
    assert sim.gold is not None
    gold = write_gold(sim.annotations, sim.gold, tmp_path / "gold.csv")
    contract = tmp_path / "contract.toml"
    contract.write_text('[quality]\nmethod = "ds"\nmax_error_rate = 0.25\n[acceptance]\naql = 10\n')
    assert cli("partner", "add", "Acme").code == 0
    run = cli("audit", labels, "--gold", gold, "--partner", "Acme", "--project", "p", "--contract", contract, "--json")  # fmt: skip
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    gold_names = {sim.annotations.tasks[t] for t in sim.gold.task}
    sampled_gold = [t for t in doc["sample_tasks"] if t in gold_names]
    assert 0 < len(sampled_gold) < len(doc["sample_tasks"])
    n_gold_checks = doc["metrics"]["error_rate"]["checks"]["n"]
    reviewed = json.loads(
        cli("review", doc["audit"], "--results", all_right(cli, doc, tmp_path), "--json").stdout
    )
    checks = reviewed["error_rate"]["checks"]["n"]
    assert checks == n_gold_checks + len(doc["sample_tasks"]) - len(sampled_gold)
    assert checks <= 300  # never more checks than tasks
    assert reviewed["error_rate"]["n_tasks"] == 300 - len(gold_names)


def test_gold_on_tasks_nobody_labelled_is_no_check(cli: RunCli, tmp_path: Path) -> None:
    # 150 extra tasks whose only rows are blank labels, each with gold: they had counted as right checks
    # (the flat posterior's class) and turned a batch's measured error into a near-perfect one
    sim = simulate_delivery(
        n_tasks=300,
        n_workers=25,
        n_classes=2,
        labels_per_task=3,
        gold_share=0.15,
        duplicate_rate=0.0,
        seed=11,
    )
    assert sim.gold is not None
    labelled = write_annotations(sim.annotations, tmp_path / "labels.csv").read_text().rstrip("\n")
    given = write_gold(sim.annotations, sim.gold, tmp_path / "gold.csv").read_text().rstrip("\n")
    assert cli("partner", "add", "Acme").code == 0
    for extra, label in ((0, ""), (150, sim.annotations.classes[0])):
        name = f"{extra}_{label or 'none'}"
        labels = tmp_path / f"labels{name}.csv"  # plus the blank rows of tasks nobody labelled
        labels.write_text("".join([labelled, "\n", *(f"blank{i:03d},w0,,,,\n" for i in range(extra))]))
        gold_file = tmp_path / f"gold{name}.csv"
        gold_file.write_text("".join([given, "\n", *(f"blank{i:03d},{label}\n" for i in range(extra))]))
        run = cli("audit", labels, "--gold", gold_file, "--partner", "Acme", "--project", name, "--json")
        assert run.code == 0, run.stderr
        metrics = json.loads(run.stdout)["metrics"]
        if extra == 0:
            base = metrics
        else:
            assert metrics["n_gold"] == base["n_gold"] and metrics["n_gold_unlabelled"] == extra
            assert metrics["error_rate"]["value"] == base["error_rate"]["value"]
            assert metrics["error_rate"]["checks"]["n"] == base["error_rate"]["checks"]["n"]


def test_a_review_that_rejects_on_the_verified_rate_does_not_blame_the_audit(
    cli: RunCli, tmp_path: Path
) -> None:
    """The audit sent the batch to review on an unverified error rate; the review's verified rate rejects it.
    Before, the review said "the audit had rejected it on quality.max_error_rate", which it had not."""
    sim = simulate_delivery(n_tasks=400, n_workers=30, n_classes=3, labels_per_task=3, gold_share=0.0, seed=5)
    labels = write_annotations(sim.annotations, tmp_path / "labels.csv")
    contract = tmp_path / "contract.toml"
    contract.write_text('[quality]\nmethod = "ds"\nmax_error_rate = 0.25\n[acceptance]\naql = 10\n')
    assert cli("partner", "add", "Acme").code == 0
    doc = json.loads(
        cli("audit", labels, "--partner", "Acme", "--project", "p", "--contract", contract, "--json").stdout
    )
    assert not [r for r in doc["reasons"] if r["outcome"] == "reject"]
    answers = tmp_path / "wrong.csv"
    answers.write_text("task,defective\n" + "".join(f"{t},yes\n" for t in doc["sample_tasks"]))
    reviewed = json.loads(cli("review", doc["audit"], "--results", answers, "--json").stdout)
    assert reviewed["decision"] == "reject" and reviewed["rejected_on"] == ["quality.max_error_rate"]
    assert (reviewed["audit_rejected_on"], reviewed["verified_rejected_on"]) == (
        [],
        ["quality.max_error_rate"],
    )
    human = " ".join(cli("review", doc["audit"], "--results", answers).stdout.split())
    assert "the audit had rejected" not in human
    assert "The verified error rate rejects the batch on quality.max_error_rate (below) too." in human


@pytest.mark.parametrize(("wrong", "verdict"), [(0, "accept"), (30, "reject")])
def test_gold_measures_a_batch_its_labels_cannot(
    cli: RunCli, tmp_path: Path, wrong: int, verdict: str
) -> None:
    """Every task unanimous: the labels cannot measure quality, but 100 gold tasks can, as a reviewed sample
    can. Before, 0 of 100 gold tasks wrong still went to review "add gold tasks to verify it"; 30 wrong
    rejects on the verified rate."""
    names = [f"t{i:03d}" for i in range(200)]
    truth = {t: "abc"[i % 3] for i, t in enumerate(names)}
    labels, gold = tmp_path / "labels.csv", tmp_path / "gold.csv"
    labels.write_text(
        "task,worker,label\n"
        + "".join(f"{t},w{(i + k) % 8},{truth[t]}\n" for i, t in enumerate(names) for k in range(3))
    )
    given = {t: truth[t] if i >= wrong else "abc"[(i + 1) % 3] for i, t in enumerate(names[:100])}
    gold.write_text("task,label\n" + "".join(f"{t},{y}\n" for t, y in given.items()))
    contract = tmp_path / "contract.toml"
    contract.write_text(
        '[quality]\nmethod = "mv"\nmin_agreement = 0.3\nmax_error_rate = 0.2\n[acceptance]\naql = 10\n'
    )
    assert cli("partner", "add", "Acme").code == 0
    run = cli("audit", labels, "--gold", gold, "--partner", "Acme", "--project", "p", "--contract", contract, "--json")  # fmt: skip
    doc = json.loads(run.stdout)
    assert doc["metrics"]["measurable"] is False and doc["metrics"]["error_rate"]["verified"] is True
    assert doc["verdict"] == verdict, doc["reasons"]
    measurable = next(r for r in doc["reasons"] if r["clause"] == "quality.measurable")
    assert measurable["outcome"] == "met" and "rests on 100 gold tasks" in measurable["detail"]
    finding = next(f for f in doc["findings"] if f["kind"] == "unmeasurable_quality")
    assert finding["severity"] == "warning"
    assert not any("add gold tasks" in r["detail"] for r in doc["reasons"])
