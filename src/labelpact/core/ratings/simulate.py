"""Simulated rubric ratings with known truth: task quality, severe, lenient, central and straight-lining raters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from labelpact.core.annotations import FloatArray
from labelpact.core.ratings.ratings import Ratings
from labelpact.errors import InvalidInputError

__all__ = ["SimulatedRatings", "simulate_ratings"]

KINDS = ("careful", "severe", "lenient", "central", "straight")


@dataclass(frozen=True, slots=True)
class SimulatedRatings:
    """Ratings with their truth: ``quality`` (n_tasks, n_criteria) on each scale, worker ``kinds``."""

    ratings: Ratings
    quality: FloatArray
    kinds: tuple[str, ...]


SIMULATED_START = 1_735_689_600.0  # 2025-01-01T00:00:00Z


def simulate_ratings(
    *,
    n_tasks: int = 500,
    n_workers: int = 20,
    raters_per_task: int = 3,
    scales: Mapping[str, tuple[int, int]] | None = None,
    shares: Mapping[str, float] | None = None,
    noise: float = 0.6,
    offset: float = 1.0,
    random_state: int | np.random.Generator | None = 0,
) -> SimulatedRatings:
    """Each task is scored by ``raters_per_task`` distinct random workers on every criterion.

    A careful rater reports quality plus Gaussian ``noise`` (scale points), rounded and clipped to the
    scale; severe and lenient raters add -/+ ``offset``; central raters shrink towards the scale's middle
    by half; straight-liners give one score, drawn once per task, on every criterion.
    """
    scales = dict(scales) if scales is not None else {"helpfulness": (1, 7), "harmlessness": (1, 5)}
    shares = (
        dict(shares)
        if shares is not None
        else {"severe": 0.1, "lenient": 0.1, "central": 0.1, "straight": 0.1}
    )
    if raters_per_task > n_workers or n_tasks < 1 or any(k not in KINDS for k in shares):
        raise InvalidInputError(f"raters_per_task <= n_workers, n_tasks >= 1, kinds in {list(KINDS)}")
    rng = np.random.default_rng(random_state)
    counts = {k: round(v * n_workers) for k, v in shares.items()}
    kinds_list = [k for k, c in counts.items() for _ in range(c)]
    kinds = tuple(kinds_list + ["careful"] * (n_workers - len(kinds_list)))
    kind = np.array(kinds)
    lo = np.array([a for a, _ in scales.values()], dtype=np.float64)
    hi = np.array([b for _, b in scales.values()], dtype=np.float64)
    k = len(scales)
    quality = lo + (hi - lo) * rng.beta(2.0, 2.0, (n_tasks, k))
    workers = np.argsort(rng.random((n_tasks, n_workers)), axis=1)[:, :raters_per_task]
    t = np.repeat(np.arange(n_tasks), raters_per_task * k)
    w = np.repeat(workers.reshape(-1), k)
    c = np.tile(np.arange(k), n_tasks * raters_per_task)
    score = quality[t, c] + rng.normal(0.0, noise, len(t))
    score += np.select([kind[w] == "severe", kind[w] == "lenient"], [-offset, offset], 0.0)
    middle = (lo[c] + hi[c]) / 2.0
    score = np.where(kind[w] == "central", middle + (score - middle) / 2.0, score)
    flat = rng.uniform(0.0, 1.0, len(t) // k).repeat(k)
    score = np.where(kind[w] == "straight", np.round(1.0 + flat * (hi.min() - 1.0)), score)
    score = np.clip(np.round(score), lo[c], hi[c])
    ratings = Ratings(
        task=t,
        worker=w,
        criterion=c,
        score=score,
        tasks=tuple(f"t{i}" for i in range(n_tasks)),
        workers=tuple(f"w{i}" for i in range(n_workers)),
        criteria=tuple(scales),
        scales=tuple((float(a), float(b)) for a, b in scales.values()),
        # submitted 20 s apart from 2025-01-01 UTC (seconds since the epoch): written as a plausible time
        order=SIMULATED_START + 20.0 * np.arange(len(t), dtype=np.float64),
    )
    return SimulatedRatings(ratings=ratings, quality=quality, kinds=kinds)
