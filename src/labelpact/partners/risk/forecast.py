"""The partnership-risk forecast: a transparent discrete-time hazard model with competing causes.

Each relationship-month, cause ``k`` (client exit, vendor exit, buyout; planned expiry is censoring)
has the multinomial-logit hazard ``P(k | together) = exp(eta_k) / (1 + sum_j exp(eta_j))`` with
``eta_k = intercept_k + beta_age * age + sum_s beta_sk * x_s``: the discrete-time competing-risks
model (Allison, *Sociological Methodology* 1982; RESEARCH.md B.6). Signals ``x_s`` are the quality
state and trend from audits, SLA misses, events that decay with a half-life, and stabilisers; signs
come from the research, sizes are sourced priors in ``partners/data/risk_priors.toml`` (``fit`` re-estimates
them; ``labelpact health`` uses them refitted on real breakups, ``library.library_priors``). The chance of breakdown within a horizon is the cumulative incidence over months, all causes.

Assumptions, stated once: signals known at ``as_of`` carry forward (events keep decaying, quality
stays at its last audited level), anything dated after ``as_of`` is invisible, and events not yet known
arrive at assumed rates (``arrivals_per_year``; the forecast averages over simulated futures). Example (a rival of the client takes 49% of a partner it shares three projects with)::

    >>> import datetime as dt
    >>> from labelpact.partners.risk.signals import EventInput, RiskInputs
    >>> stake = EventInput("e1", "investment", dt.date(2025, 6, 12), 0.49, "conflict_of_interest", "confirmed")
    >>> inputs = RiskInputs(as_of=dt.date(2025, 6, 13), start=dt.date(2021, 1, 1), n_projects=3,
    ...                     events=(stake,))
    >>> f = forecast(inputs, 365)
    >>> round(f.baseline_probability, 2), round(f.probability, 2), [round(x, 2) for x in f.interval]
    (0.05, 0.21, [0.05, 0.65])
    >>> [(c.signal, c.event_id, round(c.effect, 3)) for c in f.contributions]
    [('rival_stake', 'e1', 0.172), ('joint_projects', None, -0.082), ('new_events', None, 0.042)]
    >>> round(forecast(inputs, 365, without=["e1"]).probability, 2)  # the three projects hold it below 0.05
    0.04

The Meta–Scale case (tests/unit/partners/test_risk.py): for Google, a rival's 49% stake on 2025-06-12
lifts its 90-day risk from 0.6% to about 12% (it left the next day); for Meta, the client that took
the stake, a dozen warnings by 2025-09-01 leave the 1-year risk near 3%, held down by the stake and the
reported minimum spend (5% without them): stabilisers can outweigh many warning signals (RESEARCH.md B.3).

The model's terms and priors are in ``priors``, its inputs and signals in ``signals``; this module holds
the forecast, and the package ``labelpact.partners.risk`` re-exports the public names of all three.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from scipy.special import logsumexp

from labelpact.errors import NotFoundError
from labelpact.partners.risk.assumptions import ASSUMABLE, BASELINE, assume_inputs, check_inputs
from labelpact.partners.risk.priors import (
    CAUSES,
    SIGNAL_COLUMN,
    SIGNALS,
    RiskPriors,
    load_priors,
)
from labelpact.partners.risk.saturation import log_odds, saturated_shares
from labelpact.partners.risk.signals import RiskInputs, SignalParts, new_event_signals, signal_parts

__all__ = ["ASSUMABLE", "Contribution", "RiskForecast", "cumulative_incidence", "forecast"]

FloatArray = npt.NDArray[np.float64]
_STATE: Final = ("quality_excess", "quality_trend", "rejection_rate", "late_rate", "spc_alarm")
_STABILISERS: Final = ("client_stake", "min_spend", "joint_projects")
_INTERVAL_PATHS: Final = 32  # futures each drawn model of the interval averages over


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one signal adds: ``effect`` is the change in the horizon probability when it is removed
    (negative for a stabiliser), ``log_odds`` its term in each cause's monthly log-odds at ``as_of``."""

    signal: str
    effect: float
    log_odds: Mapping[str, float]
    value: float
    source: str
    event_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "signal": self.signal,
            "effect": self.effect,
            "source": self.source,
            "event_id": self.event_id,
            "log_odds": dict(self.log_odds),
            "value": self.value,
        }


@dataclass(frozen=True, slots=True)
class RiskForecast:
    """Probability the partnership breaks down within ``horizon_days`` of ``as_of`` (any cause), its
    interval from the effect sizes' uncertainty, per-cause incidence, and the signals behind it."""

    as_of: dt.date
    horizon_days: int
    probability: float
    interval: tuple[float, float]
    by_cause: Mapping[str, float]
    baseline_probability: float
    contributions: tuple[Contribution, ...]
    monthly_hazard: tuple[float, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The ``risk`` object of ``labelpact health --json`` (DESIGN.md), with a few added keys."""
        return {
            "horizon_days": self.horizon_days,
            "as_of": self.as_of.isoformat(),
            "probability": self.probability,
            "interval": list(self.interval),
            "by_cause": dict(self.by_cause),
            "baseline_probability": self.baseline_probability,
            "contributions": [c.to_dict() for c in self.contributions],
        }


def cumulative_incidence(
    eta: FloatArray, last_fraction: float = 1.0
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Breakdown probability (...,), per-cause incidence (..., n_causes) and all-cause hazard (..., n_months)
    from monthly log-odds ``eta`` (..., n_months, n_causes); the last month counts ``last_fraction``.

    Cumulative incidence of cause k: sum over months of S(t-1) * h_k(t) (Kalbfleisch & Prentice 2002, ch. 8).
    """
    zero = np.zeros((*eta.shape[:-1], 1))
    hazard = np.exp(eta - logsumexp(np.concatenate([zero, eta], axis=-1), axis=-1, keepdims=True))
    if last_fraction < 1.0:  # a part month: the all-cause hazard compounds to 1 - (1 - h)^f, split pro rata
        h_last = hazard[..., -1, :].sum(axis=-1, keepdims=True)
        # rounding can sum the hazards past 1: a negative base to a fractional power is NaN
        kept = np.clip(1.0 - h_last, 0.0, 1.0)
        hazard[..., -1, :] *= (1.0 - kept**last_fraction) / np.maximum(h_last, 1e-300)
    total = hazard.sum(axis=-1)
    survival = np.cumprod(1.0 - total, axis=-1)
    before = np.concatenate([np.ones((*total.shape[:-1], 1)), survival[..., :-1]], axis=-1)
    incidence = (before[..., None] * hazard).sum(axis=-2)
    return incidence.sum(axis=-1), incidence, total


def forecast(
    inputs: RiskInputs,
    horizon_days: int = 365,
    *,
    priors: RiskPriors | None = None,
    without: Sequence[str] = (),
    assume: Mapping[str, float | int | bool | str] | None = None,
    n_draws: int = 400,
    level: float = 0.9,
    seed: int = 0,
    explain: bool = True,
    new_events: bool = True,
    n_paths: int = 256,
) -> RiskForecast:
    """The chance ``inputs``' partnership breaks down within ``horizon_days`` (90, 180, 365 are the usual).

    ``without`` drops events by id (what-if); ``assume`` overrides inputs (``equity_stake``,
    ``min_spend``, ``n_projects``, ``max_error_rate``, ``error_rate``: quality back at this rate and
    steady, ``on_time_rate``) or any signal by name. The interval is the central ``level`` range over
    ``n_draws`` seeded draws of the effect sizes from their priors (signs kept); the point is at the centres.
    ``explain=False`` skips the contributions (for a portfolio of thousands). ``new_events`` averages over
    ``n_paths`` seeded futures in which events not yet known arrive (see ``new_event_signals``).
    """
    p = priors or load_priors()
    check_inputs(inputs, horizon_days, p)
    ids = {e.id for e in inputs.events if e.date <= inputs.as_of}  # what was known can be taken away
    unknown = [i for i in without if i not in ids]
    if unknown:
        raise NotFoundError(f"no event {unknown[0]!r} among this partner's events ({', '.join(sorted(ids))})")
    inputs, overrides = assume_inputs(inputs, dict(assume or {}), p)
    months = max(1, math.ceil(horizon_days / p.month_days - 1e-9))
    fraction = horizon_days / p.month_days - (months - 1)
    starts = float(inputs.as_of.toordinal()) + np.arange(months, dtype=np.float64) * p.month_days
    known = np.full(months, float(inputs.as_of.toordinal()))
    parts = signal_parts(inputs, starts, known, p, tuple(without))
    state, events = parts.state, parts.events
    for name, value in overrides.items():
        state[:, SIGNAL_COLUMN[name]] = value
        events[:, :, SIGNAL_COLUMN[name]] = 0.0
        # the events of that signal go whole: also the parts they feed (implicates_client, the stake's embedding)
        events[np.array([s == name for s in parts.event_signals], dtype=bool)] = 0.0
    raw = events.sum(axis=0)  # the known events' signals (n_months, n_signals)
    coef = p.coefficients()
    offsets = starts - starts[0]
    arrival_seed, draw_seed = np.random.SeedSequence(seed).spawn(2)
    paths = n_paths if new_events else 0
    unknown_yet = new_event_signals(p, offsets, math.log(inputs.n_projects), paths, arrival_seed)

    outlook = _Outlook(coef, unknown_yet, fraction)
    probability, by_cause, hazard = outlook.incidence(state, raw)
    baseline = np.zeros_like(state)
    base_cols = [SIGNAL_COLUMN[s] for s in BASELINE]
    baseline[:, base_cols] = (state + raw)[:, base_cols]
    contributions = _contributions(outlook, parts, raw, probability, p, horizon_days) if explain else ()
    interval = (probability, probability)
    if n_draws > 0:
        interval = _interval(outlook, state, raw, p, probability, n_draws, level, draw_seed)
    return RiskForecast(
        as_of=inputs.as_of,
        horizon_days=horizon_days,
        probability=probability,
        interval=interval,
        by_cause={c: float(v) for c, v in zip(CAUSES, by_cause, strict=True)},
        baseline_probability=outlook.probability(baseline, np.zeros_like(raw)),
        contributions=contributions,
        monthly_hazard=tuple(float(h) for h in hazard),
    )


@dataclass(frozen=True, slots=True)
class _Outlook:
    """The horizon's incidence for monthly ``state`` signals and known events' ``raw`` signals (n_months,
    n_signals each), averaged over the futures ``unknown_yet`` (n_paths, n_months, n_signals) in which
    events not yet known arrive; known and future events saturate together (``saturation.log_odds``)."""

    coef: FloatArray
    unknown_yet: FloatArray
    fraction: float

    def incidence(
        self, state: FloatArray, raw: FloatArray, extra: FloatArray | None = None
    ) -> tuple[float, FloatArray, FloatArray]:
        """Breakdown probability, per-cause incidence (n_causes,) and all-cause hazard (n_months,)."""
        extra = self.unknown_yet if extra is None else extra
        signals = state + raw + extra
        total, by_cause, hazard = cumulative_incidence(log_odds(signals, self.coef), self.fraction)
        return float(total.mean()), by_cause.mean(axis=0), hazard.mean(axis=0)

    def probability(self, state: FloatArray, raw: FloatArray, extra: FloatArray | None = None) -> float:
        return self.incidence(state, raw, extra)[0]


def _contributions(
    outlook: _Outlook,
    parts: SignalParts,
    raw: FloatArray,
    probability: float,
    p: RiskPriors,
    horizon_days: int,
) -> tuple[Contribution, ...]:
    """Each event, state signal, stabiliser and the unknown future explained by what removing it changes in
    ``probability``, largest first; ``raw`` (n_months, n_signals) is ``parts.events`` summed. An event's
    log-odds are its share of its group's saturated term (``saturation.saturated_shares``)."""
    coef, unknown_yet = outlook.coef, outlook.unknown_yet
    state, events = parts.state, parts.events
    # (n_signals, n_causes): the known events' share of their saturated terms in the first forecast month
    scaled = coef * saturated_shares((state + raw)[:1], coef)[0]
    contributions: list[Contribution] = []
    for i, (event_id, signal) in enumerate(zip(parts.event_ids, parts.event_signals, strict=True)):
        if np.any(events[i]):  # an override (assume rival_stake=0) may have emptied it
            change = probability - outlook.probability(state, raw - events[i])
            contributions.append(_contribution(signal, change, events[i][0], scaled, p, event_id))
    for name in _STATE + _STABILISERS:
        col = SIGNAL_COLUMN[name]
        if np.any(state[:, col]):
            part = np.zeros_like(state)
            part[:, col] = state[:, col]
            owner = parts.stake_event if name == "client_stake" else None
            change = probability - outlook.probability(state - part, raw)
            contributions.append(_contribution(name, change, part[0], coef, p, owner))
    if np.any(unknown_yet):
        contributions.append(
            Contribution(
                signal="new_events",
                effect=probability - outlook.probability(state, raw, np.zeros((1, *raw.shape))),
                log_odds={
                    c: float(v)
                    for c, v in zip(CAUSES, log_odds(unknown_yet[:, -1], coef).mean(axis=0), strict=True)
                },
                value=sum(r for r in p.arrivals_per_year.values() if r > 0) * horizon_days / 365.25,
                source="events not yet known, arriving at the priors' arrivals_per_year (an assumption; "
                "fit them from your ledger)",
            )
        )
    contributions.sort(key=lambda c: -abs(c.effect))
    return tuple(contributions)


def _interval(
    outlook: _Outlook,
    state: FloatArray,
    raw: FloatArray,
    p: RiskPriors,
    probability: float,
    n_draws: int,
    level: float,
    seed: np.random.SeedSequence,
) -> tuple[float, float]:
    """The central ``level`` range of the probability over ``n_draws`` draws of the effect sizes from
    their priors (signs kept), widened to contain the point ``probability``."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(p.values, p.sds, size=(n_draws, len(p.effects)))
    signs = np.array([e.sign for e in p.effects])
    theta = np.where(
        signs == "+", np.maximum(theta, 0.0), np.where(signs == "-", np.minimum(theta, 0.0), theta)
    )
    # each drawn model averages over the first _INTERVAL_PATHS futures (memory: draws x paths x months)
    signals = state + raw + outlook.unknown_yet[:_INTERVAL_PATHS]
    flat = signals.reshape(-1, len(SIGNALS))  # (paths * months, n_signals)
    eta = log_odds(flat, p.coefficients(theta)).reshape(n_draws, *signals.shape[:2], len(CAUSES))
    draws = cumulative_incidence(eta, outlook.fraction)[0].mean(axis=1)
    draws = draws[
        np.isfinite(draws)
    ]  # a draw far in a tail can overflow: it says nothing, and NaN is no JSON
    if draws.size == 0:
        return 0.0, 1.0
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return float(min(lo, probability)), float(max(hi, probability))


def _contribution(
    signal: str, effect: float, row: FloatArray, coef: FloatArray, p: RiskPriors, event_id: str | None
) -> Contribution:
    """One explained term; ``row`` (n_signals,) is this part's signals in the first forecast month."""
    terms = row @ coef
    used = {s for s in SIGNALS if row[SIGNAL_COLUMN[s]] != 0}
    sources = dict.fromkeys(
        part.strip() for e in p.effects if e.signal in used and e.source for part in e.source.split(";")
    )
    return Contribution(
        signal=signal,
        effect=effect,
        log_odds={c: float(t) for c, t in zip(CAUSES, terms, strict=True) if abs(t) > 1e-12},
        value=float(row[SIGNAL_COLUMN[signal]]),
        source="; ".join(sources),
        event_id=event_id,
    )
