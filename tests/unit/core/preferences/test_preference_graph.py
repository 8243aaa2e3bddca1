from __future__ import annotations

from labelpact.core.preferences import Comparisons, comparison_graph, pair_majority


def comparisons(rows: list[tuple[str, str, str]], items: list[str] | None = None) -> Comparisons:
    return Comparisons.from_columns(
        task=range(len(rows)),
        worker=["w"] * len(rows),
        left=[r[0] for r in rows],
        right=[r[1] for r in rows],
        choice=[r[2] for r in rows],
        items=items,
    )


def test_a_chain_has_an_unbeaten_top_and_an_unbeating_bottom() -> None:
    g = comparison_graph(comparisons([("a", "b", "left"), ("b", "c", "left"), ("c", "d", "tie")]))
    assert g.n_components == 1 and g.n_strong == 3 and not g.identifiable
    assert g.unbeaten.tolist() == [True, False, False, False]
    assert g.unbeating.tolist() == [False, False, True, True]  # c and d tie: one strong component
    problems = g.problems()
    # one sentence per set, naming what it was set against (before: "never beat the rest of their group",
    # said of well-compared items that beat most of their group)
    assert "a (1 comparison) was never beaten by the other 3 items of its group (b, c, d)" in problems[0]
    # c, d take part in 2 comparisons (b-c and c-d): the one between them counts once, not once for each
    assert "c, d (2 comparisons) never beat the other 2 items of their group (a, b)" in problems[1]


def test_a_cycle_is_identifiable() -> None:
    g = comparison_graph(comparisons([("a", "b", "left"), ("b", "c", "left"), ("c", "a", "left")]))
    assert g.identifiable and g.problems() == []


def test_disconnected_groups_and_never_compared_items() -> None:
    rows = [("a", "b", "tie"), ("c", "d", "tie")]
    g = comparison_graph(comparisons(rows, items=["a", "b", "c", "d", "e"]))
    assert g.n_components == 2 and g.component.tolist() == [0, 0, 1, 1, -1]
    assert not g.unbeaten.any() and not g.unbeating.any()  # each group is strongly connected on its own
    problems = g.problems()
    assert any("never compared: e" in p for p in problems) and any("2 groups" in p for p in problems)


def test_majority_per_unit_keeps_ties_and_orientation() -> None:
    rows = [
        ("a", "b", "left"),
        ("b", "a", "right"),
        ("a", "b", "right"),
        ("c", "a", "left"),
        ("a", "c", "left"),
    ]
    c = Comparisons.from_columns(
        task=["t1", "t1", "t1", "t2", "t2"],
        worker=["w1", "w2", "w3", "w1", "w2"],
        left=[r[0] for r in rows],
        right=[r[1] for r in rows],
        choice=[r[2] for r in rows],
    )
    m = pair_majority(c)
    assert m.counts.tolist() == [[2, 0, 1], [1, 0, 1]]
    assert m.winner.tolist() == [0, -1]  # a wins t1 two to one; t2 split: a tie
    assert m.support.tolist() == [2 / 3, 0.5]


def test_ranks_count_within_groups_never_compared_with_each_other() -> None:
    """Two groups never compared and an item never compared: a rank across them would be an artefact of
    centring each group's strengths on its own (before: one rank 1..n over every item)."""
    from labelpact.core.preferences import group_ranks

    rows = [
        ("a", "b", "left"),
        ("b", "c", "left"),
        ("c", "a", "left"),
        ("d", "e", "left"),
        ("e", "d", "right"),
    ]
    g = comparison_graph(comparisons(rows, items=["a", "b", "c", "d", "e", "f"]))
    ranking = [3, 0, 4, 1, 2, 5]  # d, a, e, b, c, f: strongest first across groups
    order, group, rank = group_ranks(ranking, g.component)
    assert [g.items[i] for i in order] == ["a", "b", "c", "d", "e", "f"]  # the largest group first
    assert group.tolist() == [1, 1, 1, 2, 2, 3] and rank.tolist() == [1, 2, 3, 1, 2, 1]
    one = comparison_graph(comparisons(rows[:3]))
    order, group, rank = group_ranks([2, 0, 1], one.component)  # one group: the ranking as it was
    assert order.tolist() == [2, 0, 1] and group.tolist() == [1, 1, 1] and rank.tolist() == [1, 2, 3]
