"""``simulate``, ``ingest --kind`` and ``audit --kind`` from the command line: detection, exit codes, --json."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RunCli = Callable[..., Any]

CONTRACT = "[preferences]\nmax_position_bias = 0.05\n[demonstrations]\nmax_llm_suspect_share = 0.05\n"


def _partner(cli: RunCli, tmp_path: Path) -> Path:
    contract = tmp_path / "rlhf.toml"
    contract.write_text(CONTRACT, encoding="utf-8")
    assert cli("partner", "add", "Tagwell", "--contract", contract).code == 0
    return contract


def test_simulate_writes_each_kind_with_its_truth(cli: RunCli, tmp_path: Path) -> None:
    for kind, name in (("preferences", "p.csv"), ("ratings", "r.parquet"), ("demonstrations", "d.jsonl")):
        run = cli(
            "simulate",
            "--kind",
            kind,
            "--out",
            tmp_path / name,
            "--truth",
            tmp_path / f"{kind}.csv",
            "--json",
        )
        assert run.code == 0, run.stderr
        doc = json.loads(run.stdout)
        assert doc["kind"] == kind and (tmp_path / name).is_file() and doc["n_rows"] > 0
        truth = (tmp_path / f"{kind}.csv").read_text().splitlines()
        assert truth[0].replace('"', "") == "worker,kind" and len(truth) == doc["n_workers"] + 1
    bad = cli("simulate", "--kind", "preferences", "--out", tmp_path / "p.txt")
    assert bad.code == 2 and "p.txt" in bad.stderr


def test_audit_detects_preferences_and_rejects_position_bias(cli: RunCli, tmp_path: Path) -> None:
    _partner(cli, tmp_path)
    prefs = tmp_path / "prefs.csv"
    assert (
        cli(
            "simulate", "--kind", "preferences", "--out", prefs, "--biased-share", "0.4", "--size", "5000"
        ).code
        == 0
    )
    run = cli("audit", prefs, "--partner", "Tagwell", "--project", "rlhf", "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["verdict"] == "reject" and doc["metrics"]["kind"] == "preferences"
    assert any(
        r["clause"] == "preferences.max_position_bias" and r["outcome"] == "reject" for r in doc["reasons"]
    )
    assert doc["findings"][0]["kind"] == "position_bias"
    shown = cli("audits", "show", doc["audit"])
    assert shown.code == 0 and "REJECT" in shown.stdout and "position_bias" in shown.stdout
    assert cli("dispute", "open", doc["findings"][0]["id"], "--text", "sides are shuffled").code == 0


def test_items_in_separate_groups_are_a_finding_not_a_met_clause(cli: RunCli, tmp_path: Path) -> None:
    """Two topics never compared with each other (as a debate corpus is by design): the audit warns in a
    finding, and lists no clause the contract did not set (it had listed a "met" one saying the opposite)."""
    _partner(cli, tmp_path)
    rows = ["task,worker,left,right,choice"]
    for topic in ("a", "b"):
        for i in range(40):
            left, right = f"{topic}{i % 4}", f"{topic}{(i + 1) % 4}"
            rows += [f"{topic}{i},w{j},{left},{right},{'left' if (i + j) % 3 else 'right'}" for j in range(3)]
    prefs = tmp_path / "topics.csv"
    prefs.write_text("\n".join(rows) + "\n", encoding="utf-8")
    run = cli("audit", prefs, "--partner", "Tagwell", "--project", "debates", "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert {r["clause"] for r in doc["reasons"]} == {"preferences.max_position_bias"}
    unrankable = [f for f in doc["findings"] if f["kind"] == "unrankable"]
    assert len(unrankable) == 1 and unrankable[0]["severity"] == "warning"
    assert "2 groups never compared" in unrankable[0]["detail"]


def test_a_preferences_sample_sheet_asks_defective_yes_or_no(cli: RunCli, tmp_path: Path) -> None:
    _partner(cli, tmp_path)
    prefs = tmp_path / "prefs.csv"
    assert cli("simulate", "--kind", "preferences", "--out", prefs, "--size", "2000").code == 0
    doc = json.loads(cli("audit", prefs, "--partner", "Tagwell", "--project", "rlhf", "--json").stdout)
    sheet = tmp_path / "sample.csv"
    written = json.loads(cli("audits", "sample", doc["audit"], "--out", sheet, "--json").stdout)
    assert written["answer_column"] == "defective" and written["n_tasks"] == len(doc["sample_tasks"])
    tasks = [line.split(",")[0].strip('"') for line in sheet.read_text().splitlines()[1:]]
    assert tasks == doc["sample_tasks"]
    sheet.write_text("task,defective\n" + "".join(f"{t},no\n" for t in tasks))
    review = json.loads(cli("review", doc["audit"], "--results", sheet, "--json").stdout)
    assert review["n_defective"] == 0 and review["n_inspected"] == len(tasks)


def test_ingest_kind_and_label_only_options(cli: RunCli, tmp_path: Path) -> None:
    _partner(cli, tmp_path)
    demos = tmp_path / "demos.csv"
    assert cli("simulate", "--kind", "demonstrations", "--out", demos, "--size", "60").code == 0
    run = cli("ingest", demos, "--partner", "Tagwell", "--project", "rlhf", "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["kind"] == "demonstrations"
    again = cli("ingest", demos, "--partner", "Tagwell", "--project", "rlhf", "--json")
    assert json.loads(again.stdout)["created"] is False
    refused = cli("audit", demos, "--partner", "Tagwell", "--project", "rlhf", "--pred-probs", demos)
    assert refused.code == 2 and "--pred-probs only with --kind labels" in refused.stderr
    # the personal-data scan of demonstrations reads US formats only: another region is refused, not ignored
    region = cli("audit", demos, "--partner", "Tagwell", "--project", "rlhf", "--phone-region", "GB")
    assert region.code == 2 and "--phone-region only with --kind labels" in region.stderr


def test_bad_ratings_exit_2_with_one_line(cli: RunCli, tmp_path: Path) -> None:
    _partner(cli, tmp_path)
    path = tmp_path / "r.csv"
    path.write_text(
        "task,worker,criterion,score\nt1,w1,helpfulness,3\nt1,w2,helpfulness,high\n", encoding="utf-8"
    )
    run = cli("ingest", path, "--partner", "Tagwell", "--project", "rlhf")
    assert run.code == 2
    line = run.stderr.strip()
    assert "\n" not in line and "r.csv, line 3, column 'score'" in line and "'high'" in line


def test_labels_files_still_take_the_labels_path(cli: RunCli, tmp_path: Path) -> None:
    _partner(cli, tmp_path)
    labels = tmp_path / "labels.csv"
    assert cli("simulate", "--out", labels, "--size", "200").code == 0
    run = cli("ingest", labels, "--partner", "Tagwell", "--project", "rlhf", "--json")
    assert run.code == 0 and json.loads(run.stdout)["kind"] == "labels"


def test_aggregate_agreement_workers_take_kind(cli: RunCli, tmp_path: Path) -> None:
    import krippendorff  # type: ignore[import-untyped]
    import numpy as np
    import pyarrow.csv as pacsv

    from labelpact.core.preferences import BradleyTerry
    from labelpact.io.preferences import read_preferences
    from labelpact.io.ratings import read_ratings

    prefs, ratings = tmp_path / "p.csv", tmp_path / "r.csv"
    assert cli("simulate", "--kind", "preferences", "--out", prefs, "--size", "3000").code == 0
    assert cli("simulate", "--kind", "ratings", "--out", ratings, "--size", "200").code == 0
    run = cli("aggregate", prefs, "--out", tmp_path / "scores.csv", "--json")
    assert run.code == 0, run.stderr
    scores = pacsv.read_csv(tmp_path / "scores.csv").to_pydict()
    c = read_preferences(prefs).comparisons
    direct = BradleyTerry().fit(c).strengths_
    by_item = dict(zip(scores["item"], scores["score"], strict=True))
    assert np.allclose([by_item[name] for name in c.items], direct)  # the same fit as the Python API's
    assert (
        scores["rank"] == list(range(1, c.n_items + 1))
        and scores["item"][0] == c.items[int(np.argmax(direct))]
    )
    assert scores["score"] == sorted(scores["score"], reverse=True)
    # alpha per criterion against the krippendorff package (GPL: tests only)
    doc = json.loads(cli("agreement", ratings, "--level", "ordinal", "--bootstrap", "50", "--json").stdout)
    r = read_ratings(ratings).ratings
    for k, name in enumerate(r.criteria):
        keep = r.criterion == k
        matrix = np.full((r.n_workers, r.n_tasks), np.nan)
        matrix[r.worker[keep], r.task[keep]] = r.score[keep]
        expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="ordinal")
        assert doc["criteria"][name]["krippendorff_alpha"]["value"] == pytest.approx(expected, abs=1e-6)
    workers = json.loads(cli("workers", prefs, "--json").stdout)["workers"]
    assert {
        w["worker"] for w in workers if "position_bias" in w["flags"]
    }  # the left-pickers the simulation planted
    refused = cli("aggregate", prefs, "--method", "ds")
    assert refused.code == 2 and "--method only with --kind labels" in refused.stderr


def test_label_column_names_the_answers_of_demonstrations(cli: RunCli, tmp_path: Path) -> None:
    """A vendor's answers column of another name (a Label Studio TextArea called ``reply``) is named with
    --label-column; other kinds still refuse it."""
    _partner(cli, tmp_path)
    simulated = tmp_path / "demos.csv"
    assert cli("simulate", "--kind", "demonstrations", "--out", simulated, "--size", "40").code == 0
    text = simulated.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    assert '"text"' in header.split(",")
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(header.replace('"text"', '"reply"') + "\n" + rest, encoding="utf-8")
    plain = cli("ingest", simulated, "--partner", "Tagwell", "--project", "rlhf", "--json")
    assert plain.code == 0, plain.stderr
    missing = cli("audit", renamed, "--partner", "Tagwell", "--project", "rlhf", "--kind", "demonstrations")
    assert missing.code == 2 and "'text' or 'answer'" in missing.stderr and "'reply'" in missing.stderr
    run = cli(
        "audit", renamed, "--partner", "Tagwell", "--project", "rlhf", "--kind", "demonstrations",
        "--label-column", "reply", "--json",
    )  # fmt: skip
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    expected = json.loads(plain.stdout)
    assert (
        doc["metrics"]["n_answers"] == expected["n_annotations"]
        and doc["metrics"]["kind"] == "demonstrations"
    )
    prefs = tmp_path / "p.csv"
    assert cli("simulate", "--kind", "preferences", "--out", prefs, "--size", "500").code == 0
    refused = cli("audit", prefs, "--partner", "Tagwell", "--project", "rlhf", "--label-column", "choice")
    assert refused.code == 2 and "--label-column only with --kind labels" in refused.stderr


@pytest.mark.parametrize("kind", ["preferences", "demonstrations", "ratings"])
def test_a_kind_the_contract_sets_no_clause_for_goes_to_review_not_accept(
    cli: RunCli, tmp_path: Path, kind: str
) -> None:
    """Before: verdict accept with no reason at all, though the batch carried critical findings (30% of
    the raters always choosing the left answer, pasted demonstrations)."""
    assert cli("partner", "add", "Plain").code == 0  # no contract: no clause for any kind
    path = tmp_path / ("d.jsonl" if kind == "demonstrations" else f"{kind}.csv")
    extra = {
        "preferences": ["--biased-share", "0.3"],
        "demonstrations": ["--llm-share", "0.25"],
        "ratings": [],
    }
    assert cli("simulate", "--kind", kind, "--out", path, "--seed", "4", *extra[kind]).code == 0
    run = cli("audit", path, "--partner", "Plain", "--project", "p", "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["verdict"] == "review"
    [reason] = doc["reasons"]
    assert (reason["clause"], reason["outcome"]) == ("acceptance.aql", "review")
    assert f"sets no [{kind}] clause" in reason["detail"]


def test_agreement_on_ratings_is_ordinal_unless_asked_as_the_audit_measures_it(
    cli: RunCli, tmp_path: Path
) -> None:
    """Before: nominal by default, which reads a 0-100 scale as a hundred unordered classes."""
    ratings = tmp_path / "ratings.csv"
    assert cli("simulate", "--kind", "ratings", "--out", ratings, "--seed", "2").code == 0
    default = json.loads(cli("agreement", ratings, "--json", "--bootstrap", "50").stdout)
    nominal = json.loads(
        cli("agreement", ratings, "--json", "--bootstrap", "50", "--level", "nominal").stdout
    )
    assert default["level"] == "ordinal" and nominal["level"] == "nominal"
    [criterion, *_] = default["criteria"]
    assert default["criteria"][criterion] != nominal["criteria"][criterion]


def test_agreement_on_preferences_takes_its_level_and_no_bootstrap(cli: RunCli, tmp_path: Path) -> None:
    """Before: --level was ignored (always ordinal) and --bootstrap 0 failed naming n_bootstrap."""
    prefs = tmp_path / "prefs.csv"
    assert cli("simulate", "--kind", "preferences", "--out", prefs, "--size", "2000").code == 0
    docs = {
        level: json.loads(cli("agreement", prefs, "--json", "--bootstrap", "0", "--level", level).stdout)
        for level in ("nominal", "ordinal")
    }
    assert [d["level"] for d in docs.values()] == ["nominal", "ordinal"]
    assert docs["nominal"]["krippendorff_alpha"]["value"] != docs["ordinal"]["krippendorff_alpha"]["value"]
    assert docs["ordinal"]["krippendorff_alpha"]["ci"] == [None, None]
    assert docs["ordinal"]["ranking_stability"] is None


def test_rating_consensus_without_an_interval_is_an_empty_cell_and_bounds_stay_on_the_scale(
    cli: RunCli, tmp_path: Path
) -> None:
    """Before: one rating a task wrote the text 'nan' as both bounds, and other bounds fell off the scale
    (a 1-5 criterion's upper bound at 6.16)."""
    single = tmp_path / "single.csv"
    rows = ["task,worker,criterion,score"] + [f"q{t},w{t % 4},helpfulness,{1 + t % 5}" for t in range(20)]
    single.write_text("\n".join(rows) + "\n")
    out = tmp_path / "scores.csv"
    doc = json.loads(cli("aggregate", single, "--out", out, "--json").stdout)
    assert doc["n_without_interval"] == 20
    written = list(csv.DictReader(out.read_text().splitlines()))
    assert all(r["low"] == "" and r["high"] == "" for r in written) and "nan" not in out.read_text()
    ratings = tmp_path / "ratings.csv"
    assert cli("simulate", "--kind", "ratings", "--out", ratings, "--seed", "5").code == 0
    wide = tmp_path / "wide.csv"
    assert cli("aggregate", ratings, "--out", wide).code == 0
    rows = list(csv.DictReader(wide.read_text().splitlines()))
    scale = {"helpfulness": (1.0, 7.0), "harmlessness": (1.0, 5.0)}  # simulate's scales
    for r in rows:
        low, high = scale[r["criterion"]]
        assert low <= float(r["low"]) <= float(r["score"]) <= float(r["high"]) <= high, r
