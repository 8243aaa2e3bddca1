from __future__ import annotations

import numpy as np
import pytest

from labelpact.core.preferences import LEFT, RIGHT, TIE, Comparisons
from labelpact.errors import InvalidInputError


def toy() -> Comparisons:
    return Comparisons.from_columns(
        task=["p1", "p1", "p1", "p2"],
        worker=["w1", "w2", "w3", "w1"],
        left=["a", "b", "a", "c"],
        right=["b", "a", "b", "a"],
        choice=["left", "LEFT ", "tie", "right"],
        duration_s=[3.0, 4.0, np.nan, 5.0],
    )


def test_from_columns_codes_names_in_first_seen_order() -> None:
    c = toy()
    assert c.items == ("a", "b", "c") and c.tasks == ("p1", "p2") and c.workers == ("w1", "w2", "w3")
    assert c.choice.tolist() == [LEFT, LEFT, TIE, RIGHT]
    assert (c.n_comparisons, c.n_items, c.n_workers, c.n_tasks) == (4, 3, 3, 2)
    assert not c.choice.flags.writeable


def test_units_lose_the_orientation() -> None:
    u = toy().units()
    # w1 chose a (low), w2 chose b shown left (high), w3 tie; p2: c left vs a right, right = a = low
    assert u.outcome.tolist() == [0, 2, 1, 0]
    assert u.unit.tolist() == [0, 0, 0, 1]
    assert u.low.tolist() == [0, 0] and u.high.tolist() == [1, 2]


def test_bad_choice_names_the_row() -> None:
    with pytest.raises(InvalidInputError, match=r"comparison 2, column 'choice'.*'both'"):
        Comparisons.from_columns(
            task=[1, 2], worker=[1, 1], left=["a", "a"], right=["b", "b"], choice=["tie", "both"]
        )


def test_an_item_against_itself_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="two different items"):
        Comparisons.from_columns(task=[1], worker=[1], left=["a"], right=["a"], choice=["left"])


def test_declared_items_must_cover_the_data() -> None:
    with pytest.raises(InvalidInputError, match="declared vocabulary"):
        Comparisons.from_columns(
            task=[1], worker=[1], left=["a"], right=["z"], choice=["left"], items=["a", "b"]
        )


def test_subset_keeps_vocabularies() -> None:
    c = toy().subset(np.array([True, False, False, True]))
    assert c.n_comparisons == 2 and c.items == ("a", "b", "c")
    assert c.duration_s is not None and c.duration_s.tolist() == [3.0, 5.0]


def test_chosen_rejected_is_oriented_at_random_and_keeps_the_winner() -> None:
    n = 400
    c = Comparisons.from_chosen_rejected(
        task=range(n), worker=["w"] * n, chosen=["good"] * n, rejected=["bad"] * n, random_state=1
    )
    winner = np.where(c.choice == LEFT, c.left, c.right)
    assert np.all(np.array(c.items)[winner] == "good") and not np.any(c.choice == TIE)
    assert 0.4 < np.mean(c.choice == LEFT) < 0.6  # no artificial position bias


def test_winner_shape_maps_model_a_left_and_ties() -> None:
    c = Comparisons.from_winner(
        task=["p1", "p2", "p3"],
        worker=["u", "u", "v"],
        response_a=["x", "y", "x"],
        response_b=["y", "x", "z"],
        winner=["model_a", "MODEL_B", "tie (bothbad)"],
    )
    assert c.choice.tolist() == [LEFT, RIGHT, TIE]
    assert [c.items[i] for i in c.left] == ["x", "y", "x"]
    with pytest.raises(InvalidInputError, match=r"comparison 1, column 'winner'.*'a'"):
        Comparisons.from_winner(task=[1], worker=[1], response_a=["x"], response_b=["y"], winner=["a"])
