"""The same labels in another row order give the same consensus, task by task, for every method.

labelpact codes tasks and workers by first appearance, so a shuffled file codes them differently. The
deterministic fits must not care; MACE's and EBCC's random starts, the held-out folds and samples of ``auto``
and mmce, and the gold folds are keyed by name (``core.keyed``), so they must not care either.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from labelpact.core.aggregators import METHODS, create
from labelpact.core.annotations import Annotations, Gold
from labelpact.core.consensus import aggregate
from labelpact.errors import ConvergenceWarning

simulate = pytest.importorskip("labelpact.simulate")


def reordered(a: Annotations, seed: int) -> Annotations:
    """The rows of ``a`` reversed and shuffled, coded afresh from their names."""
    order = np.random.default_rng(seed).permutation(a.n_annotations)[::-1]
    names = (np.asarray(a.tasks, dtype=object), np.asarray(a.workers, dtype=object))
    return Annotations.from_columns(
        task=names[0][a.task[order]].tolist(),
        worker=names[1][a.worker[order]].tolist(),
        label=[a.classes[i] for i in a.label[order]],
        classes=list(a.classes),
    )


@pytest.fixture(scope="module")
def orders() -> tuple[Annotations, Annotations]:
    """A simulated delivery as written, and the same rows reversed and then shuffled."""
    sim = simulate.simulate_delivery(
        n_tasks=400, n_workers=25, n_classes=3, labels_per_task=4, share_random_spammers=0.2, seed=11
    )
    shuffled = reordered(sim.annotations, 5)
    assert shuffled.tasks != sim.annotations.tasks  # the codes really differ
    assert shuffled.workers != sim.annotations.workers
    return sim.annotations, shuffled


def by_task(a: Annotations, name: str, gold: Gold | None = None) -> dict[str, np.ndarray]:  # type: ignore[type-arg]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = create(name).fit(a, gold)
    return dict(zip(a.tasks, model.probas_, strict=True))


def largest_move(first: dict[str, np.ndarray], second: dict[str, np.ndarray]) -> float:  # type: ignore[type-arg]
    assert first.keys() == second.keys()
    return max(float(np.abs(first[t] - second[t]).max()) for t in first)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_posteriors_do_not_depend_on_the_row_order(
    orders: tuple[Annotations, Annotations], name: str
) -> None:
    first, second = (by_task(a, name) for a in orders)
    largest = largest_move(first, second)
    assert largest < 1e-9, f"{name}: posteriors moved by {largest:.2e} with the row order"


def gold_of(a: Annotations, names: list[str], truth: dict[str, str]) -> Gold:
    return Gold.from_names(a, task=names, label=[truth[t] for t in names])


def test_auto_with_gold_ignores_the_row_order_and_the_gold_file_order(
    orders: tuple[Annotations, Annotations],
) -> None:
    """Gold folds and calibration follow task names: the delivery and the gold file in other orders, same
    consensus, same calibrated confidence, same held-out accuracy."""
    a, shuffled = orders
    majority = create("mv").fit(a).labels_
    truth = dict(zip(a.tasks, majority.tolist(), strict=True))  # any fixed labels serve as gold here
    chosen = sorted(a.tasks)[::7]
    gold_a = gold_of(a, chosen, truth)
    gold_b = gold_of(shuffled, list(np.random.default_rng(3).permutation(chosen)), truth)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        one, two = aggregate(a, "auto", gold_a), aggregate(shuffled, "auto", gold_b)
    where = {t: i for i, t in enumerate(shuffled.tasks)}
    rows = np.array([where[t] for t in a.tasks])
    assert one.labels == tuple(two.labels[i] for i in rows)
    assert np.abs(one.probas - two.probas[rows]).max() < 1e-9
    assert np.abs(one.confidence - two.confidence[rows]).max() < 1e-9
    assert one.held_out is not None and two.held_out is not None
    assert one.held_out.value == two.held_out.value


def test_auto_on_a_sample_ignores_the_row_order(
    orders: tuple[Annotations, Annotations], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large delivery's held-out-label test runs on a seeded sample of tasks: drawn by task name, the same
    tasks whatever the row order (here a delivery counts as large above 600 labels)."""
    from labelpact.core.aggregators import auto
    from labelpact.core.aggregators.shared_accuracy_test import task_sample

    monkeypatch.setattr(auto, "SAMPLE", 600)
    a, shuffled = orders
    samples = [set(task_sample(x, 600, 0).tasks) for x in orders]
    assert samples[0] == samples[1] and 0 < len(samples[0]) < a.n_tasks
    largest = largest_move(by_task(a, "auto"), by_task(shuffled, "auto"))
    assert largest < 1e-9, f"auto on a sample: posteriors moved by {largest:.2e} with the row order"


def in_class_order(a: Annotations, classes: list[str]) -> Annotations:
    """The same rows with the classes coded in the order ``classes`` (as a contract's ``labels.classes`` does)."""
    return Annotations.from_columns(
        task=[a.tasks[i] for i in a.task],
        worker=[a.workers[i] for i in a.worker],
        label=[a.classes[i] for i in a.label],
        classes=classes,
    )


@pytest.mark.parametrize("name", sorted(METHODS))
def test_posteriors_do_not_depend_on_the_order_the_classes_are_coded_in(
    orders: tuple[Annotations, Annotations], name: str
) -> None:
    """MACE's and EBCC's starts and the held-out folds are keyed by class name, not code: the same delivery
    with its classes listed in another order gets the same posterior for each (task, class)."""
    a = orders[0]
    other = in_class_order(a, list(reversed(a.classes)))
    assert other.classes != a.classes
    first, second = by_task(a, name), by_task(other, name)
    where = [other.classes.index(c) for c in a.classes]
    largest = max(float(np.abs(first[t] - second[t][where]).max()) for t in first)
    assert largest < 1e-9, f"{name}: posteriors moved by {largest:.2e} with the class order"
