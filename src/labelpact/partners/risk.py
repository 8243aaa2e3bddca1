"""The partnership-risk forecast: a transparent discrete-time hazard model with competing causes.

Each relationship-month, cause ``k`` (client exit, vendor exit, buyout; planned expiry is censoring)
has the multinomial-logit hazard ``P(k | together) = exp(eta_k) / (1 + sum_j exp(eta_j))`` with
``eta_k = intercept_k + beta_age * age + sum_s beta_sk * x_s``: the discrete-time competing-risks
model (Allison, *Sociological Methodology* 1982; RESEARCH.md B.6). Signals ``x_s`` are the quality
state and trend from audits, SLA misses, events that decay with a half-life, and stabilisers; signs
come from the research, sizes are sourced priors in ``data/risk_priors.toml`` (``risk_fit`` re-estimates
them). The chance of breakdown within a horizon is the cumulative incidence over months, all causes.

Assumptions, stated once: signals known at ``as_of`` carry forward (events keep decaying, quality
stays at its last audited level), anything dated after ``as_of`` is invisible, and events not yet known
arrive at assumed rates (``arrivals_per_year``; the forecast averages over simulated futures). Example (a rival of the client takes 49% of a partner it shares three projects with)::

    >>> import datetime as dt
    >>> stake = EventInput("e1", "investment", dt.date(2025, 6, 12), 0.49, "conflict_of_interest", "confirmed")
    >>> inputs = RiskInputs(as_of=dt.date(2025, 6, 13), start=dt.date(2021, 1, 1), n_projects=3,
    ...                     events=(stake,))
    >>> f = forecast(inputs, 365)
    >>> round(f.baseline_probability, 2), round(f.probability, 2), [round(x, 2) for x in f.interval]
    (0.04, 0.2, [0.06, 0.58])
    >>> [(c.signal, c.event_id, round(c.effect, 3)) for c in f.contributions]
    [('rival_stake', 'e1', 0.162), ('joint_projects', None, -0.077), ('new_events', None, 0.043)]
    >>> round(forecast(inputs, 365, without=["e1"]).probability, 2)  # the three projects hold it below 0.04
    0.03

The Meta–Scale case (tests/unit/partners/test_risk.py): for Google, a rival's 49% stake on 2025-06-12
lifts its 90-day risk from 0.6% to about 12% (it left the next day); for Meta, the client that took
the stake, a dozen warnings by 2025-09-01 leave the 1-year risk near 3%, held down by the stake and the
reported minimum spend (7% without them): stabilisers can outweigh many warning signals (RESEARCH.md B.3).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib.resources
import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
from scipy.special import logsumexp

from labelpact.errors import InvalidInputError, NotFoundError
from labelpact.partners.events import EVENT_KINDS, Event, Meaning, meaning

__all__ = [
    "ASSUMABLE",
    "CAUSES",
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
    "client_turbulence",
    "client_stake",
    "min_spend",
    "joint_projects",
)
_COL: Final = {name: i for i, name in enumerate(SIGNALS)}
_BASELINE: Final = ("intercept", "age_log", "age_years")
_STATE: Final = ("quality_excess", "quality_trend", "rejection_rate", "late_rate", "spc_alarm")
_STABILISERS: Final = ("client_stake", "min_spend", "joint_projects")
# inputs ``assume`` may override besides any signal name (see ``forecast``)
ASSUMABLE: Final = (
    *("equity_stake", "min_spend", "n_projects", "max_error_rate", "partner_headcount"),
    *("error_rate", "on_time_rate"),
    *(s for s in SIGNALS if s not in _BASELINE),
)
_REFERENCE_AGE: Final = 24.0  # months
_MAX_UNITS: Final = 3.0  # an event counts at most 3 units (3 executives, a 30% layoff)
_INTERVAL_PATHS: Final = 32  # futures each drawn model of the interval averages over
_PSEUDO_AUDITS: Final = 3.0  # weight of the partner's whole record in its recent rates
_QUALITY_WINDOW: Final = 90  # days over which rejection and late rates are taken
_TREND_WINDOW: Final = 180  # days over which the error-rate slope is fitted


@dataclass(frozen=True, slots=True)
class EventInput:
    """One ledger event as the model sees it; ``meaning`` as ``events.meaning`` gives it for the client.

    ``magnitude`` is in ``events.MAGNITUDE_MEANING`` units; ``certainty`` a ``events.CERTAINTIES`` label
    or a weight in [0, 1]; ``side="client"`` marks turbulence at the client (its own layoff or departure).
    """

    id: str
    kind: str
    date: dt.date
    magnitude: float | None = None
    meaning: Meaning = "none"
    certainty: str | float | None = None
    side: Literal["partner", "client"] = "partner"

    @classmethod
    def from_event(cls, event: Event, *, client: str | None, rivals: Iterable[str]) -> EventInput:
        """The model's view of a ledger event, its meaning judged for ``client`` and its ``rivals``."""
        return cls(
            id=event.id or f"{event.kind}@{event.date.isoformat()}",
            kind=event.kind,
            date=event.date,
            magnitude=event.magnitude,
            meaning=meaning(event, client=client, rivals=rivals),
            certainty=event.certainty,
        )


@dataclass(frozen=True, slots=True)
class QualityPoint:
    """One audit of the partner's work: estimated error rate (or gold accuracy), verdict, delivered on time."""

    date: dt.date
    error_rate: float | None = None
    gold_accuracy: float | None = None
    verdict: str | None = None
    on_time: bool | None = None


@dataclass(frozen=True, slots=True)
class RiskInputs:
    """Everything the forecast reads about one client-partner relationship, as of ``as_of``.

    ``equity_stake`` is the share of the partner the client holds (it applies throughout unless the
    ledger records the stake as ``binding_stake`` events, which then date it); ``min_spend`` a yearly
    commitment in USD; ``spc_alarm_since`` the date a process-control alarm opened (None: no alarm).
    """

    as_of: dt.date
    start: dt.date
    equity_stake: float = 0.0
    min_spend: float = 0.0
    n_projects: int = 1
    events: tuple[EventInput, ...] = ()
    quality: tuple[QualityPoint, ...] = ()
    max_error_rate: float | None = None
    spc_alarm_since: dt.date | None = None
    partner_headcount: int | None = None


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
            out[i, _COL[e.signal], list(causes)] = 1.0
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
    return load_priors(text, source="risk_priors.toml")


def load_priors(text: str | None = None, *, source: str = "priors") -> RiskPriors:
    """Priors parsed from TOML ``text`` (the packaged ``data/risk_priors.toml`` when None), checked."""
    if text is None:
        return _packaged_priors()
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
    fed = {x for k in EVENT_KINDS for m in _MEANS for s in _SIDES if (x := event_signal(k, m, s)) is not None}
    missing = sorted(x for x in fed if x not in half_life and x != "client_stake")
    if missing:
        raise InvalidInputError(f"a half-life for {', '.join(missing)}", file=source, column="half_life_days")
    certainty = {k: float(v) for k, v in doc.get("certainty", {}).items()}
    month_days = float(doc.get("model", {}).get("month_days", 365.25 / 12))
    arrivals = {k: float(v) for k, v in doc.get("arrivals_per_year", {}).items()}
    odd = sorted(k for k, v in arrivals.items() if k not in half_life or not v >= 0)
    if odd:
        raise InvalidInputError("event signals with a half-life and rates >= 0", file=source, column=odd[0])
    return RiskPriors(tuple(effects), half_life, certainty, month_days, arrivals)


_MEANS: Final[tuple[Meaning, ...]] = ("conflict_of_interest", "binding_stake", "none")
_SIDES: Final = ("partner", "client")


def event_signal(kind: str, meaning: Meaning = "none", side: str = "partner") -> str | None:
    """The signal an event feeds: a stake by a rival is ``rival_stake``, by the client ``client_stake``."""
    if side == "client":
        return "client_turbulence" if kind in ("executive_departure", "layoff") else None
    if kind in ("investment", "acquisition"):
        return {"conflict_of_interest": "rival_stake", "binding_stake": "client_stake"}.get(
            meaning, "ownership_change"
        )
    return None if kind == "other" else kind


# -- the signals, month by month -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Parts:
    """Signals split so each event's part can be removed: ``state`` (n_rows, n_signals),
    ``events`` (n_events, n_rows, n_signals) for the visible events in ``event_ids``."""

    state: FloatArray
    events: FloatArray
    event_ids: tuple[str, ...]
    event_signals: tuple[str, ...]
    stake_event: str | None


def signal_matrix(
    inputs: RiskInputs, starts: FloatArray, known: FloatArray, *, priors: RiskPriors | None = None
) -> FloatArray:
    """Signals (n_rows, n_signals) for months beginning on days ``starts`` (n_rows,), from facts dated on
    or before ``known`` (n_rows,); days are ``date.toordinal()`` numbers (fractions allowed)."""
    p = priors or load_priors()
    parts = _signal_parts(inputs, np.asarray(starts, np.float64), np.asarray(known, np.float64), p, ())
    out: FloatArray = parts.state + parts.events.sum(axis=0)
    return out


def _signal_parts(
    inputs: RiskInputs, starts: FloatArray, known: FloatArray, p: RiskPriors, without: tuple[str, ...]
) -> _Parts:
    """The signals of ``inputs`` for months starting on day ordinals ``starts``, known on ``known`` (n_rows,)."""
    n = starts.shape[0]
    state = np.zeros((n, len(SIGNALS)))
    age_months = np.maximum(starts - inputs.start.toordinal(), 0.0) / p.month_days
    state[:, _COL["intercept"]] = 1.0
    # centred at the reference age, so the intercepts are the hazards of a two-year-old relationship
    state[:, _COL["age_log"]] = np.log1p(age_months) - math.log1p(_REFERENCE_AGE)
    state[:, _COL["age_years"]] = (age_months - _REFERENCE_AGE) / 12.0
    _quality_signals(inputs, known, state)
    if inputs.spc_alarm_since is not None:
        state[:, _COL["spc_alarm"]] = (known >= inputs.spc_alarm_since.toordinal()).astype(np.float64)
    state[:, _COL["min_spend"]] = float(inputs.min_spend > 0)
    embedded = math.log(inputs.n_projects)
    state[:, _COL["joint_projects"]] = embedded

    kept = [e for e in inputs.events if e.id not in without]
    binding = [e for e in inputs.events if event_signal(e.kind, e.meaning, e.side) == "client_stake"]
    stake_event = None
    if not binding:
        state[:, _COL["client_stake"]] = inputs.equity_stake
    else:  # the ledger dates the stake: it exists from the first stake event on
        for e in sorted((e for e in binding if e.id not in without), key=lambda e: e.date):
            seen = known >= e.date.toordinal()
            share = e.magnitude if e.magnitude is not None and 0 < e.magnitude <= 1 else inputs.equity_stake
            grown = np.minimum(state[:, _COL["client_stake"]] + share, 1.0)
            state[:, _COL["client_stake"]] = np.where(seen, grown, state[:, _COL["client_stake"]])
            stake_event = e.id if e.date.toordinal() <= known.max() else stake_event

    feeding = [
        (e, s)
        for e in kept
        if (s := event_signal(e.kind, e.meaning, e.side)) is not None and s != "client_stake"
    ]
    events = np.zeros((len(feeding), n, len(SIGNALS)))
    if feeding:
        dates = np.array([e.date.toordinal() for e, _ in feeding], dtype=np.float64)
        half = np.array([p.half_life_days[s] for _, s in feeding])
        weight = np.array([_certainty(e.certainty, p) * _units(e, inputs) for e, _ in feeding])
        cols = np.array([_COL[s] for _, s in feeding])
        visible = dates[:, None] <= known[None, :]  # the as-of rule
        elapsed = np.maximum(starts[None, :] - dates[:, None], 0.0)
        value = np.where(visible, weight[:, None] * 0.5 ** (elapsed / half[:, None]), 0.0)
        events[np.arange(len(feeding)), :, cols] = value
        rival = cols == _COL["rival_stake"]
        events[rival, :, _COL["rival_stake_x_embedded"]] = value[rival] * embedded
        in_view: npt.NDArray[np.bool_] = np.asarray(visible.any(axis=1))
        events = events[in_view]
        feeding = [f for f, v in zip(feeding, in_view.tolist(), strict=True) if v]
    return _Parts(state, events, tuple(e.id for e, _ in feeding), tuple(s for _, s in feeding), stake_event)


def _certainty(certainty: str | float | None, p: RiskPriors) -> float:
    if certainty is None or isinstance(certainty, str):
        return p.certainty.get(certainty or "unknown", p.certainty.get("unknown", 1.0))
    return float(certainty)


def _units(event: EventInput, inputs: RiskInputs) -> float:
    """How many units an event counts: people for executives, tenths of staff for a layoff, else 1."""
    m = event.magnitude
    if event.side == "client" or m is None:
        return 1.0
    if event.kind in ("executive_departure", "executive_hire"):
        return min(max(m, 1.0), _MAX_UNITS)
    if event.kind == "layoff":
        share = m if m < 1 else (m / inputs.partner_headcount if inputs.partner_headcount else 0.1)
        return min(share / 0.1, _MAX_UNITS)
    return 1.0


def _quality_signals(inputs: RiskInputs, known: FloatArray, state: FloatArray) -> None:
    """Quality state, trend, rejection and late rates from audits dated <= ``known`` (vectorised over rows)."""
    q = sorted(inputs.quality, key=lambda x: x.date)
    if not q:
        return
    days = np.array([x.date.toordinal() for x in q], dtype=np.float64)
    err = np.array([_error(x) for x in q])
    rej = np.array([np.nan if x.verdict is None else float(x.verdict == "reject") for x in q])
    late = np.array([np.nan if x.on_time is None else float(not x.on_time) for x in q])
    seen = days[None, :] <= known[:, None]  # (n_rows, n_points)
    has = seen & np.isfinite(err)[None, :]
    count = has.sum(axis=1)
    last = np.where(has, np.arange(len(q))[None, :], -1).max(axis=1)
    latest = np.where(last >= 0, err[np.maximum(last, 0)], np.nan)
    # the state is the mean of the last 90 days' audits (one batch is a noisy reading of a vendor),
    # the latest audit when none is that recent
    near = has & (days[None, :] > known[:, None] - _QUALITY_WINDOW)
    n_near = near.sum(axis=1)
    near_mean = np.divide(
        np.where(near, np.nan_to_num(err)[None, :], 0.0).sum(axis=1),
        n_near,
        out=np.full(len(known), np.nan),
        where=n_near > 0,
    )
    latest = np.where(n_near > 0, near_mean, latest)
    if inputs.max_error_rate is not None:
        ref = np.full(known.shape, inputs.max_error_rate)
    else:  # the partner's own first five audits are its baseline, as a frozen SPC baseline is
        finite = err[np.isfinite(err)]
        medians = np.array([np.median(finite[:k]) for k in range(1, min(5, finite.size) + 1)] or [np.nan])
        ref = medians[np.clip(np.minimum(count, 5) - 1, 0, None)]
    state[:, _COL["quality_excess"]] = np.where(count > 0, np.maximum(latest - ref, 0.0) * 100, 0.0)

    window = has & (days[None, :] > known[:, None] - _TREND_WINDOW)
    t = (days - days[0]) / (365.25 / 12)  # months since the first audit, for a stable slope
    w = window.astype(np.float64)
    x = np.where(np.isfinite(err), err * 100, 0.0)
    n, st, sx = w.sum(1), w @ t, w @ x
    stt, stx = w @ (t * t), w @ (t * x)
    denom = n * stt - st * st
    slope = np.divide(n * stx - st * sx, denom, out=np.zeros_like(denom), where=(n >= 3) & (denom > 1e-9))
    state[:, _COL["quality_trend"]] = np.maximum(slope, 0.0)

    # the last 90 days' rate, shrunk toward the partner's whole record by _PSEUDO_AUDITS pseudo-audits
    # (a Beta-binomial posterior mean, RESEARCH.md B.6 [D18]): three audits are a noisy basis for a year
    recent = seen & (days[None, :] > known[:, None] - _QUALITY_WINDOW)
    for name, values in (("rejection_rate", rej), ("late_rate", late)):
        given = np.isfinite(values)[None, :]
        filled = np.nan_to_num(values)[None, :]
        n_all, k_all = (seen & given).sum(1), np.where(seen & given, filled, 0.0).sum(1)
        n_now, k_now = (recent & given).sum(1), np.where(recent & given, filled, 0.0).sum(1)
        record = np.divide(k_all, n_all, out=np.zeros(len(known)), where=n_all > 0)
        state[:, _COL[name]] = (k_now + _PSEUDO_AUDITS * record) / (n_now + _PSEUDO_AUDITS)


def _error(point: QualityPoint) -> float:
    if point.error_rate is not None:
        return float(point.error_rate)
    return np.nan if point.gold_accuracy is None else 1.0 - float(point.gold_accuracy)


# -- the forecast ----------------------------------------------------------------------------------
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
        hazard[..., -1, :] *= (1.0 - (1.0 - h_last) ** last_fraction) / np.maximum(h_last, 1e-300)
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
    _check(inputs, horizon_days, p)
    ids = {e.id for e in inputs.events}
    unknown = [i for i in without if i not in ids]
    if unknown:
        raise NotFoundError(f"no event {unknown[0]!r} among this partner's events ({', '.join(sorted(ids))})")
    inputs, overrides = _assumed(inputs, dict(assume or {}), p)
    months = max(1, math.ceil(horizon_days / p.month_days - 1e-9))
    fraction = horizon_days / p.month_days - (months - 1)
    starts = float(inputs.as_of.toordinal()) + np.arange(months, dtype=np.float64) * p.month_days
    known = np.full(months, float(inputs.as_of.toordinal()))
    parts = _signal_parts(inputs, starts, known, p, tuple(without))
    state, events = parts.state, parts.events
    for name, value in overrides.items():
        state[:, _COL[name]] = value
        events[:, :, _COL[name]] = 0.0
    x = state + events.sum(axis=0)
    coef = p.coefficients()
    offsets = starts - starts[0]
    arrival_seed, draw_seed = np.random.SeedSequence(seed).spawn(2)
    paths = n_paths if new_events else 0
    unknown_yet = new_event_signals(p, offsets, math.log(inputs.n_projects), paths, arrival_seed)

    def outlook(signals: FloatArray, extra: FloatArray = unknown_yet) -> tuple[float, FloatArray, FloatArray]:
        total, by_cause, hazard = cumulative_incidence((signals + extra) @ coef, fraction)
        return float(total.mean()), by_cause.mean(axis=0), hazard.mean(axis=0)

    def prob(signals: FloatArray, extra: FloatArray = unknown_yet) -> float:
        return outlook(signals, extra)[0]

    probability, by_cause, hazard = outlook(x)
    baseline = np.zeros_like(x)
    baseline[:, [_COL[s] for s in _BASELINE]] = x[:, [_COL[s] for s in _BASELINE]]

    contributions: list[Contribution] = []
    for i, (event_id, signal) in enumerate(zip(parts.event_ids, parts.event_signals, strict=True)):
        if explain and np.any(events[i]):  # an override (assume rival_stake=0) may have emptied it
            change = probability - prob(x - events[i])
            contributions.append(_contribution(signal, change, events[i][0], coef, p, event_id))
    for name in _STATE + _STABILISERS:
        col = _COL[name]
        if explain and np.any(state[:, col]):
            part = np.zeros_like(x)
            part[:, col] = state[:, col]
            owner = parts.stake_event if name == "client_stake" else None
            contributions.append(_contribution(name, probability - prob(x - part), part[0], coef, p, owner))
    if explain and np.any(unknown_yet):
        contributions.append(
            Contribution(
                signal="new_events",
                effect=probability - prob(x, np.zeros((1, *x.shape))),
                log_odds={
                    c: float(v) for c, v in zip(CAUSES, (unknown_yet[:, -1] @ coef).mean(axis=0), strict=True)
                },
                value=sum(r for r in p.arrivals_per_year.values() if r > 0) * horizon_days / 365.25,
                source="events not yet known, arriving at the priors' arrivals_per_year (an assumption; "
                "fit them from your ledger)",
            )
        )
    contributions.sort(key=lambda c: -abs(c.effect))

    interval = (probability, probability)
    if n_draws > 0:
        rng = np.random.default_rng(draw_seed)
        theta = rng.normal(p.values, p.sds, size=(n_draws, len(p.effects)))
        signs = np.array([e.sign for e in p.effects])
        theta = np.where(
            signs == "+", np.maximum(theta, 0.0), np.where(signs == "-", np.minimum(theta, 0.0), theta)
        )
        # each drawn model averages over the first _INTERVAL_PATHS futures (memory: draws x paths x months)
        signals = x + unknown_yet[:_INTERVAL_PATHS]
        flat = signals.reshape(-1, len(SIGNALS))  # (paths * months, n_signals)
        eta = (flat @ p.coefficients(theta)).reshape(n_draws, *signals.shape[:2], len(CAUSES))
        draws = cumulative_incidence(eta, fraction)[0].mean(axis=1)
        lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
        interval = (float(min(lo, probability)), float(max(hi, probability)))
    return RiskForecast(
        as_of=inputs.as_of,
        horizon_days=horizon_days,
        probability=probability,
        interval=interval,
        by_cause={c: float(v) for c, v in zip(CAUSES, by_cause, strict=True)},
        baseline_probability=prob(baseline),
        contributions=tuple(contributions),
        monthly_hazard=tuple(float(h) for h in hazard),
    )


def new_event_signals(
    p: RiskPriors, offsets: FloatArray, embedded: float, n_paths: int, seed: np.random.SeedSequence | int
) -> FloatArray:
    """Signals (n_paths, n_months, n_signals) of events not yet known, on ``n_paths`` simulated futures;
    (1, n_months, n_signals) zeros when ``n_paths`` is 0. ``offsets`` (n_months,): days after as-of.

    Events of each signal arrive as a Poisson process at ``arrivals_per_year``, one unit each, and count
    from the first month that starts after them, decaying with the signal's half-life. Averaging the
    incidence over futures (not the odds: big rare shocks saturate) is exact up to Monte Carlo error;
    the inter-arrival draws have a fixed layout, so futures are nested across horizons and shared by
    every what-if of one call (common random numbers).
    """
    out = np.zeros((max(n_paths, 1), offsets.shape[0], len(SIGNALS)))
    rates = {s: r for s, r in p.arrivals_per_year.items() if r > 0}
    if n_paths == 0 or not rates:
        return out[:1]
    names = sorted(rates)
    per_day = np.array([rates[s] for s in names]) / 365.25
    span = float(offsets[-1])
    most = int(np.max(per_day) * span + 6 * math.sqrt(np.max(per_day) * span + 1) + 4)  # arrivals per path
    rng = np.random.default_rng(seed)
    gaps = rng.standard_exponential(
        (most, n_paths, len(names))
    )  # (arrival, path, signal): nested in ``most``
    times = np.cumsum(gaps, axis=0) / per_day  # days after as-of, increasing along axis 0
    half = np.array([p.half_life_days[s] for s in names])
    # sum_a [t_a < t] 2^(-(t - t_a)/h) = 2^(-t/h) * (prefix sum of 2^(t_a/h) over the arrivals before t)
    grown = np.cumsum(np.exp2(np.minimum(times, span) / half), axis=0)
    before = (times[..., None] < offsets).sum(axis=0)  # (path, signal, month): arrivals before each month
    prefix = np.concatenate([np.zeros((1, *grown.shape[1:])), grown]).transpose(1, 2, 0)
    summed = np.take_along_axis(prefix, before, axis=2) * np.exp2(
        -offsets[None, None, :] / half[None, :, None]
    )
    for k, name in enumerate(names):
        out[:, :, _COL[name]] = summed[:, k, :]
        if name == "rival_stake":
            out[:, :, _COL["rival_stake_x_embedded"]] = summed[:, k, :] * embedded
    return out


def _contribution(
    signal: str, effect: float, row: FloatArray, coef: FloatArray, p: RiskPriors, event_id: str | None
) -> Contribution:
    """One explained term; ``row`` (n_signals,) is this part's signals in the first forecast month."""
    terms = row @ coef
    used = {s for s in SIGNALS if row[_COL[s]] != 0}
    sources = dict.fromkeys(e.source for e in p.effects if e.signal in used and e.source)
    return Contribution(
        signal=signal,
        effect=effect,
        log_odds={c: float(t) for c, t in zip(CAUSES, terms, strict=True) if abs(t) > 1e-12},
        value=float(row[_COL[signal]]),
        source="; ".join(sources),
        event_id=event_id,
    )


def _assumed(
    inputs: RiskInputs, assume: dict[str, Any], p: RiskPriors
) -> tuple[RiskInputs, dict[str, float]]:
    """Inputs with ``assume``'s plain fields replaced, and the signal overrides it implies."""
    overrides: dict[str, float] = {}
    changes: dict[str, Any] = {}
    for key, raw in assume.items():
        if key not in ASSUMABLE:
            raise InvalidInputError(f"one of {', '.join(ASSUMABLE)}", column=key, column_kind="assumption")
        value = _number(key, raw)
        if key in ("n_projects", "partner_headcount"):
            if value < 1 or not value.is_integer():
                raise InvalidInputError(
                    "a whole number >= 1", column=key, column_kind="assumption", got=str(raw)
                )
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
        overrides["quality_excess"] = max(rate - _reference(inputs, rate), 0.0) * 100
        overrides["quality_trend"] = 0.0
    if "rival_stake" in overrides:
        overrides["rival_stake_x_embedded"] = overrides["rival_stake"] * math.log(inputs.n_projects)
    _check(inputs, 365, p)
    return inputs, overrides


def _reference(inputs: RiskInputs, default: float) -> float:
    """The error rate quality is judged against: the contract limit, else the first five audits' median."""
    if inputs.max_error_rate is not None:
        return inputs.max_error_rate
    seen = sorted((q for q in inputs.quality if q.date <= inputs.as_of), key=lambda q: q.date)
    rates = [r for r in map(_error, seen) if np.isfinite(r)][:5]
    return float(np.median(rates)) if rates else default


def _number(key: str, raw: object) -> float:
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        raise InvalidInputError("a finite number", column=key, column_kind="assumption", got=str(raw))
    return value


def _check(inputs: RiskInputs, horizon_days: int, p: RiskPriors) -> None:
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
        if e.kind not in EVENT_KINDS or e.meaning not in _MEANS or e.side not in _SIDES:
            raise bad(f"event {e.id}", f"a kind in {EVENT_KINDS}, meaning in {_MEANS}, side in {_SIDES}", e)
        if isinstance(e.certainty, str) and e.certainty not in p.certainty:
            raise bad(f"event {e.id}", f"a certainty in {tuple(p.certainty)}", e.certainty)
        if isinstance(e.certainty, float | int) and not 0.0 <= e.certainty <= 1.0:
            raise bad(f"event {e.id}", "a certainty weight in [0, 1]", e.certainty)
    for q in inputs.quality:
        rate = _error(q)
        if np.isfinite(rate) and not 0.0 <= rate <= 1.0:
            raise bad("quality", "error rates and gold accuracies in [0, 1]", q)
