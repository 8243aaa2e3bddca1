"""A ranking checked against gold pairs (finding 16: ``aggregate --kind preferences --gold`` used no gold)."""

from __future__ import annotations

import math

import pytest

from labelpact.core.preferences import Comparisons, gold_ranking
from labelpact.errors import InvalidInputError


def test_hand_counted_gold_pairs() -> None:
    gold = Comparisons.from_columns(
        task=["g1", "g2", "g3", "g4", "g5"],
        worker=["gold"] * 5,
        left=["a", "a", "b", "a", "a"],
        right=["b", "c", "c", "b", "z"],
        choice=["left", "right", "left", "tie", "left"],
    )
    g = gold_ranking(("a", "b", "c"), [2.0, 1.0, 1.0], gold)
    # a > b right (1), c beats a but ranks lower (0), b = c in score (1/2); the tie and the unknown z left out
    assert g.accuracy == pytest.approx(1.5 / 3) and (g.n_gold, g.n_ties, g.n_unscored) == (3, 1, 1)
    flipped = gold_ranking(("a", "b", "c"), [1.0, 2.0, 3.0], gold)
    assert flipped.accuracy == pytest.approx(1.0 / 3)  # a < b wrong, c > a right, b < c wrong


def test_no_winner_to_check_is_nan_and_scores_must_fit() -> None:
    gold = Comparisons.from_columns(task=["g"], worker=["gold"], left=["a"], right=["b"], choice=["tie"])
    assert math.isnan(gold_ranking(("a", "b"), [0.0, 1.0], gold).accuracy)
    with pytest.raises(InvalidInputError):
        gold_ranking(("a", "b"), [0.0], gold)
