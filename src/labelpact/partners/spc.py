"""Statistical process control over a partner's audit series, against a frozen baseline.

One point per audited batch, in time order: ``defective[i]`` of ``inspected[i]`` units were wrong
(gold errors of gold tasks, or estimated errors of tasks), plus optional continuous metrics such
as agreement. The first ``baseline`` points (or those dated before a date) fix the centre and sigma
once (Phase I); every point is charted against those frozen parameters and alarms are reported for
the later points only (Phase II), never re-estimating. EWMA and CUSUM run from the first point, so
the baseline only warms them up. Known parameters (a contract's target share, say) may replace the
baseline estimates (``centre=``, ``sigma=``). Charts of the defect share: p-chart with variable
sample sizes, EWMA with exact time-varying limits, standardised tabular CUSUM; batches labelled by
changing mixes of workers vary more than the binomial allows, so their binomial sigma is widened by
Laney's sigma_z when the baseline shows it. Individuals charts with the Western Electric zone rules
for continuous metrics live in ``zone_rules`` and are re-exported here. Formulas: Montgomery,
*Introduction to Statistical Quality Control*, 8th ed. (2019), sections 6.4, 7.2, 9.1, 9.2;
Laney, "Improved control charts for attributes", *Quality Engineering* 14(4) (2002).
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy.signal import lfilter

from labelpact.errors import InvalidInputError

if TYPE_CHECKING:  # at run time these come from ``__getattr__``: zone_rules imports this module
    from labelpact.partners.zone_rules import WE_RULES as WE_RULES
    from labelpact.partners.zone_rules import IndividualsChart as IndividualsChart
    from labelpact.partners.zone_rules import individuals_chart as individuals_chart

__all__ = [
    "DEFAULT_BASELINE",
    "HIGHER_IS_BETTER",
    "WE_RULES",
    "Alarm",
    "AuditSeries",
    "Chart",
    "CusumChart",
    "EwmaChart",
    "IndividualsChart",
    "PChart",
    "QualityAlarms",
    "cusum_chart",
    "ewma_chart",
    "individuals_chart",
    "p_chart",
    "quality_alarms",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.intp]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
Direction: TypeAlias = Literal["worse", "better"]
BaselineSpec: TypeAlias = int | date

DEFAULT_BASELINE = 10  # batches; ten weeks of weekly deliveries
D2_OF_2 = 2.0 / math.sqrt(math.pi)  # E|X1 - X2| / sigma for normal X: the moving-range constant d2(2)
HIGHER_IS_BETTER: Mapping[str, bool] = MappingProxyType(  # direction of the metrics audits produce
    dict.fromkeys(("gold_accuracy", "agreement", "alpha", "on_time_rate"), True)
    | dict.fromkeys(("error_rate", "rejection_rate", "rework_rate", "late_days"), False)
)


def _as_date(value: date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)).date()


@dataclass(frozen=True, slots=True)
class AuditSeries:
    """One partner's audited batches in time order; arrays have shape (n_points,).

    ``defective`` may be an estimate (a float in [0, inspected]); ``metrics`` maps a name to one
    value per batch, NaN where it was not measured. Build it with ``from_columns``, which validates.
    """

    dates: tuple[date, ...]
    inspected: FloatArray
    defective: FloatArray
    metrics: Mapping[str, FloatArray] = field(default_factory=dict)
    defect_name: str = "errors"

    @classmethod
    def from_columns(
        cls,
        *,
        dates: Sequence[date | str],
        inspected: npt.ArrayLike,
        defective: npt.ArrayLike,
        metrics: Mapping[str, npt.ArrayLike] | None = None,
        defect_name: str = "errors",
    ) -> AuditSeries:
        """Validated series: dates in order, ``0 <= defective <= inspected``, ``inspected > 0``."""
        try:
            days = tuple(_as_date(d) for d in dates)
        except ValueError as error:
            raise InvalidInputError("ISO dates (YYYY-MM-DD)", column="dates", got=str(error)) from None
        n = len(days)
        if any(b < a for a, b in itertools.pairwise(days)):
            raise InvalidInputError("dates in time order (oldest first)", column="dates")
        n_i, d_i = _ro(inspected), _ro(defective)
        for name, array in (("inspected", n_i), ("defective", d_i)):
            if array.shape != (n,) or not np.isfinite(array).all():
                raise InvalidInputError(f"{n} finite values, one per date", column=name, got=str(array.shape))
        if n and (n_i.min() <= 0 or d_i.min() < 0 or (d_i > n_i).any()):
            raise InvalidInputError("inspected > 0 and 0 <= defective <= inspected", column="defective")
        checked: dict[str, FloatArray] = {}
        for name, values in (metrics or {}).items():
            array = _ro(values)
            if array.shape != (n,) or np.isinf(array).any():
                raise InvalidInputError(f"{n} values (NaN where unmeasured)", column=name)
            checked[name] = array
        return cls(days, n_i, d_i, MappingProxyType(checked), defect_name)

    @property
    def n_points(self) -> int:
        return len(self.dates)

    @property
    def proportion(self) -> FloatArray:
        """Share defective per batch, shape (n_points,)."""
        return self.defective / self.inspected


@dataclass(frozen=True, slots=True)
class Alarm:
    """One out-of-control signal at batch ``index`` (position in the series); ``reason`` is one sentence."""

    chart: str
    metric: str
    index: int
    date: date
    direction: Direction
    rule: str
    reason: str
    onset_index: int | None = None  # CUSUM: first batch of the run that led to the signal

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"date": self.date.isoformat()}


@dataclass(frozen=True, slots=True)
class _Chart:
    """What every chart holds: charted batches (positions ``points`` in the series), Phase I size, alarms."""

    metric: str
    points: IntArray  # (n_charted,) positions in the series
    dates: tuple[date, ...]  # (n_charted,)
    n_baseline: int  # charted points that formed the baseline
    centre: float
    out_of_control: BoolArray  # (n_charted,) the statistic is beyond a limit (or a zone rule holds)
    alarms: tuple[Alarm, ...]  # Phase II alarms, in time order
    baseline_alarms: tuple[Alarm, ...]  # baseline points beyond the frozen limits: the baseline is suspect

    @property
    def alarm_indices(self) -> IntArray:
        return np.array([a.index for a in self.alarms], dtype=np.intp)

    @property
    def alarm_dates(self) -> tuple[date, ...]:
        return tuple(a.date for a in self.alarms)

    @property
    def first_alarm(self) -> Alarm | None:
        return self.alarms[0] if self.alarms else None

    @property
    def first_alarm_date(self) -> date | None:
        return self.alarms[0].date if self.alarms else None

    @property
    def first_alarm_direction(self) -> Direction | None:
        return self.alarms[0].direction if self.alarms else None


@dataclass(frozen=True, slots=True)
class PChart(_Chart):
    """Share defective per batch against ``centre ± L·σ_z·sqrt(p0(1-p0)/n_i)`` (LCL clipped at 0), shapes (n,).

    ``sigma_z`` is Laney's estimate from the baseline (None without two baseline batches); ``laney``
    says whether it widened the limits (the p' chart) or the classic binomial limits were used.
    """

    proportion: FloatArray
    lcl: FloatArray
    ucl: FloatArray
    sigma_z: float | None = None
    laney: bool = False


@dataclass(frozen=True, slots=True)
class EwmaChart(_Chart):
    """``z_t = λ x_t + (1-λ) z_{t-1}``, ``z_0 = centre``, with exact limits ``centre ± L·sqrt(Var z_t)``.

    For the defect share ``sigma_z`` and ``laney`` are as on ``PChart``; for a metric they are None and False.
    """

    values: FloatArray
    ewma: FloatArray
    lcl: FloatArray
    ucl: FloatArray
    lam: float
    L: float
    sigma_z: float | None = None
    laney: bool = False


@dataclass(frozen=True, slots=True)
class CusumChart(_Chart):
    """Standardised tabular CUSUM in sigma units: ``upper``/``lower`` sums (n,), signal above ``h``."""

    values: FloatArray
    sigma: FloatArray  # (n,) sigma of one observation, times sigma_z when ``laney``
    upper: FloatArray
    lower: FloatArray
    k: float
    h: float
    sigma_z: float | None = None
    laney: bool = False


class _Basis(NamedTuple):
    """What a chart stands on: charted positions and values (n,), baseline size, centre, sigma (n,)."""

    name: str
    points: IntArray
    values: FloatArray
    m: int
    centre: float
    sigma: FloatArray  # binomial sigma times sigma_z when ``laney``
    sigma_z: float | None
    laney: bool

    @property
    def tag(self) -> str:
        """The chart's note in an alarm reason when Laney's sigma_z widened it."""
        return f", Laney p' (sigma_z {self.sigma_z:.1f})" if self.laney else ""


def _baseline_size(series: AuditSeries, baseline: BaselineSpec, points: IntArray, known: bool) -> int:
    """How many charted ``points`` form the baseline: 2 at least, or 0 when the parameters are given."""
    if isinstance(baseline, date):
        cut = bisect.bisect_left(series.dates, _as_date(baseline))
    elif isinstance(baseline, int) and not isinstance(baseline, bool) and baseline >= 0:
        cut = baseline
    else:
        raise InvalidInputError("an int >= 0 or a date", column="baseline", got=repr(baseline))
    m = int(np.searchsorted(points, cut))
    if m < 2 and not known:
        raise InvalidInputError(
            "at least 2 batches in the baseline", column="baseline", got=f"{m}", column_kind="option"
        )
    return m


def _variables(
    series: AuditSeries,
    metric: str | None,
    baseline: BaselineSpec,
    centre: float | None,
    sigma: float | None,
    laney: bool | None = False,
) -> _Basis:
    """The defect share (``metric=None``) or a metric, NaN batches skipped, with its frozen parameters.

    The share's p0 is floored at half a defect of the baseline, so a perfect baseline still has width.
    """
    if metric is None:
        if sigma is not None:
            raise InvalidInputError(
                "no sigma for the defect share (it follows from p0 and n)", column="sigma"
            )
        points = np.arange(series.n_points, dtype=np.intp)
        m = _baseline_size(series, baseline, points, centre is not None)
        if centre is None:
            total = float(series.inspected[:m].sum())
            centre = min(max(float(series.defective[:m].sum()) / total, 0.5 / total), 1.0 - 0.5 / total)
        if not 0.0 < centre < 1.0:
            raise InvalidInputError("0 < centre < 1 for a share", column="centre", got=f"{centre}")
        p, binomial = series.proportion, np.sqrt(centre * (1.0 - centre) / series.inspected)
        sigma_z, use = _laney((p[:m] - centre) / binomial[:m], laney)
        widened = binomial * sigma_z if use and sigma_z is not None else binomial
        return _Basis(series.defect_name, points, p, m, centre, widened, sigma_z, use)
    if laney:
        raise InvalidInputError(
            "laney only for the defect share (metric=None)", column="laney", got="True", column_kind="option"
        )
    if metric not in series.metrics:
        raise InvalidInputError(f"a metric among {sorted(series.metrics)}", column="metric", got=repr(metric))
    raw = series.metrics[metric]
    points = np.flatnonzero(~np.isnan(raw)).astype(np.intp)
    values = raw[points]
    m = _baseline_size(series, baseline, points, centre is not None and sigma is not None)
    if sigma is None:
        sigma = float(np.abs(np.diff(values[:m])).mean()) / D2_OF_2
    if not sigma > 0:
        raise InvalidInputError("a baseline with some variation (sigma > 0)", column=metric, got=f"{sigma}")
    centre = float(values[:m].mean()) if centre is None else centre
    return _Basis(metric, points, values, m, centre, np.full(len(values), sigma), None, False)


def _laney(z: FloatArray, laney: bool | None) -> tuple[float | None, bool]:
    """Laney's ``σ_z = mean |z_i - z_{i-1}| / d2(2)`` of the standardised baseline shares ``z`` (m,),
    and whether to apply it: ``laney=None`` when ``σ_z > 1`` (overdispersed; never narrower than binomial).
    """
    if len(z) < 2:
        if laney:
            raise InvalidInputError(
                "2 baseline batches to estimate sigma_z",
                column="laney",
                got=f"{len(z)}",
                column_kind="option",
            )
        return None, False
    sigma_z = float(np.abs(np.diff(z)).mean()) / D2_OF_2
    if laney and not sigma_z > 0:
        raise InvalidInputError(
            "baseline shares that vary (sigma_z > 0)", column="laney", got="sigma_z 0", column_kind="option"
        )
    return sigma_z, sigma_z > 1.0 if laney is None else laney


def _direction(up: bool, higher_is_better: bool) -> Direction:
    return "better" if up == higher_is_better else "worse"


def _fmt(value: float, percent: bool) -> str:
    return f"{value:.1%}" if percent else f"{value:.3g}"


def _split(alarms: list[Alarm], m: int, points: IntArray) -> tuple[tuple[Alarm, ...], tuple[Alarm, ...]]:
    cut = int(points[m]) if m < len(points) else 1 << 62
    alarms.sort(key=lambda a: (a.index, a.rule))
    return tuple(a for a in alarms if a.index >= cut), tuple(a for a in alarms if a.index < cut)


def _onsets(flag: BoolArray) -> IntArray:
    """Positions where ``flag`` turns on: a memoryful statistic raises one alarm per excursion."""
    return np.flatnonzero(flag & ~np.concatenate(([False], flag[:-1])))


def p_chart(
    series: AuditSeries,
    *,
    baseline: BaselineSpec = DEFAULT_BASELINE,
    L: float = 3.0,
    centre: float | None = None,
    laney: bool | None = None,
) -> PChart:
    """p-chart with variable sample sizes (Montgomery 7.2.2): limits per batch, an alarm per batch beyond.

    ``laney``: None widens the limits by Laney's sigma_z when the baseline is overdispersed
    (sigma_z > 1), True always (Laney's p' chart), False never (the classic chart).
    """
    b = _variables(series, None, baseline, centre, None, laney)
    p, p0 = b.values, b.centre
    lcl, ucl = np.maximum(0.0, p0 - L * b.sigma), np.minimum(1.0, p0 + L * b.sigma)
    above, below = p > ucl, p < lcl
    alarms = []
    for i in np.flatnonzero(above | below):
        up = bool(above[i])
        side, limit = ("above UCL", ucl[i]) if up else ("below LCL", lcl[i])
        reason = f"p-chart{b.tag}: batch of {series.dates[i]} {side} {limit:.1%} with {p[i]:.1%} {b.name}"
        alarms.append(Alarm("p-chart", b.name, int(i), series.dates[i], _direction(up, False), side, reason))
    phase2, phase1 = _split(alarms, b.m, b.points)
    return PChart(
        b.name, _ro(b.points, np.intp), series.dates, b.m, p0, _ro(above | below, bool), phase2, phase1,
        _ro(p), _ro(lcl), _ro(ucl), b.sigma_z, b.laney,
    )  # fmt: skip


def ewma_chart(
    series: AuditSeries,
    *,
    metric: str | None = None,
    baseline: BaselineSpec = DEFAULT_BASELINE,
    lam: float = 0.2,
    L: float = 3.0,
    higher_is_better: bool | None = None,
    centre: float | None = None,
    sigma: float | None = None,
    laney: bool | None = None,
) -> EwmaChart:
    """EWMA chart (Montgomery 9.2) of the defect share (``metric=None``) or of a metric.

    ``Var z_t = λ² Σ_j (1-λ)^(2(t-j)) σ_j²`` is exact for per-batch sigmas and equals the textbook
    ``σ² λ/(2-λ) (1-(1-λ)^(2t))`` when they are equal; both recursions run as linear filters.
    The share's σ_j is widened by Laney's sigma_z as on ``p_chart`` (``laney``; metrics: never).
    """
    if not 0.0 < lam <= 1.0 or L <= 0:
        raise InvalidInputError("0 < lam <= 1 and L > 0", column="lam", got=f"lam={lam}, L={L}")
    b = _variables(series, metric, baseline, centre, sigma, laney)
    x, centre = b.values, b.centre
    better_up = _better_up(metric, higher_is_better)
    z = lfilter([lam], [1.0, lam - 1.0], x, zi=[(1.0 - lam) * centre])[0]
    var = lfilter([lam * lam], [1.0, -((1.0 - lam) ** 2)], b.sigma**2)
    lcl, ucl = centre - L * np.sqrt(var), centre + L * np.sqrt(var)
    above, below = z > ucl, z < lcl
    percent = metric is None
    alarms = []
    for flag, up in ((above, True), (below, False)):
        for j in _onsets(flag):
            i, limit = int(b.points[j]), (ucl if up else lcl)[j]
            reason = (
                f"EWMA{b.tag}: {_what(b.name, percent)} smoothed to {_fmt(z[j], percent)} by the batch of "
                f"{series.dates[i]}, {'above' if up else 'below'} its limit {_fmt(limit, percent)} "
                f"(baseline {_fmt(centre, percent)})"
            )
            rule = "above UCL" if up else "below LCL"
            alarms.append(Alarm("EWMA", b.name, i, series.dates[i], _direction(up, better_up), rule, reason))
    phase2, phase1 = _split(alarms, b.m, b.points)
    dates = tuple(series.dates[i] for i in b.points)
    return EwmaChart(
        b.name, _ro(b.points, np.intp), dates, b.m, centre, _ro(above | below, bool), phase2, phase1,
        _ro(x), _ro(z), _ro(lcl), _ro(ucl), lam, L, b.sigma_z, b.laney,
    )  # fmt: skip


def cusum_chart(
    series: AuditSeries,
    *,
    metric: str | None = None,
    baseline: BaselineSpec = DEFAULT_BASELINE,
    k: float = 0.5,
    h: float = 5.0,
    higher_is_better: bool | None = None,
    centre: float | None = None,
    sigma: float | None = None,
    laney: bool | None = None,
) -> CusumChart:
    """Standardised tabular CUSUM (Montgomery 9.1.2, 9.1.6) on ``y_i = (x_i - centre) / σ_i``.

    ``C+_t = max(0, C+_{t-1} + y_t - k)`` is Lindley's recursion, whose closed form is
    ``S_t - min(0, min_{j<=t} S_j)`` with ``S_t = Σ (y_i - k)``: a cumulative sum and a running
    minimum, exact and vectorised. No reset after a signal: one alarm per excursion above ``h``.
    The share's σ_i is widened by Laney's sigma_z as on ``p_chart`` (``laney``; metrics: never).
    """
    if k < 0 or h <= 0:
        raise InvalidInputError("k >= 0 and h > 0 (sigma units)", column="h", got=f"k={k}, h={h}")
    b = _variables(series, metric, baseline, centre, sigma, laney)
    x, centre = b.values, b.centre
    better_up = _better_up(metric, higher_is_better)
    y = (x - centre) / b.sigma
    upper, lower = _lindley(y - k), _lindley(-y - k)
    percent = metric is None
    alarms = []
    for sums, up in ((upper, True), (lower, False)):
        for j in _onsets(sums > h):
            zeros = np.flatnonzero(sums[:j] == 0.0)
            start = int(zeros[-1]) + 1 if len(zeros) else 0
            i, onset = int(b.points[j]), int(b.points[start])
            reason = (
                f"CUSUM{b.tag}: {_what(b.name, percent)} has run {'above' if up else 'below'} the baseline "
                f"{_fmt(centre, percent)} since the batch of {series.dates[onset]}; the "
                f"{'upper' if up else 'lower'} sum {sums[j]:.1f}σ passed h={h:g}σ "
                f"at the batch of {series.dates[i]}"
            )
            rule = "upper sum > h" if up else "lower sum > h"
            alarm = Alarm("CUSUM", b.name, i, series.dates[i], _direction(up, better_up), rule, reason, onset)
            alarms.append(alarm)
    phase2, phase1 = _split(alarms, b.m, b.points)
    dates = tuple(series.dates[i] for i in b.points)
    return CusumChart(
        b.name, _ro(b.points, np.intp), dates, b.m, centre, _ro((upper > h) | (lower > h), bool), phase2,
        phase1, _ro(x), _ro(b.sigma), _ro(upper), _ro(lower), k, h, b.sigma_z, b.laney,
    )  # fmt: skip


if TYPE_CHECKING:
    Chart: TypeAlias = PChart | EwmaChart | CusumChart | IndividualsChart


@dataclass(frozen=True, slots=True)
class QualityAlarms:
    """The standard chart set on one partner's series: Phase II alarms of every chart in time order."""

    alarms: tuple[Alarm, ...]
    charts: Mapping[str, Chart]  # "p", "ewma", "cusum", and "individuals:<metric>" per metric charted
    notes: tuple[str, ...]  # what was not charted and why, Laney's widening, baselines out of control

    @property
    def first(self) -> Alarm | None:
        return self.alarms[0] if self.alarms else None

    @property
    def in_control(self) -> bool:
        return not self.alarms

    def worse(self) -> tuple[Alarm, ...]:
        """Alarms saying quality got worse (the ones that raise partnership risk)."""
        return tuple(a for a in self.alarms if a.direction == "worse")

    def as_dict(self) -> dict[str, Any]:
        return {"alarms": [a.as_dict() for a in self.alarms], "notes": list(self.notes)}


def quality_alarms(
    series: AuditSeries,
    *,
    baseline: BaselineSpec = DEFAULT_BASELINE,
    higher_is_better: Mapping[str, bool] | None = None,
    lam: float = 0.2,
    L: float = 3.0,
    k: float = 0.5,
    h: float = 5.0,
    laney: bool | None = None,
) -> QualityAlarms:
    """p-chart, EWMA and CUSUM on the defect share, and an individuals chart with WE rules per metric.

    ``laney`` (None: when the baseline is overdispersed) widens the three share charts by Laney's
    sigma_z. A series too short for a baseline, or a metric without two baseline values or without
    variation, is noted rather than an error, so a new partner reads "no alarms yet" with the reason.
    """
    from labelpact.partners.zone_rules import individuals_chart  # zone_rules imports this module

    directions = {**HIGHER_IS_BETTER, **(higher_is_better or {})}
    unknown = sorted(set(series.metrics) - set(directions))
    if unknown:
        raise InvalidInputError(
            "a direction for every metric (higher_is_better={name: bool})", column=unknown[0], got="none"
        )
    charts: dict[str, Chart] = {}
    notes: list[str] = []
    try:
        charts["p"] = p = p_chart(series, baseline=baseline, L=L, laney=laney)
        charts["ewma"] = ewma_chart(series, baseline=baseline, lam=lam, L=L, laney=laney)
        charts["cusum"] = cusum_chart(series, baseline=baseline, k=k, h=h, laney=laney)
        notes.extend(_laney_note(p))
    except InvalidInputError as error:
        notes.append(f"{series.defect_name}: not charted ({error})")
    for metric in series.metrics:
        try:
            charts[f"individuals:{metric}"] = individuals_chart(
                series, metric, baseline=baseline, higher_is_better=directions[metric]
            )
        except InvalidInputError as error:
            notes.append(f"{metric}: not charted ({error})")
    for key, chart in charts.items():
        if chart.baseline_alarms:
            notes.append(f"{key}: {len(chart.baseline_alarms)} baseline batches beyond the frozen limits")
        if chart.n_baseline == len(chart.points):
            notes.append(f"{key}: every batch is in the baseline; nothing monitored yet")
    alarms = sorted((a for c in charts.values() for a in c.alarms), key=lambda a: (a.index, a.chart))
    return QualityAlarms(tuple(alarms), MappingProxyType(charts), tuple(dict.fromkeys(notes)))


def _laney_note(chart: PChart) -> list[str]:
    """Say when Laney's sigma_z widened the share charts, or when it would have and was told not to."""
    if chart.sigma_z is None:
        return []
    name, sigma_z = chart.metric, chart.sigma_z
    if chart.laney:
        how = "widens" if sigma_z > 1.0 else "narrows"
        return [
            f"{name}: Laney p' (sigma_z {sigma_z:.1f}) {how} the binomial sigma of the p-chart, EWMA, CUSUM"
        ]
    return (
        [f"{name}: baseline overdispersed (sigma_z {sigma_z:.1f}); binomial limits kept"]
        if sigma_z > 1
        else []
    )


def _better_up(metric: str | None, higher_is_better: bool | None) -> bool:
    if metric is None:
        return False  # a higher share defective is worse
    if higher_is_better is None:
        if metric not in HIGHER_IS_BETTER:
            raise InvalidInputError("higher_is_better for this metric", column=metric, got="None")
        return HIGHER_IS_BETTER[metric]
    return higher_is_better


def _what(name: str, share: bool) -> str:
    return f"the share of {name}" if share else name


def _lindley(steps: FloatArray) -> FloatArray:
    """``W_t = max(0, W_{t-1} + steps_t)``, ``W_0 = 0``, in closed form."""
    s = np.cumsum(steps)
    return np.asarray(s - np.minimum(np.minimum.accumulate(s), 0.0), dtype=np.float64)


def _ro(array: npt.ArrayLike, dtype: npt.DTypeLike = np.float64) -> Any:
    """A read-only copy: results are frozen, and so are their arrays."""
    out = np.array(array, dtype=dtype, copy=True)
    out.flags.writeable = False
    return out


_ZONE_RULES_NAMES = frozenset({"WE_RULES", "IndividualsChart", "individuals_chart", "Chart"})

if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        """The individuals chart and its zone rules, re-exported lazily (PEP 562): zone_rules imports us."""
        if name not in _ZONE_RULES_NAMES:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from labelpact.partners import zone_rules

        if name == "Chart":
            return PChart | EwmaChart | CusumChart | zone_rules.IndividualsChart
        return getattr(zone_rules, name)
