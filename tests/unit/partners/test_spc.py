"""Process control on audit series: checked against the ``shewhart`` package on the same series and
parameters, against Montgomery's CUSUM example, against hand-computed cases, and (Laney's p') on
simulated overdispersed vendors."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import numpy as np
import pytest

from labelpact.errors import InvalidInputError
from labelpact.partners.spc import (
    AuditSeries,
    cusum_chart,
    ewma_chart,
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


def overdispersed(
    seed: int,
    *,
    n_points: int = 40,
    sizes: tuple[int, int] = (150, 150),
    share: float = 0.05,
    rho: float = 0.02,
    shift_at: int | None = None,
) -> AuditSeries:
    """Beta-binomial batches: batch i's error share ~ Beta(mean ``share``, intra-batch correlation ``rho``),
    so Var p_i = share (1-share) / n_i * (1 + (n_i - 1) rho); the share doubles from ``shift_at`` on."""
    rng = np.random.default_rng(seed)
    n = rng.integers(sizes[0], sizes[1] + 1, n_points)
    mean = np.where(np.arange(n_points) < (shift_at if shift_at is not None else n_points), share, 2 * share)
    strength = 1.0 / rho - 1.0  # a + b of the beta distribution
    p = rng.beta(mean * strength, (1.0 - mean) * strength)
    return AuditSeries.from_columns(dates=weekly(n_points), inspected=n, defective=rng.binomial(n, p))


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
    chart = p_chart(series, baseline=10, laney=False)
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
    chart = ewma_chart(series, baseline=12, lam=lam, L=L, laney=False)
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
    assert (ewma.sigma_z, ewma.laney, cusum.sigma_z, cusum.laney) == (None, False, None, False)


@pytest.mark.parametrize("seed", [5, 6])
def test_cusum_of_a_share_matches_shewhart_for_equal_batches(seed: int) -> None:
    sw = pytest.importorskip("shewhart", reason="the shewhart oracle is a dev extra")
    series = drifting(seed, sizes=(120, 120))
    chart = cusum_chart(series, baseline=10, k=0.5, h=4.0, laney=False)
    sigma = float(chart.sigma[0])
    table = sw.cusum(series.proportion, center=chart.centre, sigma=sigma, k=0.5, h=4.0).table
    np.testing.assert_allclose(chart.upper * sigma, table["cusum_pos"], atol=1e-12)
    np.testing.assert_allclose(-chart.lower * sigma, table["cusum_neg"], atol=1e-12)
    assert chart.out_of_control.tolist() == table["signal"].tolist()


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
    chart = ewma_chart(series, baseline=10, lam=lam, L=3.0, laney=False)
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
        dates=weekly(3),
        inspected=[50, 60, 70],
        defective=[1, 2, 3],
        metrics={"agreement": [0.7, np.nan, np.nan]},
    )
    result = quality_alarms(series)
    assert result.in_control
    assert "p" in result.charts
    assert any("nothing monitored yet" in note for note in result.notes)
    assert any(note.startswith("agreement: not charted") for note in result.notes)
    assert result.to_dict()["alarms"] == []


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


# --- Laney's p' chart for overdispersed batches ------------------------------------------------------


def laney_hand_series() -> AuditSeries:
    """Baseline 4%, 12%, 6%, 10% of 100, 100, 400, 400 tasks; then 15% and 25% of 200, 2% of 100."""
    return AuditSeries.from_columns(
        dates=weekly(7),
        inspected=[100, 100, 400, 400, 200, 200, 100],
        defective=[4, 12, 24, 40, 30, 50, 2],
        defect_name="gold errors",
    )


def test_laney_p_chart_hand_computed() -> None:
    series = laney_hand_series()
    chart = p_chart(series, baseline=4)
    assert chart.centre == pytest.approx(0.08)  # 80 errors of 1,000 gold tasks
    # z_i = (p_i - 0.08) / sqrt(0.08 * 0.92 / n_i): -c, +c, -c, +c with c = 0.04 / sqrt(0.0736 / 100)
    c = 0.04 / np.sqrt(0.0736 / 100)
    assert c == pytest.approx(1.474420, abs=1e-6)
    # three moving ranges of 2c: sigma_z = 2c / d2(2) = 2c / (2 / sqrt(pi)) = c sqrt(pi)
    assert chart.sigma_z == pytest.approx(c * np.sqrt(np.pi), rel=1e-12)
    assert chart.sigma_z == pytest.approx(2.613341, abs=1e-6)
    assert chart.laney  # automatic: sigma_z > 1
    # UCL' = p0 + 3 sigma_z sqrt(p0 (1 - p0) / n): 29.27% at n = 100, 18.63% at 400, 23.04% at 200
    assert chart.ucl.round(6).tolist() == [
        0.292694,
        0.292694,
        0.186347,
        0.186347,
        0.230398,
        0.230398,
        0.292694,
    ]
    assert chart.lcl.tolist() == [0.0] * 7
    classic = p_chart(series, baseline=4, laney=False)
    assert classic.ucl[4] == pytest.approx(0.08 + 3 * np.sqrt(0.0736 / 200))  # 13.76%
    assert (classic.sigma_z, classic.laney) == (chart.sigma_z, False)
    assert classic.alarm_indices.tolist() == [4, 5]  # 15% is beyond the binomial limit only
    assert chart.alarm_indices.tolist() == [5]
    assert chart.alarms[0].reason == (
        "p-chart, Laney p' (sigma_z 2.6): batch of 2026-02-09 above UCL 23.0% with 25.0% gold errors"
    )


def test_laney_p_chart_hand_case_matches_shewhart() -> None:
    sw = pytest.importorskip("shewhart", reason="the shewhart oracle is a dev extra")
    series = laney_hand_series()
    chart = p_chart(series, baseline=4, laney=True)
    fitted = sw.laney_p(series.defective[:4], size=series.inspected[:4], rules="none").stats
    assert fitted["sigma_z"] == pytest.approx(chart.sigma_z, rel=1e-12)
    table = sw.laney_p(series.defective, size=series.inspected, rules="none", limits=fitted).table
    np.testing.assert_allclose(chart.ucl, table["ucl"], rtol=1e-12)
    assert chart.out_of_control.tolist() == table["signal"].tolist()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_laney_p_chart_matches_shewhart(seed: int) -> None:
    sw = pytest.importorskip("shewhart", reason="the shewhart oracle is a dev extra")
    series = overdispersed(seed, sizes=(80, 300), shift_at=30)
    chart = p_chart(series, baseline=15, laney=True)
    fitted = sw.laney_p(series.defective[:15], size=series.inspected[:15], rules="none").stats
    assert chart.centre == pytest.approx(fitted["p_center"], rel=1e-12)
    assert chart.sigma_z == pytest.approx(fitted["sigma_z"], rel=1e-12)
    table = sw.laney_p(series.defective, size=series.inspected, rules="none", limits=fitted).table
    np.testing.assert_allclose(chart.lcl, table["lcl"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(chart.ucl, table["ucl"], rtol=1e-12)
    assert chart.out_of_control.tolist() == table["signal"].tolist()
    assert chart.alarm_indices.tolist() == [i for i in np.flatnonzero(table["signal"]) if i >= 15]


def test_laney_widens_ewma_and_cusum_sigma_like_shewhart() -> None:
    sw = pytest.importorskip("shewhart", reason="the shewhart oracle is a dev extra")
    series = overdispersed(3, shift_at=25)
    ewma = ewma_chart(series, baseline=15, laney=True)
    cusum = cusum_chart(series, baseline=15, h=4.0, laney=True)
    p = p_chart(series, baseline=15, laney=True)
    assert ewma.sigma_z == cusum.sigma_z == p.sigma_z
    assert p.sigma_z is not None
    sigma = np.sqrt(ewma.centre * (1 - ewma.centre) / 150) * p.sigma_z
    np.testing.assert_allclose(cusum.sigma, sigma, rtol=1e-12)
    table = sw.ewma(series.proportion, center=ewma.centre, sigma=sigma, lam=0.2, k=3.0).table
    np.testing.assert_allclose(ewma.ewma, table["ewma"], rtol=1e-12)
    np.testing.assert_allclose(ewma.ucl, table["ucl"], rtol=1e-12)
    assert ewma.out_of_control.tolist() == table["signal"].tolist()
    table = sw.cusum(series.proportion, center=cusum.centre, sigma=sigma, k=0.5, h=4.0).table
    np.testing.assert_allclose(cusum.upper * sigma, table["cusum_pos"], atol=1e-12)
    assert cusum.out_of_control.tolist() == table["signal"].tolist()
    assert cusum.alarms
    assert all(a.reason.startswith(f"CUSUM, Laney p' (sigma_z {p.sigma_z:.1f}): ") for a in cusum.alarms)


def same_chart(a: object, b: object) -> bool:
    """Every field equal: arrays element by element, alarms (and their reasons) exactly."""
    return all(
        np.array_equal(getattr(a, f.name), getattr(b, f.name))
        for f in dataclasses.fields(a)  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("seed", range(8))
def test_automatic_laney_is_the_classic_chart_unless_overdispersed(seed: int) -> None:
    """Binomial batches: sigma_z <= 1 leaves every chart exactly classic; above 1 it scales sigma by sigma_z."""
    series = drifting(seed)
    p, ewma, cusum = p_chart(series), ewma_chart(series), cusum_chart(series)
    classic = p_chart(series, laney=False), ewma_chart(series, laney=False), cusum_chart(series, laney=False)
    sigma_z = p.sigma_z
    assert sigma_z is not None
    assert p.sigma_z == ewma.sigma_z == cusum.sigma_z == classic[0].sigma_z
    assert p.laney == ewma.laney == cusum.laney == (sigma_z > 1.0)
    if sigma_z <= 1.0:
        assert all(same_chart(a, b) for a, b in zip((p, ewma, cusum), classic, strict=True))
    else:
        np.testing.assert_allclose(p.ucl - p.centre, sigma_z * (classic[0].ucl - p.centre), rtol=1e-12)
        np.testing.assert_allclose(ewma.ucl - p.centre, sigma_z * (classic[1].ucl - p.centre), rtol=1e-12)
        np.testing.assert_allclose(cusum.sigma, sigma_z * classic[2].sigma, rtol=1e-12)


def test_laney_true_narrows_an_underdispersed_baseline_but_automatic_never_does() -> None:
    series = AuditSeries.from_columns(
        dates=weekly(12), inspected=[100] * 12, defective=[5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 30]
    )
    forced, auto = p_chart(series, laney=True), p_chart(series)
    assert forced.sigma_z == pytest.approx(0.01 / np.sqrt(0.055 * 0.945 / 100) * np.sqrt(np.pi) / 2)
    assert forced.sigma_z is not None
    assert forced.sigma_z < 1 and forced.laney and not auto.laney
    assert forced.ucl[0] < auto.ucl[0] == p_chart(series, laney=False).ucl[0]
    assert auto.alarm_indices.tolist() == forced.alarm_indices.tolist() == [11]


def test_laney_options_that_cannot_hold_are_invalid_input() -> None:
    series = drifting(0)
    with pytest.raises(InvalidInputError, match="defect share"):
        ewma_chart(series, metric="agreement", laney=True)
    with pytest.raises(InvalidInputError, match="sigma_z"):
        p_chart(series, baseline=0, centre=0.05, laney=True)  # no baseline to estimate sigma_z from
    known = p_chart(series, baseline=0, centre=0.05)
    assert (known.sigma_z, known.laney) == (None, False)
    flat = AuditSeries.from_columns(dates=weekly(4), inspected=[100] * 4, defective=[5, 5, 5, 9])
    with pytest.raises(InvalidInputError, match="sigma_z"):
        cusum_chart(flat, baseline=3, laney=True)
    assert cusum_chart(flat, baseline=3).sigma_z == 0.0


def test_quality_alarms_say_when_laney_widened_the_charts() -> None:
    # sigma_z about sqrt(1 + 149 * 0.05) = 2.9; the error share doubles from batch 35
    series = overdispersed(4, n_points=60, rho=0.05, shift_at=35)
    auto = quality_alarms(series, baseline=10)
    p = auto.charts["p"]
    assert isinstance(p, type(p_chart(series)))
    assert p.laney and p.sigma_z is not None and p.sigma_z > 2.0
    assert auto.charts["ewma"].laney and auto.charts["cusum"].laney  # type: ignore[union-attr]
    tag = f"Laney p' (sigma_z {p.sigma_z:.1f})"
    assert f"errors: {tag} widens the binomial sigma of the p-chart, EWMA, CUSUM" in auto.notes
    assert all(a.index >= 35 for a in auto.alarms)  # a steady vendor until the shift
    assert auto.worse()
    assert all(tag in a.reason for a in auto.alarms)
    classic = quality_alarms(series, baseline=10, laney=False)
    assert sum(a.index < 35 for a in classic.alarms) >= 5  # the binomial alarms before anything changed
    assert f"errors: baseline overdispersed (sigma_z {p.sigma_z:.1f}); binomial limits kept" in classic.notes
    assert classic.to_dict()["notes"] == list(classic.notes)


def steady_and_shifted(size: int, share: float, rho: float, replicates: int) -> dict[str, list[int]]:
    """Per vendor: false p-chart alarms in a year after a 10-batch baseline, classic and automatic."""
    out: dict[str, list[int]] = {"classic": [], "laney": [], "classic_any": [], "laney_any": []}
    for seed in range(replicates):
        series = overdispersed(seed, n_points=62, sizes=(size, size), share=share, rho=rho)
        for key, laney in (("classic", False), ("laney", None)):
            result = quality_alarms(series, baseline=10, laney=laney)
            out[key].append(len(result.charts["p"].alarms))
            out[f"{key}_any"].append(int(bool(result.worse())))
    return out


@pytest.mark.parametrize(("size", "share", "rho"), [(32, 0.08, 0.05), (200, 0.05, 0.01)])
def test_laney_cuts_false_alarms_of_a_steady_overdispersed_vendor(
    size: int, share: float, rho: float
) -> None:
    """The demo's vendor (32 gold tasks a batch, sigma_z 1.6) and a large-batch one (sigma_z 1.7):
    p-chart false alarms per 100 batches 8.0 -> 4.1 and 9.0 -> 3.0; vendors with some false "worse"
    alarm in a year 90% -> 61% and 89% -> 57% (binomial batches, classic: 33-40%, the floor a
    10-batch baseline sets)."""
    counts = steady_and_shifted(size, share, rho, replicates=150)
    classic, laney = np.mean(counts["classic"]) / 52, np.mean(counts["laney"]) / 52
    assert classic > 0.05
    assert laney < 0.6 * classic
    assert np.mean(counts["laney_any"]) < 0.75 * np.mean(counts["classic_any"])


def test_laney_still_catches_a_doubling_within_a_few_batches() -> None:
    """Share 5% -> 10% after batch 20, 200 tasks a batch, sigma_z 1.7: the first worse alarm of the
    automatic chart set comes a median 3 batches after the shift (classic: 1), 94% within 10."""
    delays = []
    for seed in range(150):
        series = overdispersed(seed, n_points=40, sizes=(200, 200), share=0.05, rho=0.01, shift_at=20)
        result = quality_alarms(series, baseline=10)
        after = [a.index for a in result.worse() if a.index >= 20]
        delays.append(after[0] - 19 if after else 99)
    assert np.median(delays) <= 4
    assert np.mean(np.array(delays) <= 10) >= 0.85


def test_a_constant_agreement_baseline_still_charts_and_a_collapse_alarms() -> None:
    # alpha 1.0 in every baseline batch (every task unanimous) has a moving range of 0: the chart used to be
    # dropped ("a baseline with some variation") and a fall to 0.5 raised nothing
    dates = [date(2025, 1, 6) + timedelta(days=7 * i) for i in range(15)]
    agreement = np.array([1.0] * 10 + [0.5] * 5)
    series = AuditSeries.from_columns(
        dates=dates, inspected=[100] * 15, defective=[2] * 15, metrics={"agreement": agreement}
    )
    found = quality_alarms(series, baseline=10)
    late = [a for a in found.alarms if a.metric == "agreement"]
    assert [a.index for a in late if a.rule == "WE1"] == [10, 11, 12, 13, 14]
    assert all(a.direction == "worse" for a in late)
    assert not any("agreement: not charted" in note for note in found.notes)
    steady = AuditSeries.from_columns(
        dates=dates, inspected=[100] * 15, defective=[2] * 15, metrics={"agreement": np.full(15, 1.0)}
    )
    assert quality_alarms(steady, baseline=10).alarms == ()
