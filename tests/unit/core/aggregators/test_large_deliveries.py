"""Hostile shapes: a million one-label workers, many classes. auto's single-label-worker rule, and MACE and EBCC
whose per-iteration work follows the labels (used worker-class pairs), not workers x classes."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest
from scipy.special import digamma

from labelpact.core.aggregators import (
    EBCC,
    GLAD,
    MACE,
    Auto,
    DawidSkene,
    MajorityVote,
    OneCoinDawidSkene,
    auto,
)
from labelpact.core.aggregators.base import MAX_DENSE_CELLS
from labelpact.core.annotations import Annotations, Gold
from labelpact.core.workers import score_workers
from labelpact.errors import ConvergenceWarning, InvalidInputError


def one_label_workers(
    n_tasks: int, *, repeat_every: int = 0, seed: int = 0
) -> tuple[Annotations, np.ndarray]:
    """``n_tasks`` x 3 labels, 3 classes, accuracy 0.7; every worker labels once, except that every
    ``repeat_every``-th label (0: none) goes to one of 10 regular workers."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n_tasks)
    task = np.repeat(np.arange(n_tasks), 3)
    label = np.where(rng.random(len(task)) < 0.7, truth[task], rng.integers(0, 3, len(task)))
    worker = np.arange(len(task)) + 10
    if repeat_every:
        worker[::repeat_every] = rng.integers(0, 10, len(worker[::repeat_every]))
    a = Annotations(
        task=task,
        worker=worker,
        label=label,
        tasks=tuple(f"t{i}" for i in range(n_tasks)),
        workers=tuple(f"w{i}" for i in range(len(task) + 10)),
        classes=("a", "b", "c"),
    )
    return a, truth


def test_repeat_share_by_hand() -> None:
    # worker x: 1 label, y: 2, z: 3 -> labels from workers with two or more: 5 of 6
    a = Annotations.from_columns(
        task=["1", "2", "3", "4", "5", "6"], worker=["x", "y", "y", "z", "z", "z"], label=["a"] * 6
    )
    assert auto.repeat_share(a) == pytest.approx(5 / 6)
    single = Annotations.from_columns(task=["1", "1"], worker=["x", "y"], label=["a", "b"])
    assert auto.repeat_share(single) == 0.0


def test_one_label_workers_get_majority_vote_without_fitting_the_candidates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, truth = one_label_workers(3000)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a worker-specific model was fitted")

    monkeypatch.setattr(auto, "_label_test", forbidden)
    for cls in (MACE, EBCC):
        monkeypatch.setattr(cls, "_fit", forbidden)
    model = Auto().fit(a)
    assert model.default_ == model.chosen_ == "mv"
    assert np.isnan(model.label_test_z_)
    assert list(model.models_) == ["mv"]
    assert "not identifiable" in model.criterion_ and "0.0% of labels" in model.criterion_
    assert (model.labels_ == MajorityVote().fit(a).labels_).all()
    assert (model.probas_.argmax(axis=1) == truth).mean() > 0.7  # the votes of 3 workers at 0.7 beat one
    assert np.allclose(model.calibrated_probas_.sum(axis=1), 1.0)


def test_with_gold_the_rule_chooses_among_the_votes_only(monkeypatch: pytest.MonkeyPatch) -> None:
    a, truth = one_label_workers(3000, seed=1)
    gold = Gold(task=np.arange(100), label=truth[:100])
    monkeypatch.setattr(MACE, "_fit", lambda *args: (_ for _ in ()).throw(AssertionError("fitted")))
    model = Auto().fit(a, gold)
    assert set(model.scores_) == {"mv", "wawa"}
    assert model.chosen_ in ("mv", "wawa")
    assert "gold tasks" in model.criterion_
    assert model.held_out_accuracy_ is not None and 0.5 < model.held_out_accuracy_ <= 1.0


def test_enough_repeat_workers_run_the_label_test(monkeypatch: pytest.MonkeyPatch) -> None:
    a, _ = one_label_workers(600, repeat_every=10)  # 10% of labels from 10 regular workers: above 5%
    assert auto.repeat_share(a) > auto.MIN_REPEAT_SHARE
    calls: list[int] = []
    test = auto._label_test

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return test(*args, **kwargs)

    monkeypatch.setattr(auto, "_label_test", counted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = Auto().fit(a)
    assert calls == [1]
    assert np.isfinite(model.label_test_z_)


def crowd_with_gaps(seed: int = 3) -> Annotations:
    """4 classes, 40 workers and 2 with no label at all; worker 0 never gives class d."""
    rng = np.random.default_rng(seed)
    n, w, k = 400, 40, 4
    truth = rng.integers(0, k, n)
    task = np.repeat(np.arange(n), 4)
    worker = rng.integers(0, w, len(task))
    label = np.where(rng.random(len(task)) < 0.65, truth[task], rng.integers(0, k, len(task)))
    label[(worker == 0) & (label == 3)] = 2
    return Annotations(
        task=task,
        worker=worker,
        label=label,
        tasks=tuple(map(str, range(n))),
        workers=tuple(f"w{i}" for i in range(w + 2)),
        classes=tuple("abcd"),
    )


def test_mace_strategy_of_a_class_never_given_is_the_prior_share() -> None:
    """Variational MACE: a class worker w never gave has expected spam count 0, so its strategy is
    exp(digamma(10) - digamma(S + 10 K)) and a given class l's is exp(digamma(c_l + 10) - digamma(S + 10 K))
    (Hovy et al. 2013, Dirichlet(10) prior); the ratio needs no fitted count: exp(digamma(10) - digamma(c_l + 10))."""
    a = crowd_with_gaps()
    model = MACE(n_restarts=2).fit(a)
    s = model.spam_strategies_
    assert s.shape == (a.n_workers, 4) and np.allclose(s.sum(axis=1), 1.0)
    assert np.allclose(s[-2:], 0.25)  # workers with no label: the symmetric prior
    assert s[0, 3] < s[0, :3].min()  # worker 0 never said d: its least likely spam answer
    # a worker's expected spam count for l is at most its count of l, so the strategy ratio is bounded
    given = np.bincount(a.label[a.worker == 0], minlength=4)
    assert (s[0, 3] / s[0, :3] >= np.exp(digamma(10.0) - digamma(given[:3] + 10.0)) - 1e-12).all()


def test_workers_without_labels_change_nothing() -> None:
    a = crowd_with_gaps()
    fewer = Annotations(
        task=a.task, worker=a.worker, label=a.label, tasks=a.tasks, workers=a.workers[:40], classes=a.classes
    )
    # MACE's random start draws per vocabulary worker: run both to the same fixed point instead
    for full_model, cut_model in (
        (MACE(n_restarts=1, max_iter=2000, tol=1e-13), MACE(n_restarts=1, max_iter=2000, tol=1e-13)),
        (EBCC(), EBCC()),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            full, cut = full_model.fit(a), cut_model.fit(fewer)
        assert np.allclose(full.probas_, cut.probas_, atol=1e-6)
        assert np.allclose(full.confusions_[:40], cut.confusions_, atol=1e-6)


def test_ebcc_mu_is_built_on_demand_and_warm_starts() -> None:
    a = crowd_with_gaps()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = EBCC(warm_start=True, max_iter=50).fit(a)
        mu = model.mu_
        assert mu.shape == (a.n_workers, 4, 10, 4)
        assert np.allclose(mu[-1], np.where(np.eye(4)[:, None, :] > 0, 4.0, 1.0))  # no labels: the prior
        # confusions average the subtypes of mu by their expected weight
        weights = model.eta_ / model.eta_.sum(axis=1, keepdims=True)
        reference = np.einsum("km,wkml->wkl", weights, mu / mu.sum(axis=3, keepdims=True))
        assert np.allclose(model.confusions_, reference)
        before = model.probas_.copy()
        model.fit(a)  # warm: starts at the fit, stays there
    assert np.abs(model.probas_ - before).max() < 0.05
    assert not hasattr(EBCC(), "mu_")


def test_ebcc_memory_follows_the_labels_not_workers_x_classes() -> None:
    """20 classes, 20,000 one-label workers: (workers, K, M, K) would be 640 MB; the used pairs need 32 MB."""
    rng = np.random.default_rng(0)
    n, k = 4000, 20
    truth = rng.integers(0, k, n)
    task = np.repeat(np.arange(n), 5)
    label = np.where(rng.random(len(task)) < 0.7, truth[task], rng.integers(0, k, len(task)))
    a = Annotations(
        task=task,
        worker=np.arange(len(task)),
        label=label,
        tasks=tuple(map(str, range(n))),
        workers=tuple(map(str, range(len(task)))),
        classes=tuple(f"c{i}" for i in range(k)),
    )
    dense = a.n_workers * k * 10 * k * 8
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = EBCC(max_iter=3).fit(a)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < dense / 2, f"peak {peak / 2**20:.0f} MiB"
    assert (model.probas_.argmax(axis=1) == truth).mean() > 0.9


def many_classes(n_tasks: int, n_workers: int, n_classes: int = 1000) -> Annotations:
    rng = np.random.default_rng(5)
    task = np.repeat(np.arange(n_tasks), 2)
    return Annotations(
        task=task,
        worker=rng.integers(0, n_workers, len(task)),
        label=rng.integers(0, n_classes, len(task)),
        tasks=tuple(map(str, range(n_tasks))),
        workers=tuple(map(str, range(n_workers))),
        classes=tuple(f"c{i}" for i in range(n_classes)),
    )


def test_confusion_models_refuse_workers_x_classes_squared_over_the_limit() -> None:
    a = many_classes(500, 300)  # 300 x 1000 x 1000 = 3e8 cells (2.2 GiB per confusion array) > 2**28
    assert a.n_workers * a.n_classes**2 > MAX_DENSE_CELLS
    for cls in (DawidSkene, OneCoinDawidSkene, MACE, EBCC):
        with pytest.raises(InvalidInputError, match="MAX_DENSE_CELLS"):
            cls().fit(a)
    assert GLAD(max_iter=2).dense_cells(a) == 0 and MajorityVote().fit(a).probas_.shape == (500, 1000)
    with pytest.raises(InvalidInputError, match="worker scorecards"):
        score_workers(a, consensus=np.zeros(a.n_tasks, dtype=np.intp))


def test_ebcc_refuses_tasks_x_classes_x_subtypes_over_the_limit() -> None:
    a = many_classes(27_000, 10)  # 27,000 x 1000 x 10 subtypes = 2.7e8 > 2**28; confusions are small
    assert EBCC().dense_cells(a) > MAX_DENSE_CELLS >= DawidSkene().dense_cells(a)
    with pytest.raises(InvalidInputError, match="subtypes"):
        EBCC().fit(a)


def test_auto_leaves_out_the_candidates_over_the_limit() -> None:
    a = many_classes(500, 300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = Auto().fit(a)
    assert "left out for needing over" in model.criterion_
    assert all(name in model.criterion_ for name in ("ds", "mace"))
    assert set(model.models_) <= {"glad", "mv"}
    every = Auto(candidates=list(auto.CANDIDATES)).fit(a)
    assert all(name in every.criterion_ for name in ("ds", "one-coin-ds", "mace", "ebcc"))


def test_a_repeated_label_on_one_task_is_not_a_second_observation() -> None:
    a = Annotations.from_columns(task=["1", "1", "2", "3"], worker=["x", "x", "y", "y"], label=["a"] * 4)
    assert auto.repeat_share(a) == pytest.approx(2 / 4)  # x labelled one task twice; y two tasks
