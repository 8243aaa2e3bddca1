"""Hypothesis properties: posteriors are distributions; results do not depend on how the data is ordered or named."""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from labelpact.core.aggregators import GLAD, MACE, DawidSkene, MajorityVote, OneCoinDawidSkene, Wawa, create
from labelpact.core.aggregators.base import Aggregator
from labelpact.core.annotations import Annotations
from labelpact.errors import ConvergenceWarning

SETTINGS = settings(max_examples=25, deadline=None)


@st.composite
def deliveries(draw: st.DrawFn) -> Annotations:
    n_tasks = draw(st.integers(1, 6))
    n_workers = draw(st.integers(1, 4))
    n_classes = draw(st.integers(2, 3))
    n = draw(st.integers(1, 20))
    ints = st.lists(st.integers(0, 10**6), min_size=n, max_size=n)
    task = np.array(draw(ints)) % n_tasks
    worker = np.array(draw(ints)) % n_workers
    label = np.array(draw(ints)) % n_classes
    return Annotations(
        task=task,
        worker=worker,
        label=label,
        tasks=tuple(f"t{i}" for i in range(n_tasks)),
        workers=tuple(f"w{i}" for i in range(n_workers)),
        classes=tuple(f"c{i}" for i in range(n_classes)),
    )


def fit(model: Aggregator, a: Annotations) -> Aggregator:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(a)


# Deterministic, symmetric starts: exactly invariant (fixed iteration counts keep float noise from
# changing when a tolerance is met).
def symmetric() -> list[Aggregator]:
    return [
        MajorityVote(),
        DawidSkene(max_iter=15, tol=0.0),
        OneCoinDawidSkene(max_iter=15, tol=0.0),
        GLAD(max_iter=5),
    ]


@SETTINGS
@given(deliveries())
def test_posteriors_are_distributions(a: Annotations) -> None:
    for name in ("mv", "wawa", "ds", "one-coin-ds", "glad", "mace", "ebcc"):
        params = {"n_restarts": 1} if name == "mace" else {}
        probas = fit(create(name, **params), a).probas_
        assert probas.shape == (a.n_tasks, a.n_classes)
        assert np.all(probas >= 0) and np.allclose(probas.sum(axis=1), 1.0), name


@SETTINGS
@given(deliveries(), st.integers(0, 2**31))
def test_annotation_order_does_not_matter(a: Annotations, seed: int) -> None:
    order = np.random.default_rng(seed).permutation(a.n_annotations)
    shuffled = a.select(order)
    for model in [*symmetric(), Wawa(), MACE(n_restarts=1, tol=0.0, max_iter=10)]:
        assert np.allclose(
            fit(model, a).probas_, fit(type(model)(**model.get_params()), shuffled).probas_, atol=1e-6
        )


@SETTINGS
@given(deliveries(), st.integers(0, 2**31))
def test_task_and_worker_order_does_not_matter(a: Annotations, seed: int) -> None:
    rng = np.random.default_rng(seed)
    task_perm, worker_perm = rng.permutation(a.n_tasks), rng.permutation(a.n_workers)
    # new code of old task i is task_perm[i]
    renamed = Annotations(
        task=task_perm[a.task],
        worker=worker_perm[a.worker],
        label=a.label,
        tasks=tuple(np.array(a.tasks)[np.argsort(task_perm)]),
        workers=tuple(np.array(a.workers)[np.argsort(worker_perm)]),
        classes=a.classes,
    )
    for model in symmetric():
        before = fit(model, a).probas_
        after = fit(type(model)(**model.get_params()), renamed).probas_
        assert np.allclose(before, after[task_perm], atol=1e-6), type(model).__name__


@SETTINGS
@given(deliveries(), st.integers(0, 2**31))
def test_renaming_classes_only_permutes_columns(a: Annotations, seed: int) -> None:
    perm = np.random.default_rng(seed).permutation(a.n_classes)  # old class k becomes perm[k]
    renamed = Annotations(
        task=a.task,
        worker=a.worker,
        label=perm[a.label],
        tasks=a.tasks,
        workers=a.workers,
        classes=tuple(f"new{i}" for i in range(a.n_classes)),
    )
    for model in symmetric():
        before = fit(model, a).probas_
        after = fit(type(model)(**model.get_params()), renamed).probas_
        assert np.allclose(before, after[:, perm], atol=1e-6), type(model).__name__
