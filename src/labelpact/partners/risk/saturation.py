"""How the risk model turns signals into monthly log-odds: linear, except adverse news, which saturates on
the log-odds (``log_odds``), so that no adverse event can lower the risk.

A vendor in trouble makes many headlines, and they are correlated: ten reports, a ruling and two
departures about one failure are not thirteen independent shocks (Jensen, *ASQ* 2006, counts a scandal
once). For each cause, each adverse kind's term ``z = x b`` (``ADVERSE_POOL``; log-odds) counts ``z`` up
to ``k = SATURATION`` and ``k (1 + log(z / k))`` above it (more news of one kind adds its log), and the
kinds combine as a soft maximum, ``t log(1 + sum (exp(z / t) - 1))`` with ``t = TEMPERATURE``: the worst
kind counts in full and the others add at most ``t log(number of kinds)``, so the severity of a vendor's
news matters, not the number of its headlines. The ``implicates_client`` addition saturates the same way
on its own. Both maps increase in every term and every adverse effect is signed ``+``, so an added adverse
event adds a non-negative amount to every cause's log-odds. (Pooling units before weighting them by
their effects, the model before, let a weak kind dilute the stronger kinds' share and lower the risk.)
Each event keeps its share of its group's term in the explanation. Chosen by leave-one-case-out on the
library (docs/risk-cases.md).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from labelpact.partners.risk.priors import SIGNAL_COLUMN, SIGNALS

__all__ = ["ADVERSE_POOL", "SATURATION", "TEMPERATURE", "log_odds", "log_odds_and_slopes", "saturated_shares"]

FloatArray = npt.NDArray[np.float64]
SATURATION: float | None = 1.0  # a kind's log-odds beyond which more of its news adds a log (None: off)
TEMPERATURE: Final = 0.5  # log-odds: how much kinds beyond the worst add (0: the worst alone; large: sum)
# adverse news about the partner, combined as one group on each cause's log-odds
ADVERSE_POOL: Final = (
    "executive_departure",
    "layoff",
    "customer_exit",
    "quality_complaint",
    "security_incident",
    "lawsuit",
    "financial_distress",
    "worker_welfare",
    "regulatory_action",
    "reputation",
)
# the saturating groups of signal columns: the adverse kinds, and ``implicates_client`` on its own
_GROUPS: Final = (
    np.array([SIGNAL_COLUMN[k] for k in ADVERSE_POOL]),
    np.array([SIGNAL_COLUMN["implicates_client"]]),
)
_LINEAR: Final = np.array([i for i in range(len(SIGNALS)) if all(i not in g for g in _GROUPS)])


def log_odds(signals: FloatArray, coef: FloatArray) -> FloatArray:
    """Monthly log-odds (..., n_rows, n_causes) of ``signals`` (..., n_rows, n_signals) under coefficients
    ``coef`` (..., n_signals, n_causes): ``signals @ coef`` with each adverse group's term saturated."""
    eta: FloatArray = signals[..., _LINEAR] @ coef[..., _LINEAR, :]
    for cols in _GROUPS:
        eta = eta + _group(signals[..., cols, None] * coef[..., cols, :][..., None, :, :])[0]
    return eta


def log_odds_and_slopes(signals: FloatArray, coef: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``log_odds`` of ``signals`` (n_rows, n_signals) under ``coef`` (n_signals, n_causes), and with it
    d log_odds / d (x_s b_sc) per row, signal and cause (n_rows, n_signals, n_causes; 1 for linear signals):
    what the fit's gradient and information use, each group's saturation computed once for both."""
    eta: FloatArray = signals[:, _LINEAR] @ coef[_LINEAR, :]
    slopes = np.ones((signals.shape[0], len(SIGNALS), coef.shape[-1]))
    for cols in _GROUPS:
        value, slopes[:, cols, :] = _group(signals[:, cols, None] * coef[cols, :])
        eta = eta + value
    return eta, slopes


def saturated_shares(signals: FloatArray, coef: FloatArray) -> FloatArray:
    """Factor (n_rows, n_signals, n_causes) by which each signal's linear term ``x_s b_sc`` is scaled in
    ``log_odds``: its share of its group's saturated term (1 for linear signals), for explanations."""
    out = np.ones((signals.shape[0], len(SIGNALS), coef.shape[-1]))
    for cols in _GROUPS:
        terms = signals[:, cols, None] * coef[cols, :]
        total = terms.sum(axis=-2)
        ratio = np.divide(_group(terms)[0], total, out=np.ones_like(total), where=total > 0)
        out[:, cols, :] = ratio[:, None, :]
    return out


def _group(terms: FloatArray) -> tuple[FloatArray, FloatArray]:
    """A group's term (..., n_rows, n_causes) from its signals' terms ``z`` (..., n_rows, n_cols, n_causes),
    and its derivative with respect to each (shape of ``terms``): each kind's term squashed (``_squash``),
    then ``t log(1 + sum_s (exp(z_s / t) - 1))`` with ``t = TEMPERATURE``, in a stable form."""
    z = _squash(terms) / TEMPERATURE
    top = z.max(axis=-2, keepdims=True)
    inner = np.exp(z - top).sum(axis=-2, keepdims=True) + (1.0 - terms.shape[-2]) * np.exp(-top)
    value: FloatArray = TEMPERATURE * (top + np.log(inner))[..., 0, :]
    grad: FloatArray = np.exp(z - top) / inner * _slope(terms)
    return value, grad


def _squash(a: FloatArray) -> FloatArray:
    """``a`` up to ``SATURATION``, ``k (1 + log(a / k))`` above it: continuous, increasing, slope 1 then k/a."""
    if SATURATION is None:
        return a
    k = SATURATION
    out: FloatArray = np.where(a > k, k * (1.0 + np.log(np.maximum(a, k) / k)), a)
    return out


def _slope(a: FloatArray) -> FloatArray:
    if SATURATION is None:
        return np.ones_like(a)
    out: FloatArray = np.where(a > SATURATION, SATURATION / np.maximum(a, SATURATION), 1.0)
    return out
