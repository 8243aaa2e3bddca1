"""Gold refuses negative codes: numpy would read -1 as the last task or class and anchor the wrong one."""

from __future__ import annotations

import numpy as np
import pytest

from labelpact.core.aggregators import DawidSkene
from labelpact.core.annotations import Annotations, Gold
from labelpact.core.workers import score_workers
from labelpact.errors import InvalidInputError

A = Annotations.from_columns(
    task=["t1", "t1", "t2", "t2", "t3", "t3"], worker=["w1", "w2"] * 3, label=["a", "a", "a", "a", "b", "b"]
)


@pytest.mark.parametrize(
    ("codes", "column"),
    [({"task": [0], "label": [-1]}, "label"), ({"task": [-1], "label": [0]}, "task")],
)
def test_gold_refuses_negative_codes(codes: dict[str, list[int]], column: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        Gold(task=codes["task"], label=codes["label"])
    assert caught.value.column == column


def test_gold_refuses_an_author_below_minus_one_and_keeps_minus_one() -> None:
    assert Gold(task=[0], label=[0], author=[-1]).author.tolist() == [-1]  # type: ignore[union-attr]
    with pytest.raises(InvalidInputError, match="author"):
        Gold(task=[0], label=[0], author=[-2])


def _unchecked_gold(task: list[int], label: list[int]) -> Gold:
    """A Gold built around ``__post_init__`` (as a pickle or a subclass could): the fits must check too."""
    gold = object.__new__(Gold)
    for name, value in (("task", task), ("label", label), ("author", None)):
        object.__setattr__(gold, name, None if value is None else np.asarray(value, dtype=np.intp))
    return gold


@pytest.mark.parametrize(("task", "label"), [([0], [-1]), ([-1], [0])])
def test_fit_and_score_workers_refuse_negative_gold_codes(task: list[int], label: list[int]) -> None:
    gold = _unchecked_gold(task, label)
    with pytest.raises(InvalidInputError, match="gold"):
        DawidSkene().fit(A, gold)
    with pytest.raises(InvalidInputError, match="gold"):
        score_workers(A, consensus=np.array([0, 0, 1]), gold=gold)
