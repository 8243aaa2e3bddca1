from __future__ import annotations

import numpy as np
import pytest

from labelpact.errors import InvalidInputError
from labelpact.simulate import simulate_delivery


def test_same_seed_same_delivery() -> None:
    one, two = simulate_delivery(seed=3), simulate_delivery(seed=3)
    assert np.array_equal(one.annotations.label, two.annotations.label)
    assert np.array_equal(one.truth, two.truth)
    assert not np.array_equal(one.annotations.label, simulate_delivery(seed=4).annotations.label)


def test_shape_of_a_delivery() -> None:
    sim = simulate_delivery(
        n_tasks=1_000, n_workers=120, labels_per_task=3, duplicate_rate=0.02, gold_share=0.1, seed=1
    )
    a = sim.annotations
    assert a.n_annotations == 3_000 + 60
    assert int(a.duplicate_mask().sum()) == 60
    deduped = a.deduplicated("first")
    assert deduped.labels_per_task().tolist() == [3] * 1_000  # distinct workers per task
    assert len(sim.gold) == 100
    assert np.array_equal(sim.gold.label, sim.truth[sim.gold.task])
    assert a.duration_s is not None and (a.duration_s > 0).all()
    assert a.submitted_at is not None and a.started_at is not None and (a.submitted_at >= a.started_at).all()
    np.testing.assert_allclose(sim.confusions.sum(axis=2), 1.0)


def test_worker_kinds_behave_as_named() -> None:
    sim = simulate_delivery(
        n_tasks=4_000, n_workers=200, share_fixed_spammers=0.05, share_adversarial=0.05, seed=2
    )
    a, kinds = sim.annotations, np.array(sim.worker_kinds)
    correct = a.label == sim.truth[a.task]
    accuracy = np.bincount(a.worker, correct, minlength=a.n_workers) / np.maximum(a.labels_per_worker(), 1)
    busy = a.labels_per_worker() >= 30
    assert accuracy[busy & (kinds == "reliable")].mean() > 0.85
    assert accuracy[busy & (kinds == "adversarial")].max() < 0.2
    fixed = np.flatnonzero(busy & (kinds == "fixed_spammer"))
    for w in fixed:  # one answer, whatever the task
        assert len(np.unique(a.label[a.worker == w])) == 1
    mv = a.label_counts().argmax(axis=1)
    assert (mv == sim.truth).mean() > 0.75  # a crowd with 10% bad workers still mostly right


def test_bad_parameters_are_input_errors() -> None:
    with pytest.raises(InvalidInputError):
        simulate_delivery(n_workers=2, labels_per_task=3)
    with pytest.raises(InvalidInputError):
        simulate_delivery(share_mediocre=0.9, share_random_spammers=0.2)
