"""Majority vote per comparison unit (task, pair of items), orientation-free, with ties kept as ties."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labelpact.core.annotations import FloatArray, IntArray
from labelpact.core.preferences.comparisons import Comparisons

__all__ = ["PairMajority", "pair_majority"]


@dataclass(frozen=True, slots=True)
class PairMajority:
    """Per unit (shape (n_units,)): the items, vote counts and the majority ``winner`` (an item code, -1 for a tie).

    ``counts`` has shape (n_units, 3): votes for the low item, ties, votes for the high item;
    ``support`` is the majority's share of the votes. A unit whose top two counts are equal is a tie.
    """

    task: IntArray
    low: IntArray
    high: IntArray
    counts: IntArray
    winner: IntArray
    support: FloatArray


def pair_majority(c: Comparisons) -> PairMajority:
    """The majority outcome of each (task, low item, high item) unit of ``c``."""
    u = c.units()
    counts = np.zeros((u.n_units, 3), dtype=np.intp)
    np.add.at(counts, (u.unit, u.outcome), 1)
    top = counts.max(axis=1)
    n_top = (counts == top[:, None]).sum(axis=1)
    best = counts.argmax(axis=1)
    winner = np.where(n_top > 1, -1, np.select([best == 0, best == 2], [u.low, u.high], -1))
    return PairMajority(
        task=u.task,
        low=u.low,
        high=u.high,
        counts=counts,
        winner=winner.astype(np.intp),
        support=top / counts.sum(axis=1),
    )
