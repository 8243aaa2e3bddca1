"""The case library: real, dated vendor partnerships that ended or continued, and the risk model fitted on them.

Each case (``partners/data/cases/*.json``) is one client-partner relationship from public sources: its start, its
end (the day it ended, or the last day a source shows it running), how it ended (``client_exit``,
``vendor_exit``, ``buyout`` or ``continuing``) and the partner's ledger events, each dated by when it became
public, strictly before the end, with its source URL. The JSON keys are those of ``events import``, so a case
file imports as it is (``labelpact events import CASE.json``)::

    {"id": "meta-sama", "client": "Meta", "partner": "Sama", "rivals": [], "sector": "content_moderation",
     "start": "2019-01-01", "end": "2023-01-10", "outcome": "vendor_exit", "summary": "...",
     "source_url": "https://...", "events": [{"partner": "Sama", "kind": "worker_welfare", ...}]}

``fit_cases`` fits the discrete-time hazard on the library's relationship-months by penalised likelihood
with the sourced priors as the prior (``fit.fit_risk``): shrinkage toward the research, not
replacement. The library is chosen for being documented, so breakups are over-represented: as in a
case-control study, the effects are estimable but the base rate is not (Prentice & Pyke, *Biometrika*
1979), so the intercepts are fitted with a wide prior and the forecast's are the sourced ones moved by
one constant that keeps the sourced five-year base rate under the fitted effects (``anchor_intercepts``).
Months are counted back from the day before the end, so the last month sees every fact published before
the end, however late. How long news is remembered is chosen on the library by profile likelihood
(``profile``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib.resources
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from scipy.optimize import brentq

from labelpact.errors import InvalidInputError
from labelpact.partners.risk.case import OUTCOMES, Case, load_cases, parse_case
from labelpact.partners.risk.fit import FittedRisk, RiskHistory, fit_risk
from labelpact.partners.risk.forecast import forecast
from labelpact.partners.risk.priors import CAUSES, SIGNALS, RiskPriors, load_priors
from labelpact.partners.risk.signals import RiskInputs, signal_matrix

__all__ = [
    "FITTED_FILE",
    "OUTCOMES",
    "Case",
    "CaseEffect",
    "CaseFit",
    "anchor_intercepts",
    "case_history",
    "fit_cases",
    "library_priors",
    "load_cases",
    "parse_case",
]

_INTERCEPT_SD: Final = 3.0  # the library's base rate says nothing about the world's (case-control sampling)
_Z90: Final = 1.6448536269514722
_FIVE_YEARS: Final = 1826  # days: the horizon of the sourced base rate
_MAX_SHIFT: Final = 5.0  # log-odds the anchoring may move the intercepts


@dataclass(frozen=True, slots=True)
class CaseEffect:
    """A fitted effect: prior and estimate (log-odds per unit per month), its 90% interval, and how many
    cases (and breakups of the effect's cause among them: any cause for ``all``) carry its signal: 0 breakups
    means the prior alone speaks."""

    name: str
    prior: float
    prior_sd: float
    estimate: float
    se: float
    interval: tuple[float, float]
    n_cases: int
    n_breakups: int

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"interval": list(self.interval)}


@dataclass(frozen=True, slots=True)
class CaseFit:
    """The model fitted on ``cases``: ``fitted`` as ``fit_risk`` returns it (library intercepts), ``priors``
    the ones to forecast with (fitted effects, sourced intercepts), ``effects`` the table to report."""

    fitted: FittedRisk
    priors: RiskPriors
    effects: tuple[CaseEffect, ...]
    n_cases: int
    n_breakups: int

    def to_dict(self) -> dict[str, Any]:
        """JSON for ``labelpact risk fit CASES --json``."""
        return self.fitted.to_dict() | {
            "n_cases": self.n_cases,
            "n_breakups": self.n_breakups,
            "effects": [e.to_dict() for e in self.effects],
        }


def case_history(cases: Sequence[Case], *, priors: RiskPriors | None = None) -> RiskHistory:
    """Relationship-months of ``cases`` (n_rows, n_signals), counted back from the day before each end.

    A breakup's last month starts the day before it and ends with it; a continuing case's last month ends
    on the day it was last seen running. Each month sees only facts published by its first day.
    """
    p = priors or load_priors()
    blocks, outcomes, codes = [], [], []
    for code, case in enumerate(cases):
        last = case.end.toordinal() - (1.0 if case.broke else p.month_days)
        n = max(1, int((last - case.start.toordinal()) // p.month_days) + 1)
        starts = last - np.arange(n - 1, -1, -1, dtype=np.float64) * p.month_days
        blocks.append(signal_matrix(case.inputs(case.end - dt.timedelta(days=1)), starts, starts, priors=p))
        outcome = np.full(n, -1, dtype=np.int64)
        if case.broke:
            outcome[-1] = CAUSES.index(case.outcome)
        outcomes.append(outcome)
        codes.append(np.full(n, code, dtype=np.int64))
    if not blocks:
        raise InvalidInputError("at least one case", column="cases")
    return RiskHistory(
        np.concatenate(blocks), np.concatenate(outcomes), np.concatenate(codes), tuple(c.id for c in cases)
    )


def fit_cases(
    cases: Sequence[Case],
    *,
    priors: RiskPriors | None = None,
    penalty: float = 1.0,
    anchor: bool = True,
    base: RiskPriors | None = None,
) -> CaseFit:
    """Effects fitted on ``cases`` with the sourced priors as the prior; see the module docstring.
    The forecast's intercepts keep the five-year base rate of ``base`` (default ``priors``;
    ``anchor_intercepts``); ``anchor=False`` leaves them at the sourced values, for profiles."""
    sourced = priors or load_priors()
    wide = sourced.with_values(
        sourced.values, [_INTERCEPT_SD if e.signal == "intercept" else e.sd for e in sourced.effects]
    )
    history = case_history(cases, priors=sourced)
    fitted = fit_risk(history, priors=wide, penalty=penalty)
    theta = np.array([e.estimate for e in fitted.effects])
    se = np.array([e.se for e in fitted.effects])
    is_base = np.array([e.signal == "intercept" for e in sourced.effects])
    shipped = sourced.with_values(
        np.where(is_base, sourced.values, theta), np.where(is_base, sourced.sds, se)
    )
    if anchor:
        shipped = anchor_intercepts(shipped, base or sourced)
    carries = np.zeros((len(cases), len(SIGNALS)), dtype=bool)
    np.logical_or.at(carries, history.relationship, history.signals != 0)
    broke = np.array([c.broke for c in cases])
    # a cause-specific effect is supported by the breakups of its cause only ("all": by any breakup)
    of_cause = {cause: np.array([c.outcome == cause for c in cases], dtype=bool) for cause in CAUSES}
    effects = []
    for e, f in zip(sourced.effects, fitted.effects, strict=True):
        col = SIGNALS.index(e.signal)
        lo, hi = f.estimate - _Z90 * f.se, f.estimate + _Z90 * f.se
        lo, hi = (max(lo, 0.0), hi) if e.sign == "+" else (lo, min(hi, 0.0)) if e.sign == "-" else (lo, hi)
        effects.append(
            CaseEffect(
                name=e.name,
                prior=e.value,
                prior_sd=e.sd,
                estimate=f.estimate,
                se=f.se,
                interval=(lo, hi),
                n_cases=int(carries[:, col].sum()),
                n_breakups=int((carries[:, col] & of_cause.get(e.cause, broke)).sum()),
            )
        )
    return CaseFit(fitted, shipped, tuple(effects), len(cases), int(broke.sum()))


def anchor_intercepts(model: RiskPriors, reference: RiskPriors) -> RiskPriors:
    """``model`` with its intercepts moved by one constant so that a new relationship with no known
    signals (events arriving at ``arrivals_per_year``) breaks down within five years as often as under
    ``reference``: the sourced base rate (25%, Lunnan & Haugland [R20]), which the library cannot
    estimate (case-control sampling), kept under the fitted effects and half-lives."""
    quiet = RiskInputs(as_of=dt.date(2000, 1, 1), start=dt.date(2000, 1, 1))
    is_base = np.array([e.signal == "intercept" for e in model.effects], dtype=np.float64)

    def moved(shift: float) -> RiskPriors:
        return model.with_values(model.values + shift * is_base, model.sds)

    def five_years(p: RiskPriors) -> float:
        return forecast(quiet, _FIVE_YEARS, priors=p, n_draws=0, explain=False).probability

    target = five_years(reference)
    low, high = (five_years(moved(d)) - target for d in (-_MAX_SHIFT, _MAX_SHIFT))
    if not low < 0.0 < high:  # NaN fails too: effects so large no shift keeps the base rate
        raise InvalidInputError(
            f"fitted effects under which a shift of the intercepts within {_MAX_SHIFT:g} log-odds keeps the "
            "sourced five-year base rate (a larger penalty keeps them near the priors)",
            column="penalty",
            column_kind="field",
            got=f"a base rate from {low + target:.3g} to {high + target:.3g}",
        )
    shift = brentq(lambda d: five_years(moved(d)) - target, -_MAX_SHIFT, _MAX_SHIFT, xtol=1e-6)
    return moved(float(shift))


FITTED_FILE: Final = (
    "data/risk_library_fit.toml"  # library_priors, written by benchmarks/risk_cases.py --write
)


@functools.cache
def library_priors() -> RiskPriors:
    """The forecast's default model: the sourced priors, shaped and refitted on the packaged library
    (``partners/data/risk_library_fit.toml``, kept equal to
    ``profile.shaped_fit(load_cases()).priors`` by a test)."""
    text = importlib.resources.files("labelpact.partners").joinpath(FITTED_FILE).read_text("utf-8")
    return load_priors(text, source=FITTED_FILE)
