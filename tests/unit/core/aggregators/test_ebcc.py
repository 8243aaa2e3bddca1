"""EBCC regressions: degenerate priors are refused up front, and real data never yields NaN or numpy warnings."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labelpact.core.aggregators import EBCC
from labelpact.core.annotations import Annotations, Gold
from labelpact.errors import InvalidInputError

DATASETS = Path(__file__).resolve().parents[4] / ".." / "shared" / "datasets"


def toy() -> Annotations:
    return Annotations.from_columns(
        task=["t1", "t1", "t1", "t2", "t2", "t2", "t3", "t3"],
        worker=["a", "b", "c", "a", "b", "c", "a", "b"],
        label=["x", "x", "y", "y", "y", "y", "x", "y"],
    )


@pytest.mark.parametrize(
    "params",
    [
        {"a_v": 0.0, "b_v": 0.0},  # was: digamma(0) = -inf, then inf - inf: NaN posteriors, RuntimeWarning
        {"a_v": float("inf")},
        {"b_v": 0.0},
        {"a_pi": 0.0},
        {"alpha": -1.0},
        {"a_v": float("nan")},
    ],
)
def test_degenerate_dirichlet_concentrations_are_refused(params: dict[str, float]) -> None:
    name = next(iter(params))
    with pytest.raises(InvalidInputError, match=f"{name} to be a finite positive number"):
        EBCC(**params).fit(toy())  # type: ignore[arg-type]


def test_small_positive_concentrations_give_distributions() -> None:
    """Tiny priors push digamma to large negative values; the posteriors must stay finite distributions."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any numpy RuntimeWarning fails the test
        model = EBCC(a_v=1e-8, b_v=1e-8, a_pi=1e-8, alpha=1e-8, max_iter=1000).fit(toy())
    assert np.isfinite(model.probas_).all() and np.allclose(model.probas_.sum(axis=1), 1.0)
    assert np.isfinite(model.confusions_).all()


@pytest.mark.datasets
@pytest.mark.parametrize("name", ["zheng_dog", "act_weather_cf", "bluebirds", "snow_wsd"])
def test_real_datasets_with_and_without_gold_give_finite_posteriors(name: str) -> None:
    folder = DATASETS / name
    if not (folder / "labels.csv").exists():
        pytest.skip(f"shared dataset {name} not found at {folder}")
    df = pd.read_csv(folder / "labels.csv", dtype=str)
    a = Annotations.from_columns(task=df["item"], worker=df["worker"], label=df["label"])
    truth = pd.read_csv(folder / "gold.csv", dtype=str).iloc[::10]
    gold = Gold.from_names(a, task=list(truth["item"]), label=list(truth["label"]))
    for given in (None, gold):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            model = EBCC(random_state=0).fit(a, given)
        assert np.isfinite(model.probas_).all() and np.allclose(model.probas_.sum(axis=1), 1.0)
        assert np.mean(model.labels_[gold.task] == np.asarray(a.classes)[gold.label]) > 0.7
