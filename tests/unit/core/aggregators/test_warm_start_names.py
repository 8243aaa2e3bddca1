"""A warm refit matches the last fit's parameters to the new data by name (worker, class, task), not by code."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from labelpact.core.aggregators import EBCC, GLAD, MACE, DawidSkene, MinimaxEntropy, OneCoinDawidSkene
from labelpact.core.aggregators.base import Aggregator, warm_rows, warm_task_rows
from labelpact.core.annotations import Annotations
from labelpact.errors import ConvergenceWarning

simulate = pytest.importorskip("labelpact.simulate")


@pytest.fixture(scope="module")
def pair() -> tuple[Annotations, Annotations]:
    """One delivery with spammers and adversaries, and the same labels with the rows reversed: the same
    names, other codes (started from another worker's matrix, DS moved 218 of 300 labels)."""
    a = simulate.simulate_delivery(
        n_tasks=300,
        n_workers=20,
        n_classes=3,
        labels_per_task=3,
        share_random_spammers=0.2,
        share_fixed_spammers=0.2,
        share_adversarial=0.1,
        share_mediocre=0.4,
        duplicate_rate=0,
        gold_share=0,
        seed=0,
    ).annotations
    rows = np.arange(a.n_annotations)[::-1]
    b = Annotations.from_columns(
        task=np.asarray(a.tasks)[a.task[rows]],
        worker=np.asarray(a.workers)[a.worker[rows]],
        label=np.asarray(a.classes)[a.label[rows]],
    )
    assert sorted(b.workers) == sorted(a.workers) and b.workers != a.workers
    return a, b


def quiet_fit(model: Aggregator, a: Annotations) -> Aggregator:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(a)


@pytest.mark.parametrize("cls", [DawidSkene, OneCoinDawidSkene, MACE, EBCC, GLAD, MinimaxEntropy])
def test_warm_refit_on_reordered_rows_gives_the_same_labels_as_a_warm_refit_in_order(
    pair: tuple[Annotations, Annotations], cls: type[Aggregator]
) -> None:
    a, b = pair
    kwargs = {"penalty_scales": (1.0,)} if cls is MinimaxEntropy else {}
    in_order = quiet_fit(quiet_fit(cls(warm_start=True, **kwargs), a), a)  # type: ignore[call-arg]
    reordered = quiet_fit(quiet_fit(cls(warm_start=True, **kwargs), a), b)  # type: ignore[call-arg]
    by_name = dict(zip(a.tasks, in_order.labels_.tolist(), strict=True))
    assert reordered.labels_.tolist() == [by_name[t] for t in b.tasks]


def test_warm_rows_follow_worker_names_and_give_new_workers_the_crowd_mean() -> None:
    a = Annotations.from_columns(
        task=["t0", "t0", "t1", "t1", "t2", "t2"],
        worker=["w0", "w1", "w0", "w1", "w0", "w1"],
        label=["a", "a", "b", "a", "b", "b"],
    )
    model = DawidSkene(warm_start=True).fit(a)
    # the refit's workers: w1 first, then a newcomer, then w0 (the codes of a file in another order)
    rows = warm_rows(model, "confusions_", (3, 2, 2), workers=("w1", "w9", "w0"), classes=a.classes)
    assert rows is not None
    assert np.array_equal(rows[0], model.confusions_[1]) and np.array_equal(rows[2], model.confusions_[0])
    assert np.allclose(rows[1], model.confusions_.mean(axis=0))
    # no worker in common, or other classes: start cold
    assert warm_rows(model, "confusions_", (2, 2, 2), workers=("x", "y"), classes=a.classes) is None
    assert warm_rows(model, "confusions_", (2, 2, 2), workers=a.workers, classes=("a", "c")) is None


def test_glad_warm_betas_follow_task_names_and_new_tasks_start_cold() -> None:
    a = Annotations.from_columns(
        task=["t0", "t0", "t1", "t1", "t2", "t2"],
        worker=["w0", "w1", "w0", "w1", "w0", "w1"],
        label=["a", "a", "b", "a", "b", "b"],
    )
    model = GLAD(warm_start=True).fit(a)
    betas = warm_task_rows(model, "betas_", ("t2", "t9", "t0"), cold=1.0)
    assert betas is not None
    assert betas.tolist() == [model.betas_[2], 1.0, model.betas_[0]]
    assert warm_task_rows(model, "betas_", ("u0", "u1", "u2"), cold=1.0) is None  # same count, other tasks
