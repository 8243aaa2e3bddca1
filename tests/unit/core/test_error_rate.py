"""The error-rate estimator: exact intervals by hand, PPI against its formula on arrays, and coverage on
simulated deliveries whose workers make correlated mistakes (where the posteriors are overconfident)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from labelpact.core.aggregators import create
from labelpact.core.annotations import Annotations, FloatArray, Gold
from labelpact.core.consensus import consensus_codes
from labelpact.core.error_rate import (
    MODEL_SPREAD,
    SMALL_CHECKS,
    Checks,
    clopper_pearson,
    cross_fitted_gold,
    estimate_error_rate,
    model_error_rate,
)
from labelpact.errors import InvalidInputError


def test_clopper_pearson_matches_hand_computed_intervals() -> None:
    # k = 0: the upper end solves (1 - p)^n = alpha / 2; k = n mirrors it
    lo, hi = clopper_pearson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(1 - 0.025 ** (1 / 10), abs=1e-12)
    lo, hi = clopper_pearson(10, 10)
    assert hi == 1.0 and lo == pytest.approx(0.025 ** (1 / 10), abs=1e-12)
    # 3 of 10: the textbook interval (Agresti & Coull 1998, table 1) is 0.0667 to 0.6525
    lo, hi = clopper_pearson(3, 10)
    assert lo == pytest.approx(0.0667, abs=1e-4) and hi == pytest.approx(0.6525, abs=1e-4)
    assert clopper_pearson(0, 0) == (0.0, 1.0)
    with pytest.raises(InvalidInputError):
        clopper_pearson(4, 3)


def test_checks_sum_their_tasks_and_survive_a_round_trip() -> None:
    c = Checks.of([True, False, True], [0.5, 0.25, 1.0])
    assert (c.n, c.n_wrong) == (3, 2)
    assert (c.sum_p, c.sum_p2, c.sum_wrong_p) == pytest.approx((1.75, 1.3125, 1.5))
    assert Checks.from_dict(c.to_dict()) == c
    both = c + Checks.of([False], [0.1])
    assert (both.n, both.n_wrong, both.sum_p) == (4, 2, pytest.approx(1.85))
    counts = Checks.of_counts(5, 1)
    assert not counts.has_model and counts.to_dict()["sum_p"] is None
    assert Checks.from_dict(counts.to_dict()).n_wrong == 1


def test_the_model_alone_is_unverified_and_its_interval_spans_raw_and_calibrated() -> None:
    p = np.full(400, 0.05)
    raw = np.full(400, 0.01)
    e = estimate_error_rate(p, p_wrong_raw=raw)
    assert not e.verified and e.value == pytest.approx(0.05)
    # the Poisson-binomial interval of each, joined: raw's low end, calibrated's high end
    half_cal = 1.959964 * np.sqrt(400 * 0.05 * 0.95) / 400
    half_raw = 1.959964 * np.sqrt(400 * 0.01 * 0.99) / 400
    assert model_error_rate(p, p_wrong_raw=raw, spread=0.0)[1] == pytest.approx(
        (0.01 - half_raw, 0.05 + half_cal), abs=1e-6
    )
    assert model_error_rate(p, spread=0.0)[1] == pytest.approx((0.05 - half_cal, 0.05 + half_cal), abs=1e-6)
    # the model's miss on real data: 5% moved by MODEL_SPREAD in log-odds, by hand
    odds = 0.05 / 0.95
    band = (odds * np.exp(-MODEL_SPREAD), odds * np.exp(MODEL_SPREAD))
    band_lo, band_hi = (o / (1 + o) for o in band)
    assert band_hi > 0.05 + half_cal and band_lo > 0.01 - half_raw
    assert e.ci == pytest.approx((0.01 - half_raw, band_hi), abs=1e-9)
    assert model_error_rate(p)[1] == pytest.approx((band_lo, band_hi), abs=1e-9)
    assert model_error_rate(np.zeros(10))[1] == (0.0, 0.0)  # no error probability at all: nothing to widen
    with pytest.raises(InvalidInputError):
        model_error_rate(p, spread=-1.0)


def test_small_gold_that_contradicts_the_model_moves_the_estimate() -> None:
    model = np.full(1000, 0.02)  # the model says 2%
    checks = Checks.of(np.arange(10) < 4, np.full(10, 0.02))  # 4 of 10 gold tasks wrong
    e = estimate_error_rate(model, checks=checks)
    assert e.verified and e.checks.n < SMALL_CHECKS
    lo, hi = clopper_pearson(4, 10)
    assert e.ci == pytest.approx((lo, hi))
    assert e.value == pytest.approx(0.02 + 0.4 - 0.02)  # corrected model, inside the exact interval
    assert e.ci[0] > 0.1  # the 2% the model claimed is ruled out


def test_counts_alone_give_the_exact_interval_at_any_size() -> None:
    model = np.full(500, 0.10)
    few = estimate_error_rate(model, checks=Checks.of_counts(16, 0))
    assert few.ci == pytest.approx(clopper_pearson(0, 16)) and few.value == pytest.approx(0.10)
    ruled_out = estimate_error_rate(model, checks=Checks.of_counts(16, 9))
    assert ruled_out.value == pytest.approx(clopper_pearson(9, 16)[0])  # the model's 10% is ruled out
    many = estimate_error_rate(model, checks=Checks.of_counts(800, 40))
    assert many.ci == pytest.approx(clopper_pearson(40, 800)) and many.value == pytest.approx(0.05)
    assert many.verified and "Clopper-Pearson" in many.method


def test_a_batch_whose_every_task_was_checked_states_the_checked_share() -> None:
    """Before: with gold on every task no task was left for the model, whose mean over none was 0 [0, 0]; below
    30 checks that 0 was kept inside the exact interval, so 3 wrong of 20 was stated as its lower bound, 3.2%."""
    for checks in (Checks.of_counts(20, 3), Checks.of([True] * 3 + [False] * 17, [0.2] * 20)):
        e = estimate_error_rate(np.array([]), checks=checks)
        assert e.value == pytest.approx(3 / 20) and e.ci == pytest.approx(clopper_pearson(3, 20))
        assert e.n_tasks == 0 and e.to_dict()["model"] is None
    many = estimate_error_rate(np.array([]), checks=Checks.of([True] * 6 + [False] * 54, [0.2] * 60))
    assert many.value == pytest.approx(0.1) and many.ci == pytest.approx(clopper_pearson(6, 60))


def test_ppi_matches_its_formula_on_the_arrays() -> None:
    rng = np.random.default_rng(3)
    f_all = rng.beta(1, 8, size=5000)
    f = rng.beta(1, 8, size=2000)
    y = rng.random(2000) < 0.6 * f + 0.05  # informative, but not the error probability itself
    e = estimate_error_rate(f_all, checks=Checks.of(y, f))
    n, big_n = len(f), len(f_all)
    lam = np.clip(np.cov(y, f, bias=True)[0, 1] / ((1 + n / big_n) * f.var()), 0, 1)
    value = lam * f_all.mean() + (y - lam * f).mean()
    m = f.mean()
    residual = np.r_[y - lam * f, 1 - lam * m, -lam * m]
    se = np.sqrt(lam**2 * f_all.var() / big_n + residual.var(ddof=1) / n)
    assert e.value == pytest.approx(value, abs=1e-9)
    assert e.ci == pytest.approx((value - 1.959964 * se, value + 1.959964 * se), abs=1e-6)
    assert 0 < lam < 1 and e.verified and "PPI++" in e.method


def test_a_clean_gold_sample_cannot_claim_zero_width() -> None:
    e = estimate_error_rate(np.full(1000, 0.001), checks=Checks.of(np.zeros(40, bool), np.full(40, 0.001)))
    assert e.ci[1] > 0.02  # two pseudo-checks keep 40 clean tasks from proving less than ~2%


@pytest.mark.parametrize(("n", "p"), [(80, 0.03), (80, 0.05), (125, 0.03), (200, 0.01)])
def test_few_wrong_checks_keep_exact_coverage(n: int, p: float) -> None:
    # a model that says nothing about which checks are wrong (lambda 0) and a handful of defects: the normal
    # interval covered 0.87-0.91; the exact bounds hold 95%, computed over every count, not simulated
    model = np.full(1200, 0.05)
    coverage = 0.0
    for k in range(n + 1):
        e = estimate_error_rate(model, checks=Checks.of(np.arange(n) < k, np.full(n, 0.05)))
        coverage += binom.pmf(k, n, p) * (e.ci[0] <= p <= e.ci[1])
    assert coverage >= 0.95
    clean = estimate_error_rate(model, checks=Checks.of(np.zeros(n, bool), np.full(n, 0.05)))
    assert clean.ci[1] == pytest.approx(clopper_pearson(0, n)[1])  # 0 of 80: 4.5%, not 2.4%


# --- simulated deliveries with correlated workers -------------------------------------------------


def correlated_delivery(seed: int, n_tasks: int = 500) -> tuple[Annotations, np.ndarray]:
    """5 labels per task from 40 workers (accuracy 0.6-0.95); on a fifth of the tasks, a shared decoy
    class draws every worker with probability 0.6 (correlated mistakes the EM model cannot see)."""
    rng = np.random.default_rng(seed)
    k, n_workers, per_task = 3, 40, 5
    truth = rng.integers(0, k, n_tasks)
    decoy = (truth + rng.integers(1, k, n_tasks)) % k
    hard = rng.random(n_tasks) < 0.2
    accuracy = rng.uniform(0.6, 0.95, n_workers)
    task = np.repeat(np.arange(n_tasks), per_task)
    worker = np.concatenate([rng.choice(n_workers, per_task, replace=False) for _ in range(n_tasks)])
    right = rng.random(len(task)) < accuracy[worker]
    other = (truth[task] + rng.integers(1, k, len(task))) % k
    label = np.where(right, truth[task], other)
    fooled = hard[task] & (rng.random(len(task)) < 0.6)
    label = np.where(fooled, decoy[task], label)
    a = Annotations.from_columns(
        task=[f"t{i:04d}" for i in task], worker=[f"w{w:02d}" for w in worker], label=[f"c{c}" for c in label]
    )
    order = np.array([int(t[1:]) for t in a.tasks])
    classes = np.array([int(c[1:]) for c in a.classes])
    return a, np.searchsorted(classes, truth[order])


def ds_probas(a: Annotations, gold: Gold | None) -> FloatArray:
    return create("ds").fit(a, gold).probas_


@pytest.mark.parametrize("share", [0.1])
def test_the_interval_covers_the_true_error_under_correlated_mistakes(share: float) -> None:
    covered, model_covered, replicates = 0, 0, 8
    for seed in range(replicates):
        a, truth = correlated_delivery(seed)
        rng = np.random.default_rng(100 + seed)
        given = np.sort(rng.choice(a.n_tasks, round(share * a.n_tasks), replace=False))
        gold = Gold(task=given, label=truth[given])
        probas = ds_probas(a, gold)
        codes = consensus_codes(a, probas)
        rest = np.setdiff1d(np.arange(a.n_tasks), given)
        true_error = float(np.mean(codes[rest] != truth[rest]))
        check = cross_fitted_gold(a, gold, ds_probas, random_state=seed)
        assert check.n_folds == 5 and len(check.task) == len(given)
        e = estimate_error_rate(check.p_wrong_all[rest], checks=check.checks)
        covered += e.ci[0] <= true_error <= e.ci[1]
        alone = estimate_error_rate(1.0 - probas[rest].max(axis=1))
        model_covered += alone.ci[0] <= true_error <= alone.ci[1]
        assert true_error > 0.05  # the decoys make real errors
    assert covered >= replicates - 1
    assert model_covered <= replicates // 2  # why the model alone can never pass a batch


def test_cross_fitting_holds_each_fold_out_and_respects_a_budget() -> None:
    a, truth = correlated_delivery(0, n_tasks=300)
    gold = Gold(task=np.arange(0, 300, 10), label=truth[np.arange(0, 300, 10)])
    anchored: list[set[int]] = []

    def fit(part: Annotations, anchors: Gold) -> FloatArray:
        anchored.append(set(anchors.task.tolist()))
        return ds_probas(part, anchors)

    check = cross_fitted_gold(a, gold, fit, n_folds=3)
    assert [len(s) for s in anchored] == [20, 20, 20] and check.n_folds == 3
    # every gold task is held out of exactly one fit and anchors the other two
    held_out = [set(gold.task.tolist()) - s for s in anchored]
    assert sorted(t for s in held_out for t in s) == sorted(gold.task.tolist())
    small = cross_fitted_gold(a, gold, ds_probas, max_annotations=600)
    assert np.isnan(small.p_wrong_all).any() and np.isfinite(small.p_wrong_all).sum() <= 600 // 5 + 1
    assert len(small.task) <= 300 // 5  # gold takes at most half the budget
