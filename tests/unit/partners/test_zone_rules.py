"""Individuals charts with the Western Electric zone rules: checked against the ``shewhart`` package,
against hand-placed points, and through their re-export from ``spc``."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import numpy as np
import pytest

from labelpact.partners import spc
from labelpact.partners.spc import AuditSeries, zone_rules
from labelpact.partners.spc.zone_rules import WE_RULES, individuals_chart, zone_rule_hits


def weekly(n_points: int) -> list[date]:
    return [date(2026, 1, 5) + timedelta(weeks=i) for i in range(n_points)]


def metric_series(values: list[float] | np.ndarray, name: str = "alpha") -> AuditSeries:
    k = len(values)
    return AuditSeries.from_columns(
        dates=weekly(k), inspected=np.ones(k), defective=np.zeros(k), metrics={name: values}
    )


def coverage(hits: np.ndarray, z: np.ndarray, needed: int, window: int, zone: float) -> set[int]:
    """Points the windows where a rule holds cover, beyond the zone on the window's side (shewhart's view)."""
    covered: set[int] = set()
    for side in (1.0, -1.0):
        beyond = side * z > zone
        for end in range(window - 1, len(z)):
            span = range(end - window + 1, end + 1)
            if beyond[end - window + 1 : end + 1].sum() >= needed:
                assert hits[end]
                covered |= {i for i in span if beyond[i]}
    return covered


@pytest.mark.parametrize("seed", [7, 8, 9, 10])
def test_western_electric_rules_match_shewhart(seed: int) -> None:
    sw = pytest.importorskip("shewhart", reason="the shewhart oracle is a dev extra")
    rng = np.random.default_rng(seed)
    x = np.r_[rng.normal(0.75, 0.03, 20), rng.normal(0.72, 0.03, 60)]
    chart = individuals_chart(metric_series(x), "alpha", baseline=20)
    fitted = sw.imr(x[:20], rules="none").stats
    assert chart.centre == pytest.approx(fitted["i_center"], rel=1e-12)
    assert chart.sigma == pytest.approx(fitted["sigma_within"], rel=1e-9)
    limits = {"i_center": chart.centre, "sigma_within": chart.sigma, "mr_center": fitted["mr_center"]}
    signals = sw.imr(x, rules="western_electric", limits=limits).signals
    z = (x - chart.centre) / chart.sigma
    for r, (needed, window, zone) in enumerate([(1, 1, 3.0), (2, 3, 2.0), (4, 5, 1.0), (8, 8, 0.0)]):
        theirs = {p for s in signals if s.rule == f"we_{r + 1}" for p in s.points}
        assert coverage(chart.rule_hits[r], z, needed, window, zone) == theirs
    assert chart.out_of_control.any()  # a 1-sigma drop over 60 batches trips some rule


def test_western_electric_hand_cases_and_severity() -> None:
    base = [0.0, 1.0] * 5  # centre 0.5, mean moving range 1: sigma = 1 / d2(2) = sqrt(pi) / 2
    sigma = np.sqrt(np.pi) / 2
    z = (0.2, 3.5, -0.3, -0.2, 2.5, -0.5, 2.2, -0.4, 1.5, 1.2, 0.5, 1.1, 1.3, 0.4, 0.2, 0.1)
    at = [0.5 + k * sigma for k in z]
    chart = individuals_chart(metric_series(base + at, name="error_rate"), "error_rate", baseline=10)
    rules = {a.index - 10: a.rule for a in chart.alarms}
    assert rules == {1: "WE1", 6: "WE2", 12: "WE3", 15: "WE4"}
    assert {a.direction for a in chart.alarms} == {"worse"}  # a higher error rate is worse
    assert chart.baseline_alarms == ()


def test_metric_gaps_are_skipped_but_positions_kept() -> None:
    values = np.r_[np.tile([0.7, 0.8], 6), 0.2]
    values[3] = np.nan
    chart = individuals_chart(metric_series(values, "agreement"), "agreement", baseline=12)
    assert len(chart.points) == 12 and 3 not in chart.points.tolist()
    assert chart.n_baseline == 11
    assert chart.alarm_indices.tolist() == [12]
    assert chart.alarms[0].direction == "worse"


def test_zone_rule_hits_on_standardised_values() -> None:
    z = np.array([0.5, 2.5, 2.1, -0.1, 3.2])  # 2 of 3 beyond 2 sigma at point 2, one beyond 3 at 4
    hits, found = zone_rule_hits(z)
    assert hits.shape == (len(WE_RULES), 5)
    assert np.flatnonzero(hits[0]).tolist() == [4]
    assert np.flatnonzero(hits[1]).tolist() == [2, 3, 4]  # windows (0-2), (1-3), (2-4)
    assert found == {2: (2, True, WE_RULES[1][0], 0), 4: (1, True, WE_RULES[0][0], 4)}


def test_spc_re_exports_the_individuals_chart() -> None:
    assert spc.individuals_chart is zone_rules.individuals_chart
    assert spc.IndividualsChart is zone_rules.IndividualsChart
    assert spc.WE_RULES is zone_rules.WE_RULES
    assert zone_rules.IndividualsChart in spc.Chart.__args__  # the union of every chart, at run time
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = spc.nope  # type: ignore[attr-defined]


@pytest.mark.parametrize("first", ["spc.zone_rules", "spc.charts", "spc.series", "spc"])
def test_either_module_imports_first(first: str) -> None:
    """The package re-exports its modules, which import one another: no import order may break."""
    code = (
        f"import labelpact.partners.{first}\n"
        "from labelpact.partners.spc import IndividualsChart, individuals_chart, quality_alarms\n"
        "from labelpact.partners.spc.zone_rules import individuals_chart as same\n"
        "assert individuals_chart is same"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
