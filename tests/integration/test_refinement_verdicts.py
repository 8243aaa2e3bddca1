"""Verdicts on preference and rating batches that the tester found wrong: a bias to the right, a batch whose
workers are all flagged but too small to score, agreement that cannot be measured, sides confounded with the
items, a contract criterion nobody rated and a misspelled criterion column."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import labelpact as lp
from labelpact.contracts.findings import Reason
from labelpact.errors import InvalidInputError
from labelpact.io.preferences import PreferenceDelivery
from labelpact.io.ratings import RatingDelivery
from labelpact.services.refinement_assessment import KindAssessment
from labelpact.services.refinement_quality import deliverable_workers
from labelpact.services.simulated_deliverables import simulate_deliverable

CONTRACT = """
[preferences]
max_position_bias = 0.05
min_agreement = 0.1
max_flagged_worker_share = 0.2
[ratings]
scales = {helpfulness = [1, 7], harmlessness = [1, 5]}
min_agreement = 0.3
"""


def _judge(path: Path, kind: str | None = None) -> KindAssessment:
    contract = lp.parse_contract(CONTRACT)
    delivery = lp.read_deliverable(path, kind=kind, scales=contract.ratings.scale_map)
    return lp.assess_deliverable(delivery, contract)


def _reason(judged: KindAssessment, clause: str) -> Reason:
    return next(r for r in judged.reasons if r.clause == clause)


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_bias_to_the_right_breaks_the_limit_as_its_mirror_to_the_left(tmp_path: Path) -> None:
    left = tmp_path / "left.csv"
    simulate_deliverable("preferences", left, size=3000, biased_share=0.4, random_state=2)
    with left.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    swap = {"left": "right", "right": "left", "tie": "tie"}
    mirrored = [
        f"{r['task']},{r['worker']},{r['right']},{r['left']},{swap[r['choice']]}" for r in rows
    ]  # every comparison shown the other way round, the same judgement
    right = _write(tmp_path / "right.csv", "task,worker,left,right,choice", mirrored)
    to_left = _reason(_judge(left), "preferences.max_position_bias")
    to_right = _reason(_judge(right), "preferences.max_position_bias")
    assert to_left.outcome == to_right.outcome == "reject"
    assert "toward the left" in to_left.detail and "toward the right" in to_right.detail
    assert to_right.measured == pytest.approx(to_left.measured, abs=1e-9)  # |bias|, the same either way
    assert to_right.interval is not None and to_right.interval[0] > 0.05


def test_chosen_and_rejected_pairs_measure_no_position_bias(tmp_path: Path) -> None:
    # the file does not say which side each item was shown on: the reader orients pairs at random, and a
    # lean measured on that orientation is noise, never a finding or a clause met
    rows = [f"p{i % 40},w{i % 12},good{i % 40},bad{(i * 7) % 40}" for i in range(600)]
    path = _write(tmp_path / "pairs.csv", "prompt,worker,chosen,rejected", rows)
    judged = _judge(path, "preferences")
    reason = _reason(judged, "preferences.max_position_bias")
    assert reason.outcome == "unchecked" and "chosen and rejected" in reason.detail
    assert judged.metrics["position_bias"]["value"] is None
    assert not any(f.kind == "position_bias" for f in judged.findings)
    table = deliverable_workers(path, kind="preferences")["workers"]
    assert len(table) == 12 and all(w["position_bias"] is None and w["left_rate"] is None for w in table)


def _cycle_rows(n_workers: int) -> list[str]:
    items = "abcde"  # each item beats the next two round the circle: every judged triad of 3 in a cycle
    rows = []
    for w in range(n_workers):
        for x in range(5):
            for y in range(x + 1, 5):
                winner_left = (y - x) % 5 in (1, 2)
                rows.append(f"t{x}{y},w{w},{items[x]},{items[y]},{'left' if winner_left else 'right'}")
    return rows


def _ordered_and_cyclic_rows(n_honest: int, n_cyclers: int) -> list[str]:
    """Nine items in a clear order (i0 best), every pair judged by each worker, shown either way round:
    honest workers follow the order; cyclers judge a regular tournament (each item beats the next four
    round the circle), 30 cycles in 84 triads where the order makes almost none."""
    rows = []
    for w in range(n_honest + n_cyclers):
        for x in range(9):
            for y in range(x + 1, 9):
                x_wins = w < n_honest or (y - x) % 9 in (1, 2, 3, 4)
                first, second = (x, y) if (w + x + y) % 2 else (y, x)
                choice = "left" if (first == x) == x_wins else "right"
                rows.append(f"t{x}{y},w{w},i{first},i{second},{choice}")
    return rows


def test_flagged_workers_are_a_share_of_the_workers_a_rule_could_flag(tmp_path: Path) -> None:
    # a perfect rock-paper-scissors batch (every worker the same cycle) is what the items are, not a worker
    # fault: the strengths tie and the cycles are what choosing by them gives; nobody is flagged
    judged = _judge(_write(tmp_path / "cyclic.csv", "task,worker,left,right,choice", _cycle_rows(10)))
    share = _reason(judged, "preferences.max_flagged_worker_share")
    assert share.outcome == "met" and share.detail.startswith("0 of 10 workers flagged (0.0%)")
    # cyclers among workers who agree on a clear order are flagged, a share of every worker scored
    rows = _ordered_and_cyclic_rows(6, 4)
    judged = _judge(_write(tmp_path / "mixed.csv", "task,worker,left,right,choice", rows))
    share = _reason(judged, "preferences.max_flagged_worker_share")
    assert share.outcome == "review" and share.detail.startswith("4 of 10 workers flagged (40.0%)"), share
    assert judged.verdict != "accept"


def test_agreement_that_cannot_be_measured_sends_to_review_and_says_why(tmp_path: Path) -> None:
    rows = [f"t{i},w{i % 7},a{i % 5},b{i % 3},{'left' if i % 3 else 'right'}" for i in range(60)]
    judged = _judge(_write(tmp_path / "single.csv", "task,worker,left,right,choice", rows))
    assert _reason(judged, "preferences.min_agreement").outcome == "unchecked"
    measurable = _reason(judged, "preferences.measurable")
    assert measurable.outcome == "review" and "was judged once" in measurable.detail
    assert judged.verdict == "review"
    # every worker picks left on pairs always shown the same way round: unanimous, and the sides are
    # confounded with the items, so neither agreement nor position bias is a measurement
    same = [f"t{t},w{w},i{t % 4},j{t % 3},left" for t in range(40) for w in range(5)]
    judged = _judge(_write(tmp_path / "same.csv", "task,worker,left,right,choice", same))
    assert "unanimously" in _reason(judged, "preferences.measurable").detail
    bias = _reason(judged, "preferences.max_position_bias")
    assert bias.outcome == "unchecked" and "shown both ways round" in bias.detail
    assert judged.verdict == "review"


def test_ratings_of_one_criterion_only_are_judged_and_a_misspelled_column_refused(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = [f"t{t},w{w},helpfulness,{int(rng.integers(1, 8))}" for t in range(30) for w in range(3)]
    judged = _judge(_write(tmp_path / "long.csv", "task,worker,criterion,score", rows))
    unrated = [
        r for r in judged.reasons if r.clause == "ratings.min_agreement" and "harmlessness" in r.detail
    ]
    assert [r.outcome for r in unrated] == ["unchecked"] and "no rating of it" in unrated[0].detail
    assert _reason(judged, "ratings.measurable").outcome == "review" and judged.verdict != "accept"
    wide = [
        f"t{t},w{w},{int(rng.integers(1, 8))},{int(rng.integers(1, 6))}" for t in range(5) for w in range(2)
    ]
    typo = _write(tmp_path / "wide.csv", "task,worker,helpfulness,harmlesness", wide)
    with pytest.raises(InvalidInputError, match="missing 'harmlessness'; unknown column 'harmlesness'"):
        lp.read_deliverable(typo, kind="ratings", scales={"helpfulness": (1, 7), "harmlessness": (1, 5)})


def test_repeated_rows_of_the_kinds_are_counted_and_do_not_raise_agreement(tmp_path: Path) -> None:
    from labelpact.core.preferences import choice_agreement
    from labelpact.core.ratings import rating_agreement
    from labelpact.io.deliverable import count_kind_duplicates

    prefs = tmp_path / "prefs.csv"
    simulate_deliverable("preferences", prefs, size=600, random_state=3)
    lines = prefs.read_text(encoding="utf-8").splitlines()
    doubled = _write(tmp_path / "doubled.csv", lines[0], lines[1:] + lines[1:81])  # 80 rows again
    once, twice = lp.read_deliverable(prefs), lp.read_deliverable(doubled)
    assert count_kind_duplicates(twice) == count_kind_duplicates(once) + 80
    assert isinstance(once, PreferenceDelivery) and isinstance(twice, PreferenceDelivery)
    alpha = [choice_agreement(d.comparisons, n_bootstrap=0).krippendorff_alpha.value for d in (once, twice)]
    assert alpha[1] == pytest.approx(alpha[0], abs=1e-12)
    rows = [f"t{t},w{w},helpfulness,{(t * (w + 2)) % 7 + 1}" for t in range(20) for w in range(3)]
    ratings = _write(tmp_path / "r.csv", "task,worker,criterion,score", rows)
    again = _write(tmp_path / "r2.csv", "task,worker,criterion,score", rows + rows[:15])
    r1, r2 = lp.read_deliverable(ratings), lp.read_deliverable(again)
    assert isinstance(r1, RatingDelivery) and isinstance(r2, RatingDelivery)
    assert count_kind_duplicates(r2) == 15
    got = [
        rating_agreement(d.ratings, "helpfulness", n_bootstrap=0).krippendorff_alpha.value for d in (r1, r2)
    ]
    assert got[1] == pytest.approx(got[0], abs=1e-12)
