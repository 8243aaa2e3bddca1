"""auto's held-out label test and the predictive probabilities it rests on, checked by hand and by loops."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from labelpact.core.aggregators import GLAD, Auto, DawidSkene, MajorityVote
from labelpact.core.aggregators.predictive import FLOOR, label_predictive, shared_accuracy_predictive
from labelpact.core.annotations import Annotations
from labelpact.errors import ConvergenceWarning


def crowd(*, n_workers: int, seed: int, skills: np.ndarray | None = None) -> tuple[Annotations, np.ndarray]:  # type: ignore[type-arg]
    """200 tasks, 3 classes, 5 labels each from workers drawn among ``n_workers`` (accuracy 0.7 unless ``skills``)."""
    rng = np.random.default_rng(seed)
    n, r, k = 200, 5, 3
    truth = rng.integers(0, k, n)
    task = np.repeat(np.arange(n), r)
    worker = rng.integers(0, n_workers, n * r)
    skill = np.full(n_workers, 0.7) if skills is None else skills
    right = rng.random(n * r) < skill[worker]
    label = np.where(right, truth[task], (truth[task] + rng.integers(1, k, n * r)) % k)
    a = Annotations(
        task=task,
        worker=worker,
        label=label,
        tasks=tuple(f"t{i}" for i in range(n)),
        workers=tuple(f"w{i}" for i in range(n_workers)),
        classes=("a", "b", "c"),
    )
    return a, truth


def test_shared_accuracy_predictive_by_hand() -> None:
    # task t0: labels a, a, b. Majority a, agreement s = 2/3, c = log(s (K-1) / (1-s)) = log 2,
    # prior (2/3, 1/3): posterior of a = (2/3 * 4) / (2/3 * 4 + 1/3 * 2) = 0.8.
    train = Annotations.from_columns(task=["t0"] * 3, worker=["x", "y", "z"], label=["a", "a", "b"])
    p = shared_accuracy_predictive(train, np.array([0, 0]), np.array([0, 1]))
    right, wrong = 0.8 * 2 / 3 + 0.2 * 1 / 3, 0.2 * 2 / 3 + 0.8 * 1 / 3  # label a, label b
    assert np.allclose(p, (1 - FLOOR) * np.array([right, wrong]) + FLOOR / 2)
    assert p.sum() == pytest.approx(1.0)  # K = 2: the two possible labels exhaust the predictive


def test_label_predictive_matches_a_loop() -> None:
    a, _ = crowd(n_workers=8, seed=1)
    held = np.arange(a.n_annotations) % 4 == 0
    train = Annotations(
        task=a.task[~held],
        worker=a.worker[~held],
        label=a.label[~held],
        tasks=a.tasks,
        workers=a.workers,
        classes=a.classes,
    )
    t, w, y = a.task[held], a.worker[held], a.label[held]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ds = DawidSkene().fit(train)
        glad = GLAD().fit(train)
    expected_ds = [
        sum(ds.probas_[ti, k] * ds.confusions_[wi, k, li] for k in range(3))
        for ti, wi, li in zip(t, w, y, strict=True)
    ]
    assert np.allclose(label_predictive(ds, train, t, w, y), (1 - FLOOR) * np.array(expected_ds) + FLOOR / 3)
    expected_glad = []
    for ti, wi, li in zip(t, w, y, strict=True):
        right = 1 / (1 + np.exp(-glad.alphas_[wi] * np.exp(glad.betas_[ti])))
        q = glad.probas_[ti, li]
        expected_glad.append(q * right + (1 - q) * (1 - right) / 2)
    assert np.allclose(
        label_predictive(glad, train, t, w, y), (1 - FLOOR) * np.array(expected_glad) + FLOOR / 3
    )
    # majority vote has no worker model: one M-step on its vote shares (one pseudo-count per cell) gives one
    mv = MajorityVote().fit(train)
    expected = np.ones((a.n_workers, 3, 3))
    for ti, wi, li in zip(train.task, train.worker, train.label, strict=True):
        expected[wi, :, li] += mv.probas_[ti]
    expected /= expected.sum(axis=2, keepdims=True)
    by_hand = [mv.probas_[ti] @ expected[wi, :, li] for ti, wi, li in zip(t, w, y, strict=True)]
    assert np.allclose(label_predictive(mv, train, t, w, y), (1 - FLOOR) * np.array(by_hand) + FLOOR / 3)


@pytest.mark.parametrize("seed", [0, 1])
def test_auto_falls_back_to_majority_vote_when_workers_have_too_few_labels(seed: int) -> None:
    """400 equally good workers with 2-3 labels each: per-worker models cannot be learned, MV is right."""
    a, _ = crowd(n_workers=400, seed=seed)
    model = Auto().fit(a)
    assert model.label_test_z_ > 2 and model.chosen_ == model.default_ == "mv"
    assert np.array_equal(model.probas_, MajorityVote().fit(a).probas_)
    assert "shared by all workers" in model.description_


def test_auto_averages_when_workers_differ_and_are_well_observed() -> None:
    """Ten workers with 100 labels each, from near-perfect to random: worker models pay, the average is kept."""
    a, truth = crowd(n_workers=10, seed=2, skills=np.linspace(0.35, 0.98, 10))
    model = Auto().fit(a)
    assert model.label_test_z_ < -2 and model.chosen_ == "average"
    assert np.mean(model.probas_.argmax(axis=1) == truth) >= np.mean(
        MajorityVote().fit(a).probas_.argmax(axis=1) == truth
    )


def test_label_test_ignores_the_order_of_the_rows() -> None:
    a, _ = crowd(n_workers=60, seed=3)
    order = np.random.default_rng(9).permutation(a.n_annotations)
    shuffled = Annotations(
        task=a.task[order],
        worker=a.worker[order],
        label=a.label[order],
        tasks=a.tasks,
        workers=a.workers,
        classes=a.classes,
    )
    first, second = Auto().fit(a), Auto().fit(shuffled)
    assert first.label_test_z_ == pytest.approx(second.label_test_z_, rel=1e-9)
    assert first.chosen_ == second.chosen_
