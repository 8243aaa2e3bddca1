"""The same labels in another row order give the same consensus, task by task, for the deterministic methods.

labelpact codes tasks and workers by first appearance, so a shuffled file codes them differently; the
deterministic fits must not care. MACE and EBCC draw random starts per code, and ``auto`` averages MACE: they
are known to move with the order (on this delivery by up to 0.005; ``docs/accuracy.md``, "Row order in
labelpact") and are not asserted here until their starts are keyed by name.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from labelpact.core.aggregators import create
from labelpact.core.annotations import Annotations
from labelpact.errors import ConvergenceWarning

simulate = pytest.importorskip("labelpact.simulate")

DETERMINISTIC = ["mv", "wawa", "ds", "one-coin-ds", "glad"]


@pytest.fixture(scope="module")
def orders() -> tuple[Annotations, Annotations]:
    """A simulated delivery as written, and the same rows reversed and then shuffled."""
    sim = simulate.simulate_delivery(
        n_tasks=400, n_workers=25, n_classes=3, labels_per_task=4, share_random_spammers=0.2, seed=11
    )
    a = sim.annotations
    order = np.random.default_rng(5).permutation(a.n_annotations)[::-1]
    names = (np.asarray(a.tasks, dtype=object), np.asarray(a.workers, dtype=object))
    shuffled = Annotations.from_columns(
        task=names[0][a.task[order]].tolist(),
        worker=names[1][a.worker[order]].tolist(),
        label=[a.classes[i] for i in a.label[order]],
        classes=list(a.classes),
    )
    assert shuffled.tasks != a.tasks  # the codes really differ
    return a, shuffled


def by_task(a: Annotations, name: str) -> dict[str, np.ndarray]:  # type: ignore[type-arg]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = create(name).fit(a)
    return dict(zip(a.tasks, model.probas_, strict=True))


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_posteriors_do_not_depend_on_the_row_order(
    orders: tuple[Annotations, Annotations], name: str
) -> None:
    first, second = (by_task(a, name) for a in orders)
    assert first.keys() == second.keys()
    largest = max(float(np.abs(first[t] - second[t]).max()) for t in first)
    assert largest < 1e-9, f"{name}: posteriors moved by {largest:.2e} with the row order"
