"""Comparison units on vocabularies large enough that a packed (task, item, item) int64 key overflows.

A ``prompt, chosen, rejected`` dump with distinct response texts has two items per row, so the packed key
``(task * n_items + low) * n_items + high`` passes 2**63 near 1.3M rows. Only the vocabularies need to be that
large to show it, so a handful of comparisons at the top of the codes keeps the test small.
"""

from __future__ import annotations

import numpy as np
import pytest

from labelpact.core.preferences import Comparisons, pair_majority, preference_workers
from labelpact.core.preferences.comparisons import distinct_rows


@pytest.fixture(scope="module")
def near_the_top() -> Comparisons:
    """Four comparisons on the last tasks and items of 1.4M tasks and 2.8M items (n_tasks * n_items**2 > 2**63)."""
    n_tasks, n_items = 1_400_000, 2_800_000
    top = n_items - 1
    return Comparisons(
        task=[n_tasks - 1, n_tasks - 1, n_tasks - 2, n_tasks - 1],
        worker=[0, 1, 0, 0],
        left=[top, top - 1, top - 2, top - 3],
        right=[top - 1, top, top - 3, top - 1],
        choice=[0, 1, 2, 0],
        tasks=tuple(map(str, range(n_tasks))),
        workers=("w1", "w2"),
        items=tuple(f"r{i:07d}" for i in range(n_items)),
    )


def test_units_decode_to_their_own_task_and_items_past_int64(near_the_top: Comparisons) -> None:
    c = near_the_top
    u = c.units()
    assert u.n_units == 3  # the first two rows are one pair shown both ways round
    np.testing.assert_array_equal(u.task[u.unit], c.task)
    np.testing.assert_array_equal(u.low[u.unit], np.minimum(c.left, c.right))  # names sort as codes here
    np.testing.assert_array_equal(u.high[u.unit], np.maximum(c.left, c.right))
    majority = pair_majority(c)
    assert sorted(majority.task.tolist()) == [1_399_998, 1_399_999, 1_399_999]
    # rows 0 and 1 both pick the item with the higher code: one unit, two votes for "high"
    assert majority.counts[u.unit[0]].tolist() == [0, 0, 2]


def test_gold_matches_on_large_vocabularies(near_the_top: Comparisons) -> None:
    c = near_the_top
    gold = Comparisons(
        task=[0], worker=[0], left=[0], right=[1], choice=[0], tasks=(c.tasks[-1],), workers=("gold",),
        items=(c.items[-1], c.items[-2]),
    )  # fmt: skip
    q = preference_workers(c, gold=gold)
    # gold: the top item beats the one below it on the last task; w1 and w2 each chose it once (rows 0 and 1)
    assert q.gold_n.tolist() == [1, 1] and q.gold_agreement.tolist() == [1.0, 1.0]


def test_distinct_rows_numbers_rows_in_sorted_order_from_their_first_occurrence() -> None:
    first, number = distinct_rows([2, 0, 2, 0, 1], [5, 9, 5, 3, 0])
    assert number.tolist() == [3, 1, 3, 0, 2]
    assert first.tolist() == [3, 1, 4, 0]
    empty_first, empty_number = distinct_rows(np.array([], dtype=np.intp), np.array([], dtype=np.intp))
    assert empty_first.shape == (0,) and empty_number.shape == (0,)
