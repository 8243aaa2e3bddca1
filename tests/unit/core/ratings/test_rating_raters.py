from __future__ import annotations

import numpy as np
import pytest

from labelpact.core.ratings import Ratings, rater_effects, simulate_ratings, straight_lining


def test_offsets_solve_the_additive_model_on_a_complete_design() -> None:
    # complete design: the least-squares offset is the worker's mean minus the median worker's mean
    rng = np.random.default_rng(0)
    table = rng.integers(1, 8, (6, 3)).astype(float)  # tasks x workers
    table[:, 2] = np.clip(table[:, 2] - 1, 1, 7)
    t, w = np.meshgrid(np.arange(6), np.arange(3), indexing="ij")
    r = Ratings.from_columns(
        task=t.ravel(), worker=w.ravel(), criterion=["h"] * 18, score=table.ravel(), scales={"h": (1, 7)}
    )
    e = rater_effects(r, "h")
    means = table.mean(axis=0)
    offsets = means - np.median(means)
    assert e.offset == pytest.approx(offsets, abs=1e-8)
    assert e.consensus == pytest.approx(table.mean(axis=1) - offsets.mean(), abs=1e-8)
    assert e.raters_per_task.tolist() == [3] * 6


def test_simulated_rater_kinds_are_told_apart() -> None:
    sim = simulate_ratings(n_tasks=800, n_workers=20, raters_per_task=3)
    e = rater_effects(sim.ratings, "helpfulness")
    kinds = np.array(sim.kinds)
    assert np.all(e.offset_interval[kinds == "severe", 1] < 0)
    assert np.all(e.offset_interval[kinds == "lenient", 0] > 0)
    careful = kinds == "careful"
    covered = (e.offset_interval[careful, 0] < np.median(e.offset[careful])) & (
        e.offset_interval[careful, 1] > np.median(e.offset[careful])
    )
    assert covered.mean() >= 0.8
    assert np.all(e.spread_interval[kinds == "central", 1] < 1.0)  # central tendency compresses
    covers_one = (e.spread_interval[careful, 0] < 1.0) & (e.spread_interval[careful, 1] > 1.0)
    assert covers_one.mean() >= 0.8
    assert np.all(e.spread_ratio[kinds == "central"] < np.min(e.spread_ratio[careful]))
    flat = straight_lining(sim.ratings)
    assert np.all(flat[kinds == "straight"] == 1.0) and np.all(flat[kinds != "straight"] < 0.5)
    assert np.corrcoef(e.consensus, sim.quality[:, 0])[0, 1] > 0.85
    inside = (e.consensus_interval[:, 0] <= e.consensus) & (e.consensus <= e.consensus_interval[:, 1])
    assert inside.all()


def test_drift_is_found_in_a_rater_who_gets_harsher() -> None:
    sim = simulate_ratings(n_tasks=600, n_workers=10, shares={}, random_state=5)
    r = sim.ratings
    position = np.arange(r.n_ratings, dtype=float) / r.n_ratings
    score = np.where(r.worker == 0, np.clip(np.round(r.score - 3 * position), 1, 7), r.score)
    drifting = Ratings(
        task=r.task,
        worker=r.worker,
        criterion=r.criterion,
        score=np.clip(score, 1, np.array([7.0, 5.0])[r.criterion]),
        tasks=r.tasks,
        workers=r.workers,
        criteria=r.criteria,
        scales=r.scales,
    )
    e = rater_effects(drifting, "helpfulness")
    assert e.drift_interval[0, 1] < -1.0  # about -3 points from first to last rating
    others = e.drift_interval[1:]
    assert np.mean((others[:, 0] < 0) & (others[:, 1] > 0)) >= 0.75
    assert e.modal_share[0] < 0.6


def _complete(table: np.ndarray) -> Ratings:
    n_tasks, n_workers = table.shape
    t, w = np.meshgrid(np.arange(n_tasks), np.arange(n_workers), indexing="ij")
    return Ratings.from_columns(
        task=t.ravel(),
        worker=w.ravel(),
        criterion=["h"] * table.size,
        score=table.ravel(),
        scales={"h": (1, 7)},
    )


def test_an_even_number_of_raters_is_centred_between_the_two_middle_ones() -> None:
    # four raters 1.2 and 0.3 either side of the task means, no noise: the offsets are exactly those (the lower
    # middle rater was the zero: -0.9, 0, 0.6, 1.5, and only the lenient one was ever out of bounds)
    true = np.array([-1.2, -0.3, 0.3, 1.2])
    table = np.array([3.0, 4.0, 5.0, 4.5, 3.5])[:, None] + true[None, :]
    e = rater_effects(_complete(table), "h")
    assert e.offset == pytest.approx(true, abs=1e-8)
    flipped = rater_effects(_complete(8.0 - table), "h")  # the scale read the other way
    assert flipped.offset == pytest.approx(-true, abs=1e-8)  # the sign flips; who is blamed does not


def test_two_raters_share_their_gap() -> None:
    # by hand: b scores 2 above a on every task, so a is 1 below the middle and b 1 above (was 0 and +2)
    table = np.array([[3.0, 5.0], [4.0, 6.0], [5.0, 7.0]])
    assert rater_effects(_complete(table), "h").offset == pytest.approx([-1.0, 1.0], abs=1e-8)
    assert rater_effects(_complete(8.0 - table), "h").offset == pytest.approx([1.0, -1.0], abs=1e-8)


def _coverage(n_raters: int, per_task: int, reps: int = 30, n_tasks: int = 100) -> float:
    """Share of 95% consensus intervals holding the true task mean, on the additive model rater_effects fits
    (offsets N(0, 0.7), noise N(0, 1)); the reference constant the data cannot fix is the mean shift."""
    rng = np.random.default_rng(7)
    hits = []
    for _ in range(reps):
        offsets, truth = rng.normal(0.0, 0.7, n_raters), rng.normal(4.0, 1.0, n_tasks)
        w = np.stack([rng.choice(n_raters, per_task, replace=False) for _ in range(n_tasks)]).ravel()
        t = np.repeat(np.arange(n_tasks), per_task)
        y = truth[t] + offsets[w] + rng.normal(0.0, 1.0, len(t))
        r = Ratings.from_columns(
            task=[f"t{i:03d}" for i in t],
            worker=w,
            criterion=["h"] * len(t),
            score=y,
            scales={"h": (-99, 99)},
        )
        e = rater_effects(r, "h")
        shift = np.mean(e.consensus - truth)
        lo, hi = e.consensus_interval[:, 0] - shift, e.consensus_interval[:, 1] - shift
        hits.append(np.mean((lo <= truth) & (truth <= hi)))
    return float(np.mean(hits))


@pytest.mark.parametrize(("n_raters", "per_task"), [(60, 2), (30, 2), (10, 3)])
def test_consensus_intervals_cover_the_true_means_in_sparse_designs(n_raters: int, per_task: int) -> None:
    # 60 raters, 2 a task: 0.82 when the offsets subtracted were taken as known (sigma / sqrt(m_t) alone)
    assert 0.93 <= _coverage(n_raters, per_task) <= 0.975


def test_an_exact_fit_of_few_integer_ratings_is_no_certainty() -> None:
    # a: 3, 5, 2 and b: 4, 6 fit the additive model exactly with 1 residual degree of freedom: the interval was
    # 1e-10 wide; now sigma is at least the integer grid's rounding (1 / sqrt(12)) and the quantile Student's
    r = Ratings.from_columns(
        task=["t1", "t1", "t2", "t2", "t3"], worker=["a", "b", "a", "b", "a"], criterion=["q"] * 5,
        score=[3, 4, 5, 6, 2], scales={"q": (1, 7)},
    )  # fmt: skip
    e = rater_effects(r, "q")
    width = e.consensus_interval[:, 1] - e.consensus_interval[:, 0]
    assert np.all(width > 2.0)  # t(0.975, 1 dof) = 12.7 times at least 0.289 * sqrt(1/2)
