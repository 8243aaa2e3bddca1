from __future__ import annotations

import numpy as np
import pytest

from labelpact.core.preferences import (
    BradleyTerry,
    Comparisons,
    choice_agreement,
    preference_workers,
    ranking_stability,
    simulate_preferences,
)


def from_rows(rows: list[tuple[str, str, str, str]], items: list[str] | None = None) -> Comparisons:
    """Comparisons from (worker, left, right, choice) rows, one task each."""
    worker, left, right, choice = (list(column) for column in zip(*rows, strict=True))
    return Comparisons.from_columns(
        task=range(len(rows)), worker=worker, left=left, right=right, choice=choice, items=items
    )


def test_cycles_triads_and_contradictions_by_hand() -> None:
    rows = [
        ("cyc", "a", "b", "left"),
        ("cyc", "b", "c", "left"),
        ("cyc", "c", "a", "left"),  # a > b > c > a: one 3-cycle
        ("ok", "a", "b", "left"),
        ("ok", "b", "c", "left"),
        ("ok", "a", "c", "left"),  # transitive
        ("ok", "b", "a", "left"),  # and b > a once as well: a contradiction, net tie
    ]
    c = from_rows(rows)
    q = preference_workers(c)
    assert q.cycles.tolist() == [1, 0] and q.triads.tolist() == [1, 1]
    assert q.contradictions.tolist() == [0, 1]
    assert q.left_rate.tolist() == [1.0, 1.0] and q.expected_left_rate.tolist() == [0.5, 0.5]


def test_leave_one_out_majority_and_gold() -> None:
    c = Comparisons.from_columns(
        task=["t"] * 4 + ["u"] * 3,
        worker=["w1", "w2", "w3", "w4", "w1", "w2", "w3"],
        left=["a", "a", "b", "a", "a", "a", "a"],
        right=["b", "b", "a", "b", "c", "c", "c"],
        choice=["left", "left", "right", "right", "right", "right", "tie"],
    )
    gold = Comparisons.from_columns(task=["t"], worker=["expert"], left=["b"], right=["a"], choice=["right"])
    q = preference_workers(c, gold=gold)
    # on t, w1-w3 pick a and w4 picks b; on u, w1 and w2 pick c and w3 ties: for w1 the others split
    assert q.majority_agreement.tolist() == [1.0, 1.0, 0.5, 0.0]
    assert q.majority_n.tolist() == [1, 1, 2, 1]
    assert q.gold_n.tolist() == [1, 1, 1, 1] and q.gold_agreement.tolist() == [1.0, 1.0, 1.0, 0.0]
    assert q.tie_rate.tolist() == [0.0, 0.0, 0.5, 0.0]


def test_position_bias_and_spammer_score_on_simulated_workers() -> None:
    sim = simulate_preferences(
        n_comparisons=20_000, n_items=80, n_workers=20, spammer_share=0.2, left_share=0.2
    )
    model = BradleyTerry().fit(sim.comparisons)
    q = preference_workers(sim.comparisons, strengths=model.strengths_)
    kinds = np.array(sim.kinds)
    assert np.all(q.position_bias_interval[kinds == "left", 0] > 0.1)
    assert np.all(q.position_bias_p[kinds == "left"] < 1e-6)
    assert np.mean(q.position_bias_p[kinds == "careful"] > 0.01) >= 0.8
    assert np.all(q.spammer_score[kinds == "spammer"] < 0.15)
    assert np.all(q.spammer_score[kinds == "careful"] > q.spammer_score[kinds == "spammer"].max())
    assert np.all(np.isfinite(q.median_duration_s))


def test_choice_alpha_matches_the_krippendorff_package() -> None:
    # which item of a pair is "low" is arbitrary, so ours counts each unit half in each orientation. The
    # package sees every unit twice (as coded, and mirrored 0 <-> 2, a unit of its own): the same
    # coincidences and marginals, but 2n values, so (1 - alpha_package) = (2n - 1) / (2n - 2) (1 - ours)
    krippendorff = pytest.importorskip("krippendorff")
    sim = simulate_preferences(n_comparisons=3000, n_items=15, n_workers=10, random_state=4)
    c = sim.comparisons
    u = c.units()
    matrix = np.full((c.n_workers, 2 * u.n_units), np.nan)
    # one value per worker and unit for the package: keep the first of repeated judgements
    order = np.lexsort((np.arange(c.n_comparisons), u.unit, c.worker))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (np.diff(c.worker[order]) != 0) | (np.diff(u.unit[order]) != 0)
    keep = order[first]
    matrix[c.worker[keep], u.unit[keep]] = u.outcome[keep]
    matrix[c.worker[keep], u.n_units + u.unit[keep]] = 2 - u.outcome[keep]
    dedup = c.subset(np.isin(np.arange(c.n_comparisons), keep))
    per_unit = np.bincount(u.unit[keep], minlength=u.n_units)
    n = int(per_unit[per_unit >= 2].sum())
    for level in ("nominal", "ordinal"):
        ours = choice_agreement(dedup, level=level, n_bootstrap=0).krippendorff_alpha.value
        theirs = krippendorff.alpha(
            reliability_data=matrix, level_of_measurement=level, value_domain=[0, 1, 2]
        )
        assert 1.0 - ours == pytest.approx((1.0 - theirs) * (2 * n - 2) / (2 * n - 1), abs=1e-9)


def test_choice_alpha_ignores_row_order_item_codes_and_a_mirror() -> None:
    # the same judgements in another row order, with the items coded in another order, or with every
    # comparison shown the other way round (left <-> right, choice mirrored): one alpha (finding 4)
    sim = simulate_preferences(n_comparisons=600, n_items=8, n_workers=6, random_state=1)
    c = sim.comparisons
    names = np.array(c.items)
    left, right = names[c.left], names[c.right]
    choice = np.array(["left", "right", "tie"])[c.choice]
    task, worker = np.array(c.tasks)[c.task], np.array(c.workers)[c.worker]
    base = Comparisons.from_columns(task=task, worker=worker, left=left, right=right, choice=choice)
    rev = slice(None, None, -1)
    variants = [
        Comparisons.from_columns(
            task=task[rev], worker=worker[rev], left=left[rev], right=right[rev], choice=choice[rev]
        ),
        Comparisons.from_columns(
            task=task, worker=worker, left=left, right=right, choice=choice, items=sorted(names)[::-1]
        ),
        Comparisons.from_columns(
            task=task,
            worker=worker,
            left=right,
            right=left,
            choice=np.array(["right", "left", "tie"])[c.choice],
        ),
    ]
    for level in ("nominal", "ordinal", "interval"):
        want = choice_agreement(base, level=level, n_bootstrap=0)
        for v in variants:
            got = choice_agreement(v, level=level, n_bootstrap=0)
            assert got.krippendorff_alpha.value == pytest.approx(want.krippendorff_alpha.value, abs=1e-12)
            assert got.fleiss_kappa.value == pytest.approx(want.fleiss_kappa.value, abs=1e-12)


def test_choice_alpha_by_hand_on_a_lopsided_orientation() -> None:
    # two units, three workers each: unit 1 outcomes (a won, a won, b won) and unit 2 (c won, c won, tie).
    # Symmetrised coincidences (each unit half mirrored): o(win,win) pairs ... by hand, nominal alpha:
    # unit 1 values {W, W, L}: ordered pairs 6, agreeing 2 -> per-pair weight 1/(m-1) = 1/2:
    #   coincidences W-W 1, W-L 1, L-W 1 ; mirrored L-L 1, L-W 1, W-L 1 -> averaged: WW .5 LL .5 WL 1 LW 1
    # unit 2 values {W, W, T}: WW 1, WT 1, TW 1 ; mirrored LL 1, LT 1, TL 1 -> WW .5 LL .5 WT .5 TW .5 LT .5 TL .5
    # totals: WW 1, LL 1, WL 1, LW 1, WT .5, TW .5, LT .5, TL .5 ; n = 6 ; marginals W 2.5, L 2.5, T 1
    # D_o = 1 + 1 + 4 * .5 = 4 (off-diagonal) ; D_e = 6^2 - (2.5^2 + 2.5^2 + 1^2) = 22.5
    # alpha = 1 - (n - 1) D_o / D_e = 1 - 5 * 4 / 22.5
    c = Comparisons.from_columns(
        task=["t1"] * 3 + ["t2"] * 3, worker=["w1", "w2", "w3"] * 2,
        left=["a", "b", "a", "c", "d", "c"], right=["b", "a", "b", "d", "c", "d"],
        choice=["left", "right", "right", "left", "right", "tie"],
    )  # fmt: skip
    got = choice_agreement(c, level="nominal", n_bootstrap=0).krippendorff_alpha.value
    assert got == pytest.approx(1.0 - 5 * 4 / 22.5)


def test_ranking_stability_is_high_on_plentiful_data_and_lower_on_scarce() -> None:
    rich = simulate_preferences(n_comparisons=20_000, n_items=30, spammer_share=0, left_share=0)
    poor = simulate_preferences(n_comparisons=300, n_items=30, spammer_share=0, left_share=0)
    a = ranking_stability(rich.comparisons, n_bootstrap=40)
    b = ranking_stability(poor.comparisons, n_bootstrap=40)
    assert a.kendall_tau.value > 0.85 and b.kendall_tau.value < a.kendall_tau.value
    assert a.kendall_tau.ci[0] <= a.kendall_tau.value <= a.kendall_tau.ci[1]
    assert np.all(a.rank_interval[:, 0] <= a.rank_interval[:, 1])
    width_rich = np.mean(a.rank_interval[:, 1] - a.rank_interval[:, 0])
    assert width_rich < np.mean(b.rank_interval[:, 1] - b.rank_interval[:, 0])


def test_expected_cycles_by_hand_and_a_quarter_without_strengths() -> None:
    c = Comparisons.from_columns(
        task=range(3), worker=["w"] * 3, left=["a", "b", "c"], right=["b", "c", "a"], choice=["left"] * 3
    )
    theta = np.array([1.0, 0.0, -0.5])  # a, b, c in first-seen order
    p = {(i, j): 1.0 / (1.0 + np.exp(theta[j] - theta[i])) for i in range(3) for j in range(3)}
    by_hand = p[0, 1] * p[1, 2] * p[2, 0] + p[1, 0] * p[2, 1] * p[0, 2]  # either cycle of the one triad
    q = preference_workers(c, strengths=theta)
    assert q.cycles.tolist() == [1] and q.triads.tolist() == [1]
    assert q.expected_cycles is not None and q.expected_cycles[0] == pytest.approx(by_hand, rel=1e-12)
    plain = preference_workers(c).expected_cycles
    assert plain is not None and plain.tolist() == [0.25]


def _triads_judged(worker: str, items: list[str], cyclic: bool) -> list[tuple[str, str, str, str]]:
    """Every triad of ``items`` judged by ``worker``: as a cycle (i > j > k > i) or in list order."""
    rows = []
    for x in range(0, len(items) - 2, 3):
        i, j, k = items[x : x + 3]
        rows += [
            (worker, i, j, "left"),
            (worker, j, k, "left"),
            (worker, k, i, "left" if cyclic else "right"),
        ]
    return rows


def test_cycles_on_well_separated_items_are_flagged_and_on_close_items_are_not() -> None:
    from labelpact.contracts.refinement_findings import preference_flags

    items = [f"i{n:02d}" for n in range(30)]
    rows = _triads_judged("cycler", items, True) + _triads_judged("careful", items, False)
    # three cycles in ten triads: a quarter or more (the old rule's flag), as anyone judging equal items makes
    rows += _triads_judged("close", items[:9], True) + _triads_judged("close", items[9:], False)
    c = from_rows(rows, items=items)
    spread = np.linspace(3.0, -3.0, len(items))  # in list order: each triad's items far apart
    flags = preference_flags(preference_workers(c, strengths=spread), max_bias=0.2)["intransitive"]
    # the cycler's triads span far-apart items; "close" judges neighbours 0.2 apart, whose triads cycle about
    # one time in five by the strengths alone: 3 of 10 is no evidence (the old quarter rule flagged it)
    assert flags.tolist() == [True, False, False]
    close = np.zeros(len(items))  # all items equal: a quarter of triads cycle for anyone, 10 of 10 is not
    q = preference_workers(c, strengths=close)
    assert q.cycles.tolist() == [10, 0, 3] and q.triads.tolist() == [10, 10, 10]
    assert preference_flags(q, max_bias=0.2)["intransitive"].tolist() == [True, False, False]
