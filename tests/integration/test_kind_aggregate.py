"""``aggregate --json`` of the kinds holds DESIGN.md's stable keys, and preferences use their gold (finding 16)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

RunCli = Callable[..., Any]
STABLE = {"method", "n_tasks", "n_workers", "n_annotations", "n_classes", "accuracy", "seconds"}


def test_preferences_aggregate_scores_the_gold_pairs(cli: RunCli, tmp_path: Path) -> None:
    prefs, gold = tmp_path / "p.csv", tmp_path / "g.csv"
    rows = ["task,worker,left,right,choice"]
    for i in range(6):  # a beats b beats c, each pair judged by two workers
        rows += [f"t{i},w{j},{'abc'[i % 2]},{'abc'[i % 2 + 1]},left" for j in range(2)]
    prefs.write_text("\n".join(rows) + "\n", encoding="utf-8")
    # right (a over c), wrong (c over a), and a tie that ranks nothing
    gold.write_text("task,left,right,choice\ng1,c,a,right\ng2,a,c,right\ng3,a,b,tie\n", encoding="utf-8")
    run = cli("aggregate", prefs, "--kind", "preferences", "--gold", gold, "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc.keys() >= STABLE
    assert (doc["n_annotations"], doc["n_classes"], doc["n_gold"], doc["accuracy"]) == (12, 3, 2, 0.5)
    without = json.loads(cli("aggregate", prefs, "--kind", "preferences", "--json").stdout)
    assert without["accuracy"] is None and without["n_gold"] == 0


def test_ratings_aggregate_says_why_keys_are_null(cli: RunCli, tmp_path: Path) -> None:
    ratings = tmp_path / "r.csv"
    ratings.write_text(
        "task,worker,criterion,score\nt1,a,q,3\nt1,b,q,4\nt2,a,q,5\nt2,b,q,5\n", encoding="utf-8"
    )
    run = cli("aggregate", ratings, "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc.keys() >= STABLE and doc["n_annotations"] == 4
    assert doc["n_classes"] is None and doc["accuracy"] is None
    assert any(note.startswith("n_classes is null") for note in doc["notes"])


def test_a_text_column_beside_judgements_keeps_their_kind(cli: RunCli, tmp_path: Path) -> None:
    ratings = tmp_path / "rt.csv"
    ratings.write_text("task,worker,criterion,score,text\nt1,w1,q,3,an answer\nt1,w2,q,4,an answer\n")
    run = cli("agreement", ratings, "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["kind"] == "ratings"  # was: "expected a column 'label'"
    both = tmp_path / "both.csv"
    both.write_text("task,worker,left,right,choice,label\nt1,w1,a,b,left,x\n")
    bad = cli("aggregate", both, "--json")
    assert bad.code == 2 and "--kind" in bad.stderr and "'label'" not in bad.stderr.split("got")[0]
