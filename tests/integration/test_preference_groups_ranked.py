"""Items of comparison groups never compared with each other are ranked within their group: the audit's
``top_items`` agree with ``aggregate`` and the stored scores table, and the "unrankable" sentence counts each
comparison once (a hand count)."""

from __future__ import annotations

from pathlib import Path

import labelpact as lp
from labelpact.core.preferences import Comparisons, comparison_graph
from labelpact.services.refinement_quality import deliverable_aggregate


def _two_groups(path: Path) -> Path:
    """Group 1 (a, b, c, d): a > b > c > d, thinly separated; group 2 (x, y): x beats y in every comparison
    but one, so x's strength (centred within its pair) passes a's, though no data orders x against a."""
    rows = ["task,worker,left,right,choice"]
    chain = [("a", "b"), ("b", "c"), ("c", "d")]
    for i, (hi, lo) in enumerate(chain * 4):
        rows.append(f"g{i},w{i % 3},{hi},{lo},{'left' if i < 9 else 'right'}")
    for i in range(10):
        rows.append(f"p{i},w{i % 3},x,y,{'left' if i else 'right'}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_audit_top_items_rank_within_groups_as_aggregate_does(tmp_path: Path) -> None:
    path = _two_groups(tmp_path / "p.csv")
    judged = lp.assess_deliverable(lp.read_deliverable(path), lp.parse_contract("[preferences]\n"))
    top = judged.metrics["top_items"]
    assert top == deliverable_aggregate(path, kind="preferences")["top_items"]
    assert set(top[:4]) == {"a", "b", "c", "d"} and top[4:] == ["x", "y"]  # the larger group first
    scores = next(iter(judged.tables.values()))
    assert scores["item"] == top


def test_the_unrankable_sentence_counts_a_comparison_inside_the_set_once() -> None:
    # a and b beat each other (one strong set) and both beat c, which never beats them back
    c = Comparisons.from_columns(
        task=["1", "2", "3", "4", "5"],
        worker=["w"] * 5,
        left=["a", "b", "a", "b", "a"],
        right=["b", "a", "c", "c", "c"],
        choice=["left", "left", "left", "left", "left"],
    )
    problems = comparison_graph(c).problems()
    # by hand: {a, b} takes part in all 5 comparisons (2 between a and b, 3 against c); c in 3
    assert any(p.startswith("a, b (5 comparisons) were never beaten by") for p in problems), problems
    assert any(p.startswith("c (3 comparisons) never beat") for p in problems), problems
