"""Calibrating the partnership-risk model on a user's own history of relationship-months.

The fit is a penalised multinomial logistic regression on person-period rows (the discrete-time
competing-risks likelihood, Allison 1982; Singer & Willett 1993), with a Gaussian penalty pulling each
effect toward its prior (a MAP estimate under the priors of ``risk_priors.toml``) and the research's
signs kept as bounds (L-BFGS-B). Adverse news enters through its saturated log-odds
(``saturation.log_odds``), so the log-odds are linear in every effect but the adverse ones, whose gradient
carries the saturation's slope. Standard errors come from the penalised Fisher information.

The history (HISTORY files and whole past relationships) is read by ``history``; its names are
re-exported here.

Example::

    >>> from synthetic.portfolio import simulate_portfolio  # benchmarks/synthetic, not in the wheel
    >>> fitted = fit_risk(history_from_cases(simulate_portfolio(300, seed=1)))
    >>> fitted.converged, fitted.brier < fitted.brier_reference
    (True, True)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from scipy.special import logsumexp

from labelpact.errors import InvalidInputError, warn_convergence
from labelpact.partners.risk.history import (
    OUTCOMES,
    HistoryCase,
    RiskHistory,
    history_from_cases,
    history_from_rows,
)
from labelpact.partners.risk.priors import CAUSES, SIGNALS, RiskPriors, load_priors
from labelpact.partners.risk.saturation import log_odds, log_odds_and_slopes

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
MAX_PENALTY: Final = 1e6  # beyond it every effect sits on its prior: weights of 1e308 overflow the fit
# log-odds per unit no effect reaches where the likelihood has a maximum (the priors' largest is 3): an
# estimate beyond it ran off toward infinity (separation, or a cause the history never shows)
_RUNAWAY: Final = 50.0
# a standard error this many times the prior sd: the likelihood is flat there (with a penalty it cannot be)
_SEPARATED: Final = 10.0


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
    eta = log_odds(signals, priors.coefficients())
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
    if not 0.0 <= penalty <= MAX_PENALTY:  # NaN fails too
        raise InvalidInputError(
            f"a penalty from 0 to {MAX_PENALTY:g}", column="penalty", column_kind="field", got=str(penalty)
        )
    x, y = history.signals, history.outcome
    _check_identified(history)
    onehot = np.zeros((y.size, len(CAUSES)))
    onehot[y >= 0, y[y >= 0]] = 1.0
    loading = p.loading.reshape(len(p.effects), -1)
    prior, sd = p.values, p.sds
    # an effect whose signal the history does not carry has no data: it stays at its prior
    free = np.array([e.signal in history.observed for e in p.effects])
    weight = penalty / sd**2

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        coef = (theta @ loading).reshape(len(SIGNALS), len(CAUSES))
        eta, slopes = log_odds_and_slopes(x, coef)
        log_norm = logsumexp(np.hstack([np.zeros((y.size, 1)), eta]), axis=1)
        loglik = float(np.sum(onehot * eta) - np.sum(log_norm))
        resid = onehot - np.exp(eta - log_norm[:, None])
        # d eta_c / d b_sc = x_s * slope (1 for linear signals; the saturation's slope for adverse news)
        grad = loading @ np.einsum("is,isc,ic->sc", x, slopes, resid).ravel()
        gap = theta - prior
        return -loglik + 0.5 * float(np.sum(weight * gap**2)), -grad + weight * gap

    bounds = [
        (0.0, None) if e.sign == "+" else (None, 0.0) if e.sign == "-" else (None, None) for e in p.effects
    ]
    bounds = [b if f else (v, v) for b, f, v in zip(bounds, free, prior, strict=True)]
    result = minimize(
        objective, prior.copy(), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": max_iter}
    )
    theta = np.asarray(result.x, dtype=np.float64)
    _check_maximum(p, theta, float(result.fun), penalty)
    if not result.success:
        warn_convergence(f"risk fit stopped before converging: {result.message}", stacklevel=2)
    se = _standard_errors(x, theta, loading, weight, free, sd)
    _check_separation(p, se, free, penalty)
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


def _check_maximum(p: RiskPriors, theta: FloatArray, objective: float, penalty: float) -> None:
    """Refuse a fit whose likelihood has no finite maximum: an estimate that ran off toward infinity
    (possible only with little or no penalty) or a non-finite objective would be reported as a model."""
    runaway = [
        (e.name, t) for e, t in zip(p.effects, theta, strict=True) if not abs(t) <= _RUNAWAY + abs(e.value)
    ]
    if runaway or not math.isfinite(objective):
        name, value = runaway[0] if runaway else ("log_likelihood", objective)
        raise InvalidInputError(
            "a larger penalty for this history (with too little, its likelihood has no finite maximum)",
            column="penalty",
            column_kind="field",
            got=f"{penalty:g} ({name} runs off to {value:+.4g})",
        )


def _check_identified(history: RiskHistory) -> None:
    """Refuse a history that cannot tell any effect's size: without a breakup, or with nothing but breakups,
    every hazard fits perfectly at 0 or 1 (separation), and a fit would report a Brier score of 0."""
    broke = int(np.sum(history.outcome >= 0))
    if broke == 0 or broke == history.n_rows:
        what = "none a breakup" if broke == 0 else "every one a breakup"
        raise InvalidInputError(
            "a history with both breakups and relationship-months without one (it cannot tell an effect's "
            "size otherwise)",
            column="history",
            column_kind="field",
            got=f"{history.n_rows} relationship-month(s), {what}",
        )


def _check_separation(p: RiskPriors, se: FloatArray, free: npt.NDArray[np.bool_], penalty: float) -> None:
    """Refuse a fit the history does not identify: an effect whose standard error is ``_SEPARATED`` times its
    prior sd or more sits on a flat ridge of the likelihood (separation), not at an estimate, and its draws
    overflow the forecast's interval."""
    loose = [
        (e.name, s / e.sd)
        for e, s, f in zip(p.effects, se, free, strict=True)
        if f and s >= _SEPARATED * e.sd
    ]
    if loose:
        name, ratio = max(loose, key=lambda pair: pair[1])
        raise InvalidInputError(
            "a history that identifies every effect it carries, or a larger penalty (this one separates: an "
            "effect's likelihood is flat toward infinity)",
            column="penalty",
            column_kind="field",
            got=f"{penalty:g} ({name}: standard error {ratio:.0f} times its prior sd)",
        )


def _standard_errors(
    x: FloatArray,
    theta: FloatArray,
    loading: FloatArray,
    weight: FloatArray,
    free: npt.NDArray[np.bool_],
    sd: FloatArray,
) -> FloatArray:
    """Square roots of the diagonal of the inverse penalised Fisher information, effect by effect."""
    n_signals, n_causes = len(SIGNALS), len(CAUSES)
    coef = (theta @ loading).reshape(n_signals, n_causes)
    eta, slopes = log_odds_and_slopes(x, coef)
    prob = np.exp(eta - logsumexp(np.hstack([np.zeros((x.shape[0], 1)), eta]), axis=1, keepdims=True))
    design = x[:, :, None] * slopes  # d eta_c / d b_sc (n_rows, n_signals, n_causes)
    info = np.zeros((n_signals, n_causes, n_signals, n_causes))
    for k in range(n_causes):  # multinomial information: sum_i J_i' (diag(p_i) - p_i p_i') J_i
        for m in range(n_causes):
            w = prob[:, k] * ((k == m) - prob[:, m])
            info[:, k, :, m] = design[:, :, k].T @ (design[:, :, m] * w[:, None])
    hessian = loading @ info.reshape(n_signals * n_causes, -1) @ loading.T + np.diag(weight)
    se = np.sqrt(np.clip(np.diag(np.linalg.pinv(hessian)), 0.0, None))
    return np.where(free, np.maximum(se, 1e-6), sd)
