"""The partnership-risk model: its terms and sourced priors (``priors``), inputs and signals (``signals``),
how signals become log-odds (``saturation``), the forecast (``forecast``), the fit on a user's history
(``fit``) and on the case library (``library``).

The names of the forecast are re-exported here, so ``from labelpact.partners.risk import forecast`` works.
"""

from __future__ import annotations

from labelpact.partners.risk.forecast import (
    ASSUMABLE,
    Contribution,
    RiskForecast,
    cumulative_incidence,
    forecast,
)
from labelpact.partners.risk.priors import (
    CAUSES,
    FINDING_SIGNALS,
    SIGNALS,
    Effect,
    RiskPriors,
    event_signal,
    load_priors,
)
from labelpact.partners.risk.signals import (
    EventInput,
    QualityPoint,
    RiskInputs,
    new_event_signals,
    signal_matrix,
)

__all__ = [
    "ASSUMABLE",
    "CAUSES",
    "FINDING_SIGNALS",
    "SIGNALS",
    "Contribution",
    "Effect",
    "EventInput",
    "QualityPoint",
    "RiskForecast",
    "RiskInputs",
    "RiskPriors",
    "cumulative_incidence",
    "event_signal",
    "forecast",
    "load_priors",
    "new_event_signals",
    "signal_matrix",
]
