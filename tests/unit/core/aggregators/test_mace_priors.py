"""MACE with small or invalid priors: finite posteriors (as crowd-kit gives), or a refusal naming the parameter."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from labelpact.core.aggregators import MACE, DawidSkene
from labelpact.core.annotations import Annotations
from labelpact.errors import InvalidInputError

simulate = pytest.importorskip("labelpact.simulate")
pd = pytest.importorskip("pandas")
crowdkit = pytest.importorskip("crowdkit.aggregation")


@pytest.fixture(scope="module")
def delivery() -> Annotations:
    return simulate.simulate_delivery(
        n_tasks=100, n_workers=10, n_classes=3, labels_per_task=3, duplicate_rate=0, gold_share=0, seed=0
    ).annotations


def test_a_small_competence_prior_gives_finite_posteriors_as_crowdkit_does(delivery: Annotations) -> None:
    # alpha=0.001: exp(digamma) underflowed to 0 and 48 of 100 rows were NaN (labelled as the first class)
    a = delivery
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = MACE(alpha=0.001).fit(a).probas_
        frame = pd.DataFrame(
            {
                "task": np.asarray(a.tasks)[a.task],
                "worker": np.asarray(a.workers)[a.worker],
                "label": np.asarray(a.classes)[a.label],
            }
        )
        theirs = crowdkit.MACE(alpha=0.001, random_state=0).fit_predict_proba(frame)
    theirs = theirs.loc[list(a.tasks), list(a.classes)].to_numpy()
    assert np.isfinite(ours).all() and np.allclose(ours.sum(axis=1), 1.0)
    assert np.isfinite(theirs).all()
    assert np.mean(ours.argmax(axis=1) == theirs.argmax(axis=1)) >= 0.95


@pytest.mark.parametrize(
    "params",
    [
        {"alpha": 0.0},
        {"beta": 0.0},
        {"alpha": np.inf},
        {"beta": np.inf},
        {"default_noise": np.inf},
        {"default_noise": 1e9},
        {"default_noise": np.nan},
    ],
)
def test_mace_refuses_zero_infinite_or_huge_priors(delivery: Annotations, params: dict[str, float]) -> None:
    name = next(iter(params))
    with pytest.raises(InvalidInputError, match=name):
        MACE(**params).fit(delivery)  # type: ignore[arg-type]


@pytest.mark.parametrize("params", [{"smoothing": np.inf}, {"pooling": np.inf}, {"tol": np.inf}])
def test_dawid_skene_refuses_infinite_pseudo_counts(delivery: Annotations, params: dict[str, float]) -> None:
    # smoothing=inf made every posterior NaN (all labels the first class)
    with pytest.raises(InvalidInputError, match=next(iter(params))):
        DawidSkene(**params).fit(delivery)  # type: ignore[arg-type]
