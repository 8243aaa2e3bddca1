"""A preferences batch's position bias: decisive left picks beyond what the items' strengths predict, or
why it cannot be measured (pairs never shown both ways round; a file that does not say the sides)."""

from __future__ import annotations

import numpy as np

from labelpact.contracts.refinement_verdict import Measure
from labelpact.core.preferences import TIE, side_confounded
from labelpact.io.preferences import PreferenceDelivery

__all__ = ["CONFOUNDED", "SIDES_UNKNOWN", "batch_position_bias", "position_bias"]

CONFOUNDED = Measure(None, why="no pair of items was shown both ways round, so a preference for one side "
                     "cannot be told from the items' strengths")  # fmt: skip
SIDES_UNKNOWN = Measure(None, why="the file gives each pair as chosen and rejected, not the side each item "
                        "was shown on")  # fmt: skip


def batch_position_bias(
    theta: np.ndarray, left: np.ndarray, right: np.ndarray, choice: np.ndarray
) -> Measure:
    """Decisive left picks minus the share the strengths predict, with a normal 95% interval."""
    decisive = choice != TIE
    n = int(decisive.sum())
    if n == 0:
        return Measure(None)
    p = 1.0 / (1.0 + np.exp(-(theta[left] - theta[right])[decisive]))
    bias = float((choice[decisive] == 0).sum() - p.sum()) / n
    se = float(np.sqrt(np.sum(p * (1.0 - p)))) / n
    return Measure(bias, (bias - 1.96 * se, bias + 1.96 * se))


def position_bias(p: PreferenceDelivery, strengths: np.ndarray) -> Measure:
    """The batch's position bias given the Bradley-Terry ``strengths`` (n_items,), or why it is unmeasurable."""
    c = p.comparisons
    if not p.sides_known:
        return SIDES_UNKNOWN
    return CONFOUNDED if side_confounded(c) else batch_position_bias(strengths, c.left, c.right, c.choice)
