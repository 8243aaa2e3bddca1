"""Reliability of pairwise preferences: Krippendorff's alpha on the choices and bootstrap ranking stability.

Alpha treats each (task, pair) unit as a unit and the orientation-free outcome (low item won, tie,
high item won) as the value, so it reuses ``core.agreement`` (Krippendorff 2011). Ranking stability
refits Bradley–Terry on task-level Poisson bootstrap draws (Hanley and MacGibbon 2006) and reports the
Kendall tau between each replicate's strengths and the full fit, and each item's rank interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from scipy.stats import kendalltau

from labelpact.core.agreement import Agreement, Estimate, Level, agreement_of_patterns, count_patterns
from labelpact.core.annotations import Annotations, FloatArray
from labelpact.core.intervals import check_confidence, percentile_interval
from labelpact.core.preferences.bradley_terry import Ties, check_common, fit_davidson, pair_counts
from labelpact.core.preferences.comparisons import Comparisons
from labelpact.core.worker_pairs import cohen_kappas
from labelpact.errors import InvalidInputError

__all__ = ["RankingStability", "choice_agreement", "ranking_stability", "unmeasurable_choices"]

OUTCOMES = ("low", "tie", "high")
THETA_DIGITS = 12  # decimals of a replicate's log-strengths that order items (Newton stops at 1e-6)


def choice_agreement(
    c: Comparisons,
    *,
    level: Level = "nominal",
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    random_state: int | np.random.Generator | None = 0,
) -> Agreement:
    """Agreement on the choices of ``c``; ``ordinal`` puts the tie between the two wins.

    Which item of a pair is "low" is arbitrary, so each unit counts half in each orientation (``mirror``
    of ``agreement_of_patterns``): alpha does not move with the row order, the item codes or a left/right
    mirror. A worker's exact repeat of a judgement (same unit, same outcome) is counted once, never paired
    with itself as agreement.
    """
    if level not in get_args(Level):
        raise InvalidInputError(f"a level in {list(get_args(Level))}", got=repr(level))
    if n_bootstrap < 0:
        raise InvalidInputError("a number of bootstrap replicates >= 0", got=repr(n_bootstrap))
    confidence = check_confidence(confidence)
    u = c.units()
    key = (u.unit.astype(np.int64) * max(c.n_workers, 1) + c.worker) * len(OUTCOMES) + u.outcome
    first = np.sort(np.unique(key, return_index=True)[1])
    a = Annotations(
        task=u.unit[first],
        worker=c.worker[first],
        label=u.outcome[first],
        tasks=tuple(str(i) for i in range(u.n_units)),
        workers=c.workers,
        classes=OUTCOMES,
    )
    patterns, sizes = count_patterns(a.label_counts()[a.labels_per_task() > 0])
    return agreement_of_patterns(
        patterns, sizes, OUTCOMES, level=level, n_bootstrap=n_bootstrap, confidence=confidence,
        rng=np.random.default_rng(random_state), pair_bootstrap=None,
        cohen=lambda replicates, draws: cohen_kappas(a, 10, replicates, confidence, draws),
        unidentifiable=unmeasurable_choices(a), mirror=(2, 1, 0),
    )  # fmt: skip


def unmeasurable_choices(a: Annotations) -> str | None:
    """Why the choices coded in ``a`` (units as tasks, ``OUTCOMES`` as classes) cannot measure agreement."""
    if a.n_annotations == 0:
        return "no comparison to measure it on"
    per_unit = a.labels_per_task()
    pairs = int((per_unit >= 2).sum())
    if pairs == 0:
        return f"each of the {int((per_unit > 0).sum())} pairs was judged once: no two judgements of one pair"
    if np.all(a.label == 1):
        return "every choice is a tie, so agreement cannot be told from chance"
    counts = a.label_counts()[per_unit >= 2]
    if np.all(counts.max(1) == counts.sum(1)):
        return (
            f"all {pairs} pairs judged twice or more were judged unanimously: with no disagreement, agreement "
            "cannot be told from chance"
        )
    return None


@dataclass(frozen=True, slots=True)
class RankingStability:
    """Kendall tau of bootstrap strengths with the full fit, and per-item rank intervals (n_items, 2).

    ``rank`` is each item's rank in the full fit (0 = strongest); ``taus`` (n_bootstrap,) the replicates.
    ``kendall_tau`` is the mean and percentile interval of the finite replicates: one whose strengths are all
    equal (it drew none of the comparisons) has no tau (NaN), and a mean over it would hide the estimate.
    """

    kendall_tau: Estimate
    taus: FloatArray
    rank: FloatArray
    rank_interval: FloatArray
    n_bootstrap: int


def ranking_stability(
    c: Comparisons,
    *,
    ties: Ties = "davidson",
    alpha: float | Literal["auto"] = "auto",
    n_bootstrap: int = 100,
    confidence: float = 0.95,
    random_state: int | np.random.Generator | None = 0,
) -> RankingStability:
    """Bootstrap over tasks (Poisson weights) the Bradley–Terry ranking of the items of ``c``."""
    prior = check_common(ties, alpha, 100, 1e-6)
    confidence = check_confidence(confidence)
    if n_bootstrap < 1:
        raise InvalidInputError("n_bootstrap >= 1", got=repr(n_bootstrap))
    rng = np.random.default_rng(random_state)
    fit = fit_davidson(pair_counts(c), ties=ties, alpha=prior, max_iter=100, tol=1e-7)
    full = fit.theta
    rank = np.empty(c.n_items)
    rank[np.argsort(-full, kind="stable")] = np.arange(c.n_items)
    taus = np.empty(n_bootstrap)
    ranks = np.empty((n_bootstrap, c.n_items))
    for b in range(n_bootstrap):  # a loop over replicates; each refit is vectorised over comparisons
        weights = rng.poisson(1.0, c.n_tasks).astype(np.float64)[c.task]
        theta = fit_davidson(  # the prior stays at the full fit's, so replicates differ only by data
            pair_counts(c, weights), ties=ties, alpha=fit.alpha, max_iter=100, tol=1e-6, theta0=full
        ).theta
        # strengths equal but for rounding (a replicate without an item's comparisons: 1.9e-34 against
        # -1.9e-34 after a Newton step to the prior's zero) are tied: rounding orders nothing
        theta = np.round(theta, THETA_DIGITS)
        taus[b] = kendalltau(theta, full).statistic
        ranks[b, np.argsort(-theta, kind="stable")] = np.arange(c.n_items)
    tail = (1.0 - confidence) / 2.0
    interval = np.quantile(ranks, [tail, 1.0 - tail], axis=0).T
    finite = taus[np.isfinite(taus)]  # the point and the interval rest on the same replicates
    interval_tau = percentile_interval(finite, confidence=confidence)
    return RankingStability(
        kendall_tau=Estimate(float(finite.mean()) if len(finite) else float("nan"), interval_tau),
        taus=taus,
        rank=rank,
        rank_interval=np.asarray(interval, dtype=np.float64),
        n_bootstrap=n_bootstrap,
    )
