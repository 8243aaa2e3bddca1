"""The consensus's accuracy on gold it did not see, with its exact interval (``core.consensus_error``)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

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
