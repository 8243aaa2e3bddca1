"""Worker statistics on items that first appear in another order than their names sort in.

``Comparisons.units`` calls "low" the item whose name sorts first; every statistic compared with a unit
outcome must orient its pairs the same way, or right answers score as wrong (hand counts below).
"""

from __future__ import annotations

import numpy as np

from labelpact.core.preferences import Comparisons, preference_workers


def _zeta_first() -> Comparisons:
    """Two workers who both give the gold answer on three pairs; 'zeta' appears before 'alpha' and 'beta'."""
    return Comparisons.from_columns(
        task=["t1", "t1", "t2", "t2", "t3", "t3"],
        worker=["w1", "w2", "w1", "w2", "w1", "w2"],
        left=["zeta", "zeta", "zeta", "beta", "beta", "alpha"],
        right=["alpha", "alpha", "beta", "zeta", "alpha", "beta"],
        choice=["left", "left", "left", "right", "left", "right"],
    )


def test_gold_agreement_does_not_depend_on_first_appearance_order() -> None:
    gold = Comparisons.from_columns(
        task=["t1", "t2", "t3"],
        worker=["expert"] * 3,
        left=["zeta", "zeta", "beta"],
        right=["alpha", "beta", "alpha"],
        choice=["left", "left", "left"],
    )
    q = preference_workers(_zeta_first(), gold=gold)
    # by hand: w1 and w2 each match all three gold pairs (zeta > alpha, zeta > beta, beta > alpha)
    assert q.gold_n.tolist() == [3, 3]
    assert q.gold_agreement.tolist() == [1.0, 1.0]


def test_gold_agreement_scores_a_wrong_answer_as_wrong() -> None:
    gold = Comparisons.from_columns(
        task=["t1", "t2"],
        worker=["expert"] * 2,
        left=["alpha", "beta"],
        right=["zeta", "zeta"],
        choice=["tie", "left"],
    )
    q = preference_workers(_zeta_first(), gold=gold)
    # gold: a tie on t1 and beta > zeta on t2; both workers chose zeta on both: 0 of 2 each
    assert q.gold_n.tolist() == [2, 2] and q.gold_agreement.tolist() == [0.0, 0.0]


def test_spammer_score_without_strengths_is_one_for_workers_who_always_agree() -> None:
    rows = [("zeta", "alpha"), ("alpha", "zeta"), ("beta", "alpha"), ("alpha", "beta")] * 3
    left, right = (list(col) for col in zip(*rows, strict=True))
    # items ranked zeta > beta > alpha, shown both ways round; three workers always pick the better one
    choice = ["left" if (x, y) in {("zeta", "alpha"), ("beta", "alpha")} else "right" for x, y in rows]
    c = Comparisons.from_columns(
        task=[f"t{i % 4}" for i in range(12)],
        worker=[f"w{i // 4}" for i in range(12)],
        left=left,
        right=right,
        choice=choice,
    )
    q = preference_workers(c)
    assert q.majority_agreement.tolist() == [1.0, 1.0, 1.0]
    # by hand: on each worker's 2 left-better and 2 right-better comparisons it picks the better side
    np.testing.assert_array_equal(q.spammer_score, [1.0, 1.0, 1.0])
