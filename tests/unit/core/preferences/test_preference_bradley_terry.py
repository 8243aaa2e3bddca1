from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from scipy.stats import kendalltau

from labelpact.core.preferences import BradleyTerry, Comparisons, NoisyBradleyTerry, simulate_preferences
from labelpact.errors import InvalidInputError


def two_items(wins_a: int, wins_b: int, ties: int) -> Comparisons:
    choice = ["left"] * wins_a + ["right"] * wins_b + ["tie"] * ties
    n = len(choice)
    return Comparisons.from_columns(
        task=range(n), worker=["w"] * n, left=["a"] * n, right=["b"] * n, choice=choice
    )


def test_two_items_closed_form_davidson() -> None:
    # Davidson's MLE for two items: d = log(w_a / w_b), nu = t / sqrt(w_a * w_b)
    model = BradleyTerry(alpha=1e-9, tol=1e-10).fit(two_items(6, 2, 3))
    d = model.strengths_[0] - model.strengths_[1]
    assert d == pytest.approx(np.log(3.0), abs=1e-5)
    assert model.tie_parameter_ == pytest.approx(3.0 / np.sqrt(12.0), abs=1e-5)
    probs = model.probabilities([0], [1])[0]
    assert probs == pytest.approx([6 / 11, 2 / 11, 3 / 11], abs=1e-5)


def test_every_comparison_a_tie_is_an_unbounded_tie_parameter_not_zero() -> None:
    # nu = t / sqrt(w_a * w_b) grows without bound as the decisive choices vanish; 0 would say "no ties"
    model = BradleyTerry().fit(two_items(0, 0, 5))
    assert model.tie_parameter_ == np.inf
    assert model.probabilities([0], [1])[0].tolist() == [0.0, 0.0, 1.0]


def test_ties_half_is_plain_bradley_terry_with_half_wins() -> None:
    model = BradleyTerry(ties="half", alpha=1e-9, tol=1e-10).fit(two_items(6, 2, 2))
    assert model.strengths_[0] - model.strengths_[1] == pytest.approx(np.log(7.0 / 3.0), abs=1e-5)
    assert model.tie_parameter_ == 0.0


def test_matches_choix_map_estimate_without_ties() -> None:
    choix = pytest.importorskip("choix")
    sim = simulate_preferences(
        n_comparisons=3000, n_items=30, tie_parameter=0.0, spammer_share=0, left_share=0
    )
    c = sim.comparisons
    model = BradleyTerry(alpha=0.2, tol=1e-10).fit(c)  # choix penalises alpha * ||theta||^2
    winner = np.where(c.choice == 0, c.left, c.right)
    loser = np.where(c.choice == 0, c.right, c.left)
    reference = choix.opt_pairwise(
        c.n_items, list(zip(winner.tolist(), loser.tolist(), strict=True)), alpha=0.1
    )
    assert model.strengths_ == pytest.approx(reference, abs=1e-4)


def test_matches_a_direct_optimisation_of_the_davidson_posterior() -> None:
    sim = simulate_preferences(n_comparisons=2000, n_items=12, tie_parameter=0.5, random_state=3)
    c = sim.comparisons
    model = BradleyTerry(alpha=0.5, tol=1e-10).fit(c)

    def negative(params: np.ndarray) -> float:
        theta, log_nu = params[:-1], params[-1]
        d = (theta[c.left] - theta[c.right]) / 2.0
        log_z = np.logaddexp(np.logaddexp(d, -d), log_nu)
        ll = np.select([c.choice == 0, c.choice == 1], [d, -d], log_nu) - log_z
        return float(-ll.sum() + 0.25 * theta @ theta)

    best = minimize(negative, np.zeros(c.n_items + 1), method="BFGS", options={"gtol": 1e-8})
    assert model.strengths_ == pytest.approx(best.x[:-1], abs=1e-3)
    assert np.log(model.tie_parameter_) == pytest.approx(best.x[-1], abs=1e-3)


def test_recovers_the_true_ranking_and_tie_parameter() -> None:
    sim = simulate_preferences(
        n_comparisons=40_000, n_items=100, spammer_share=0, left_share=0, tie_parameter=0.4
    )
    model = BradleyTerry().fit(sim.comparisons)
    assert kendalltau(model.strengths_, sim.strengths).statistic > 0.85
    assert model.tie_parameter_ == pytest.approx(0.4, abs=0.05)
    assert model.converged_ and model.ranking()[0] == np.argmax(model.strengths_)


def test_an_unbeaten_item_stays_finite_and_first() -> None:
    c = Comparisons.from_columns(
        task=range(4),
        worker=["w"] * 4,
        left=["a", "a", "b", "c"],
        right=["b", "c", "c", "b"],
        choice=["left"] * 4,
    )
    model = BradleyTerry().fit(c)
    assert np.all(np.isfinite(model.strengths_)) and model.ranking()[0] == 0


def test_options_are_checked() -> None:
    with pytest.raises(InvalidInputError, match="ties"):
        BradleyTerry(ties="rao").fit(two_items(1, 1, 0))  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="alpha"):
        BradleyTerry(alpha=0.0).fit(two_items(1, 1, 0))
    with pytest.raises(InvalidInputError, match="weights"):
        BradleyTerry().fit(two_items(1, 1, 0), weights=[1.0])


def test_noisy_model_finds_spammers_and_left_pickers() -> None:
    sim = simulate_preferences(
        n_comparisons=20_000, n_items=80, n_workers=20, spammer_share=0.2, left_share=0.2
    )
    model = NoisyBradleyTerry().fit(sim.comparisons)
    kinds = np.array(sim.kinds)
    assert model.converged_
    assert np.all(np.abs(model.skills_[kinds == "spammer"]) < 0.35)
    assert np.all(model.skills_[kinds == "careful"] > 0.35)
    assert np.all(model.bias_interval_[kinds == "left", 0] > 0.5)  # true log-odds bias is 2
    careful = kinds == "careful"
    covered = (model.bias_interval_[careful, 0] < 0) & (model.bias_interval_[careful, 1] > 0)
    assert covered.mean() >= 0.75
    plain = BradleyTerry().fit(sim.comparisons)
    noisy_tau = kendalltau(model.strengths_, sim.strengths).statistic
    assert noisy_tau >= kendalltau(plain.strengths_, sim.strengths).statistic - 0.005


def test_empirical_bayes_prior_helps_sparse_comparisons() -> None:
    sim = simulate_preferences(n_comparisons=3000, n_items=500, spammer_share=0, left_share=0, random_state=7)
    auto = BradleyTerry().fit(sim.comparisons)
    weak = BradleyTerry(alpha=1e-3).fit(sim.comparisons)
    assert 0.3 < auto.alpha_ < 5.0  # the true strengths are N(0, 1): precision 1
    truth = sim.strengths
    assert kendalltau(auto.strengths_, truth).statistic > kendalltau(weak.strengths_, truth).statistic
    assert np.std(auto.strengths_) < np.std(weak.strengths_)  # shrunk towards 0


def test_weighted_fit_equals_repeated_comparisons() -> None:
    c = two_items(3, 2, 1)
    doubled = Comparisons.from_columns(
        task=range(12),
        worker=["w"] * 12,
        left=["a"] * 12,
        right=["b"] * 12,
        choice=(["left"] * 3 + ["right"] * 2 + ["tie"]) * 2,
    )
    a = BradleyTerry(alpha=0.1).fit(c, weights=np.full(6, 2.0))
    b = BradleyTerry(alpha=0.1).fit(doubled)
    assert a.strengths_ == pytest.approx(b.strengths_, abs=1e-8)
    assert a.tie_parameter_ == pytest.approx(b.tie_parameter_, abs=1e-8)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_swapping_sides_changes_nothing_but_the_sign_of_position_bias(seed: int) -> None:
    sim = simulate_preferences(n_comparisons=400, n_items=8, n_workers=4, random_state=seed)
    c = sim.comparisons
    swapped = Comparisons(
        task=c.task,
        worker=c.worker,
        left=c.right,
        right=c.left,
        choice=np.select([c.choice == 0, c.choice == 1], [1, 0], 2),
        tasks=c.tasks,
        workers=c.workers,
        items=c.items,
    )
    a, b = BradleyTerry().fit(c), BradleyTerry().fit(swapped)
    assert a.strengths_ == pytest.approx(b.strengths_, abs=1e-7)
    assert a.tie_parameter_ == pytest.approx(b.tie_parameter_, abs=1e-7)
    na, nb = NoisyBradleyTerry().fit(c), NoisyBradleyTerry().fit(swapped)
    assert na.biases_ == pytest.approx(-nb.biases_, abs=1e-4)
    assert na.strengths_ == pytest.approx(nb.strengths_, abs=1e-4)
