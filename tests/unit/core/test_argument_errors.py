"""Wrong argument types give InvalidInputError naming the parameter, not a raw Python or numpy error."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from labelpact.core.aggregators import EBCC, MACE, Auto, MinimaxEntropy
from labelpact.core.agreement import agreement
from labelpact.core.annotations import Annotations
from labelpact.core.consensus import aggregate
from labelpact.core.workers import score_workers
from labelpact.errors import InvalidInputError

A = Annotations.from_columns(task=["1", "1", "2"], worker=["a", "b", "a"], label=["cat", "cat", "dog"])


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: MACE(random_state=float("nan")).fit(A), "random_state"),  # ValueError
        (lambda: EBCC(random_state=float("inf")).fit(A), "random_state"),  # OverflowError
        (lambda: MACE(random_state="5").fit(A), "random_state"),  # accepted
        (lambda: MACE(random_state=2.5).fit(A), "random_state"),  # truncated to 2
        (lambda: MinimaxEntropy(random_state=-1).fit(A), "random_state"),
        (lambda: Auto(random_state="x").fit(A), "random_state"),
        (lambda: MinimaxEntropy(penalty_scales=0.25).fit(A), "penalty_scales"),  # TypeError
        (lambda: Auto(candidates=2).fit(A), "candidates"),  # TypeError
        (lambda: Auto(candidates="mv").fit(A), "candidates"),
        (lambda: agreement(object()), "Annotations"),  # AttributeError
        (lambda: agreement(A, n_bootstrap=2.5), "bootstrap"),  # TypeError
        (lambda: agreement(A, n_bootstrap="10"), "bootstrap"),  # TypeError
        (lambda: score_workers(object(), consensus=np.array([0, 1])), "Annotations"),  # AttributeError
        (lambda: score_workers(A, consensus=np.array([0, 1]), gold={"1": "cat"}), "Gold"),
    ],
)
def test_bad_arguments_raise_invalid_input(call: Callable[[], object], name: str) -> None:
    with pytest.raises(InvalidInputError, match=name):
        call()


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: aggregate({"task": ["1"], "worker": ["a"], "label": ["cat"]}), "a"),  # type: ignore[arg-type]
        (lambda: aggregate(A, method=["ds"]), "method"),  # type: ignore[arg-type]
        (lambda: aggregate(A, gold={"1": "cat"}), "gold"),  # type: ignore[arg-type]
    ],
)
def test_aggregate_names_the_argument_it_cannot_take(call: Callable[[], object], name: str) -> None:
    """Before: a mapping for the annotations failed on a missing attribute, a list for the method raised
    'unhashable type', and gold by names failed inside the fit."""
    with pytest.raises(InvalidInputError, match=f"'{name}'"):
        call()
