"""On a simulated delivery with known truth, the worker models beat the vote and recover the workers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from labelpact.core.aggregators import create
from labelpact.errors import ConvergenceWarning

simulate = pytest.importorskip("labelpact.simulate")


@pytest.fixture(scope="module")
def delivery() -> object:
    return simulate.simulate_delivery(
        n_tasks=1500,
        n_workers=40,
        n_classes=3,
        labels_per_task=5,
        share_adversarial=0.1,
        share_random_spammers=0.15,
        seed=3,
    )


def accuracy(name: str, sim: object) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = create(name).fit(sim.annotations)  # type: ignore[attr-defined]
    return float(np.mean(model.probas_.argmax(axis=1) == sim.truth))  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["ds", "glad", "mace", "ebcc", "auto"])
def test_worker_models_beat_majority_vote(delivery: object, name: str) -> None:
    assert accuracy(name, delivery) > accuracy("mv", delivery) + 0.01


def test_dawid_skene_recovers_the_confusion_matrices(delivery: object) -> None:
    model = create("ds").fit(delivery.annotations)  # type: ignore[attr-defined]
    true = delivery.confusions  # type: ignore[attr-defined]
    error = np.abs(model.confusions_ - true).max(axis=(1, 2))
    assert np.median(error) < 0.1
