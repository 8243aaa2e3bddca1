"""The estimator contract and the awkward inputs real deliveries contain."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from labelpact.core.aggregators import METHODS, Aggregator, DawidSkene, MajorityVote, create
from labelpact.core.annotations import Annotations, Gold
from labelpact.errors import ConvergenceWarning, InvalidInputError

FAST = {"random_state": 0}


def build(name: str) -> Aggregator:
    model = create(name)
    if name == "mace":
        model = create(name, n_restarts=2)
    return model


def awkward() -> Annotations:
    """Duplicates, a single-label task, a single-label worker, an unchosen class, an unlabelled task."""
    a = Annotations.from_columns(
        task=["t1", "t1", "t1", "t1", "t2", "t2", "t2", "t3", "t4", "t4", "t4"],
        worker=["a", "b", "b", "c", "a", "b", "c", "a", "a", "b", "d"],
        label=["10", "2", "2", "10", "2", "2", "10", "10", "2", "2", "2"],
        classes=["2", "10", "99"],
    )
    return Annotations(
        task=a.task,
        worker=a.worker,
        label=a.label,
        tasks=(*a.tasks, "t5"),
        workers=a.workers,
        classes=a.classes,
    )


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_method_handles_awkward_input(name: str) -> None:
    a = awkward()
    before = (a.task.copy(), a.worker.copy(), a.label.copy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = build(name).fit(a)
    assert model is not None and model.probas_.shape == (5, 3)
    assert np.allclose(model.probas_.sum(axis=1), 1.0)
    assert (model.probas_ >= 0).all()
    assert len(model.labels_) == 5 and set(model.labels_.tolist()) <= {"2", "10", "99"}
    assert model.labels_[1] == "2"  # t2: two of three say "2"
    assert np.isclose(model.probas_[4].sum(), 1.0)  # the unlabelled task gets the prior
    assert model.classes_ == ("2", "10", "99")
    for column, original in zip((a.task, a.worker, a.label), before, strict=True):
        assert np.array_equal(column, original)


@pytest.mark.parametrize("name", sorted(METHODS))
@pytest.mark.parametrize("tasks", [(), ("t1", "t2")])
def test_empty_deliveries(name: str, tasks: tuple[str, ...]) -> None:
    a = Annotations(task=[], worker=[], label=[], tasks=tasks, workers=(), classes=("a", "b"))
    model = create(name).fit(a)
    assert model.probas_.shape == (len(tasks), 2)
    assert np.allclose(model.probas_.sum(axis=1), 1.0)
    assert len(model.labels_) == len(tasks)


def test_unlabelled_task_gets_the_prior() -> None:
    model = DawidSkene().fit(awkward())
    assert np.allclose(model.probas_[4], model.priors_)
    assert np.allclose(MajorityVote().fit(awkward()).probas_[4], [7 / 11, 4 / 11, 0.0])


def test_params_are_stored_verbatim_and_validated_in_fit() -> None:
    model = DawidSkene(max_iter=-3)  # no error yet: validation happens in fit
    assert model.get_params() == {
        "max_iter": -3,
        "tol": 1e-5,
        "smoothing": 0.0,
        "pooling": 0.0,
        "warm_start": False,
    }
    with pytest.raises(InvalidInputError, match="max_iter"):
        model.fit(awkward())
    with pytest.raises(TypeError):
        DawidSkene(50)  # type: ignore[misc]  # keyword-only


def test_fit_returns_self_and_fitted_attributes_end_in_underscore() -> None:
    model = DawidSkene()
    assert model.fit(awkward()) is model
    assert {"labels_", "probas_", "confusions_", "priors_", "n_iter_", "log_likelihood_"} <= set(vars(model))


def test_convergence_warning_at_max_iter() -> None:
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        DawidSkene(max_iter=1, tol=0.0).fit(awkward())


def test_registry() -> None:
    assert {"mv", "wawa", "ds", "one-coin-ds", "glad", "mace", "ebcc", "bcc", "auto"} <= set(METHODS)
    assert create("ds", max_iter=7).get_params()["max_iter"] == 7
    with pytest.raises(InvalidInputError, match="method"):
        create("majority")
    with pytest.raises(InvalidInputError, match="parameters"):
        create("mv", max_iter=3)


def test_bad_gold_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="gold"):
        MajorityVote().fit(awkward(), Gold(task=[9], label=[0]))


def test_seeds_make_random_methods_repeatable() -> None:
    a = awkward()
    for name in ("mace", "ebcc"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            first = create(name, random_state=3).fit(a).probas_
            second = create(name, random_state=3).fit(a).probas_
        assert np.array_equal(first, second)
