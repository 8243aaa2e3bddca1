"""The shape of the event signals chosen on the case library by profile likelihood: how long slow-burn news
takes to pull hardest (``profile_lag``) and how long adverse news is remembered (``profile_memory``).

Each is one number shared by every kind it applies to; the effects are refitted at each grid value and the
value with the highest log-likelihood is kept (a profile likelihood, Murphy & van der Vaart, *JASA* 2000),
so the library decides the shape, not a guess. The forecast's default model (``library.library_priors``)
is the library fit under ``shaped_priors`` (the memory profiled; the lag's profile is reported).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Final

from labelpact.partners.risk.library import Case, CaseFit, fit_cases
from labelpact.partners.risk.priors import RiskPriors, load_priors

__all__ = ["LAG_GRID", "MEMORY_GRID", "profile_lag", "profile_memory", "shaped_fit", "shaped_priors"]

LAG_GRID: Final = (90.0, 120.0, 180.0, 240.0, 300.0, 365.0)  # days to the peak of slow-burn signals
MEMORY_GRID: Final = (1.0, 2.0, 4.0, 8.0, 16.0)  # multiples of the sourced half-lives, doubling


def profile_lag(
    cases: Sequence[Case], *, priors: RiskPriors | None = None, lags: Sequence[float] = LAG_GRID
) -> tuple[RiskPriors, dict[float, float]]:
    """The slow-burn signals' lag (one for every kind in ``lag_days``) under which the penalised fit of
    ``cases`` has the highest log-likelihood: the priors with that lag, and the log-likelihood per lag."""
    sourced = priors or load_priors()
    return _profile(cases, lags, lambda lag: _lagged(sourced, lag), penalty=1.0)


def profile_memory(
    cases: Sequence[Case],
    *,
    priors: RiskPriors | None = None,
    factors: Sequence[float] = MEMORY_GRID,
    penalty: float = 1.0,
) -> tuple[RiskPriors, dict[float, float]]:
    """Every event half-life times the factor under which the penalised fit of ``cases`` has the highest
    log-likelihood: the priors with those half-lives, and the log-likelihood per factor.

    The sourced half-lives are guesses (no study reports decay rates); the factor keeps their order
    (a customer's exit fades before a lawsuit) and lets the library say how long news is remembered. A
    long memory is what trust as Bayesian updating predicts (Kretschmer, Puranam & Vanneste; RESEARCH.md
    [R24]): each report is evidence about the vendor that later quiet months do not erase quickly.
    """
    sourced = priors or load_priors()
    return _profile(cases, factors, lambda f: _remember(sourced, f), penalty=penalty)


def shaped_priors(
    cases: Sequence[Case], *, priors: RiskPriors | None = None, penalty: float = 1.0
) -> RiskPriors:
    """The priors with the memory profiled on ``cases``: what the shipped fit starts from.

    The lag is not profiled here: on the library its profile is flat between 180 and 240 days, and
    choosing it case by case made leave-one-case-out worse (docs/risk-cases.md); the sourced 180 days,
    which the profile also picks on the whole library, stay.
    """
    return profile_memory(cases, priors=priors, penalty=penalty)[0]


def shaped_fit(cases: Sequence[Case], *, priors: RiskPriors | None = None, penalty: float = 1.0) -> CaseFit:
    """The shipped procedure: ``cases`` fitted under ``shaped_priors``, the forecast's intercepts keeping
    the five-year base rate of the unshaped ``priors`` (the sourced 25%: a longer memory must not raise it);
    ``penalty`` weighs the priors in the profile and in the fit alike (``labelpact risk fit --penalty``)."""
    sourced = priors or load_priors()
    shaped = shaped_priors(cases, priors=sourced, penalty=penalty)
    return fit_cases(cases, priors=shaped, penalty=penalty, base=sourced)


def _profile(
    cases: Sequence[Case], grid: Sequence[float], shape: Callable[[float], RiskPriors], *, penalty: float
) -> tuple[RiskPriors, dict[float, float]]:
    """The priors ``shape(value)`` of the grid value under which the penalised fit of ``cases`` has the
    highest log-likelihood, and the log-likelihood per value (intercepts left sourced: only the shape moves)."""
    table = {
        float(v): fit_cases(
            cases, priors=shape(float(v)), penalty=penalty, anchor=False
        ).fitted.log_likelihood
        for v in grid
    }
    best = max(table, key=lambda v: table[v])
    return shape(best), table


def _lagged(priors: RiskPriors, lag: float) -> RiskPriors:
    return dataclasses.replace(priors, lag_days=dict.fromkeys(priors.lag_days, float(lag)))


def _remember(priors: RiskPriors, factor: float) -> RiskPriors:
    return dataclasses.replace(
        priors, half_life_days={k: v * float(factor) for k, v in priors.half_life_days.items()}
    )
