"""Calibration and recovery of the partnership-risk model on simulated portfolios with known hazards.

1. Forecast calibration: 5,000 relationships still running at a random as-of month; the 1-year forecast
   against what then happened, by decile, with the Brier score: in a quiet world (no new events after
   as-of, forecast without new events) and in live worlds where events keep arriving (at the priors'
   rates, then three times them; the forecast expects them) and quality may shift (it cannot know).
2. Recovery: a portfolio simulated with effect sizes moved away from the priors; the penalised fit
   should land near the truth, within its standard errors.

    python benchmarks/risk_calibration.py [--n 5000] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from labelpact.partners.risk import load_priors
from labelpact.partners.risk.fit import brier_score, calibration_table, fit_risk, history_from_cases
from synthetic.portfolio import forecast_check, simulate_portfolio

MOVED = {  # truth of the recovery run; everything else stays at the prior
    "intercept.client_exit": -5.2,
    "quality_excess.client_exit": 0.3,
    "late_rate.client_exit": 0.6,
    "rival_stake.client_exit": 1.5,
    "executive_departure.client_exit": 1.0,
    "layoff.client_exit": 0.6,
    "customer_exit.client_exit": 0.2,
    "client_stake.client_exit": -1.0,
    "min_spend.client_exit": -0.3,
    "joint_projects.client_exit": -0.8,
}


def calibration(n: int, seed: int, live: bool, event_rate: float) -> None:
    start = time.perf_counter()
    predicted, observed = forecast_check(n, horizon_days=365, seed=seed, live=live, event_rate=event_rate)
    table = calibration_table(predicted, observed)
    world = (
        f"live (events keep arriving, {event_rate:g}x the priors' rates)" if live else "quiet (no new events)"
    )
    print(f"\n### 1-year forecast, {n:,} relationships, {world}  ({time.perf_counter() - start:.1f}s)\n")
    print("| decile | n | predicted | observed | gap (points) |")
    print("|---:|---:|---:|---:|---:|")
    for i, b in enumerate(table, start=1):
        gap = 100 * (b.observed - b.predicted)
        print(f"| {i} | {b.n} | {b.predicted:.3f} | {b.observed:.3f} | {gap:+.1f} |")
    gaps = [abs(b.observed - b.predicted) for b in table]
    reference = brier_score(np.full(n, observed.mean()), observed)
    print(
        f"\nmean predicted {predicted.mean():.4f}, observed {observed.mean():.4f}; "
        f"largest decile gap {100 * max(gaps):.1f} points; "
        f"Brier {brier_score(predicted, observed):.4f} (base rate alone {reference:.4f})"
    )


def recovery(n: int, seed: int) -> None:
    priors = load_priors()
    truth = priors.with_values([MOVED.get(e.name, e.value) for e in priors.effects], priors.sds)
    start = time.perf_counter()
    history = history_from_cases(simulate_portfolio(n, seed=seed, priors=truth, event_rate=3.0))
    fitted = fit_risk(history, priors=priors)
    seconds = time.perf_counter() - start
    print(
        f"\n### Recovery: {n:,} relationships, {history.n_rows:,} relationship-months, "
        f"events {dict(fitted.n_events)}  ({seconds:.1f}s)\n"
    )
    print("| effect | prior | truth | estimate | se | z |")
    print("|---|---:|---:|---:|---:|---:|")
    z_all = []
    for e, t in zip(fitted.effects, truth.values, strict=True):
        z = (e.estimate - t) / e.se
        z_all.append(z)
        mark = " *" if e.name in MOVED else ""
        print(f"| {e.name}{mark} | {e.prior:.3f} | {t:.3f} | {e.estimate:.3f} | {e.se:.3f} | {z:+.2f} |")
    z_moved = [z for e, z in zip(fitted.effects, z_all, strict=True) if e.name in MOVED]
    print(
        f"\n* moved from the prior. |z| < 2 for {np.mean(np.abs(z_all) < 2):.0%} of effects, "
        f"< 3 for {np.mean(np.abs(z_all) < 3):.0%}; moved ones: max |z| {np.max(np.abs(z_moved)):.2f}. "
        f"In-sample monthly Brier {fitted.brier:.5f} (base rate {fitted.brier_reference:.5f})."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with threadpool_limits(limits=1, user_api="blas"):  # skinny products: threads only contend
        calibration(args.n, args.seed, live=False, event_rate=1.0)
        calibration(args.n, args.seed + 1, live=True, event_rate=1.0)
        calibration(args.n, args.seed + 2, live=True, event_rate=3.0)
        recovery(args.n, args.seed + 3)


if __name__ == "__main__":
    main()
