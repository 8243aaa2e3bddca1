"""The risk model's inputs (``RiskInputs``: events, audits, stakes) and how they become signals month by
month (``signal_matrix``), including the simulated events not yet known (``new_event_signals``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from labelpact.partners.events import Event, Meaning, meaning
from labelpact.partners.risk.priors import SIGNAL_COLUMN, SIGNALS, RiskPriors, event_signal, load_priors

__all__ = [
    "EventInput",
    "QualityPoint",
    "RiskInputs",
    "SignalParts",
    "new_event_signals",
    "quality_error",
    "signal_matrix",
    "signal_parts",
]

FloatArray = npt.NDArray[np.float64]
_REFERENCE_AGE: Final = 24.0  # months
# the age shape is held flat past 30 years: the case library's oldest relationship ran 27, and the linear
# decline of age_years, extrapolated a century on, would forecast no risk at all
AGE_SHAPE_MAX_MONTHS: Final = 360.0
_MAX_UNITS: Final = 3.0  # an event counts at most 3 units (3 executives, a 30% layoff)
_PSEUDO_AUDITS: Final = 3.0  # weight of the partner's whole record in its recent rates
_QUALITY_WINDOW: Final = 90  # days over which rejection and late rates are taken
_TREND_WINDOW: Final = 180  # days over which the error-rate slope is fitted
_IMMEDIATE: Final = 0.3  # share of a lagged signal's weight that acts at once (the news itself)


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
    ledger records the stake as ``binding_stake`` events, which then date it: ``events`` may hold those
    dated after ``as_of``, which only say when the recorded stake was taken); ``min_spend`` a yearly
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


# -- the signals, month by month -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SignalParts:
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
    or before ``known`` (n_rows,); days are ``date.toordinal()`` numbers (fractions allowed). They are
    linear in the events; ``saturation.log_odds`` turns them into the model's log-odds."""
    p = priors or load_priors()
    parts = signal_parts(inputs, np.asarray(starts, np.float64), np.asarray(known, np.float64), p, ())
    out: FloatArray = parts.state + parts.events.sum(axis=0)
    return out


def age_terms(age_months: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The age shape's two signals for relationship ages in months (n,): ``age_log`` and ``age_years``, centred
    at two years (so the intercepts are a two-year-old relationship's hazards), flat past 30 years."""
    age = np.minimum(np.asarray(age_months, dtype=np.float64), AGE_SHAPE_MAX_MONTHS)
    return np.log1p(age) - math.log1p(_REFERENCE_AGE), (age - _REFERENCE_AGE) / 12.0


def signal_parts(
    inputs: RiskInputs, starts: FloatArray, known: FloatArray, p: RiskPriors, without: tuple[str, ...]
) -> SignalParts:
    """The signals of ``inputs`` for months starting on day ordinals ``starts``, known on ``known`` (n_rows,)."""
    n = starts.shape[0]
    state = np.zeros((n, len(SIGNALS)))
    age_months = np.maximum(starts - inputs.start.toordinal(), 0.0) / p.month_days
    state[:, SIGNAL_COLUMN["intercept"]] = 1.0
    # centred at the reference age, so the intercepts are the hazards of a two-year-old relationship
    state[:, SIGNAL_COLUMN["age_log"]], state[:, SIGNAL_COLUMN["age_years"]] = age_terms(age_months)
    _quality_signals(inputs, known, state)
    if inputs.spc_alarm_since is not None:
        state[:, SIGNAL_COLUMN["spc_alarm"]] = (known >= inputs.spc_alarm_since.toordinal()).astype(
            np.float64
        )
    state[:, SIGNAL_COLUMN["min_spend"]] = float(inputs.min_spend > 0)
    embedded = math.log(inputs.n_projects)
    state[:, SIGNAL_COLUMN["joint_projects"]] = embedded

    kept = [e for e in inputs.events if e.id not in without]
    stake, stake_event = _client_stake(inputs, known, without)
    state[:, SIGNAL_COLUMN["client_stake"]] = stake

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
        cols = np.array([SIGNAL_COLUMN[s] for _, s in feeding])
        visible = dates[:, None] <= known[None, :]  # the as-of rule
        elapsed = np.maximum(starts[None, :] - dates[:, None], 0.0)
        value = np.where(visible, weight[:, None] * _kernel(elapsed, half, feeding, p), 0.0)
        events[np.arange(len(feeding)), :, cols] = value
        rival = cols == SIGNAL_COLUMN["rival_stake"]
        events[rival, :, SIGNAL_COLUMN["rival_stake_x_embedded"]] = value[rival] * embedded
        # an adverse report that names the client's own work adds to its kind's signal (events.meaning)
        own = np.array([e.meaning == "implicates_client" for e, _ in feeding])
        events[own, :, SIGNAL_COLUMN["implicates_client"]] = value[own]
        in_view: npt.NDArray[np.bool_] = np.asarray(visible.any(axis=1))
        events = events[in_view]
        feeding = [f for f, v in zip(feeding, in_view.tolist(), strict=True) if v]
    return SignalParts(
        state, events, tuple(e.id for e, _ in feeding), tuple(s for _, s in feeding), stake_event
    )


def _client_stake(
    inputs: RiskInputs, known: FloatArray, without: tuple[str, ...]
) -> tuple[FloatArray, str | None]:
    """The client's stake (n_rows,) known on each of ``known``, and the binding-stake event it rests on.

    ``equity_stake`` is the stake recorded for the partner; the ledger's binding-stake events (all of them,
    dated after ``as_of`` too) date it: the part of the record they account for exists from each event's
    date on, the rest was held throughout, and each event's share beyond the record adds to it. A stake
    event therefore never lowers the stake known after it, and a replay before it does not count it.
    """
    binding = sorted(
        (e for e in inputs.events if event_signal(e.kind, e.meaning, e.side) == "client_stake"),
        key=lambda e: e.date,
    )
    shares = [
        e.magnitude if e.magnitude is not None and 0 < e.magnitude <= 1 else inputs.equity_stake
        for e in binding
    ]
    stake = np.full(known.shape, max(0.0, inputs.equity_stake - min(1.0, sum(shares))))
    stake_event = None
    for e, share in zip(binding, shares, strict=True):
        if e.id in without:  # what if it had not happened: neither its share nor the record's part it dates
            continue
        stake = np.where(known >= e.date.toordinal(), np.minimum(stake + share, 1.0), stake)
        stake_event = e.id if e.date.toordinal() <= known.max() else stake_event
    return stake, stake_event


def _kernel(
    elapsed: FloatArray, half: FloatArray, feeding: list[tuple[EventInput, str]], p: RiskPriors
) -> FloatArray:
    """Weight (n_events, n_rows) of each event ``elapsed`` days after it: 2^(-t/h) for a shock; for a
    signal with a lag L (``lag_days``) 0.3 * 2^(-t/h) + 0.7 * (t/L) e^(1 - t/L), which peaks near L.

    Distress, welfare and regulatory news act through the client's switching: a re-tender or a contract's
    notice takes months (switching costs, Whitten & Leidner, *Decision Sciences* 2006), while the media
    shock itself acts at once and fades (Bruyaka et al., *SMJ* 2025). A gamma(2) hump is the simplest
    delayed response with one parameter.
    """
    decay: FloatArray = 0.5 ** (elapsed / half[:, None])
    lag = np.array([p.lag_days.get(s, 0.0) for _, s in feeding])
    if not np.any(lag > 0):
        return decay
    peak = np.where(lag > 0, lag, 1.0)[:, None]
    hump = (elapsed / peak) * np.exp(1.0 - elapsed / peak)
    out: FloatArray = np.where((lag > 0)[:, None], _IMMEDIATE * decay + (1.0 - _IMMEDIATE) * hump, decay)
    return out


def _certainty(certainty: str | float | None, p: RiskPriors) -> float:
    if certainty is None or isinstance(certainty, str):
        return p.certainty.get(certainty or "unknown", p.certainty.get("unknown", 1.0))
    return float(certainty)


def _units(event: EventInput, inputs: RiskInputs) -> float:
    """How many units an event counts: people for executives, tenths of staff for a layoff, else 1 (a rival's
    stake is one unit whatever its share: the sourced priors give no size effect; docs/risk-cases.md)."""
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
    err = np.array([quality_error(x) for x in q])
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
    state[:, SIGNAL_COLUMN["quality_excess"]] = np.where(count > 0, np.maximum(latest - ref, 0.0) * 100, 0.0)

    window = has & (days[None, :] > known[:, None] - _TREND_WINDOW)
    t = (days - days[0]) / (365.25 / 12)  # months since the first audit, for a stable slope
    w = window.astype(np.float64)
    x = np.where(np.isfinite(err), err * 100, 0.0)
    n, st, sx = w.sum(1), w @ t, w @ x
    stt, stx = w @ (t * t), w @ (t * x)
    denom = n * stt - st * st
    slope = np.divide(n * stx - st * sx, denom, out=np.zeros_like(denom), where=(n >= 3) & (denom > 1e-9))
    state[:, SIGNAL_COLUMN["quality_trend"]] = np.maximum(slope, 0.0)

    # the last 90 days' rate, shrunk toward the partner's whole record by _PSEUDO_AUDITS pseudo-audits
    # (a Beta-binomial posterior mean, RESEARCH.md B.6 [D18]): three audits are a noisy basis for a year
    recent = seen & (days[None, :] > known[:, None] - _QUALITY_WINDOW)
    for name, values in (("rejection_rate", rej), ("late_rate", late)):
        given = np.isfinite(values)[None, :]
        filled = np.nan_to_num(values)[None, :]
        n_all, k_all = (seen & given).sum(1), np.where(seen & given, filled, 0.0).sum(1)
        n_now, k_now = (recent & given).sum(1), np.where(recent & given, filled, 0.0).sum(1)
        record = np.divide(k_all, n_all, out=np.zeros(len(known)), where=n_all > 0)
        state[:, SIGNAL_COLUMN[name]] = (k_now + _PSEUDO_AUDITS * record) / (n_now + _PSEUDO_AUDITS)


def quality_error(point: QualityPoint) -> float:
    if point.error_rate is not None:
        return float(point.error_rate)
    return np.nan if point.gold_accuracy is None else 1.0 - float(point.gold_accuracy)


# -- events not yet known --------------------------------------------------------------------------
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
        out[:, :, SIGNAL_COLUMN[name]] = summed[:, k, :]
        if name == "rival_stake":
            out[:, :, SIGNAL_COLUMN["rival_stake_x_embedded"]] = summed[:, k, :] * embedded
    return out
