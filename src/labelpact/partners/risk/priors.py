"""The risk model's terms and sourced priors: its causes and signals, the signal each ledger event feeds,
and the effect sizes, half-lives and certainty weights of ``partners/data/risk_priors.toml`` (``load_priors``).
The priors are keyed by signal, so the vocabulary lives here, below ``signals`` and ``forecast``.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from labelpact.errors import InvalidInputError
from labelpact.partners.events import EVENT_KINDS, Meaning

__all__ = [
    "CAUSES",
    "FINDING_SIGNALS",
    "MEANINGS",
    "SIDES",
    "SIGNALS",
    "SIGNAL_COLUMN",
    "Effect",
    "RiskPriors",
    "event_signal",
    "load_priors",
]

FloatArray = npt.NDArray[np.float64]
CAUSES: Final = ("client_exit", "vendor_exit", "buyout")
SIGNALS: Final = (
    "intercept",
    "age_log",
    "age_years",
    "quality_excess",
    "quality_trend",
    "rejection_rate",
    "late_rate",
    "spc_alarm",
    "pay_below_floor",
    "pii_leak",
    "disallowed_license",
    "rival_stake",
    "rival_stake_x_embedded",
    "ownership_change",
    "executive_departure",
    "executive_hire",
    "layoff",
    "customer_exit",
    "quality_complaint",
    "security_incident",
    "lawsuit",
    "funding",
    "contract_change",
    "financial_distress",
    "worker_welfare",
    "regulatory_action",
    "reputation",
    "implicates_client",
    "client_turbulence",
    "client_stake",
    "min_spend",
    "joint_projects",
)
# ethics-audit findings that feed the hazard like events (dated by the audited batch): finding kind ->
# signal. Pay below the floor, personal data leaked, a disallowed licence (issue 17, part 4).
FINDING_SIGNALS: Final = {
    "pay_below_floor": "pay_below_floor",
    "pii": "pii_leak",
    "disallowed_license": "disallowed_license",
}
# shared inside the risk package (signals, forecast): column of each signal, event vocabulary
SIGNAL_COLUMN: Final = {name: i for i, name in enumerate(SIGNALS)}
MEANINGS: Final[tuple[Meaning, ...]] = ("conflict_of_interest", "binding_stake", "implicates_client", "none")
SIDES: Final = ("partner", "client")


@dataclass(frozen=True, slots=True)
class Effect:
    """One prior: signal ``signal`` moves the log-odds of cause ``cause`` (or ``all``) by ``value`` per unit."""

    signal: str
    cause: str
    value: float
    sd: float
    sign: Literal["+", "-", "free"]
    source: str
    note: str

    @property
    def name(self) -> str:
        return f"{self.signal}.{self.cause}"


@dataclass(frozen=True)  # no slots: ``loading`` is cached on the instance
class RiskPriors:
    """The model's effect sizes with their uncertainty, half-lives and certainty weights (one TOML file)."""

    effects: tuple[Effect, ...]
    half_life_days: Mapping[str, float]
    certainty: Mapping[str, float]
    month_days: float = 365.25 / 12
    arrivals_per_year: Mapping[str, float] = field(default_factory=dict)
    # signals whose pull on the client builds up before it fades: days to the peak (see signals)
    lag_days: Mapping[str, float] = field(default_factory=dict)

    @property
    def values(self) -> FloatArray:
        return np.array([e.value for e in self.effects], dtype=np.float64)

    @property
    def sds(self) -> FloatArray:
        return np.array([e.sd for e in self.effects], dtype=np.float64)

    @functools.cached_property
    def loading(self) -> FloatArray:
        """0/1 array (n_effects, n_signals, n_causes): which signal and cause each effect acts on."""
        out = np.zeros((len(self.effects), len(SIGNALS), len(CAUSES)))
        for i, e in enumerate(self.effects):
            causes = range(len(CAUSES)) if e.cause == "all" else [CAUSES.index(e.cause)]
            out[i, SIGNAL_COLUMN[e.signal], list(causes)] = 1.0
        return out

    def coefficients(self, values: FloatArray | None = None) -> FloatArray:
        """Coefficients (..., n_signals, n_causes) from effect values (..., n_effects); default the priors."""
        theta = self.values if values is None else values
        flat = theta @ self.loading.reshape(len(self.effects), -1)
        return flat.reshape(*theta.shape[:-1], len(SIGNALS), len(CAUSES))

    def with_values(
        self, values: Sequence[float] | FloatArray, sds: Sequence[float] | FloatArray
    ) -> RiskPriors:
        """The same priors with new centres and sds (a fitted model used as the prior of the forecast)."""
        effects = tuple(
            dataclasses.replace(e, value=float(v), sd=float(s))
            for e, v, s in zip(self.effects, values, sds, strict=True)
        )
        return dataclasses.replace(self, effects=effects)


@functools.cache
def _packaged_priors() -> RiskPriors:
    text = (
        importlib.resources.files("labelpact.partners").joinpath("data/risk_priors.toml").read_text("utf-8")
    )
    return _parsed(text, "risk_priors.toml", {}, {})


def load_priors(text: str | None = None, *, source: str = "priors") -> RiskPriors:
    """Priors parsed from TOML ``text`` (the packaged ``partners/data/risk_priors.toml`` when None), checked.

    A half-life the text lacks (a fit saved before the signal existed) is the packaged one.
    """
    if text is None:
        return _packaged_priors()
    packaged = _packaged_priors()
    return _parsed(text, source, packaged.half_life_days, packaged.lag_days)


def _parsed(
    text: str, source: str, default_half_life: Mapping[str, float], default_lag: Mapping[str, float]
) -> RiskPriors:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInputError(f"valid TOML ({error})", file=source) from None
    effects = []
    for i, raw in enumerate(doc.get("effect", []), start=1):
        where = f"effect #{i}"
        if raw.get("signal") not in SIGNALS:
            raise InvalidInputError(
                f"a signal in {SIGNALS}", file=source, column=where, got=raw.get("signal")
            )
        if raw.get("cause") not in (*CAUSES, "all"):
            raise InvalidInputError("a cause or 'all'", file=source, column=where, got=raw.get("cause"))
        if raw.get("sign") not in ("+", "-", "free") or not float(raw.get("sd", 0)) > 0:
            raise InvalidInputError("sign '+', '-' or 'free' and sd > 0", file=source, column=where)
        effects.append(
            Effect(
                raw["signal"],
                raw["cause"],
                float(raw["value"]),
                float(raw["sd"]),
                raw["sign"],
                str(raw.get("source", "")),
                str(raw.get("note", "")),
            )
        )
    half_life = {k: float(v) for k, v in doc.get("half_life_days", {}).items()}
    fed = {
        x for k in EVENT_KINDS for m in MEANINGS for s in SIDES if (x := event_signal(k, m, s)) is not None
    }
    for name in (*fed, *FINDING_SIGNALS.values()):
        if name not in half_life and name in default_half_life:
            half_life[name] = default_half_life[name]
    missing = sorted(x for x in fed if x not in half_life and x != "client_stake")
    if missing:
        raise InvalidInputError(f"a half-life for {', '.join(missing)}", file=source, column="half_life_days")
    certainty = {k: float(v) for k, v in doc.get("certainty", {}).items()}
    month_days = float(doc.get("model", {}).get("month_days", 365.25 / 12))
    arrivals = {k: float(v) for k, v in doc.get("arrivals_per_year", {}).items()}
    odd = sorted(k for k, v in arrivals.items() if k not in half_life or not v >= 0)
    if odd:
        raise InvalidInputError("event signals with a half-life and rates >= 0", file=source, column=odd[0])
    lag = {k: float(v) for k, v in doc.get("lag_days", {}).items()}
    if "lag_days" not in doc:  # a fit saved before lags existed keeps the packaged ones
        lag = dict(default_lag)
    if any(k not in half_life or not v > 0 for k, v in lag.items()):
        raise InvalidInputError("event signals with a half-life and lags > 0", file=source, column="lag_days")
    return RiskPriors(tuple(effects), half_life, certainty, month_days, arrivals, lag)


def event_signal(kind: str, meaning: Meaning = "none", side: str = "partner") -> str | None:
    """The signal an event feeds: a stake by a rival is ``rival_stake``, by the client ``client_stake``."""
    if side == "client":
        return "client_turbulence" if kind in ("executive_departure", "layoff") else None
    if kind in ("investment", "acquisition"):
        return {"conflict_of_interest": "rival_stake", "binding_stake": "client_stake"}.get(
            meaning, "ownership_change"
        )
    return None if kind == "other" else kind
