"""A partner's audit series and what every control chart shares: alarms, the chart base, frozen baselines.

Here so that ``charts`` (the defect share) and ``zone_rules`` (individuals charts) import it, not each other.
Baselines: Montgomery, *Introduction to SQC*, 8th ed. (2019), 6.4, 7.2; Laney, *Qual. Eng.* 14(4) (2002).
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
from typing import Any, Literal, NamedTuple, TypeAlias

import numpy as np
import numpy.typing as npt

from labelpact.errors import InvalidInputError

__all__ = [
    "DEFAULT_BASELINE",
    "HIGHER_IS_BETTER",
    "Alarm",
    "AuditSeries",
    "BaselineSpec",
    "Basis",
    "BoolArray",
    "ChartBase",
    "Direction",
    "FloatArray",
    "IntArray",
    "alarm_direction",
    "better_is_up",
    "frozen_basis",
    "onsets",
    "read_only",
    "split_alarms",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.intp]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
Direction: TypeAlias = Literal["worse", "better"]
BaselineSpec: TypeAlias = int | date

DEFAULT_BASELINE = 10  # batches; ten weeks of weekly deliveries
# A constant baseline's sigma: 1% of its level (three sigma: a move of 3% of it alarms), as the p-chart floors p0
SIGMA_FLOOR = 0.01
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
        n_i, d_i = read_only(inspected), read_only(defective)
        for name, array in (("inspected", n_i), ("defective", d_i)):
            if array.shape != (n,) or not np.isfinite(array).all():
                raise InvalidInputError(f"{n} finite values, one per date", column=name, got=str(array.shape))
        if n and (n_i.min() <= 0 or d_i.min() < 0 or (d_i > n_i).any()):
            raise InvalidInputError("inspected > 0 and 0 <= defective <= inspected", column="defective")
        checked: dict[str, FloatArray] = {}
        for name, values in (metrics or {}).items():
            array = read_only(values)
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

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"date": self.date.isoformat()}


@dataclass(frozen=True, slots=True)
class ChartBase:
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


class Basis(NamedTuple):
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


def frozen_basis(
    series: AuditSeries,
    metric: str | None,
    baseline: BaselineSpec,
    centre: float | None,
    sigma: float | None,
    laney: bool | None = False,
) -> Basis:
    """The defect share (``metric=None``) or a metric, NaN batches skipped, with its frozen parameters.

    The share's p0 is floored at half a defect of the baseline, so a perfect baseline still has width; a
    metric's sigma, when its baseline is constant, at ``SIGMA_FLOOR`` of its level.
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
        return Basis(series.defect_name, points, p, m, centre, widened, sigma_z, use)
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
        if sigma == 0.0 and m > 0:  # a constant baseline (alpha 1.0 every batch) still has width, as p0 does
            sigma = max(SIGMA_FLOOR * abs(float(values[:m].mean())), SIGMA_FLOOR**2)
    if not sigma > 0:
        raise InvalidInputError("a baseline with some variation (sigma > 0)", column=metric, got=f"{sigma}")
    centre = float(values[:m].mean()) if centre is None else centre
    return Basis(metric, points, values, m, centre, np.full(len(values), sigma), None, False)


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


def alarm_direction(up: bool, higher_is_better: bool) -> Direction:
    return "better" if up == higher_is_better else "worse"


def split_alarms(
    alarms: list[Alarm], m: int, points: IntArray
) -> tuple[tuple[Alarm, ...], tuple[Alarm, ...]]:
    cut = int(points[m]) if m < len(points) else 1 << 62
    alarms.sort(key=lambda a: (a.index, a.rule))
    return tuple(a for a in alarms if a.index >= cut), tuple(a for a in alarms if a.index < cut)


def onsets(flag: BoolArray) -> IntArray:
    """Positions where ``flag`` turns on: a memoryful statistic raises one alarm per excursion."""
    return np.flatnonzero(flag & ~np.concatenate(([False], flag[:-1])))


def better_is_up(metric: str | None, higher_is_better: bool | None) -> bool:
    if metric is None:
        return False  # a higher share defective is worse
    if higher_is_better is None:
        if metric not in HIGHER_IS_BETTER:
            raise InvalidInputError("higher_is_better for this metric", column=metric, got="None")
        return HIGHER_IS_BETTER[metric]
    return higher_is_better


def read_only(array: npt.ArrayLike, dtype: npt.DTypeLike = np.float64) -> Any:
    """A read-only copy: results are frozen, and so are their arrays."""
    out = np.array(array, dtype=dtype, copy=True)
    out.flags.writeable = False
    return out
