"""Seeded simulation of vendor deliveries from a Dawid–Skene generative model.

Workers have confusion matrices of mixed quality (reliable, mediocre, spammers that answer at
random or always the same class, adversarial workers that swap classes), activity that follows a
heavy tail (a few workers do most of the work), time on task, and repeat labels, as real vendor
data has. Used by the demo, the tests and the benchmarks (Dawid & Skene 1979, Applied Statistics 28).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.errors import InvalidInputError

__all__ = ["Simulation", "WorkerKind", "simulate_delivery"]

WorkerKind: TypeAlias = Literal["reliable", "mediocre", "random_spammer", "fixed_spammer", "adversarial"]
_CHUNK = 1_000_000  # annotations drawn per block, to bound memory at 10M annotations


@dataclass(frozen=True, slots=True)
class Simulation:
    """A simulated delivery and the truth behind it (which a real audit never sees)."""

    annotations: Annotations
    truth: IntArray  # shape (n_tasks,), true class code per task
    gold: Gold  # the honeypot tasks and their true classes
    confusions: FloatArray  # shape (n_workers, n_classes, n_classes), [worker, true, observed]
    worker_kinds: tuple[WorkerKind, ...]  # one per worker, in annotations.workers order

    @property
    def worker_accuracy(self) -> FloatArray:
        """Each worker's expected accuracy under the class priors of the truth, shape (n_workers,)."""
        priors = np.bincount(self.truth, minlength=self.annotations.n_classes) / max(len(self.truth), 1)
        diag = np.diagonal(self.confusions, axis1=1, axis2=2)
        return np.asarray(diag @ priors, dtype=np.float64)


def simulate_delivery(
    *,
    n_tasks: int = 2_000,
    n_workers: int = 300,
    n_classes: int = 4,
    labels_per_task: int = 3,
    class_names: Sequence[str] | None = None,
    class_priors: Sequence[float] | None = None,
    share_random_spammers: float = 0.02,
    share_fixed_spammers: float = 0.01,
    share_adversarial: float = 0.005,
    share_mediocre: float = 0.3,
    duplicate_rate: float = 0.01,
    gold_share: float = 0.05,
    median_duration_s: float = 25.0,
    start: datetime | None = None,
    seed: int | None = 0,
) -> Simulation:
    """Draw one delivery: ``labels_per_task`` distinct workers per task, each answering from its confusion matrix.

    Shares are fractions of the workforce; ``duplicate_rate`` is the fraction of annotations that a
    worker submits a second time (possibly with another label); ``gold_share`` of tasks become honeypots.
    """
    _check(
        n_tasks >= 1 and n_workers >= labels_per_task >= 1 and n_classes >= 2,
        "sizes with n_workers >= labels_per_task >= 1, n_tasks >= 1, n_classes >= 2",
    )
    shares = (share_random_spammers, share_fixed_spammers, share_adversarial, share_mediocre)
    _check(
        all(0 <= s <= 1 for s in shares) and sum(shares) <= 1, "worker shares in [0, 1] summing to at most 1"
    )
    _check(0 <= duplicate_rate <= 1 and 0 <= gold_share <= 1, "duplicate_rate and gold_share in [0, 1]")
    rng = np.random.default_rng(seed)
    names = tuple(class_names) if class_names is not None else tuple(f"class_{k}" for k in range(n_classes))
    _check(len(names) == n_classes and len(set(names)) == n_classes, f"{n_classes} distinct class names")
    priors = _priors(class_priors, n_classes, rng)

    kinds = _worker_kinds(n_workers, shares, rng)
    confusions = _confusions(kinds, n_classes, rng)
    truth = rng.choice(n_classes, size=n_tasks, p=priors).astype(np.intp)

    activity = rng.pareto(1.5, size=n_workers) + 1.0  # heavy tail: a few workers do most tasks
    task_of, worker_of = _assign(n_tasks, labels_per_task, activity / activity.sum(), rng)
    label_of = _draw_labels(confusions, worker_of, truth[task_of], rng)

    n_dup = round(duplicate_rate * len(task_of))
    if n_dup:
        rows = rng.choice(len(task_of), size=n_dup, replace=False)
        task_of = np.concatenate([task_of, task_of[rows]])
        worker_of = np.concatenate([worker_of, worker_of[rows]])
        label_of = np.concatenate(
            [label_of, _draw_labels(confusions, worker_of[rows], truth[task_of[rows]], rng)]
        )

    durations, started, submitted = _times(kinds, worker_of, median_duration_s, start, rng)

    annotations = Annotations(
        task=task_of,
        worker=worker_of,
        label=label_of,
        tasks=tuple(f"task-{i:06d}" for i in range(n_tasks)),
        workers=tuple(f"w{i:04d}" for i in range(n_workers)),
        classes=names,
        duration_s=durations,
        started_at=started,
        submitted_at=submitted,
    )
    gold_tasks = np.sort(rng.choice(n_tasks, size=round(gold_share * n_tasks), replace=False))
    return Simulation(
        annotations=annotations,
        truth=truth,
        gold=Gold(task=gold_tasks, label=truth[gold_tasks]),
        confusions=confusions,
        worker_kinds=tuple(kinds.tolist()),
    )


def _times(
    kinds: npt.NDArray[np.str_],
    worker_of: IntArray,
    median_duration_s: float,
    start: datetime | None,
    rng: np.random.Generator,
) -> tuple[FloatArray, npt.NDArray[np.datetime64], npt.NDArray[np.datetime64]]:
    """Seconds on task, start and submit times per annotation (n_annotations,): spammers are fast, each
    worker has its own lognormal speed, and the work spreads over five days from ``start``."""
    speed = np.where(
        np.isin(kinds, ("random_spammer", "fixed_spammer")), 0.12, rng.lognormal(0.0, 0.35, len(kinds))
    )
    raw = median_duration_s * speed[worker_of] * rng.lognormal(0.0, 0.5, len(worker_of))
    durations: FloatArray = np.round(np.maximum(raw, 0.4), 3).astype(np.float64)
    t0 = np.datetime64((start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)).replace(tzinfo=None), "ms")
    offsets_ms = np.sort(rng.uniform(0, 5 * 86_400_000, len(worker_of))).astype(np.int64)
    started = t0 + offsets_ms.astype("timedelta64[ms]")
    submitted = started + (durations * 1000).astype(np.int64).astype("timedelta64[ms]")
    return durations, started, submitted


def _check(ok: bool, expected: str) -> None:
    if not ok:
        raise InvalidInputError(f"simulation parameters: {expected}")


def _priors(class_priors: Sequence[float] | None, n_classes: int, rng: np.random.Generator) -> FloatArray:
    if class_priors is None:
        return np.asarray(rng.dirichlet(np.full(n_classes, 4.0)), dtype=np.float64)
    priors = np.asarray(class_priors, dtype=np.float64)
    _check(
        priors.shape == (n_classes,) and bool((priors >= 0).all()) and priors.sum() > 0,
        f"{n_classes} class priors >= 0",
    )
    return np.asarray(priors / priors.sum(), dtype=np.float64)


def _worker_kinds(
    n_workers: int, shares: tuple[float, float, float, float], rng: np.random.Generator
) -> npt.NDArray[np.str_]:
    counts = [round(s * n_workers) for s in shares]
    kinds = np.array(
        ["random_spammer"] * counts[0]
        + ["fixed_spammer"] * counts[1]
        + ["adversarial"] * counts[2]
        + ["mediocre"] * counts[3],
        dtype="<U14",
    )[:n_workers]
    kinds = np.concatenate([kinds, np.full(n_workers - len(kinds), "reliable", dtype="<U14")])
    return np.asarray(rng.permutation(kinds))


def _confusions(kinds: npt.NDArray[np.str_], n_classes: int, rng: np.random.Generator) -> FloatArray:
    """Row-stochastic confusion matrix per worker, shape (n_workers, n_classes, n_classes)."""
    n_workers = len(kinds)
    accuracy = np.where(kinds == "reliable", rng.beta(18, 2, n_workers), rng.beta(6, 4, n_workers))
    off = rng.dirichlet(np.full(n_classes - 1, 2.0), size=(n_workers, n_classes))  # how errors spread
    conf = np.empty((n_workers, n_classes, n_classes))
    idx = np.arange(n_classes)
    for true in range(n_classes):  # a loop over classes, never over workers
        others = np.delete(idx, true)
        conf[:, true, true] = accuracy
        conf[:, true, others] = (1.0 - accuracy)[:, None] * off[:, true, :]
    conf[kinds == "random_spammer"] = 1.0 / n_classes
    fixed = np.flatnonzero(kinds == "fixed_spammer")
    conf[fixed] = 0.0
    conf[fixed[:, None], idx[None, :], rng.integers(0, n_classes, len(fixed))[:, None]] = 1.0
    adversarial = np.flatnonzero(kinds == "adversarial")
    conf[adversarial] = 0.1 / n_classes  # mostly answers the next class, as if the guideline were misread
    conf[adversarial[:, None], idx[None, :], ((idx + 1) % n_classes)[None, :]] = 0.9
    conf /= conf.sum(axis=2, keepdims=True)
    return conf


def _assign(n_tasks: int, k: int, p: FloatArray, rng: np.random.Generator) -> tuple[IntArray, IntArray]:
    """``k`` distinct workers per task drawn by activity; collisions redrawn in vectorised rounds."""
    workers = rng.choice(len(p), size=(n_tasks, k), p=p)
    for _ in range(100):
        ordered = np.sort(workers, axis=1)
        clash_rows = np.flatnonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1))
        if not len(clash_rows):
            break
        workers[clash_rows] = rng.choice(len(p), size=(len(clash_rows), k), p=p)
    else:  # heavy tails with few workers: fall back to a uniform draw without replacement
        workers[clash_rows] = np.argsort(rng.random((len(clash_rows), len(p))), axis=1)[:, :k]
    task = np.repeat(np.arange(n_tasks, dtype=np.intp), k)
    return task, workers.reshape(-1).astype(np.intp)


def _draw_labels(conf: FloatArray, worker: IntArray, true: IntArray, rng: np.random.Generator) -> IntArray:
    """One observed class per annotation from ``conf[worker, true]``, in blocks to bound memory."""
    out = np.empty(len(worker), dtype=np.intp)
    cumulative = np.cumsum(conf, axis=2)
    for lo in range(0, len(worker), _CHUNK):
        hi = min(lo + _CHUNK, len(worker))
        cum = cumulative[worker[lo:hi], true[lo:hi]]
        u = rng.random(hi - lo)[:, None]
        out[lo:hi] = np.minimum((u > cum).sum(axis=1), conf.shape[2] - 1)
    return out
