"""How often a ranking puts the known winner of a gold pair above its loser."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from labelpact.core.preferences.comparisons import LEFT, RIGHT, Comparisons
from labelpact.errors import InvalidInputError

__all__ = ["GoldRanking", "gold_ranking"]


@dataclass(frozen=True, slots=True)
class GoldRanking:
    """``accuracy``: share of the ``n_gold`` gold pairs with a known winner (both items scored) whose winner
    the scores rank above the loser, an equal score counting half (NaN when ``n_gold`` is 0);
    ``n_ties`` gold pairs known to be ties and ``n_unscored`` with an item the scores do not hold are left out:
    neither can be ranked right or wrong."""

    accuracy: float
    n_gold: int
    n_ties: int
    n_unscored: int


def gold_ranking(items: tuple[str, ...], scores: npt.ArrayLike, gold: Comparisons) -> GoldRanking:
    """Check the ``scores`` (n_items,) of ``items`` (higher is better) against ``gold``'s known answers, by
    item name."""
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != (len(items),):
        raise InvalidInputError(f"{len(items)} scores, one per item", got=f"shape {s.shape}")
    code = {name: i for i, name in enumerate(items)}
    gold_code = np.array([code.get(name, -1) for name in gold.items], dtype=np.intp)
    left, right = gold_code[gold.left], gold_code[gold.right]
    scored = (left >= 0) & (right >= 0)
    won = scored & ((gold.choice == LEFT) | (gold.choice == RIGHT))
    winner = np.where(gold.choice == LEFT, left, right)[won]
    loser = np.where(gold.choice == LEFT, right, left)[won]
    credit = np.where(s[winner] > s[loser], 1.0, np.where(s[winner] == s[loser], 0.5, 0.0))
    n = int(won.sum())
    return GoldRanking(
        accuracy=float(credit.mean()) if n else float("nan"),
        n_gold=n,
        n_ties=int((scored & ~won).sum()),
        n_unscored=int((~scored).sum()),
    )
