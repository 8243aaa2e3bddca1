"""Straight-lining counts distinct criteria per (worker, task): a repeated row is a duplicate, not a second
criterion (finding 8 of the deliverable-kinds hunt: a one-criterion rubric was 100% straight-lined)."""

from __future__ import annotations

import numpy as np

from labelpact.contracts.refinement_findings import rating_flags
from labelpact.core.ratings import Ratings, rater_effects, straight_lining, straight_lining_counts


def test_duplicated_rows_on_a_one_criterion_rubric_are_no_straight_lining() -> None:
    rng = np.random.default_rng(1)
    task, worker, score = [], [], []
    for t in range(40):
        for w in ("w1", "w2", "w3"):
            s = int(rng.integers(1, 6))
            copies = 2 if w == "w1" else 1  # the tool exported w1's rating twice
            task += [f"t{t}"] * copies
            worker += [w] * copies
            score += [s] * copies
    r = Ratings.from_columns(
        task=task, worker=worker, criterion=["quality"] * len(task), score=score, scales={"quality": (1, 5)}
    )
    share = straight_lining(r)
    assert np.isnan(share).all()  # one criterion: "one score on every criterion" cannot be measured
    assert straight_lining_counts(r) == (0, 0)
    flags = rating_flags([rater_effects(r, "quality")], share, max_offsets=[1.0])
    assert not flags["straight_lining"].any()


def test_a_hand_counted_two_criterion_batch() -> None:
    rows = [  # (task, worker, criterion, score)
        ("t1", "a", "h", 3), ("t1", "a", "k", 3),  # one score on both criteria: straight
        ("t2", "a", "h", 2), ("t2", "a", "k", 4),  # two scores
        ("t3", "a", "h", 5), ("t3", "a", "h", 5),  # one criterion, repeated: not multi-criterion
        ("t1", "b", "h", 4), ("t1", "b", "k", 4), ("t1", "b", "k", 4),  # straight, a row repeated
        ("t2", "b", "h", 1),
    ]  # fmt: skip
    t, w, c, s = zip(*rows, strict=True)
    r = Ratings.from_columns(task=t, worker=w, criterion=c, score=s, scales={"h": (1, 7), "k": (1, 7)})
    assert straight_lining(r).tolist() == [0.5, 1.0]  # a: 1 of t1, t2; b: 1 of t1
    assert straight_lining_counts(r) == (2, 3)
