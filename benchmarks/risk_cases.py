"""The breakdown forecast on real history: leave-one-case-out over the case library (partners/data/cases).

For each case, the model is shaped and fitted on the other cases (the half-lives' factor chosen by
profile likelihood, the effects penalised toward the sourced priors, as ``labelpact`` ships it) and then
forecasts the held-out case as a user would see it: the 90-day risk the
day before the end (the day before a breakup, or the last day a continuing partnership was seen running)
and 180 days earlier. Reported: AUC of the day-before risk (breakups against continuing partnerships,
Mann-Whitney), the share of breakups whose day-before risk is at least 3 times the median of the
continuing ones and higher than 180 days before, and the Brier score of the monthly hazard of the
held-out relationship-months against the base rate of the training months (Brier 1950). The same
numbers for the sourced priors alone (no fit), the sourced shape (no profile) and in-sample show what
fitting adds and what it costs.

    python benchmarks/risk_cases.py [--horizon 90] [--paths 64]
    python benchmarks/risk_cases.py --write   # refit on the library and save the forecast's default model
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from labelpact.partners.risk import RiskPriors, forecast, load_priors
from labelpact.partners.risk.fit import monthly_hazard, priors_toml
from labelpact.partners.risk.library import FITTED_FILE, Case, case_history, fit_cases, load_cases
from labelpact.partners.risk.profile import profile_lag, profile_memory, shaped_fit, shaped_priors


def auc(positive: Sequence[float], negative: Sequence[float]) -> float:
    """P(a random breakup scores above a random continuing case), ties half (Mann-Whitney U / n1 n0)."""
    pos, neg = np.asarray(positive)[:, None], np.asarray(negative)[None, :]
    return float(np.mean((pos > neg) + 0.5 * (pos == neg)))


def risk(case: Case, day: dt.date, priors: RiskPriors, horizon: int, paths: int) -> float:
    inputs = case.inputs(max(day, case.start))
    return forecast(inputs, horizon, priors=priors, n_draws=0, explain=False, n_paths=paths).probability


MODES = ("prior", "leave-one-out", "leave-one-vendor-out", "leave-one-out, sourced shape", "in-sample")


def evaluate(
    cases: Sequence[Case], horizon: int, paths: int, mode: str, sourced: RiskPriors | None = None
) -> dict[str, Any]:
    """Per-case day-before and 180-days-before risks and held-out monthly Brier, for one way of fitting.

    ``leave-one-out`` is the shipped procedure on the other cases: the memory profiled on them
    (``profile.shaped_priors``), then the effects fitted; ``leave-one-out, sourced shape`` keeps the
    sourced half-lives and lag; ``in-sample`` shapes and fits on every case, the held-out one included;
    ``leave-one-vendor-out`` is the shipped procedure without any case of the held-out case's partner (the
    clients of one vendor share its news: a new vendor is what a user's next forecast meets).
    """
    rows = []
    sq_model, sq_base = [], []
    sourced = sourced or load_priors()
    full = None
    if mode == "in-sample":
        everything = shaped_priors(cases, priors=sourced)
        full = (everything, fit_cases(cases, priors=everything, base=sourced))
    for i, case in enumerate(cases):
        train = [c for j, c in enumerate(cases) if j != i]
        if mode == "leave-one-vendor-out":
            train = [c for c in train if c.partner != case.partner]
        if mode == "prior":
            fold, shipped, library = sourced, sourced, sourced
        else:
            if full is not None:
                fold, fit = full
            else:
                shaped = mode in ("leave-one-out", "leave-one-vendor-out")
                fold = shaped_priors(train, priors=sourced) if shaped else sourced
                fit = fit_cases(train, priors=fold, base=sourced)
            shipped, library = fit.priors, fit.fitted.priors
        base = case_history(train, priors=fold).outcome
        held = case_history([case], priors=fold)
        hazard = monthly_hazard(library, held.signals).sum(axis=1)
        happened = (held.outcome >= 0).astype(float)
        sq_model.append((hazard - happened) ** 2)
        sq_base.append((np.mean(base >= 0) - happened) ** 2)
        before = case.end - dt.timedelta(days=1)
        rows.append(
            (
                case,
                risk(case, before, shipped, horizon, paths),
                risk(case, before - dt.timedelta(days=180), shipped, horizon, paths),
            )
        )
    broke = [r for r in rows if r[0].broke]
    kept = [r for r in rows if not r[0].broke]
    median_kept = float(np.median([r[1] for r in kept]))
    return {
        "rows": rows,
        "auc": auc([r[1] for r in broke], [r[1] for r in kept]),
        "median_continuing": median_kept,
        "x3": float(np.mean([r[1] >= 3 * median_kept for r in broke])),
        "rise": float(np.mean([r[1] > r[2] for r in broke])),
        "brier": float(np.mean(np.concatenate(sq_model))),
        "brier_base": float(np.mean(np.concatenate(sq_base))),
    }


def print_library(cases: Sequence[Case]) -> None:
    """The library as a Markdown table: each case's outcome, end, events by kind and main source."""
    print("| case | client | partner | sector | outcome | end | events | main source |")
    print("|---|---|---|---|---|---|---|---|")
    for c in cases:
        kinds = sorted({e.kind for e in c.events})
        counts = ", ".join(f"{k} {sum(e.kind == k for e in c.events)}" for k in kinds) or "none"
        print(
            f"| {c.id} | {c.client} | {c.partner} | {c.sector} | {c.outcome} | {c.end} | {counts} | "
            f"<{c.source_url}> |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizon", type=int, default=90)
    parser.add_argument("--paths", type=int, default=64, help="simulated futures per forecast")
    parser.add_argument(
        "--write", action="store_true", help=f"write the library fit to partners/{FITTED_FILE}"
    )
    parser.add_argument("--list", action="store_true", help="print the library's cases with their sources")
    args = parser.parse_args()
    if args.list:
        print_library(load_cases())
        return
    if args.write:
        target = Path(__file__).resolve().parents[1] / "src" / "labelpact" / "partners" / FITTED_FILE
        header = "# The forecast's default model: the sourced priors shaped (profile.shaped_priors) and refitted on partners/data/cases.\n# Written by benchmarks/risk_cases.py --write; do not edit by hand.\n"
        cases = load_cases()
        target.write_text(header + priors_toml(shaped_fit(cases).priors), encoding="utf-8")
        print(f"wrote {target}")
        return
    cases = load_cases()
    n_broke = sum(c.broke for c in cases)
    print(f"# Case library: {len(cases)} cases, {n_broke} breakups, {len(cases) - n_broke} continuing\n")
    results = {}
    with threadpool_limits(limits=1, user_api="blas"):
        for mode in MODES:
            start = time.perf_counter()
            results[mode] = evaluate(cases, args.horizon, args.paths, mode)
            results[mode]["seconds"] = time.perf_counter() - start
        lagged, lags = profile_lag(cases)
        _, memory = profile_memory(cases, priors=lagged)
    print("## Shape of the event signals, profile log-likelihood on the whole library\n")
    for title, profile in (
        ("lag of slow-burn signals (days)", lags),
        ("memory (x sourced half-lives)", memory),
    ):
        print(f"| {title} | " + " | ".join(f"{v:g}" for v in profile) + " |")
        print("|---|" + "---:|" * len(profile))
        print("| log-likelihood | " + " | ".join(f"{v:.2f}" for v in profile.values()) + " |\n")
    loo = results["leave-one-out"]
    print(f"## Leave-one-case-out, {args.horizon}-day risk\n")
    print("| case | outcome | end | day before | rank | 180 days before | x median continuing | prior only |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    prior_rows = {r[0].id: r for r in results["prior"]["rows"]}
    order = sorted(loo["rows"], key=lambda r: -r[1])  # rank 1: the highest day-before risk
    rank = {r[0].id: i for i, r in enumerate(order, start=1)}
    for case, now, then in loo["rows"]:
        ratio = now / loo["median_continuing"]
        print(
            f"| {case.id} | {case.outcome} | {case.end} | {100 * now:.2f}% | {rank[case.id]} | "
            f"{100 * then:.2f}% | {ratio:.1f} | {100 * prior_rows[case.id][1]:.2f}% |"
        )
    print("\n## Summary\n")
    print(
        "| model | AUC | breakups >= 3x median continuing | higher than 180 days before | monthly Brier | base rate Brier | s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for mode, r in results.items():
        print(
            f"| {mode} | {r['auc']:.3f} | {100 * r['x3']:.0f}% | {100 * r['rise']:.0f}% | "
            f"{r['brier']:.5f} | {r['brier_base']:.5f} | {r['seconds']:.0f} |"
        )


if __name__ == "__main__":
    main()
