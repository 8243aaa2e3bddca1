"""Labels over many classes (hundreds to thousands), for the benchmarks and tests of the kernels that must
not grow with the classes squared. ``simulate_delivery`` draws each worker's K x K confusion matrix, which
at K = 1,000 is a gigabyte per few hundred workers; here a worker is right with its own accuracy and
otherwise picks a class uniformly, so nothing of size K x K is ever built."""

from __future__ import annotations

import numpy as np

from labelpact.core.annotations import Annotations, IntArray

__all__ = ["simulate_many_classes"]


def simulate_many_classes(
    n_classes: int,
    *,
    n_tasks: int = 20_000,
    labels_per_task: int = 5,
    n_workers: int = 200,
    accuracy: float | tuple[float, float] = 0.6,
    seed: int = 0,
) -> tuple[Annotations, IntArray]:
    """``labels_per_task`` neighbouring workers (distinct when ``n_workers >= labels_per_task``) label each
    task; a worker is right with its accuracy (``accuracy``, or drawn uniformly from that range per worker),
    else gives a class drawn uniformly. Returns the annotations (tasks ``t0``.., workers ``w0``.., classes
    ``c0``..) and each task's true class."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_classes, n_tasks)
    task = np.repeat(np.arange(n_tasks), labels_per_task)
    first = np.repeat(rng.integers(0, n_workers, n_tasks), labels_per_task)
    worker = (first + np.tile(np.arange(labels_per_task), n_tasks)) % n_workers
    skill = (
        rng.uniform(accuracy[0], accuracy[1], n_workers)
        if isinstance(accuracy, tuple)
        else np.full(n_workers, float(accuracy))
    )
    right = rng.random(len(task)) < skill[worker]
    label = np.where(right, truth[task], rng.integers(0, n_classes, len(task)))
    annotations = Annotations(
        task=task,
        worker=worker,
        label=label,
        tasks=tuple(f"t{i}" for i in range(n_tasks)),
        workers=tuple(f"w{i}" for i in range(n_workers)),
        classes=tuple(f"c{c}" for c in range(n_classes)),
    )
    return annotations, truth.astype(np.intp)
