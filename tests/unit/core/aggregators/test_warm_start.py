"""Warm starts (a refit from the last fit's parameters) and auto's sampled label test on large deliveries."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import expit, log_expit

from labelpact.core.aggregators import EBCC, GLAD, MACE, Auto, DawidSkene, OneCoinDawidSkene, auto
from labelpact.core.aggregators.base import Aggregator, counts_of, shared_counts, warm_rows
from labelpact.core.aggregators.glad import _sigmoid, log_sigmoid_of_minus
from labelpact.core.annotations import Annotations, Gold
from labelpact.errors import ConvergenceWarning

simulate = pytest.importorskip("labelpact.simulate")


@pytest.fixture(scope="module")
def delivery() -> object:
    return simulate.simulate_delivery(
        n_tasks=2000, n_workers=30, n_classes=3, labels_per_task=5, duplicate_rate=0, gold_share=0.05, seed=4
    )


def quiet_fit(model: Aggregator, a: Annotations, gold: Gold | None = None) -> Aggregator:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(a, gold)


def agreement(x: Aggregator, y: Aggregator) -> float:
    return float(np.mean(x.probas_.argmax(axis=1) == y.probas_.argmax(axis=1)))


WARMABLE = [DawidSkene, OneCoinDawidSkene, GLAD, MACE, EBCC]


@pytest.mark.parametrize("cls", WARMABLE)
def test_warm_refit_on_the_same_data_stays_at_the_fit(delivery: object, cls: type[Aggregator]) -> None:
    a = delivery.annotations  # type: ignore[attr-defined]
    cold = quiet_fit(cls(), a)
    warm = quiet_fit(cls(warm_start=True), a)  # first fit of a warm model: nothing to start from, cold
    assert np.array_equal(cold.probas_, warm.probas_)
    quiet_fit(warm, a)  # now from its own fit: a fixed point, so labels stay and EM stops early
    assert agreement(warm, cold) >= 0.99
    assert warm.n_iter_ <= cold.n_iter_


@pytest.mark.parametrize("cls", [DawidSkene, OneCoinDawidSkene, GLAD, MACE])
def test_gold_refit_from_the_blind_fit_matches_a_cold_gold_fit(
    delivery: object, cls: type[Aggregator]
) -> None:
    a, gold = delivery.annotations, delivery.gold  # type: ignore[attr-defined]
    cold = quiet_fit(cls(), a, gold)
    warm = quiet_fit(cls(warm_start=True), a)
    quiet_fit(warm, a, gold)
    assert agreement(warm, cold) >= 0.99
    assert np.array_equal(warm.probas_[gold.task].argmax(axis=1), gold.label)  # anchored


def test_warm_rows_give_unseen_workers_the_crowd_mean_not_a_default() -> None:
    # worker w2 has no label in the first fit: a one-coin default would give it skill 1 (trusted blindly)
    a = Annotations.from_columns(
        task=["t0", "t0", "t1", "t1", "t2"],
        worker=["w0", "w1", "w0", "w1", "w0"],
        label=["a", "a", "b", "a", "b"],
    )
    first = Annotations(
        task=a.task[:4],
        worker=a.worker[:4],
        label=a.label[:4],
        tasks=a.tasks,
        workers=(*a.workers, "w2"),
        classes=a.classes,
    )
    model = OneCoinDawidSkene(warm_start=True).fit(first)
    assert model.skills_[2] == 1.0  # the cold M-step's default for a worker without labels
    rows = warm_rows(model, "confusions_", (3, 2, 2))
    assert rows is not None
    assert np.allclose(rows[2], model.confusions_[:2].mean(axis=0))
    assert warm_rows(model, "confusions_", (3, 3, 3)) is None  # other classes: start cold
    assert warm_rows(OneCoinDawidSkene().fit(first), "confusions_", (3, 2, 2)) is None  # not warm


def test_glad_sigmoids_match_scipy_at_every_scale() -> None:
    z = np.array([-1000.0, -50.0, -40.0, -3.0, 0.0, 1e-9, 2.5, 39.0, 40.0, 700.0])
    capped = np.clip(z, -40.0, 40.0)  # the documented cap: below double precision next to 1
    assert np.allclose(_sigmoid(z), expit(capped), rtol=1e-14, atol=0)
    assert np.allclose(log_sigmoid_of_minus(z), log_expit(-z), rtol=1e-12, atol=1e-15)


def test_task_sample_keeps_whole_tasks_and_worker_codes(delivery: object) -> None:
    a = delivery.annotations  # type: ignore[attr-defined]
    small = auto._task_sample(a, 2000, seed=0)
    large = auto._task_sample(a, 5000, seed=0)
    assert small.n_annotations <= 2000 < large.n_annotations <= 5000
    assert small.workers == a.workers and small.classes == a.classes
    per_task = dict(zip(a.tasks, np.bincount(a.task, minlength=a.n_tasks), strict=True))
    assert all(n == per_task[name] for name, n in zip(small.tasks, np.bincount(small.task), strict=True))
    assert set(small.tasks) <= set(large.tasks)  # nested: a grown sample contains the smaller
    assert auto._task_sample(a, a.n_annotations, seed=0) is a


def test_auto_on_a_large_delivery_decides_on_a_sample_and_matches_the_cold_procedure(
    delivery: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, gold, truth = delivery.annotations, delivery.gold, delivery.truth  # type: ignore[attr-defined]
    cold = Auto().fit(a, gold)
    assert cold.label_test_size_ == a.n_annotations
    monkeypatch.setattr(auto, "SAMPLE", 3000)  # this delivery now counts as large
    sampled = Auto().fit(a, gold)
    assert sampled.label_test_size_ <= 3000 and sampled.label_test_z_ < -auto.Z_SWITCH
    assert "on a sample of" in sampled.description_
    assert sampled.chosen_ == cold.chosen_ == "average"
    assert agreement(sampled, cold) >= 0.99
    assert (
        np.mean(sampled.probas_.argmax(axis=1) == truth)
        >= np.mean(cold.probas_.argmax(axis=1) == truth) - 0.005
    )
    assert sampled.held_out_accuracy_ == pytest.approx(cold.held_out_accuracy_, abs=0.02)


def test_a_sample_that_favours_majority_vote_is_retried_on_all_labels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """400 equal workers with 2-3 labels each: only the full delivery may conclude for majority vote."""
    rng = np.random.default_rng(0)
    n, r, k, w = 400, 5, 3, 400
    truth = rng.integers(0, k, n)
    task = np.repeat(np.arange(n), r)
    worker = rng.integers(0, w, n * r)
    label = np.where(rng.random(n * r) < 0.7, truth[task], (truth[task] + rng.integers(1, k, n * r)) % k)
    a = Annotations(
        task=task,
        worker=worker,
        label=label,
        tasks=tuple(f"t{i}" for i in range(n)),
        workers=tuple(f"w{i}" for i in range(w)),
        classes=("a", "b", "c"),
    )
    monkeypatch.setattr(auto, "SAMPLE", 300)
    model = Auto().fit(a)
    assert model.label_test_size_ == a.n_annotations  # grown 300 -> 1200 -> all 2000
    assert model.chosen_ == "mv" and model.label_test_z_ > auto.Z_SWITCH


def test_shared_counts_build_one_count_matrix_per_annotations_object(delivery: object) -> None:
    a = delivery.annotations  # type: ignore[attr-defined]
    copy = Annotations(
        task=a.task, worker=a.worker, label=a.label, tasks=a.tasks, workers=a.workers, classes=a.classes
    )
    assert counts_of(a) is not counts_of(a)  # outside the block nothing is kept
    with shared_counts():
        first = counts_of(a)
        assert counts_of(a) is first
        other = counts_of(copy)
        assert other is not first and np.array_equal(other.by_task.toarray(), first.by_task.toarray())
    assert counts_of(a) is not first
