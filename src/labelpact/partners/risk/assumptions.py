"""The inputs a risk forecast accepts: checked once at its edge, and changed by its what-if assumptions.

``assume`` (see ``forecast.forecast``) overrides plain inputs (``equity_stake``, ``min_spend``, ...), the
quality and punctuality behind their signals (``error_rate``, ``on_time_rate``) or any signal by name.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Final

import numpy as np

from labelpact.errors import InvalidInputError
from labelpact.partners.events import EVENT_KINDS
from labelpact.partners.risk.priors import FINDING_SIGNALS, MEANINGS, SIDES, SIGNALS, RiskPriors
from labelpact.partners.risk.signals import RiskInputs, quality_error

__all__ = ["ASSUMABLE", "BASELINE", "assume_inputs", "check_inputs"]

# terms every relationship carries whatever its signals: no assumption overrides them
BASELINE: Final = ("intercept", "age_log", "age_years")
# what an ``EventInput`` may be: a ledger event, or an ethics-audit finding dated by its batch
_KINDS: Final = (*EVENT_KINDS, *FINDING_SIGNALS.values())
# inputs ``assume`` may override besides any signal name (see ``forecast``)
ASSUMABLE: Final = (
    *("equity_stake", "min_spend", "n_projects", "max_error_rate", "partner_headcount"),
    *("error_rate", "on_time_rate"),
    *(s for s in SIGNALS if s not in BASELINE),
)


def assume_inputs(
    inputs: RiskInputs, assume: dict[str, Any], p: RiskPriors
) -> tuple[RiskInputs, dict[str, float]]:
    """Inputs with ``assume``'s plain fields replaced, and the signal overrides it implies."""
    overrides: dict[str, float] = {}
    changes: dict[str, Any] = {}
    for key, raw in assume.items():
        if key not in ASSUMABLE:
            raise InvalidInputError(f"one of {', '.join(ASSUMABLE)}", column=key, column_kind="assumption")
        value = _number(key, raw)
        low, high, what = _RANGES.get(key, _WEIGHT)
        whole = key in ("n_projects", "partner_headcount", "spc_alarm")
        if not low <= value <= high or (whole and not value.is_integer()):
            raise InvalidInputError(what, column=key, column_kind="assumption", got=str(raw))
        if key in ("n_projects", "partner_headcount"):
            changes[key] = int(value)
        elif key in ("equity_stake", "min_spend", "max_error_rate"):
            changes[key] = value
            if key == "equity_stake":
                overrides["client_stake"] = value
        elif key not in ("error_rate", "on_time_rate"):
            overrides[key] = value
    inputs = dataclasses.replace(inputs, **changes)
    if "on_time_rate" in assume:
        overrides["late_rate"] = 1.0 - _number("on_time_rate", assume["on_time_rate"])
    if "error_rate" in assume:
        rate = _number("error_rate", assume["error_rate"])
        reference = _reference(inputs, math.nan)
        if math.isnan(reference):  # judged against nothing, the assumed rate would change nothing
            raise InvalidInputError(
                "a reference to judge an error rate by: the contract's quality.max_error_rate or audits "
                "before the as-of date (assume max_error_rate too)",
                column="error_rate",
                column_kind="assumption",
                got=str(assume["error_rate"]),
            )
        overrides["quality_excess"] = max(rate - reference, 0.0) * 100
        overrides["quality_trend"] = 0.0
    if "rival_stake" in overrides:
        overrides["rival_stake_x_embedded"] = overrides["rival_stake"] * math.log(inputs.n_projects)
    check_inputs(inputs, 365, p)
    return inputs, overrides


# the values an assumption may take: what its input or signal can be (every signal is >= 0, so no
# assumed adverse signal can lower the risk), bounded so the forecast stays finite
_RATE: Final = (0.0, 1.0, "a rate between 0 and 1")
_WEIGHT: Final = (
    0.0,
    100.0,
    "a signal's weight from 0 to 100 (an event counts up to 3 units, fading with time)",
)
_RANGES: Final[dict[str, tuple[float, float, str]]] = {
    **dict.fromkeys(("error_rate", "on_time_rate", "max_error_rate", "equity_stake"), _RATE),
    **dict.fromkeys(("rejection_rate", "late_rate", "client_stake"), _RATE),
    "spc_alarm": (0.0, 1.0, "0 (no process-control alarm open) or 1"),
    "quality_excess": (0.0, 100.0, "points of error above the limit, from 0 to 100"),
    "quality_trend": (0.0, 100.0, "points of error a month, from 0 to 100"),
    "min_spend": (0.0, math.inf, "a yearly amount >= 0"),
    "n_projects": (1.0, 1e6, "a whole number from 1 to 1000000"),
    "partner_headcount": (1.0, 1e9, "a whole number of people from 1 to 1000000000"),
}


def _reference(inputs: RiskInputs, default: float) -> float:
    """The error rate quality is judged against: the contract limit, else the first five audits' median."""
    if inputs.max_error_rate is not None:
        return inputs.max_error_rate
    seen = sorted((q for q in inputs.quality if q.date <= inputs.as_of), key=lambda q: q.date)
    rates = [r for r in map(quality_error, seen) if np.isfinite(r)][:5]
    return float(np.median(rates)) if rates else default


def _number(key: str, raw: object) -> float:
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        raise InvalidInputError("a finite number", column=key, column_kind="assumption", got=str(raw))
    return value


def check_inputs(inputs: RiskInputs, horizon_days: int, p: RiskPriors) -> None:
    """Reject inputs the model cannot read, naming the field."""

    def bad(field_name: str, expected: str, got: object) -> InvalidInputError:
        return InvalidInputError(expected, column=field_name, got=str(got))

    if not isinstance(horizon_days, int) or not 1 <= horizon_days <= 3653:
        raise bad(
            "horizon_days", "a whole number of days from 1 to 3653 (90, 180, 365 are usual)", horizon_days
        )
    if inputs.start > inputs.as_of:
        raise bad("start", f"a start on or before as_of {inputs.as_of}", inputs.start)
    if not 0.0 <= inputs.equity_stake <= 1.0:
        raise bad("equity_stake", "a share in [0, 1]", inputs.equity_stake)
    if not inputs.min_spend >= 0.0:
        raise bad("min_spend", "a yearly amount >= 0", inputs.min_spend)
    if inputs.n_projects < 1:
        raise bad("n_projects", "at least 1 joint project", inputs.n_projects)
    if inputs.max_error_rate is not None and not 0.0 <= inputs.max_error_rate <= 1.0:
        raise bad("max_error_rate", "a rate in [0, 1]", inputs.max_error_rate)
    if len({e.id for e in inputs.events}) != len(inputs.events):
        raise bad("events", "unique event ids", [e.id for e in inputs.events])
    for e in inputs.events:
        if e.kind not in _KINDS or e.meaning not in MEANINGS or e.side not in SIDES:
            raise bad(f"event {e.id}", f"a kind in {_KINDS}, meaning in {MEANINGS}, side in {SIDES}", e)
        if isinstance(e.certainty, str) and e.certainty not in p.certainty:
            raise bad(f"event {e.id}", f"a certainty in {tuple(p.certainty)}", e.certainty)
        if isinstance(e.certainty, float | int) and not 0.0 <= e.certainty <= 1.0:
            raise bad(f"event {e.id}", "a certainty weight in [0, 1]", e.certainty)
    for q in inputs.quality:
        rate = quality_error(q)
        if np.isfinite(rate) and not 0.0 <= rate <= 1.0:
            raise bad("quality", "error rates and gold accuracies in [0, 1]", q)
