"""Split a project's next labels (or budget) between partners: most expected correct labels per dollar.

Each partner's accuracy is a Beta posterior from its gold counts (mean, or a lower quantile for a
risk-averse client); its value per label is that accuracy times ``(1 - risk) ** risk_penalty``,
where ``risk`` is the probability the partnership breaks down within the horizon. Constraints: a
capacity per partner and the contract's ``allocation.max_share`` (no partner above that share of
the work). With a label count N each label goes to the partner with the most value per dollar that
still has room: the linear program ``max sum (value/price) x`` over ``sum x = N`` and the bounds,
which a greedy fill solves exactly (see ``_fill``). With a budget it is the linear program "most
value within the budget": without share caps the fractional knapsack, filled in the same order, so
the two modes agree; with share caps (tied to the total bought) an exact integer program over whole
labels (HiGHS through ``scipy.optimize.milp``). Maximising the ratio of totals,
(value of the split) / (its cost), was rejected: it can hand work to a partner with fewer correct
labels per dollar only because its labels cost less in total (Dinkelbach 1967 solves that one).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.stats import beta

from labelpact.contracts.contract import Contract
from labelpact.errors import InvalidInputError

__all__ = ["MAX_LABELS", "Allocation", "PartnerOffer", "allocate"]

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
_EPS = 1e-9
MAX_LABELS: Final = 10**12  # whole label counts stay exact in float64 (and int64) far beyond it


@dataclass(frozen=True, slots=True)
class PartnerOffer:
    """What one partner brings to the next work: gold record, price, capacity, share cap and risk."""

    name: str
    price_per_label: float
    gold_correct: int = 0
    gold_total: int = 0
    capacity: int | None = None  # most labels it can take in this round; None: no limit
    max_share: float = 1.0  # the contract's allocation.max_share
    risk: float = 0.0  # probability the partnership breaks down within the horizon

    @classmethod
    def from_contract(
        cls,
        name: str,
        contract: Contract,
        *,
        gold_correct: int = 0,
        gold_total: int = 0,
        capacity: int | None = None,
        risk: float = 0.0,
        price_per_label: float | None = None,
    ) -> PartnerOffer:
        """Price from ``pay.price_per_label`` unless given; cap from ``allocation.max_share`` (1 if unset)."""
        price = contract.pay.price_per_label if price_per_label is None else price_per_label
        if price is None:
            raise InvalidInputError(
                f"a price per label for partner {name!r}",
                file=contract.source,
                column="pay.price_per_label",
                got="none",
                column_kind="key",
            )
        share = contract.allocation.max_share
        return cls(
            name, float(price), gold_correct, gold_total, capacity, 1.0 if share is None else share, risk
        )


@dataclass(frozen=True, slots=True)
class Allocation:
    """The suggested split; arrays have shape (n_partners,) in ``partners`` order."""

    partners: tuple[str, ...]
    labels: IntArray  # labels per partner, summing to n_labels
    shares: FloatArray  # labels / n_labels
    accuracy: FloatArray  # posterior mean accuracy on gold
    value: FloatArray  # value per label the objective used (accuracy or quantile, times the risk factor)
    expected_correct: float  # sum of accuracy * labels (posterior means, no risk adjustment)
    cost: float
    reasons: tuple[str, ...]  # one line per partner: why it got what it got
    budget: float | None = None
    notes: tuple[str, ...] = ()

    @property
    def n_labels(self) -> int:
        return int(self.labels.sum())

    @property
    def correct_per_dollar(self) -> float:
        return self.expected_correct / self.cost if self.cost > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_labels": self.n_labels,
            "budget": self.budget,
            "cost": self.cost,
            "expected_correct": self.expected_correct,
            "correct_per_dollar": self.correct_per_dollar,
            "partners": [
                {
                    "partner": name,
                    "labels": int(self.labels[i]),
                    "share": float(self.shares[i]),
                    "accuracy": float(self.accuracy[i]),
                    "value_per_label": float(self.value[i]),
                    "reason": self.reasons[i],
                }
                for i, name in enumerate(self.partners)
            ],
            "notes": list(self.notes),
        }


def allocate(
    offers: Sequence[PartnerOffer],
    *,
    labels: int | None = None,
    budget: float | None = None,
    prior: tuple[float, float] = (1.0, 1.0),
    accuracy_quantile: float | None = None,
    risk_penalty: float = 1.0,
) -> Allocation:
    """Split ``labels`` labels, or what ``budget`` buys, between ``offers`` (exactly one of the two).

    ``prior`` is the Beta prior on accuracy; ``accuracy_quantile`` (e.g. 0.1) values each partner at
    that lower quantile of its posterior instead of the mean; ``risk_penalty`` is the exponent of
    ``(1 - risk)`` (0 ignores risk; 1 counts a label as lost when the partnership breaks down).
    """
    if (labels is None) == (budget is None):
        raise InvalidInputError(
            "exactly one of labels and budget", column="labels", got=f"{labels}, {budget}"
        )
    mean, value, price, cap, share = _terms(offers, prior, accuracy_quantile, risk_penalty)
    if labels is not None:
        if (
            isinstance(labels, bool)
            or not isinstance(labels, int | np.integer)
            or not 1 <= labels <= MAX_LABELS
        ):
            raise InvalidInputError(
                f"a whole number of labels from 1 to {MAX_LABELS:,}",
                column="labels",
                column_kind="field",
                got=_count(labels),
            )
        bound = _bounds(offers, cap, share, int(labels))
        x = _fill(value / price, bound, int(labels))
        notes: tuple[str, ...] = ()
    else:
        if not isinstance(budget, int | float) or not 0 < budget <= MAX_LABELS * float(price.min()):
            raise InvalidInputError(  # NaN and inf fail too; past it, label counts lose whole numbers
                f"a budget > 0 that buys at most {MAX_LABELS:,} labels at the cheapest partner's "
                f"{float(price.min()):,.4g} a label",
                column="budget",
                column_kind="field",
                got=repr(budget),
            )
        x = _most_value_within_budget(offers, value, price, cap, share, float(budget))
        left = float(budget) - float(price @ x)
        notes = _budget_notes(float(budget), left, float(price.min()))
    total = int(x.sum())
    reasons = _reasons(offers, x, total, value, mean, price, cap, share, risk_penalty, accuracy_quantile)
    return Allocation(
        partners=tuple(o.name for o in offers),
        labels=_ro(x.astype(np.int64)),
        shares=_ro(x / total if total else x * 0.0),
        accuracy=_ro(mean),
        value=_ro(value),
        expected_correct=float(mean @ x),
        cost=float(price @ x),
        reasons=reasons,
        budget=None if budget is None else float(budget),
        notes=notes,
    )


def _count(labels: object) -> str:
    if isinstance(labels, int | np.integer) and not isinstance(labels, bool):
        return f"{labels:,}" if abs(int(labels)) < 10**30 else "a number of more than 30 digits"
    return repr(labels)


def _budget_notes(budget: float, left: float, cheapest: float) -> tuple[str, ...]:
    if budget < cheapest:
        return (f"the budget of {budget:,.2f} buys no label: the cheapest costs {cheapest:,.4g}",)
    if left >= cheapest:
        return (f"capacity and share caps leave {left:,.2f} of the {budget:,.2f} budget unspent",)
    return ()


def _terms(
    offers: Sequence[PartnerOffer], prior: tuple[float, float], quantile: float | None, penalty: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Validate the offers; (posterior mean, value per label, price, capacity (inf: none), share cap)."""
    if not offers:
        raise InvalidInputError("at least one partner", column="partners", got="none")
    names = [o.name for o in offers]
    if len(set(names)) != len(names):
        raise InvalidInputError("distinct partner names", column="partners", got=repr(names))
    if min(prior) <= 0 or penalty < 0 or (quantile is not None and not 0.0 < quantile < 1.0):
        raise InvalidInputError(
            "prior > 0, risk_penalty >= 0, 0 < accuracy_quantile < 1",
            column="options",
            got=f"{prior}, {penalty}, {quantile}",
        )
    for o in offers:
        checks = (
            ("price_per_label", math.isfinite(o.price_per_label) and o.price_per_label > 0, "> 0"),
            ("gold_correct", 0 <= o.gold_correct <= o.gold_total, "0 <= gold_correct <= gold_total"),
            ("capacity", o.capacity is None or o.capacity >= 0, ">= 0 or none"),
            ("allocation.max_share", 0.0 <= o.max_share <= 1.0, "in [0, 1]"),
            ("risk", 0.0 <= o.risk <= 1.0, "a probability in [0, 1]"),
        )
        for column, ok, expected in checks:
            if not ok:
                raise InvalidInputError(f"{column} {expected} for partner {o.name!r}", column=column)
    a = prior[0] + np.array([o.gold_correct for o in offers], dtype=np.float64)
    b = prior[1] + np.array([o.gold_total - o.gold_correct for o in offers], dtype=np.float64)
    mean = a / (a + b)
    accuracy = mean if quantile is None else np.asarray(beta.ppf(quantile, a, b), dtype=np.float64)
    risk = np.array([o.risk for o in offers], dtype=np.float64)
    value = accuracy * (1.0 - risk) ** penalty
    price = np.array([o.price_per_label for o in offers], dtype=np.float64)
    cap = np.array([np.inf if o.capacity is None else o.capacity for o in offers], dtype=np.float64)
    share = np.array([o.max_share for o in offers], dtype=np.float64)
    return mean, value, price, cap, share


def _bounds(offers: Sequence[PartnerOffer], cap: FloatArray, share: FloatArray, n: int) -> FloatArray:
    """Whole labels each partner may take out of ``n``; an error names what to change when they fall short."""
    by_share = np.floor(share * n + _EPS)
    bound = np.minimum(np.floor(cap), by_share)
    if bound.sum() >= n:
        return bound
    if np.floor(cap).sum() < n:
        raise InvalidInputError(
            f"partners able to take {n:,} labels: raise a capacity, add a partner or ask for fewer labels",
            column="capacity",
            got=f"a total capacity of {int(np.floor(cap).sum()):,}",
        )
    caps = ", ".join(f"{o.name} {s:.0%}" for o, s in zip(offers, share, strict=True))
    raise InvalidInputError(
        f"share caps that let {n:,} labels be placed: raise allocation.max_share or add a partner",
        column="allocation.max_share",
        got=f"caps and capacities that place at most {int(bound.sum()):,} ({caps})",
        column_kind="key",
    )


def _fill(priority: FloatArray, bound: FloatArray, n: int) -> FloatArray:
    """Fill partners to their bounds in decreasing ``priority`` (ties: list order) until ``n`` are placed.

    Exact for ``max priority @ x`` over ``sum x = n``, ``0 <= x <= bound``: while a label sits with a
    partner of lower priority than one with room, moving it there does not lower the sum, and the
    fill is the split with no such pair (an exchange argument). Whole bounds and n give whole labels.
    """
    order = np.argsort(-priority, kind="stable")
    before = np.cumsum(bound[order]) - bound[order]
    x = np.zeros_like(bound)
    x[order] = np.clip(n - before, 0.0, bound[order])
    return x


def _most_value_within_budget(
    offers: Sequence[PartnerOffer],
    value: FloatArray,
    price: FloatArray,
    cap: FloatArray,
    share: FloatArray,
    budget: float,
) -> FloatArray:
    """Whole labels with the most value for at most ``budget``: an exact integer program (HiGHS MILP).

    ``x_i <= share_i * sum(x)`` keeps each cap as a share of the labels bought, so cheap labels raise
    every cap; rounding an LP solution can break those caps or waste budget, so the split is solved
    over whole labels directly (a handful of variables: milliseconds).
    """
    if share.sum() < 1.0 - _EPS:
        caps = ", ".join(f"{o.name} {s:.0%}" for o, s in zip(offers, share, strict=True))
        raise InvalidInputError(
            "share caps that sum to at least 100%: raise allocation.max_share or add a partner",
            column="allocation.max_share",
            got=f"{share.sum():.0%} ({caps})",
            column_kind="key",
        )
    k = len(value)
    rows = np.vstack([price] + [np.eye(k)[i] - share[i] for i in range(k) if share[i] < 1.0])
    upper = np.r_[budget, np.zeros(len(rows) - 1)]
    solved = milp(
        -value,
        constraints=LinearConstraint(rows, -np.inf, upper),
        integrality=np.ones(k),
        bounds=Bounds(0, np.where(np.isinf(cap), np.inf, np.floor(cap))),
        options={"mip_rel_gap": 0.0, "time_limit": 30.0},
    )
    if solved.status != 0 or solved.x is None:
        raise InvalidInputError("a solvable allocation", column="budget", got=str(solved.message))
    return np.maximum(np.round(np.asarray(solved.x, dtype=np.float64)), 0.0)


def _reasons(
    offers: Sequence[PartnerOffer],
    x: FloatArray,
    total: int,
    value: FloatArray,
    mean: FloatArray,
    price: FloatArray,
    cap: FloatArray,
    share: FloatArray,
    penalty: float,
    quantile: float | None,
) -> tuple[str, ...]:
    """One line per partner: its value per dollar, and the constraint or comparison that set its labels."""
    out = []
    for i, o in enumerate(offers):
        parts = [f"{value[i] / price[i]:.1f} correct labels per dollar at {price[i]:g} per label"]
        if quantile is not None:
            parts.append(f"accuracy valued at its {quantile:.0%} posterior quantile (mean {mean[i]:.1%})")
        if o.risk > 0 and penalty > 0:
            parts.append(f"risk {o.risk:.0%} lowers its value by {1.0 - (1.0 - o.risk) ** penalty:.0%}")
        if x[i] >= cap[i] - _EPS and cap[i] < np.inf:
            parts.append(f"capacity: all {int(cap[i]):,} labels it can take")
        elif share[i] < 1.0 and x[i] >= math.floor(share[i] * total + _EPS) - _EPS:
            parts.append(f"capped at {share[i]:.0%} by allocation.max_share")
        elif x[i] == 0:
            parts.append("no work: partners with more correct labels per dollar take it all")
        else:
            parts.append("takes the rest")
        out.append("; ".join(parts))
    return tuple(out)


def _ro(array: npt.NDArray[Any]) -> Any:
    out = np.array(array, copy=True)
    out.flags.writeable = False
    return out
