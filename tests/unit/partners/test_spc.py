"""Process control on audit series: checked against the ``shewhart`` package on the same series and
parameters, against Montgomery's CUSUM example, and against hand-computed cases."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from labelpact.errors import InvalidInputError
from labelpact.partners.spc import (
    AuditSeries,
    cusum_chart,
    ewma_chart,
    individuals_chart,
    p_chart,
    quality_alarms,
)

MONTGOMERY_9_1 = [  # Montgomery, Introduction to SQC, Table 9.1: mu0 = 10, sigma = 1, shift to 11 after 20
    9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34,
    9.03, 11.47, 10.51, 9.40, 10.08, 9.37, 10.62, 10.31, 8.52, 10.84,
    10.90, 9.33, 12.29, 11.50, 10.60, 11.08, 10.38, 11.62, 11.31, 10.52,
]  # fmt: skip


def weekly(n_points: int) -> list[date]:
    return [date(2026, 1, 5) + timedelta(weeks=i) for i in range(n_points)]


def drifting(seed: int, *, n_points: int = 40, sizes: tuple[int, int] = (80, 200)) -> AuditSeries:
    """Error share 5% for 25 batches then 9%; agreement 0.75 then 0.70."""
    rng = np.random.default_rng(seed)
    n = rng.integers(sizes[0], sizes[1] + 1, n_points)
    p = np.where(np.arange(n_points) < 25, 0.05, 0.09)
    alpha = np.where(np.arange(n_points) < 25, 0.75, 0.70) + rng.normal(0, 0.03, n_points)
    return AuditSeries.from_columns(
        dates=weekly(n_points), inspected=n, defective=rng.binomial(n, p), metrics={"agreement": alpha}
    )


def metric_series(values: list[float] | np.ndarray, name: str = "alpha") -> AuditSeries:
    k = len(values)
    return AuditSeries.from_columns(
        dates=weekly(k), inspected=np.ones(k), defective=np.zeros(k), metrics={name: values}
    )


# --- the shewhart package as oracle (same series, same frozen parameters) -------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_p_chart_matches_shewhart(seed: int) -> None:
    sw = pytest.importorskip("shewhart", reason="the shewhart oracle is a dev extra")
    series = drifting(seed)
    chart = p_chart(series, baseline=10)
    fitted = sw.p_chart(series.defective[:10], size=series.inspected[:10], rules="none")
    assert chart.centre == pytest.approx(fitted.stats["p_center"], rel=1e-12)
    frozen = sw.p_chart(
        series.defective, size=series.inspected, rules="none", limits={"p_center": chart.centre}
    ).table
    np.testing.assert_allclose(chart.lcl, frozen["lcl"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(chart.ucl, frozen["ucl"], rtol=1e-12)
    np.testing.assert_allclose(chart.proportion, frozen["proportion"], rtol=1e-12)
    assert chart.out_of_control.tolist() == frozen["signal"].tolist()
    assert chart.alarm_indices.tolist() == [i for i in np.flatnonzero(frozen["signal"]) if i >= 10]


@pytest.mark.parametrize(("lam", "L"), [(0.2, 3.0), (0.1, 2.7), (0.5, 3.0)])
def test_ewma_of_a_share_matches_shewhart_for_equal_batches(lam: float, L: float) -> None:
    sw = pytest.importorskip("shewhart", reason="the shewhart oracle is a dev extra")
    series = drifting(3, sizes=(150, 150))
    chart = ewma_chart(series, baseline=12, lam=lam, L=L)
    sigma = np.sqrt(chart.centre * (1 - chart.centre) / 150)
    table = sw.ewma(series.proportion, center=chart.centre, sigma=sigma, lam=lam, k=L).table
    np.testing.assert_allclose(chart.ewma, table["ewma"], rtol=1e-12)
    np.testing.assert_allclose(chart.ucl, table["ucl"], rtol=1e-12)
    np.testing.assert_allclose(chart.lcl, table["lcl"], rtol=1e-12)
    assert chart.out_of_control.tolist() == table["signal"].tolist()
    assert chart.first_alarm is not None
    assert chart.first_alarm.direction == "worse"
    assert chart.first_alarm.index >= 25  # the shift, not the baseline


def test_ewma_and_cusum_of_a_metric_estimate_the_baseline_like_shewhart() -> None:
    sw = pytest.importorskip("shewhart", reason="the shewhart oracle is a dev extra")
    series = drifting(4)
    alpha = np.asarray(series.metrics["agreement"])
    ewma = ewma_chart(series, metric="agreement", baseline=15)
    cusum = cusum_chart(series, metric="agreement", baseline=15, h=4.0)
    fitted = sw.ewma(alpha[:15])
    assert ewma.centre == pytest.approx(fitted.stats["center"], rel=1e-12)
    assert cusum.sigma[0] == pytest.approx(fitted.stats["sigma"], rel=1e-9)  # mean moving range / d2
    phase2 = sw.cusum(alpha, center=cusum.centre, sigma=cusum.sigma[0], k=0.5, h=4.0).table
    np.testing.assert_allclose(cusum.upper * cusum.sigma, phase2["cusum_pos"], atol=1e-12)
    np.testing.assert_allclose(-cusum.lower * cusum.sigma, phase2["cusum_neg"], atol=1e-12)
    assert cusum.out_of_control.tolist() == phase2["signal"].tolist()
    assert cusum.first_alarm is not None
    assert cusum.first_alarm.direction == "worse"  # agreement fell


@pytest.mark.parametrize("seed", [5, 6])
def test_cusum_of_a_share_matches_shewhart_for_equal_batches(seed: int) -> None:
    sw = pytest.importorskip("shewhart", reason="the shewhart oracle is a dev extra")
    series = drifting(seed, sizes=(120, 120))
    chart = cusum_chart(series, baseline=10, k=0.5, h=4.0)
    sigma = float(chart.sigma[0])
    table = sw.cusum(series.proportion, center=chart.centre, sigma=sigma, k=0.5, h=4.0).table
    np.testing.assert_allclose(chart.upper * sigma, table["cusum_pos"], atol=1e-12)
    np.testing.assert_allclose(-chart.lower * sigma, table["cusum_neg"], atol=1e-12)
    assert chart.out_of_control.tolist() == table["signal"].tolist()


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


# --- textbook and hand-computed cases --------------------------------------------------------------


def test_cusum_reproduces_montgomery_example_9_1() -> None:
    """C+ first exceeds H = 5 at period 29 (C+ = 5.28); the run began after period 22 (N+ = 7)."""
    chart = cusum_chart(metric_series(MONTGOMERY_9_1), metric="alpha", baseline=0, centre=10.0, sigma=1.0)
    assert chart.upper[28] == pytest.approx(5.28, abs=1e-9)
    assert chart.upper[:6].round(2).tolist() == [0.0, 0.0, 0.0, 1.16, 2.82, 2.50]
    assert chart.lower[:3].round(2).tolist() == [0.05, 1.56, 1.77]
    assert chart.alarm_indices.tolist() == [28]  # one alarm per excursion: 29 and 30 are one run
    alarm = chart.alarms[0]
    assert alarm.onset_index == 22  # 0-based: the 23rd period
    assert alarm.direction == "better"  # alpha is a higher-is-better metric
    assert "since the batch of 2026-06-08" in alarm.reason


def test_ewma_hand_computed_first_points_and_exact_limits() -> None:
    chart = ewma_chart(
        metric_series(MONTGOMERY_9_1), metric="alpha", baseline=0, centre=10.0, sigma=1.0, lam=0.1, L=2.7
    )
    assert chart.ewma[0] == pytest.approx(0.1 * 9.45 + 0.9 * 10)  # 9.945
    assert chart.ewma[1] == pytest.approx(0.1 * 7.99 + 0.9 * 9.945)  # 9.7495
    assert chart.ucl[0] == pytest.approx(10 + 2.7 * 0.1)  # sqrt(l/(2-l) (1-(1-l)^2)) = l at t = 1
    assert chart.ucl[-1] == pytest.approx(10 + 2.7 * np.sqrt(0.1 / 1.9 * (1 - 0.9**60)))
    assert chart.alarm_indices.tolist() == [28]


def test_ewma_limits_with_variable_batches_are_the_exact_weighted_sum() -> None:
    series, lam = drifting(11), 0.3
    chart = ewma_chart(series, baseline=10, lam=lam, L=3.0)
    var = chart.centre * (1 - chart.centre) / series.inspected
    for t in (0, 5, 39):
        weights = lam**2 * (1 - lam) ** (2 * (t - np.arange(t + 1)))
        assert chart.ucl[t] == pytest.approx(chart.centre + 3 * np.sqrt(weights @ var[: t + 1]), rel=1e-12)


def test_p_chart_hand_computed_limits_and_reason() -> None:
    series = AuditSeries.from_columns(
        dates=weekly(4), inspected=[100, 100, 100, 50], defective=[5, 5, 12, 0], defect_name="gold errors"
    )
    chart = p_chart(series, baseline=2)
    assert chart.centre == 0.05
    sigma_100, sigma_50 = np.sqrt(0.05 * 0.95 / 100), np.sqrt(0.05 * 0.95 / 50)
    assert chart.ucl.tolist() == pytest.approx([0.05 + 3 * sigma_100] * 3 + [0.05 + 3 * sigma_50])
    assert chart.lcl.tolist() == [0.0] * 4  # 0.05 - 3 sigma < 0: clipped
    assert chart.alarm_indices.tolist() == [2]
    assert chart.first_alarm_date == date(2026, 1, 19)
    assert chart.first_alarm_direction == "worse"
    assert chart.alarms[0].reason == "p-chart: batch of 2026-01-19 above UCL 11.5% with 12.0% gold errors"


def test_a_perfect_baseline_still_has_width() -> None:
    series = AuditSeries.from_columns(dates=weekly(3), inspected=[200, 200, 200], defective=[0, 0, 1])
    chart = p_chart(series, baseline=2)
    assert chart.centre == pytest.approx(0.5 / 400)
    assert chart.ucl[2] > 0.005  # one error in 200 is not an alarm
    assert not chart.alarms


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


def test_alarms_only_after_the_baseline_and_baseline_by_date() -> None:
    series = drifting(12)
    by_count = quality_alarms(series, baseline=25)
    by_date = quality_alarms(series, baseline=series.dates[25])
    assert [a.reason for a in by_count.alarms] == [a.reason for a in by_date.alarms]
    assert all(a.index >= 25 for a in by_count.alarms)
    assert by_count.first is not None
    assert by_count.worse()  # the drift is detected as a loss of quality
    assert {c.n_baseline for c in by_count.charts.values()} == {25}


def test_quality_alarms_notes_instead_of_failing_for_a_new_partner() -> None:
    series = AuditSeries.from_columns(
        dates=weekly(3), inspected=[50, 60, 70], defective=[1, 2, 3], metrics={"agreement": [0.7, 0.7, 0.7]}
    )
    result = quality_alarms(series)
    assert result.in_control
    assert "p" in result.charts
    assert any("nothing monitored yet" in note for note in result.notes)
    assert any(note.startswith("agreement: not charted") for note in result.notes)
    assert result.as_dict()["alarms"] == []


def test_metric_gaps_are_skipped_but_positions_kept() -> None:
    values = np.r_[np.tile([0.7, 0.8], 6), 0.2]
    values[3] = np.nan
    chart = individuals_chart(metric_series(values, "agreement"), "agreement", baseline=12)
    assert len(chart.points) == 12 and 3 not in chart.points.tolist()
    assert chart.n_baseline == 11
    assert chart.alarm_indices.tolist() == [12]
    assert chart.alarms[0].direction == "worse"


@pytest.mark.parametrize(
    ("kwargs", "column"),
    [
        ({"dates": ["2026-01-02", "2026-01-01"], "inspected": [1, 1], "defective": [0, 0]}, "dates"),
        ({"dates": ["2026-01-01", "2026-01-02"], "inspected": [1, 1], "defective": [0, 2]}, "defective"),
        ({"dates": ["2026-01-01", "2026-01-02"], "inspected": [1], "defective": [0, 0]}, "inspected"),
        ({"dates": ["2026-13-01"], "inspected": [1], "defective": [0]}, "dates"),
    ],
)
def test_bad_series_name_the_column(kwargs: dict[str, object], column: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        AuditSeries.from_columns(**kwargs)  # type: ignore[arg-type]
    assert caught.value.column == column


def test_bad_options_are_invalid_input() -> None:
    series = drifting(0)
    with pytest.raises(InvalidInputError):
        p_chart(series, baseline=1)
    with pytest.raises(InvalidInputError):
        ewma_chart(series, lam=0.0)
    with pytest.raises(InvalidInputError):
        cusum_chart(series, metric="nope")
    with pytest.raises(InvalidInputError, match="direction"):
        quality_alarms(metric_series([0.1] * 12, name="mystery"))


def test_inputs_are_not_mutated_and_results_are_read_only() -> None:
    n, d = np.array([100, 100, 100]), np.array([5, 6, 7])
    series = AuditSeries.from_columns(dates=weekly(3), inspected=n, defective=d)
    n[0] = 1
    assert series.inspected[0] == 100
    chart = p_chart(series, baseline=2)
    with pytest.raises(ValueError, match="read-only"):
        chart.ucl[0] = 1.0
