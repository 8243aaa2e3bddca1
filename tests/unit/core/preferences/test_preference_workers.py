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
    c = Comparisons.from_columns(
        task=range(len(rows)),
        worker=[r[0] for r in rows],
        left=[r[1] for r in rows],
        right=[r[2] for r in rows],
        choice=[r[3] for r in rows],
    )
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
    krippendorff = pytest.importorskip("krippendorff")
    sim = simulate_preferences(n_comparisons=3000, n_items=15, n_workers=10, random_state=4)
    c = sim.comparisons
    u = c.units()
    matrix = np.full((c.n_workers, u.n_units), np.nan)
    # one value per worker and unit for the package: keep the first of repeated judgements
    order = np.lexsort((np.arange(c.n_comparisons), u.unit, c.worker))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (np.diff(c.worker[order]) != 0) | (np.diff(u.unit[order]) != 0)
    keep = order[first]
    matrix[c.worker[keep], u.unit[keep]] = u.outcome[keep]
    dedup = c.subset(np.isin(np.arange(c.n_comparisons), keep))
    for level in ("nominal", "ordinal"):
        ours = choice_agreement(dedup, level=level, n_bootstrap=0).krippendorff_alpha.value
        theirs = krippendorff.alpha(
            reliability_data=matrix, level_of_measurement=level, value_domain=[0, 1, 2]
        )
        assert ours == pytest.approx(theirs, abs=1e-9)


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
