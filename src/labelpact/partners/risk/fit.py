"""Calibrating the partnership-risk model on a user's own history of relationship-months.

The fit is a penalised multinomial logistic regression on person-period rows (the discrete-time
competing-risks likelihood, Allison 1982; Singer & Willett 1993), with a Gaussian penalty pulling each
effect toward its prior (a MAP estimate under the priors of ``risk_priors.toml``) and the research's
signs kept as bounds (L-BFGS-B). Standard errors come from the penalised observed information.

HISTORY file (CSV, one row per relationship-month, the header on line 1)::

    relationship,month,outcome,quality_excess,late_rate,rival_stake,client_stake,...
    acme-vendorx,2023-01,,0,0.1,0,0
    acme-vendorx,2023-02,client_exit,3.5,0.4,1,0

- ``relationship`` (text) and ``month`` (``YYYY-MM`` or ``YYYY-MM-DD``) are required; each relationship's
  months must be consecutive, without repeats.
- ``outcome`` is blank (still together at the month's end), ``client_exit``, ``vendor_exit``, ``buyout``
  or ``expiry`` (planned end: censored); nothing may follow an outcome.
- ``age_months`` (optional) is the relationship's age at the row; without it, months since its first row.
- Any signal of ``risk.SIGNALS`` but the intercept and age terms may be a column, in the unit the note
  of its effect in ``partners/data/risk_priors.toml`` gives (points above the error limit, a rate, 0/1, a decayed
  event weight as ``risk.signal_matrix`` computes it); an absent column is 0 and its effect keeps its prior.
A history of whole relationships (``RiskInputs`` plus how they ended) goes through ``history_from_cases``,
which builds the same rows with the forecast's own signal code and also measures how often each kind
of event arrives (events per relationship-year), which then replaces the priors' ``arrivals_per_year``.

Example::

    >>> from synthetic.portfolio import simulate_portfolio  # benchmarks/synthetic, not in the wheel
    >>> fitted = fit_risk(history_from_cases(simulate_portfolio(300, seed=1)))
    >>> fitted.converged, fitted.brier < fitted.brier_reference
    (True, True)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from scipy.special import logsumexp

from labelpact.errors import ConvergenceWarning, InvalidInputError
from labelpact.partners.risk.priors import CAUSES, SIGNALS, RiskPriors, event_signal, load_priors
from labelpact.partners.risk.signals import RiskInputs, signal_matrix

__all__ = [
    "OUTCOMES",
    "CalibrationBin",
    "FittedEffect",
    "FittedRisk",
    "HistoryCase",
    "RiskHistory",
    "brier_score",
    "calibration_table",
    "fit_risk",
    "history_from_cases",
    "history_from_rows",
    "monthly_hazard",
    "priors_toml",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
OUTCOMES: Final = ("", *CAUSES, "expiry")
_AGE_SIGNALS: Final = ("age_log", "age_years")
_REFERENCE_AGE: Final = 24.0
_MONTH = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


@dataclass(frozen=True, slots=True)
class RiskHistory:
    """Relationship-months: ``signals`` (n_rows, n_signals) in ``risk.SIGNALS`` order, ``outcome`` (n_rows,)
    the cause index that ended the relationship that month or -1, ``relationship`` (n_rows,) codes."""

    signals: FloatArray
    outcome: IntArray
    relationship: IntArray
    relationships: tuple[str, ...]
    observed: frozenset[str] = frozenset(SIGNALS)  # signals the history carries (others are all 0)
    arrivals_per_year: Mapping[str, float] | None = None  # event rates seen in the ledger, when known

    @property
    def n_rows(self) -> int:
        return int(self.outcome.shape[0])


@dataclass(frozen=True, slots=True)
class HistoryCase:
    """One past relationship: its inputs with ``as_of`` the start of its last observed month, and how
    that month ended (``outcome`` in ``OUTCOMES``; blank if it was still running)."""

    id: str
    inputs: RiskInputs
    outcome: str = ""


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    """One bin of a calibration table: ``n`` predictions averaging ``predicted``, of which ``observed`` happened."""

    n: int
    predicted: float
    observed: float


@dataclass(frozen=True, slots=True)
class FittedEffect:
    """An effect's prior centre, its estimate and standard error; ``name`` is ``signal.cause``."""

    name: str
    prior: float
    prior_sd: float
    estimate: float
    se: float


@dataclass(frozen=True, slots=True)
class FittedRisk:
    """A fitted risk model: ``priors`` (estimates as centres, standard errors as sds) feed ``forecast``;
    Brier score and calibration are in-sample, per relationship-month, on the all-cause hazard."""

    priors: RiskPriors
    effects: tuple[FittedEffect, ...]
    brier: float
    brier_reference: float
    calibration: tuple[CalibrationBin, ...]
    log_likelihood: float
    n_rows: int
    n_relationships: int
    n_events: Mapping[str, int]
    converged: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON for ``labelpact risk fit --json``."""
        return {
            "n_rows": self.n_rows,
            "n_relationships": self.n_relationships,
            "n_events": dict(self.n_events),
            "brier": self.brier,
            "brier_reference": self.brier_reference,
            "log_likelihood": self.log_likelihood,
            "converged": self.converged,
            "effects": [
                {"name": e.name, "prior": e.prior, "prior_sd": e.prior_sd, "estimate": e.estimate, "se": e.se}
                for e in self.effects
            ],
            "calibration": [
                {"n": b.n, "predicted": b.predicted, "observed": b.observed} for b in self.calibration
            ],
        }


def history_from_cases(cases: Sequence[HistoryCase], *, priors: RiskPriors | None = None) -> RiskHistory:
    """Relationship-months of ``cases``: month k of a case starts ``k`` months after its start and sees
    only what was known then, exactly as ``forecast`` builds its months."""
    p = priors or load_priors()
    blocks, outcomes, codes = [], [], []
    counts = dict.fromkeys(p.arrivals_per_year, 0)
    exposure_days = 0.0
    for code, case in enumerate(cases):
        if case.outcome not in OUTCOMES:
            raise InvalidInputError(f"an outcome in {OUTCOMES}", column=f"case {case.id}", got=case.outcome)
        start = case.inputs.start.toordinal()
        n = int((case.inputs.as_of.toordinal() - start) // p.month_days) + 1
        starts = start + np.arange(n, dtype=np.float64) * p.month_days
        blocks.append(signal_matrix(case.inputs, starts, starts, priors=p))
        outcome = np.full(n, -1, dtype=np.int64)
        if case.outcome in CAUSES:
            outcome[-1] = CAUSES.index(case.outcome)
        outcomes.append(outcome)
        codes.append(np.full(n, code, dtype=np.int64))
        exposure_days += n * p.month_days
        for e in case.inputs.events:
            signal = event_signal(e.kind, e.meaning, e.side)
            if signal in counts and case.inputs.start <= e.date <= case.inputs.as_of:
                counts[signal] += 1
    if not blocks:
        raise InvalidInputError("at least one relationship", column="history")
    rates = {s: k * 365.25 / exposure_days for s, k in counts.items()}
    ids = tuple(c.id for c in cases)
    return RiskHistory(
        np.concatenate(blocks), np.concatenate(outcomes), np.concatenate(codes), ids, arrivals_per_year=rates
    )


def history_from_rows(rows: Sequence[Mapping[str, str | None]], *, source: str = "history") -> RiskHistory:
    """A ``RiskHistory`` from HISTORY rows as ``csv.DictReader`` gives them (the header is line 1)."""
    if not rows:
        raise InvalidInputError("at least one relationship-month row", file=source)
    columns = list(rows[0])
    known = {"relationship", "month", "outcome", "age_months", *SIGNALS} - {"intercept", *_AGE_SIGNALS}
    for name in ("relationship", "month"):
        if name not in columns:
            raise InvalidInputError(f"a column {name!r}", file=source, row=1, got=", ".join(columns))
    for name in columns:
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.8)
        if name not in known and close:
            raise InvalidInputError(
                f"a known column; did you mean {close[0]!r}?", file=source, row=1, column=name
            )
    signals = [s for s in columns if s in known and s in SIGNALS]
    x = np.zeros((len(rows), len(SIGNALS)))
    x[:, SIGNALS.index("intercept")] = 1.0
    outcome = np.full(len(rows), -1, dtype=np.int64)
    rel_names: dict[str, int] = {}
    relationship = np.zeros(len(rows), dtype=np.int64)
    month_index = np.zeros(len(rows), dtype=np.int64)
    ages = np.full(len(rows), np.nan)
    ended: dict[int, int] = {}
    for i, row in enumerate(rows):
        line = i + 2
        name = (row.get("relationship") or "").strip()
        if not name:
            raise InvalidInputError("a relationship name", file=source, row=line, column="relationship")
        code = relationship[i] = rel_names.setdefault(name, len(rel_names))
        month_index[i] = _month(row.get("month"), source, line)
        if code in ended:
            raise InvalidInputError(
                "no month after the relationship's outcome", file=source, row=line, column="month", got=name
            )
        text = (row.get("outcome") or "").strip()
        if text not in OUTCOMES:
            raise InvalidInputError(
                f"an outcome in {OUTCOMES[1:]} or blank", file=source, row=line, column="outcome", got=text
            )
        if text:
            ended[code] = line
            outcome[i] = CAUSES.index(text) if text in CAUSES else -1
        for s in signals:
            x[i, SIGNALS.index(s)] = _value(row.get(s), source, line, s)
        if "age_months" in columns:
            ages[i] = _value(row.get("age_months"), source, line, "age_months")
    for code in range(len(rel_names)):
        months = month_index[relationship == code]
        if np.any(np.diff(months) != 1):
            line = int(np.flatnonzero(relationship == code)[np.flatnonzero(np.diff(months) != 1)[0] + 1]) + 2
            raise InvalidInputError(
                "consecutive months, one row each, in order", file=source, row=line, column="month"
            )
    if "age_months" not in columns:
        first = np.full(len(rel_names), np.iinfo(np.int64).max)
        np.minimum.at(first, relationship, month_index)
        ages = (month_index - first[relationship]).astype(np.float64)
    x[:, SIGNALS.index("age_log")] = np.log1p(ages) - math.log1p(_REFERENCE_AGE)
    x[:, SIGNALS.index("age_years")] = (ages - _REFERENCE_AGE) / 12.0
    observed = frozenset({"intercept", *_AGE_SIGNALS, *signals})
    return RiskHistory(x, outcome, relationship, tuple(rel_names), observed)


def priors_toml(priors: RiskPriors) -> str:
    """``priors`` as TOML that ``risk.load_priors`` reads back: save a fitted model for later forecasts."""

    def text(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["# written by labelpact.partners.risk.fit.priors_toml", "", "[model]"]
    lines += [f"month_days = {priors.month_days!r}", f"causes = [{', '.join(map(text, CAUSES))}]", ""]
    for table in ("certainty", "half_life_days", "arrivals_per_year", "lag_days"):
        lines.append(f"[{table}]")
        lines += [f"{k} = {float(v)!r}" for k, v in getattr(priors, table).items()]
        lines.append("")
    for e in priors.effects:
        lines += ["[[effect]]", f"signal = {text(e.signal)}", f"cause = {text(e.cause)}"]
        lines += [f"value = {e.value!r}", f"sd = {e.sd!r}", f"sign = {text(e.sign)}"]
        lines += [f"source = {text(e.source)}", f"note = {text(e.note)}", ""]
    return "\n".join(lines)


def monthly_hazard(priors: RiskPriors, signals: FloatArray) -> FloatArray:
    """Cause-specific monthly hazards (n_rows, n_causes) of ``signals`` (n_rows, n_signals) under ``priors``."""
    eta = signals @ priors.coefficients()
    zero = np.zeros((eta.shape[0], 1))
    out: FloatArray = np.exp(eta - logsumexp(np.hstack([zero, eta]), axis=1, keepdims=True))
    return out


def brier_score(predicted: FloatArray, observed: FloatArray) -> float:
    """Mean squared difference between predicted probabilities and 0/1 outcomes (Brier 1950)."""
    return float(np.mean((np.asarray(predicted) - np.asarray(observed)) ** 2))


def calibration_table(
    predicted: FloatArray, observed: FloatArray, n_bins: int = 10
) -> tuple[CalibrationBin, ...]:
    """Predicted against observed rates in ``n_bins`` equal-count bins of the prediction (deciles by default)."""
    order = np.argsort(predicted, kind="stable")
    return tuple(
        CalibrationBin(int(chunk.size), float(np.mean(predicted[chunk])), float(np.mean(observed[chunk])))
        for chunk in np.array_split(order, n_bins)
        if chunk.size
    )


def fit_risk(
    history: RiskHistory, *, priors: RiskPriors | None = None, penalty: float = 1.0, max_iter: int = 1000
) -> FittedRisk:
    """Effect sizes estimated from ``history``: maximise log-likelihood - penalty/2 * sum(((b - prior)/sd)^2)
    subject to the priors' signs. ``penalty=0`` is plain maximum likelihood (with the signs kept)."""
    p = priors or load_priors()
    if not penalty >= 0:
        raise InvalidInputError("a penalty >= 0", column="penalty", got=str(penalty))
    x, y = history.signals, history.outcome
    onehot = np.zeros((y.size, len(CAUSES)))
    onehot[y >= 0, y[y >= 0]] = 1.0
    loading = p.loading.reshape(len(p.effects), -1)
    prior, sd = p.values, p.sds
    # an effect whose signal the history does not carry has no data: it stays at its prior
    free = np.array([e.signal in history.observed for e in p.effects])
    weight = penalty / sd**2

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        eta = x @ (theta @ loading).reshape(len(SIGNALS), len(CAUSES))
        log_norm = logsumexp(np.hstack([np.zeros((y.size, 1)), eta]), axis=1)
        loglik = float(np.sum(onehot * eta) - np.sum(log_norm))
        resid = onehot - np.exp(eta - log_norm[:, None])
        grad = loading @ (x.T @ resid).ravel()
        gap = theta - prior
        return -loglik + 0.5 * float(np.sum(weight * gap**2)), -grad + weight * gap

    bounds = [
        (0.0, None) if e.sign == "+" else (None, 0.0) if e.sign == "-" else (None, None) for e in p.effects
    ]
    bounds = [b if f else (v, v) for b, f, v in zip(bounds, free, prior, strict=True)]
    result = minimize(
        objective, prior.copy(), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": max_iter}
    )
    if not result.success:
        warnings.warn(
            f"risk fit stopped before converging: {result.message}", ConvergenceWarning, stacklevel=2
        )
    theta = np.asarray(result.x, dtype=np.float64)
    se = _standard_errors(x, theta, loading, weight, free, sd)
    fitted = p.with_values(theta, se)
    if history.arrivals_per_year is not None:  # the ledger's own event rates replace the assumed ones
        fitted = dataclasses.replace(fitted, arrivals_per_year=dict(history.arrivals_per_year))
    hazard = monthly_hazard(fitted, x).sum(axis=1)
    happened = (y >= 0).astype(np.float64)
    counts = {c: int(np.sum(y == k)) for k, c in enumerate(CAUSES)}
    return FittedRisk(
        priors=fitted,
        effects=tuple(
            FittedEffect(e.name, e.value, e.sd, float(t), float(s))
            for e, t, s in zip(p.effects, theta, se, strict=True)
        ),
        brier=brier_score(hazard, happened),
        brier_reference=brier_score(np.full(y.size, happened.mean()), happened),
        calibration=calibration_table(hazard, happened),
        log_likelihood=-float(result.fun) + 0.5 * float(np.sum(weight * (theta - prior) ** 2)),
        n_rows=history.n_rows,
        n_relationships=len(history.relationships),
        n_events=counts,
        converged=bool(result.success),
    )


def _standard_errors(
    x: FloatArray,
    theta: FloatArray,
    loading: FloatArray,
    weight: FloatArray,
    free: npt.NDArray[np.bool_],
    sd: FloatArray,
) -> FloatArray:
    """Square roots of the diagonal of the inverse penalised information, effect by effect."""
    n_signals, n_causes = len(SIGNALS), len(CAUSES)
    eta = x @ (theta @ loading).reshape(n_signals, n_causes)
    prob = np.exp(eta - logsumexp(np.hstack([np.zeros((x.shape[0], 1)), eta]), axis=1, keepdims=True))
    info = np.zeros((n_signals, n_causes, n_signals, n_causes))
    for k in range(n_causes):  # multinomial information: sum_i x_i x_i' (diag(p_i) - p_i p_i')
        for m in range(n_causes):
            w = prob[:, k] * ((k == m) - prob[:, m])
            info[:, k, :, m] = x.T @ (x * w[:, None])
    hessian = loading @ info.reshape(n_signals * n_causes, -1) @ loading.T + np.diag(weight)
    se = np.sqrt(np.clip(np.diag(np.linalg.pinv(hessian)), 0.0, None))
    return np.where(free, np.maximum(se, 1e-6), sd)


def _month(text: str | None, source: str, line: int) -> int:
    match = _MONTH.fullmatch((text or "").strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise InvalidInputError(
            "a month YYYY-MM (or a date YYYY-MM-DD)", file=source, row=line, column="month", got=text
        )
    if match[3]:
        try:
            dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise InvalidInputError("a real date", file=source, row=line, column="month", got=text) from None
    return int(match[1]) * 12 + int(match[2]) - 1


def _value(text: str | None, source: str, line: int, column: str) -> float:
    raw = (text or "").strip()
    if not raw:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InvalidInputError(
            "a finite number (blank for 0)", file=source, row=line, column=column, got=raw
        )
    return value
