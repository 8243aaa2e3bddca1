"""How wrong a batch's consensus is: its gold scored out of fold, its accuracy there, and its error rate.

The delivered consensus is anchored by the gold, so it is trivially right on it; these measures score
the gold with fits that did not see it (``core.error_rate``: cross-fitting, prediction-powered inference).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.core.consensus import Consensus, aggregate
from labelpact.core.error_rate import (
    Checks,
    ErrorRate,
    GoldCheck,
    clopper_pearson,
    cross_fitted_gold,
    estimate_error_rate,
    model_error_rate,
)
from labelpact.errors import quiet_convergence

__all__ = ["CROSS_FIT_MAX_ANNOTATIONS", "GoldAccuracy", "error_rate_of", "gold_accuracy", "gold_check"]

# Gold is scored by cross-fitting (one refit per fold) up to this many annotations; above, the refits
# cost more than the audit may spend, and the method's own held-out gold accuracy is used instead.
CROSS_FIT_MAX_ANNOTATIONS = 100_000


@dataclass(frozen=True, slots=True)
class GoldAccuracy:
    """Accuracy of the consensus on gold tasks it did not see (None without gold) and its exact 95% interval."""

    value: float | None
    ci: tuple[float, float] | None
    n_gold: int


def gold_check(
    a: Annotations, gold: Gold | None, *, method: str, random_state: int | None = 0
) -> GoldCheck | None:
    """The gold tasks scored by cross-fitted consensus fits of ``method`` (``core.error_rate``); None
    without gold or above ``CROSS_FIT_MAX_ANNOTATIONS`` annotations."""
    if gold is None or not len(gold) or a.n_annotations > CROSS_FIT_MAX_ANNOTATIONS or a.n_classes < 2:
        return None

    def fit(part: Annotations, anchors: Gold) -> FloatArray:
        with quiet_convergence():  # the delivered fit has warned about its convergence already
            fitted = aggregate(part, method=method, gold=anchors, random_state=random_state, held_out=False)
        return fitted.calibrated_probas if fitted.calibrated_probas is not None else fitted.probas

    return cross_fitted_gold(a, gold, fit, random_state=random_state)


def gold_accuracy(check: GoldCheck | None, held_out: float | None, n_gold: int) -> GoldAccuracy:
    """The consensus's accuracy on gold: from the cross-fitted ``check`` when there is one, else the method's
    own ``held_out`` accuracy on its ``n_gold`` gold tasks; Clopper-Pearson interval either way."""
    if check is not None and len(check.task):
        n_checked = len(check.task)
        wrong = int(check.wrong.sum())
        return GoldAccuracy(1.0 - wrong / n_checked, clopper_pearson(n_checked - wrong, n_checked), n_gold)
    if held_out is not None and n_gold:
        return GoldAccuracy(held_out, clopper_pearson(round(held_out * n_gold), n_gold), n_gold)
    return GoldAccuracy(held_out, None, n_gold)


def error_rate_of(
    a: Annotations,
    c: Consensus,
    codes: IntArray,
    gold: Gold | None,
    *,
    check: GoldCheck | None,
    held_out_accuracy: float | None = None,
) -> ErrorRate:
    """Estimated share of wrong consensus labels among the labelled tasks without gold (``core.error_rate``).

    Gold scored out of fold (``check``) and the model combine by prediction-powered inference; without
    a cross-fit, the consensus's own held-out gold accuracy (``Consensus.held_out``: cross-fitted on
    smaller deliveries) counts as checked tasks, exact Clopper-Pearson; without gold the estimate rests
    on the (calibrated) model alone and is unverified. ``codes`` (n_tasks,) are the consensus classes.
    """
    target = codes >= 0
    if gold is not None:
        target[gold.task] = False
    rows = np.flatnonzero(target)
    chosen = codes[rows]
    calibrated = c.calibrated_probas if c.calibrated_probas is not None else c.probas
    p_model = 1.0 - calibrated[rows, chosen]
    p_raw = 1.0 - c.probas[rows, chosen] if c.calibrated_probas is not None else None
    model, model_ci = model_error_rate(p_model, p_wrong_raw=p_raw)
    if check is not None and len(check.task):
        p_fold = check.p_wrong_all[rows]
        estimate = estimate_error_rate(
            p_fold[np.isfinite(p_fold)], checks=check.checks, what="gold tasks scored by cross-fitted fits"
        )
        return dataclasses.replace(estimate, n_tasks=len(rows), model=model, model_ci=model_ci)
    if gold is not None and len(gold) and held_out_accuracy is not None:
        n = len(gold)
        checks = Checks.of_counts(n, round((1.0 - held_out_accuracy) * n))
        return estimate_error_rate(
            p_model, checks=checks, p_wrong_raw=p_raw, what="gold tasks, method refitted without them"
        )
    return estimate_error_rate(p_model, p_wrong_raw=p_raw)
