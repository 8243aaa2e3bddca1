"""Individuals charts of a continuous audit metric (agreement, accuracy) with the Western Electric zones.

The zones assume a symmetric normal statistic, so they chart variables only, never the share of a
small batch. Centre and sigma (mean moving range / d2(2)) are frozen on the baseline by ``series``
as for the charts of ``charts``; the package ``spc`` re-exports them. Formulas: Montgomery, *Introduction to
Statistical Quality Control*, 8th ed. (2019), sections 5.3.6 and 6.4; Western Electric, *Statistical
Quality Control Handbook* (1956).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labelpact.partners.spc.series import (
    DEFAULT_BASELINE,
    Alarm,
    AuditSeries,
    BaselineSpec,
    BoolArray,
    ChartBase,
    FloatArray,
    alarm_direction,
    better_is_up,
    frozen_basis,
    onsets,
    read_only,
    split_alarms,
)

__all__ = ["WE_RULES", "IndividualsChart", "individuals_chart", "zone_rule_hits"]

WE_RULES = (  # (name, points needed, window, threshold in sigma); rule 1 is one point beyond 3 sigma
    ("1 point beyond 3σ", 1, 1, 3.0),
    ("2 of 3 beyond 2σ on one side", 2, 3, 2.0),
    ("4 of 5 beyond 1σ on one side", 4, 5, 1.0),
    ("8 in a row on one side", 8, 8, 0.0),
)


@dataclass(frozen=True, slots=True)
class IndividualsChart(ChartBase):
    """Individuals (X) chart of a metric, sigma = mean moving range / d2; WE zone rules 1-4."""

    values: FloatArray
    sigma: float
    lcl: float
    ucl: float
    rule_hits: BoolArray  # (4, n) WE rule r holds at the window ending at point i (either side)


def individuals_chart(
    series: AuditSeries,
    metric: str,
    *,
    baseline: BaselineSpec = DEFAULT_BASELINE,
    higher_is_better: bool | None = None,
    centre: float | None = None,
    sigma: float | None = None,
) -> IndividualsChart:
    """Individuals chart of a continuous metric with Western Electric rules 1-4 (Montgomery 6.4, 5.3.6).

    A rule holds at point i when the window of its last ``window`` points has ``needed`` points beyond
    the zone on one side; one alarm where a rule starts to hold (rule 1: every point beyond 3σ).
    """
    b = frozen_basis(series, metric, baseline, centre, sigma)
    x, points, centre = b.values, b.points, b.centre
    better_up = better_is_up(metric, higher_is_better)
    sigma = float(b.sigma[0])
    hits, found = zone_rule_hits((x - centre) / sigma)
    alarms = []
    for j, (rule, up, text, first) in found.items():
        i = int(points[j])
        reason = (
            f"{b.name} chart: batch of {series.dates[i]} completes WE rule {rule} ({text}) "
            f"{'above' if up else 'below'} the centre {centre:.3g}, value {x[j]:.3g} "
            f"(since {series.dates[int(points[first])]})"
        )
        alarms.append(
            Alarm(
                "individuals", b.name, i, series.dates[i], alarm_direction(up, better_up), f"WE{rule}", reason
            )
        )
    phase2, phase1 = split_alarms(alarms, b.m, points)
    dates = tuple(series.dates[i] for i in points)
    return IndividualsChart(
        b.name, read_only(points, np.intp), dates, b.m, centre, read_only(hits.any(axis=0), bool), phase2, phase1,
        read_only(x), sigma, centre - 3.0 * sigma, centre + 3.0 * sigma, read_only(hits, bool),
    )  # fmt: skip


def zone_rule_hits(z: FloatArray) -> tuple[BoolArray, dict[int, tuple[int, bool, str, int]]]:
    """Where WE rules 1-4 hold on standardised values ``z`` (n,): hits (4, n), and the alarms to raise
    as ``{point: (rule number, above, rule text, first point of its window)}`` (the most severe rule wins).
    """
    n = len(z)
    hits = np.zeros((len(WE_RULES), n), dtype=bool)
    found: dict[int, tuple[int, bool, str, int]] = {}
    for r, (text, needed, window, zone) in reversed(list(enumerate(WE_RULES))):
        for up in (True, False):
            beyond = (z if up else -z) > zone
            count = np.cumsum(beyond)
            count[window:] = count[window:] - count[:-window]
            holds = (count >= needed) & (np.arange(n) >= window - 1)
            hits[r] |= holds
            for j in np.flatnonzero(holds) if r == 0 else onsets(holds):
                found[int(j)] = (r + 1, up, text, int(j) - window + 1)
    return hits, found
