"""Simulated pairwise preferences with known truth: item strengths, careful workers, spammers, left-pickers.

Choices follow the noisy Davidson–Bradley–Terry model of ``noisy_bradley_terry.py``, so every method
here can be checked for recovering the strengths it was given and the workers it was told were bad.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labelpact.core.annotations import FloatArray
from labelpact.core.preferences.bradley_terry import davidson_probabilities
from labelpact.core.preferences.comparisons import Comparisons
from labelpact.errors import InvalidInputError

__all__ = ["SimulatedPreferences", "simulate_preferences"]


@dataclass(frozen=True, slots=True)
class SimulatedPreferences:
    """Comparisons with their truth: ``strengths`` (n_items,), worker ``kinds`` (careful, spammer, left)."""

    comparisons: Comparisons
    strengths: FloatArray
    kinds: tuple[str, ...]


def simulate_preferences(
    *,
    n_comparisons: int = 10_000,
    n_items: int = 200,
    n_workers: int = 50,
    tie_parameter: float = 0.3,
    spammer_share: float = 0.1,
    left_share: float = 0.1,
    left_bias: float = 2.0,
    random_state: int | np.random.Generator | None = 0,
) -> SimulatedPreferences:
    """Draw ``n_comparisons`` random pairs of ``n_items`` items, each judged by one random worker.

    Careful workers have skill in [0.5, 2], spammers skill 0 (coin flips with ties), left-pickers
    skill 1 and bias ``left_bias`` (log-odds of picking the left of two equal items). Task ids name
    the unordered pair, so repeated judgements of a pair share a task.
    """
    if n_items < 2 or n_workers < 1 or n_comparisons < 1:
        raise InvalidInputError("n_items >= 2, n_workers >= 1, n_comparisons >= 1")
    if not (spammer_share >= 0 and left_share >= 0 and spammer_share + left_share <= 1):
        raise InvalidInputError("spammer_share and left_share >= 0 summing to at most 1")
    rng = np.random.default_rng(random_state)
    strengths = rng.normal(size=n_items)
    n_spam = round(spammer_share * n_workers)
    n_left = round(left_share * n_workers)
    kinds = ("spammer",) * n_spam + ("left",) * n_left + ("careful",) * (n_workers - n_spam - n_left)
    kind = np.array(kinds)
    skill = np.where(kind == "careful", rng.uniform(0.5, 2.0, n_workers), np.where(kind == "left", 1.0, 0.0))
    bias = np.where(kind == "left", left_bias, 0.0)
    left = rng.integers(0, n_items, n_comparisons)
    right = (left + rng.integers(1, n_items, n_comparisons)) % n_items
    worker = rng.integers(0, n_workers, n_comparisons)
    probs = davidson_probabilities(
        skill[worker] * (strengths[left] - strengths[right]) + bias[worker], tie_parameter
    )
    choice = (rng.random(n_comparisons)[:, None] > probs.cumsum(axis=1)).sum(axis=1).clip(0, 2)
    low, high = np.minimum(left, right), np.maximum(left, right)
    pair, task = np.unique(low.astype(np.int64) * n_items + high, return_inverse=True)
    comparisons = Comparisons(
        task=task.reshape(-1),
        worker=worker,
        left=left,
        right=right,
        choice=choice,
        tasks=tuple(f"i{p // n_items}-i{p % n_items}" for p in pair.tolist()),
        workers=tuple(f"w{k}" for k in range(n_workers)),
        items=tuple(f"i{k}" for k in range(n_items)),
        duration_s=rng.gamma(4.0, 5.0, n_comparisons),
    )
    return SimulatedPreferences(comparisons=comparisons, strengths=strengths, kinds=kinds)
