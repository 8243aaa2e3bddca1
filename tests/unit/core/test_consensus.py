"""aggregate() and its Consensus, including what auto reports about itself."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from labelpact.core.aggregators import Auto
from labelpact.core.annotations import Annotations, Gold
from labelpact.core.consensus import Consensus, aggregate
from labelpact.errors import InvalidInputError


def delivery(seed: int = 0, n_tasks: int = 60) -> tuple[Annotations, np.ndarray]:  # type: ignore[type-arg]
    """Five workers of known skill label 60 binary tasks; worker 4 answers at random."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, size=n_tasks)
    skill = np.array([0.95, 0.9, 0.85, 0.8, 0.5])
    task = np.repeat(np.arange(n_tasks), 5)
    worker = np.tile(np.arange(5), n_tasks)
    right = rng.random(len(task)) < skill[worker]
    label = np.where(right, truth[task], 1 - truth[task])
    a = Annotations(
        task=task,
        worker=worker,
        label=label,
        tasks=tuple(f"t{i}" for i in range(n_tasks)),
        workers=tuple(f"w{i}" for i in range(5)),
        classes=("no", "yes"),
    )
    return a, truth


def test_aggregate_returns_a_frozen_consensus() -> None:
    a, truth = delivery()
    c = aggregate(a, method="ds")
    assert isinstance(c, Consensus) and c.method == "ds" and c.n_iter >= 1
    assert len(c.labels) == a.n_tasks and c.labels[0] in ("no", "yes")
    assert np.allclose(c.confidence, c.probas.max(axis=1))
    assert np.mean(np.array(c.labels) == np.array(["no", "yes"])[truth]) > 0.9
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.method = "mv"  # type: ignore[misc]
    assert not c.probas.flags.writeable


def test_auto_without_gold_averages_the_models() -> None:
    a, truth = delivery()
    c = aggregate(a)
    assert c.method.startswith("auto: mean posterior of ds, one-coin-ds, glad, mace, ebcc")
    members = [aggregate(a, method=m).probas for m in ("ds", "one-coin-ds", "glad", "mace", "ebcc")]
    assert np.allclose(c.probas, np.mean(members, axis=0))
    assert np.mean(np.array(c.labels) == np.array(["no", "yes"])[truth]) > 0.9


def test_auto_with_gold_chooses_by_cross_validated_gold_accuracy() -> None:
    a, truth = delivery()
    gold = Gold(task=np.arange(20), label=truth[:20])
    model = Auto().fit(a, gold)
    assert set(model.scores_) == {"mv", "wawa", "ds", "one-coin-ds", "glad", "mace", "ebcc", "average"}
    best = max(model.scores_, key=lambda k: model.scores_[k])
    # a challenger replaces the average only when clearly better on the held-out gold
    assert model.chosen_ in (best, "average")
    assert model.scores_[model.chosen_] >= model.scores_["average"]
    assert "gold" in model.criterion_
    c = aggregate(a, gold=gold)
    assert c.scores == model.scores_ and "cross-validated accuracy on 20 gold tasks" in c.method
    assert c.accuracy(gold) == 1.0  # gold tasks are clamped


def test_aggregate_refuses_unknown_methods() -> None:
    a, _ = delivery()
    with pytest.raises(InvalidInputError, match="method"):
        aggregate(a, method="best")
