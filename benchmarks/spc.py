"""Process control against the ``shewhart`` package and against published average run lengths.

1. The same 5,000-batch series through labelpact and shewhart 0.1.x (same frozen parameters):
   largest absolute difference of statistics and limits, whether the out-of-control points agree,
   and seconds per call.
2. Average run lengths of the standardised CUSUM (k = 0.5) and EWMA simulated on N(0, 1) with
   known parameters, in control and after a 1-sigma shift, next to Montgomery's tables
   (Introduction to SQC, 8th ed., Table 9.3 for the CUSUM, Table 9.11 for the EWMA).
3. Laney's p' (Laney 2002) on simulated vendors whose batches are beta-binomial (overdispersed):
   false alarms of a steady vendor over a year after the baseline, and the delay to the first
   "worse" alarm after the error share doubles, for the classic charts and the automatic ones.

    python benchmarks/spc.py [--replicates 2000] [--vendors 400]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import numpy as np

from labelpact.partners.spc import (
    WE_RULES,
    AuditSeries,
    PChart,
    cusum_chart,
    ewma_chart,
    individuals_chart,
    p_chart,
)

PUBLISHED = {  # (chart, parameters, shift in sigma) -> ARL
    ("CUSUM", "h=4", 0.0): 168.0,
    ("CUSUM", "h=4", 1.0): 8.38,
    ("CUSUM", "h=5", 0.0): 465.0,
    ("CUSUM", "h=5", 1.0): 10.4,
    ("EWMA", "λ=0.1 L=2.814", 0.0): 500.0,  # asymptotic limits (Lucas and Saccucci 1990)
    ("EWMA", "λ=0.1 L=2.814", 1.0): 10.3,
    ("EWMA", "λ=0.2 L=2.962", 0.0): 500.0,
    ("EWMA", "λ=0.2 L=2.962", 1.0): 10.2,
}


def timed(call: Callable[[], Any], repeat: int = 5) -> tuple[Any, float]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = call()
        best = min(best, time.perf_counter() - start)
    return out, best


def oracle_table(n_points: int = 5000) -> None:
    import shewhart as sw

    rng = np.random.default_rng(0)
    sizes = np.full(n_points, 150)
    defective = rng.binomial(sizes, np.where(np.arange(n_points) < n_points // 2, 0.05, 0.065))
    alpha = rng.normal(0.75, 0.03, n_points) - 0.02 * (np.arange(n_points) > n_points // 2)
    dates = [date(2000, 1, 3) + timedelta(days=i) for i in range(n_points)]
    series = AuditSeries.from_columns(
        dates=dates, inspected=sizes, defective=defective, metrics={"agreement": alpha}
    )
    rows = []
    ours, t_ours = timed(lambda: p_chart(series, baseline=100, laney=False))
    theirs, t_theirs = timed(
        lambda: sw.p_chart(defective, size=sizes, rules="none", limits={"p_center": ours.centre}).table
    )
    diff = max(np.abs(ours.ucl - theirs["ucl"]).max(), np.abs(ours.lcl - theirs["lcl"]).max())
    rows.append(
        ("p-chart", diff, ours.out_of_control.tolist() == theirs["signal"].tolist(), t_ours, t_theirs)
    )
    sigma = float(np.sqrt(ours.centre * (1 - ours.centre) / 150))
    ours, t_ours = timed(lambda: ewma_chart(series, baseline=100, laney=False))
    theirs, t_theirs = timed(lambda: sw.ewma(series.proportion, center=ours.centre, sigma=sigma).table)
    diff = max(np.abs(ours.ewma - theirs["ewma"]).max(), np.abs(ours.ucl - theirs["ucl"]).max())
    rows.append(("EWMA", diff, ours.out_of_control.tolist() == theirs["signal"].tolist(), t_ours, t_theirs))
    ours, t_ours = timed(lambda: cusum_chart(series, baseline=100, laney=False))
    theirs, t_theirs = timed(lambda: sw.cusum(series.proportion, center=ours.centre, sigma=sigma, h=5).table)
    diff = max(
        np.abs(ours.upper * sigma - theirs["cusum_pos"]).max(),
        np.abs(ours.lower * sigma + theirs["cusum_neg"]).max(),
    )
    rows.append(("CUSUM", diff, ours.out_of_control.tolist() == theirs["signal"].tolist(), t_ours, t_theirs))
    laney, t_ours = timed(lambda: p_chart(series, baseline=100, laney=True))
    frozen = {"p_center": laney.centre, "sigma_z": laney.sigma_z}
    theirs, t_theirs = timed(lambda: sw.laney_p(defective, size=sizes, rules="none", limits=frozen).table)
    fitted_z = sw.laney_p(defective[:100], size=sizes[:100], rules="none").stats["sigma_z"]
    diff = max(np.abs(laney.ucl - theirs["ucl"]).max(), abs(laney.sigma_z - fitted_z))
    same = laney.out_of_control.tolist() == theirs["signal"].tolist()
    rows.append(("Laney p'", diff, same, t_ours, t_theirs))
    ind, t_ours = timed(lambda: individuals_chart(series, "agreement", baseline=100))
    fitted = sw.imr(alpha[:100], rules="none").stats
    limits = {"i_center": ind.centre, "sigma_within": ind.sigma, "mr_center": fitted["mr_center"]}
    result, t_theirs = timed(lambda: sw.imr(alpha, rules="western_electric", limits=limits))
    same = all(
        covered(ind.rule_hits[r], ind.values, ind.centre, ind.sigma, rule)
        == {p for s in result.signals if s.rule == f"we_{r + 1}" for p in s.points}
        for r, rule in enumerate(WE_RULES)
    )
    rows.append(("individuals + WE", abs(ind.sigma - fitted["sigma_within"]), same, t_ours, t_theirs))
    print(f"\n{n_points:,} batches, same frozen parameters       shewhart {sw.__version__}")
    print(f"{'chart':<18}{'max |diff|':>12}{'signals agree':>15}{'labelpact s':>13}{'shewhart s':>12}")
    for name, d, agree, a, b in rows:
        print(f"{name:<18}{d:>12.2e}{agree!s:>15}{a:>13.4f}{b:>12.4f}")


def covered(hits: Any, x: Any, centre: float, sigma: float, rule: tuple[str, int, int, float]) -> set[int]:
    """Points beyond the zone inside windows where a rule holds: how shewhart reports a WE signal."""
    _, needed, window, zone = rule
    z = (x - centre) / sigma
    out: set[int] = set()
    for end in np.flatnonzero(hits):
        for side in (1.0, -1.0):
            span = np.arange(end - window + 1, end + 1)
            if (side * z[span] > zone).sum() >= needed:
                out |= {int(i) for i in span if side * z[i] > zone}
    return out


def run_lengths(
    replicates: int, shift: float, make: Callable[[AuditSeries], int | None], length: int
) -> tuple[float, float]:
    rng = np.random.default_rng(1)
    dates = [date(2000, 1, 3) + timedelta(days=i) for i in range(length)]
    ones, zeros = np.ones(length), np.zeros(length)
    out = []
    for _ in range(replicates):
        x = rng.normal(shift, 1.0, length)
        series = AuditSeries.from_columns(dates=dates, inspected=ones, defective=zeros, metrics={"x": x})
        out.append(make(series) or length)
    return float(np.mean(out)), float(np.std(out) / np.sqrt(len(out)))


def first_alarm(chart: Any) -> int | None:
    return int(chart.alarms[0].index) + 1 if chart.alarms else None


def first_beyond_asymptotic(chart: Any) -> int | None:
    """Our EWMA statistic against the steady-state limits the published table assumes."""
    half_width = chart.L * np.sqrt(chart.lam / (2 - chart.lam))
    beyond = np.flatnonzero(np.abs(chart.ewma - chart.centre) > half_width)
    return int(beyond[0]) + 1 if len(beyond) else None


def arl_table(replicates: int) -> None:
    known: dict[str, Any] = {"metric": "x", "baseline": 0, "centre": 0.0, "sigma": 1.0}
    known["higher_is_better"] = False

    def cusum(h: float) -> Callable[[AuditSeries], int | None]:
        return lambda s: first_alarm(cusum_chart(s, k=0.5, h=h, **known))

    def ewma(lam: float, L: float, exact: bool) -> Callable[[AuditSeries], int | None]:
        pick = first_alarm if exact else first_beyond_asymptotic
        return lambda s: pick(ewma_chart(s, lam=lam, L=L, **known))

    makers = {("CUSUM", "h=4", "exact"): cusum(4.0), ("CUSUM", "h=5", "exact"): cusum(5.0)}
    for lam, L in ((0.1, 2.814), (0.2, 2.962)):
        for exact in (False, True):
            makers["EWMA", f"λ={lam} L={L}", "exact" if exact else "asymptotic"] = ewma(lam, L, exact)
    print(f"\naverage run length, {replicates:,} replicates (in control: a quarter), simulated vs published;")
    print("every row reuses the same random series, so their errors are correlated")
    print("(published EWMA figures assume steady-state limits; labelpact alarms on exact ones: shorter runs)")
    print(
        f"{'chart':<8}{'params':<16}{'limits':<12}{'shift':>6}{'simulated':>11}{'± s.e.':>8}{'published':>11}"
    )
    for (chart, params, limits), make in makers.items():
        for shift in (0.0, 1.0):
            length = 6000 if shift == 0 else 400
            arl, se = run_lengths(replicates if shift else replicates // 4, shift, make, length)
            published = PUBLISHED[(chart, params, shift)]
            print(f"{chart:<8}{params:<16}{limits:<12}{shift:>6.1f}{arl:>11.1f}{se:>8.1f}{published:>11.1f}")


def beta_binomial(rng: np.random.Generator, size: int, share: Any, rho: float) -> Any:
    """Errors per batch when each batch's share ~ Beta(mean ``share``, intra-batch correlation ``rho``)."""
    if rho == 0:
        return rng.binomial(size, share)
    strength = 1.0 / rho - 1.0
    return rng.binomial(size, rng.beta(share * strength, (1.0 - share) * strength))


def laney_table(vendors: int) -> None:
    """Steady vendors: a year (52 batches) after the baseline; shifted ones: share doubles after batch 20."""
    from labelpact.partners.spc import quality_alarms

    print(
        f"\nLaney p' vs classic (binomial sigma), {vendors} simulated vendors per row; sigma_z = sqrt(1+(n-1)rho)"
    )
    print(
        f"{'n':>4}{'share':>7}{'rho':>6}{'σz':>5}{'base':>5}{'laney':>7}{'med σz':>8}{'p-chart FA/100':>15}"
        f"{'any FA/yr':>10}{'delay med':>10}{'≤5':>6}{'≤10':>6}"
    )
    for size, share, rho, base in (
        (32, 0.08, 0.05, 10), (32, 0.08, 0.05, 20), (32, 0.08, 0.0, 10),
        (200, 0.05, 0.01, 10), (200, 0.05, 0.01, 20), (200, 0.05, 0.0, 10),
    ):  # fmt: skip
        rng = np.random.default_rng(7)
        steady = [beta_binomial(rng, size, np.full(base + 52, share), rho) for _ in range(vendors)]
        mean = np.where(np.arange(base + 30) < base + 10, share, 2 * share)
        shifted = [beta_binomial(rng, size, mean, rho) for _ in range(vendors)]
        for laney in (False, None):
            false_alarms, any_false, sigma_z, delays = [], [], [], []
            for d in steady:
                result = quality_alarms(make_series(size, d), baseline=base, laney=laney)
                chart = result.charts["p"]
                assert isinstance(chart, PChart)
                false_alarms.append(len(chart.alarms))
                any_false.append(bool(result.worse()))
                sigma_z.append(np.nan if chart.sigma_z is None else chart.sigma_z)
            for d in shifted:
                result = quality_alarms(make_series(size, d), baseline=base, laney=laney)
                after = [a.index for a in result.worse() if a.index >= base + 10]
                delays.append(after[0] - base - 9 if after else 99)
            delay = np.array(delays)
            print(
                f"{size:>4}{share:>7.2f}{rho:>6.2f}{np.sqrt(1 + (size - 1) * rho):>5.2f}{base:>5}"
                f"{'auto' if laney is None else 'off':>7}{np.median(sigma_z):>8.2f}"
                f"{100 * np.mean(false_alarms) / 52:>15.2f}{np.mean(any_false):>10.2f}"
                f"{np.median(delay):>10.0f}{np.mean(delay <= 5):>6.2f}{np.mean(delay <= 10):>6.2f}"
            )


def make_series(size: int, defective: Any) -> AuditSeries:
    k = len(defective)
    dates = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(k)]
    return AuditSeries.from_columns(dates=dates, inspected=np.full(k, size), defective=defective)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument("--vendors", type=int, default=400)
    parser.add_argument("--only-laney", action="store_true", help="skip the oracle and ARL tables")
    args = parser.parse_args()
    if not args.only_laney:
        oracle_table()
        arl_table(args.replicates)
    laney_table(args.vendors)


if __name__ == "__main__":
    main()
