"""The consensus's accuracy on gold it did not see, with its exact interval (``core.consensus_error``)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from labelpact.core.annotations import Annotations, Gold
from labelpact.core.consensus import aggregate
from labelpact.core.consensus_error import gold_accuracy
from labelpact.core.error_rate import GoldCheck


def check(n: int, wrong: int) -> GoldCheck:
    gold = np.zeros(n, dtype=np.intp)
    label = gold.copy()
    label[:wrong] = 1
    return GoldCheck(
        task=np.arange(n),
        gold=gold,
        label=label,
        p_wrong=np.full(n, 0.1),
        p_wrong_all=np.full(n, 0.1),
        n_folds=5,
    )


def test_a_cross_fitted_check_gives_its_share_right_and_the_clopper_pearson_interval() -> None:
    found = gold_accuracy(check(10, 2), held_out=0.5, n_gold=12)  # the check wins over held_out
    exact = stats.binomtest(8, 10).proportion_ci(confidence_level=0.95, method="exact")
    assert found.value == pytest.approx(0.8) and found.n_gold == 12
    assert found.ci == pytest.approx((exact.low, exact.high))


def test_without_a_check_the_methods_held_out_accuracy_counts_on_its_gold() -> None:
    found = gold_accuracy(None, held_out=0.9, n_gold=30)
    exact = stats.binomtest(27, 30).proportion_ci(confidence_level=0.95, method="exact")
    assert found.value == 0.9 and found.ci == pytest.approx((exact.low, exact.high))
    assert gold_accuracy(None, held_out=None, n_gold=0) == gold_accuracy(check(0, 0), None, 0)
    assert gold_accuracy(None, held_out=None, n_gold=0).ci is None


def test_gold_on_a_task_nobody_labelled_is_set_aside_by_aggregate() -> None:
    # 30 labelled tasks with gold on 10, plus 20 tasks in the vocabulary with no label and gold "a": they
    # had counted as right checks (the flat posterior's class) in the held-out accuracy
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 30)
    task = np.repeat(np.arange(30), 3)
    label = np.where(rng.random(90) < 0.7, truth[task], 1 - truth[task])
    a = Annotations(
        task=task,
        worker=np.tile(np.arange(3), 30),
        label=label,
        tasks=tuple(f"t{i:02d}" for i in range(50)),
        workers=("w0", "w1", "w2"),
        classes=("a", "b"),
    )
    real = Gold(task=np.arange(10), label=truth[:10])
    padded = Gold(task=np.arange(30 + 20)[np.r_[0:10, 30:50]], label=np.r_[truth[:10], np.zeros(20, int)])
    assert len(padded.labelled(a)) == 10 and padded.labelled(a).task.tolist() == list(range(10))
    with_real, with_padded = aggregate(a, "mv", real), aggregate(a, "mv", padded)
    assert with_real.held_out is not None and with_padded.held_out is not None
    assert with_padded.held_out.value == with_real.held_out.value
    assert with_padded.held_out.n_gold == 10
