"""Synthetic portfolios of client-vendor relationships whose breakdown hazards are known exactly.

Each relationship gets a start, joint projects, maybe a client stake and a minimum spend, a stream of
ledger events (Poisson arrivals at the priors' ``arrivals_per_year`` times ``event_rate``, random
certainty and size), monthly audits whose error rate may shift up for good (3% a month), and late
deliveries that come with the shift. Month by month it then breaks down (client exit, vendor exit,
buyout) with the hazards that ``labelpact.partners.risk`` computes under the given ``priors``, which are the truth.
So fitting a simulated history must recover those sizes (``risk.fit``), and forecasts must
match simulated outcomes (``forecast_check``): the checks of RESEARCH.md B.6 step 5 on known ground.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
from scipy.special import logsumexp

from labelpact.errors import InvalidInputError
from labelpact.partners.events import Meaning
from labelpact.partners.risk import (
    CAUSES,
    EventInput,
    QualityPoint,
    RiskInputs,
    RiskPriors,
    forecast,
    load_priors,
    signal_matrix,
)
from labelpact.partners.risk.fit import HistoryCase
from labelpact.partners.risk.saturation import log_odds

__all__ = ["forecast_check", "simulate_portfolio"]

FloatArray = npt.NDArray[np.float64]
ORIGIN: Final = dt.date(2020, 1, 1)
# the ledger event that feeds each arriving signal: (kind, meaning, side)
_EVENT_OF: Final[dict[str, tuple[str, Meaning, Literal["partner", "client"]]]] = {
    "rival_stake": ("investment", "conflict_of_interest", "partner"),
    "ownership_change": ("investment", "none", "partner"),
    "client_turbulence": ("executive_departure", "none", "client"),
}
_CERTAINTY: Final = ("confirmed", "reported", "single_source", "disputed")
_CERTAINTY_P: Final = (0.6, 0.2, 0.1, 0.1)
_MAX_ERROR: Final = 0.05


def simulate_portfolio(
    n_relationships: int,
    *,
    seed: int = 0,
    priors: RiskPriors | None = None,
    months: int = 48,
    event_rate: float = 1.0,
) -> tuple[HistoryCase, ...]:
    """``n_relationships`` simulated histories, each observed up to ``months`` months or to its end.

    A case ends in a breakdown drawn from the ``priors``' hazards, in a planned expiry (its term, 12 to
    60 months), or still running; its inputs hold only what happened up to its last observed month.
    """
    p = priors or load_priors()
    _check(n_relationships, months, event_rate)
    rng = np.random.default_rng(seed)
    coef = p.coefficients()
    cases = []
    for i in range(n_relationships):
        inputs = _relationship(rng, months, event_rate, p)
        term = int(rng.integers(12, 61))
        n = min(months, term)
        start = float(inputs.start.toordinal())
        starts = start + np.arange(n, dtype=np.float64) * p.month_days
        month, cause = _first_breakdown(log_odds(signal_matrix(inputs, starts, starts, priors=p), coef), rng)
        last = month if month >= 0 else n - 1
        outcome = CAUSES[cause] if month >= 0 else ("expiry" if term <= months else "")
        as_of = dt.date.fromordinal(int(start) + math.ceil(last * p.month_days))
        cases.append(HistoryCase(f"r{i}", _known(inputs, as_of), outcome))
    return tuple(cases)


def forecast_check(
    n_relationships: int,
    *,
    horizon_days: int = 365,
    seed: int = 0,
    priors: RiskPriors | None = None,
    live: bool = False,
    event_rate: float = 1.0,
) -> tuple[FloatArray, FloatArray]:
    """Forecast probabilities and what then happened (0/1), for relationships still running at a random
    as-of month (3 to 24 months in): shape (n_relationships,) each.

    ``live=False`` plays a quiet future (signals known at as-of decay, nothing new) against forecasts
    with ``new_events=False``; ``live=True`` lets events keep arriving (at the priors' rates times
    ``event_rate``, which the forecast then expects) and audits keep coming (quality may shift, which
    the forecast does not foresee).
    """
    p = priors or load_priors()
    _check(n_relationships, 24, event_rate)
    rng = np.random.default_rng(seed)
    coef = p.coefficients()
    horizon_months = math.ceil(horizon_days / p.month_days - 1e-9)
    fraction = horizon_days / p.month_days - (horizon_months - 1)
    # the forecast expects new events at the rates this world has
    rates = {s: r * event_rate for s, r in p.arrivals_per_year.items()}
    assumed = dataclasses.replace(p, arrivals_per_year=rates)
    predicted: list[float] = []
    observed: list[float] = []
    while len(predicted) < n_relationships:
        inputs = _relationship(rng, 24 + horizon_months + 1, event_rate, p)
        start = float(inputs.start.toordinal())
        past = start + np.arange(int(rng.integers(3, 25)), dtype=np.float64) * p.month_days
        if _first_breakdown(log_odds(signal_matrix(inputs, past, past, priors=p), coef), rng)[0] >= 0:
            continue  # already ended: not in the portfolio at as-of
        as_of = dt.date.fromordinal(int(start) + math.ceil(past.size * p.month_days))
        future = as_of.toordinal() + np.arange(horizon_months, dtype=np.float64) * p.month_days
        known = future if live else np.full(horizon_months, float(as_of.toordinal()))
        eta = log_odds(signal_matrix(dataclasses.replace(inputs, as_of=as_of), future, known, priors=p), coef)
        observed.append(float(_first_breakdown(eta, rng, fraction)[0] >= 0))
        seen = _known(inputs, as_of)
        outlook = forecast(seen, horizon_days, priors=assumed, n_draws=0, explain=False, new_events=live)
        predicted.append(outlook.probability)
    return np.array(predicted), np.array(observed)


def _relationship(rng: np.random.Generator, months: int, event_rate: float, p: RiskPriors) -> RiskInputs:
    """One relationship's whole stream over ``months`` months: events, monthly audits, stabilisers."""
    start = ORIGIN + dt.timedelta(days=int(rng.integers(0, 730)))
    span = months * p.month_days
    events: list[EventInput] = []
    for signal, per_year in sorted(p.arrivals_per_year.items()):
        kind, meaning, side = _EVENT_OF.get(signal, (signal, "none", "partner"))
        for offset in np.sort(rng.uniform(0.0, span, rng.poisson(per_year * event_rate * span / 365.25))):
            magnitude: float | None = None
            if kind == "layoff" and side == "partner":
                magnitude = float(rng.uniform(0.03, 0.3))
            elif kind == "executive_departure" and side == "partner":
                magnitude = float(rng.integers(1, 3))
            elif kind == "investment":
                magnitude = float(rng.uniform(0.05, 0.5))
            certainty = str(rng.choice(_CERTAINTY, p=_CERTAINTY_P))
            date = start + dt.timedelta(days=int(offset))
            events.append(EventInput(f"e{len(events)}", kind, date, magnitude, meaning, certainty, side))
    base = rng.uniform(0.01, 0.04)
    shift_month = rng.geometric(0.03)  # a lasting quality shift arrives at 3% a month
    shift = rng.uniform(0.02, 0.08)
    k = np.arange(months)
    shifted = k >= shift_month
    error = np.clip(base + shifted * shift + rng.normal(0.0, 0.004, months), 0.0, 1.0)
    on_time = rng.random(months) < np.where(shifted, 0.75, 0.92)
    quality = tuple(
        QualityPoint(
            start + dt.timedelta(days=int(m * p.month_days) + 14),
            error_rate=float(error[m]),
            verdict="reject" if error[m] > 0.08 else "accept",
            on_time=bool(on_time[m]),
        )
        for m in range(months)
    )
    return RiskInputs(
        as_of=start + dt.timedelta(days=math.ceil(span)),
        start=start,
        equity_stake=float(rng.uniform(0.05, 0.5)) if rng.random() < 0.15 else 0.0,
        min_spend=1e6 if rng.random() < 0.3 else 0.0,
        n_projects=1 + min(int(rng.poisson(0.8)), 4),
        events=tuple(events),
        quality=quality,
        max_error_rate=_MAX_ERROR,
        partner_headcount=1000,
    )


def _known(inputs: RiskInputs, as_of: dt.date) -> RiskInputs:
    """``inputs`` as they stood at ``as_of``: later events and audits dropped."""
    return dataclasses.replace(
        inputs,
        as_of=as_of,
        events=tuple(e for e in inputs.events if e.date <= as_of),
        quality=tuple(q for q in inputs.quality if q.date <= as_of),
    )


def _first_breakdown(
    eta: FloatArray, rng: np.random.Generator, last_fraction: float = 1.0
) -> tuple[int, int]:
    """The first month (and cause) in which a breakdown is drawn from log-odds ``eta`` (n_months, n_causes);
    (-1, -1) when none. The last month counts ``last_fraction`` of a month, as in ``cumulative_incidence``."""
    hazard = np.exp(eta - logsumexp(np.hstack([np.zeros((eta.shape[0], 1)), eta]), axis=1, keepdims=True))
    if last_fraction < 1.0 and hazard.shape[0]:
        h = hazard[-1].sum()
        hazard[-1] *= (1.0 - (1.0 - h) ** last_fraction) / max(h, 1e-300)
    cumulative = np.cumsum(hazard, axis=1)
    u = rng.random(hazard.shape[0])
    hit = np.flatnonzero(u < cumulative[:, -1])
    if hit.size == 0:
        return -1, -1
    month = int(hit[0])
    return month, int(np.searchsorted(cumulative[month], u[month], side="right"))


def _check(n: int, months: int, event_rate: float) -> None:
    if n < 1 or months < 1 or not event_rate >= 0:
        raise InvalidInputError(
            "n_relationships >= 1, months >= 1 and event_rate >= 0", got=f"{n}, {months}, {event_rate}"
        )
