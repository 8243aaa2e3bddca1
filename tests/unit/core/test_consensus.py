"""aggregate() and its Consensus, including what auto reports about itself."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from labelpact.core.aggregators import Auto, create
from labelpact.core.aggregators.auto import DEFAULT_CANDIDATES, _replayed_accuracy, _select
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
    assert c.calibrated_probas is not None and c.calibration is not None
    # the stored confidence is the calibrated probability of the (raw) consensus label
    assert np.array_equal(c.calibrated_probas.argmax(axis=1), c.probas.argmax(axis=1))
    assert np.allclose(c.confidence, c.calibrated_probas.max(axis=1))
    assert np.all(c.confidence <= c.probas.max(axis=1) + 1e-12)  # the design effect only deflates
    assert np.mean(np.array(c.labels) == np.array(["no", "yes"])[truth]) > 0.9
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.method = "mv"  # type: ignore[misc]
    assert not c.probas.flags.writeable


def test_auto_without_gold_averages_the_models() -> None:
    a, truth = delivery()
    c = aggregate(a)
    assert c.method.startswith("auto: mean posterior of ds, glad, mace (")
    members = [aggregate(a, method=m).probas for m in ("ds", "glad", "mace")]
    assert np.allclose(c.probas, np.mean(members, axis=0))
    assert np.mean(np.array(c.labels) == np.array(["no", "yes"])[truth]) > 0.9


def test_auto_with_gold_chooses_by_accuracy_of_fits_without_gold() -> None:
    a, truth = delivery()
    gold = Gold(task=np.arange(20), label=truth[:20])
    model = Auto().fit(a, gold)
    assert set(model.scores_) == {"mv", "wawa", "ds", "glad", "mace", "average"}
    # each score is the accuracy on the gold of the method fitted without any gold (independent refit)
    for name in ("mv", "wawa", "ds", "glad", "mace"):
        blind = create(name, **({"random_state": 0} if name == "mace" else {})).fit(a)
        assert model.scores_[name] == np.mean(blind.probas_[:20].argmax(axis=1) == truth[:20]), name
    best = max(model.scores_, key=lambda k: model.scores_[k])
    # a challenger replaces the average only when clearly better on the held-out gold
    assert model.chosen_ in (best, "average")
    assert model.scores_[model.chosen_] >= model.scores_["average"]
    assert "gold" in model.criterion_
    c = aggregate(a, gold=gold)
    assert c.scores == model.scores_ and "on 20 gold tasks, scored with fits without them" in c.method
    assert c.accuracy(gold) == 1.0  # in sample: gold tasks are clamped
    assert c.held_out is not None and c.held_out.n_gold == 20
    assert c.held_out.value == model.held_out_accuracy_
    assert "cross-fitted over 20 gold tasks in 5 folds" in c.held_out.procedure


def test_held_out_accuracy_of_a_method_is_its_no_gold_fit_scored_on_gold() -> None:
    """The reported accuracy is honest: not the anchored fit's 100% on its own honeypots."""
    a, truth = delivery(seed=0)
    gold = Gold(task=np.arange(30, 60), label=truth[30:])
    c = aggregate(a, method="mv", gold=gold)
    votes = a.label_counts()[30:]
    by_hand = np.mean(votes.argmax(axis=1) == truth[30:])  # ties to the first class, as MajorityVote
    assert c.accuracy(gold) == 1.0
    assert c.held_out is not None and c.held_out.value == by_hand < 1.0
    assert c.held_out.procedure.startswith("mv cross-fitted over 30 gold tasks in 5 folds")
    assert aggregate(a, method="mv", gold=gold, held_out=False).held_out is None
    assert aggregate(a, method="mv").held_out is None


def test_auto_with_a_few_gold_tasks_scores_its_average_fitted_without_them() -> None:
    a, truth = delivery(seed=4)
    gold = Gold(task=np.arange(3), label=truth[:3])  # fewer than n_folds: no selection ran
    c = aggregate(a, gold=gold)
    assert c.held_out is not None and "cross-fitted over 3 gold tasks in 3 folds" in c.held_out.procedure
    # each gold task is scored by the average refitted with the other two gold tasks as anchors
    hits = []
    for held in range(3):
        anchors = Gold(task=np.delete(np.arange(3), held), label=np.delete(truth[:3], held))
        members = [create(m, **({"random_state": 0} if m == "mace" else {})) for m in DEFAULT_CANDIDATES]
        mean = np.mean([m.fit(a, anchors).probas_[held] for m in members], axis=0)
        hits.append(mean.argmax() == truth[held])
    assert c.held_out.value == np.mean(hits)


def test_replayed_selection_is_scored_only_on_folds_it_did_not_see() -> None:
    """Hand-checked: the average wins on folds 1-2 unless the challenger's edge shows on the others."""
    # gold tasks 0..11, 3 folds of 4; "ds" is right everywhere, "average" wrong on the first 6 tasks
    fold = np.repeat([0, 1, 2], 4)
    right = {"ds": np.ones(12, dtype=bool), "average": np.arange(12) >= 6}
    # fold 0 held out: seen tasks 4..11 -> ds wins 2, loses 0: 2 > 2*sqrt(2)? no -> average: right on 0 of 4
    # fold 1 held out: seen 0..3, 8..11 -> ds wins 4: 4 > 2*sqrt(4)=4? no -> average: right on 2 of 4 (6, 7)
    # fold 2 held out: seen 0..7 -> ds wins 6: 6 > 2*sqrt(6)=4.9 -> ds: right on 4 of 4
    assert _replayed_accuracy(right, ["ds", "average"], "average", fold) == (0 + 2 + 4) / 12
    assert _select(right, ["ds", "average"], "average") == "ds"
    assert _select(right, ["ds", "average"], "ds") == "ds"


def test_aggregate_refuses_unknown_methods() -> None:
    a, _ = delivery()
    with pytest.raises(InvalidInputError, match="method"):
        aggregate(a, method="best")


def test_an_alias_runs_and_is_reported_as_the_method_it_names() -> None:
    a, _ = delivery(seed=3)
    by_alias, by_name = aggregate(a, method="bcc"), aggregate(a, method="ebcc")
    assert by_alias.method == by_name.method == "ebcc"
    np.testing.assert_array_equal(by_alias.probas, by_name.probas)
