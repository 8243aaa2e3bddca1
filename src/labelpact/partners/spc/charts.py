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
Laney's sigma_z when the baseline shows it. The series, alarms and frozen baselines live in
``series``, individuals charts with the Western Electric zone rules for continuous metrics in
``zone_rules``; the package ``spc`` re-exports them. Formulas: Montgomery,
*Introduction to Statistical Quality Control*, 8th ed. (2019), sections 6.4, 7.2, 9.1, 9.2;
Laney, "Improved control charts for attributes", *Quality Engineering* 14(4) (2002).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeAlias

import numpy as np
from scipy.signal import lfilter

from labelpact.errors import InvalidInputError
from labelpact.partners.spc.series import (
    DEFAULT_BASELINE,
    HIGHER_IS_BETTER,
    Alarm,
    AuditSeries,
    BaselineSpec,
    ChartBase,
    FloatArray,
    alarm_direction,
    better_is_up,
    frozen_basis,
    onsets,
    read_only,
    split_alarms,
)
from labelpact.partners.spc.zone_rules import IndividualsChart, individuals_chart

__all__ = [
    "Chart",
    "CusumChart",
    "EwmaChart",
    "PChart",
    "QualityAlarms",
    "cusum_chart",
    "ewma_chart",
    "p_chart",
    "quality_alarms",
]


@dataclass(frozen=True, slots=True)
class PChart(ChartBase):
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
class EwmaChart(ChartBase):
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
class CusumChart(ChartBase):
    """Standardised tabular CUSUM in sigma units: ``upper``/``lower`` sums (n,), signal above ``h``."""

    values: FloatArray
    sigma: FloatArray  # (n,) sigma of one observation, times sigma_z when ``laney``
    upper: FloatArray
    lower: FloatArray
    k: float
    h: float
    sigma_z: float | None = None
    laney: bool = False


def _fmt(value: float, percent: bool) -> str:
    return f"{value:.1%}" if percent else f"{value:.3g}"


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
    b = frozen_basis(series, None, baseline, centre, None, laney)
    p, p0 = b.values, b.centre
    lcl, ucl = np.maximum(0.0, p0 - L * b.sigma), np.minimum(1.0, p0 + L * b.sigma)
    above, below = p > ucl, p < lcl
    alarms = []
    for i in np.flatnonzero(above | below):
        up = bool(above[i])
        side, limit = ("above UCL", ucl[i]) if up else ("below LCL", lcl[i])
        reason = f"p-chart{b.tag}: batch of {series.dates[i]} {side} {limit:.1%} with {p[i]:.1%} {b.name}"
        alarms.append(
            Alarm("p-chart", b.name, int(i), series.dates[i], alarm_direction(up, False), side, reason)
        )
    phase2, phase1 = split_alarms(alarms, b.m, b.points)
    return PChart(
        b.name, read_only(b.points, np.intp), series.dates, b.m, p0, read_only(above | below, bool), phase2, phase1,
        read_only(p), read_only(lcl), read_only(ucl), b.sigma_z, b.laney,
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
    b = frozen_basis(series, metric, baseline, centre, sigma, laney)
    x, centre = b.values, b.centre
    better_up = better_is_up(metric, higher_is_better)
    z = lfilter([lam], [1.0, lam - 1.0], x, zi=[(1.0 - lam) * centre])[0]
    var = lfilter([lam * lam], [1.0, -((1.0 - lam) ** 2)], b.sigma**2)
    lcl, ucl = centre - L * np.sqrt(var), centre + L * np.sqrt(var)
    above, below = z > ucl, z < lcl
    percent = metric is None
    alarms = []
    for flag, up in ((above, True), (below, False)):
        for j in onsets(flag):
            i, limit = int(b.points[j]), (ucl if up else lcl)[j]
            reason = (
                f"EWMA{b.tag}: {_what(b.name, percent)} smoothed to {_fmt(z[j], percent)} by the batch of "
                f"{series.dates[i]}, {'above' if up else 'below'} its limit {_fmt(limit, percent)} "
                f"(baseline {_fmt(centre, percent)})"
            )
            rule = "above UCL" if up else "below LCL"
            alarms.append(
                Alarm("EWMA", b.name, i, series.dates[i], alarm_direction(up, better_up), rule, reason)
            )
    phase2, phase1 = split_alarms(alarms, b.m, b.points)
    dates = tuple(series.dates[i] for i in b.points)
    return EwmaChart(
        b.name, read_only(b.points, np.intp), dates, b.m, centre, read_only(above | below, bool), phase2, phase1,
        read_only(x), read_only(z), read_only(lcl), read_only(ucl), lam, L, b.sigma_z, b.laney,
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
    b = frozen_basis(series, metric, baseline, centre, sigma, laney)
    x, centre = b.values, b.centre
    better_up = better_is_up(metric, higher_is_better)
    y = (x - centre) / b.sigma
    upper, lower = _lindley(y - k), _lindley(-y - k)
    percent = metric is None
    alarms = []
    for sums, up in ((upper, True), (lower, False)):
        for j in onsets(sums > h):
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
            alarm = Alarm(
                "CUSUM", b.name, i, series.dates[i], alarm_direction(up, better_up), rule, reason, onset
            )
            alarms.append(alarm)
    phase2, phase1 = split_alarms(alarms, b.m, b.points)
    dates = tuple(series.dates[i] for i in b.points)
    return CusumChart(
        b.name, read_only(b.points, np.intp), dates, b.m, centre, read_only((upper > h) | (lower > h), bool), phase2,
        phase1, read_only(x), read_only(b.sigma), read_only(upper), read_only(lower), k, h, b.sigma_z, b.laney,
    )  # fmt: skip


Chart: TypeAlias = PChart | EwmaChart | CusumChart | IndividualsChart  # a union at run time too


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

    def to_dict(self) -> dict[str, Any]:
        return {"alarms": [a.to_dict() for a in self.alarms], "notes": list(self.notes)}


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


def _what(name: str, share: bool) -> str:
    return f"the share of {name}" if share else name


def _lindley(steps: FloatArray) -> FloatArray:
    """``W_t = max(0, W_{t-1} + steps_t)``, ``W_0 = 0``, in closed form."""
    s = np.cumsum(steps)
    return np.asarray(s - np.minimum(np.minimum.accumulate(s), 0.0), dtype=np.float64)
