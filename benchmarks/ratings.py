"""Rubric ratings: alpha speed and agreement with the ``krippendorff`` package, rater-effect detection.

Simulates deliveries with known task quality and rater kinds (severe, lenient, central, straight-lining,
careful; 10% each of the first four) at 10k, 100k and 1M ratings (3 raters per task, 2 criteria), then
times labelpact's ordinal and interval alpha (200 bootstrap replicates) against the ``krippendorff``
package (point estimate only; GPL, dev extra; skipped where its dense workers x tasks matrix would
pass 50M cells), and scores detection: severe/lenient flagged when the
offset interval excludes 0, central when the spread-ratio interval lies below 1, straight-lining when the
share of one-score tasks is >= 0.9; a careful rater flagged by any rule is a false positive.
``--real`` also runs the SQuALITY human ratings in ``../shared/datasets-llm`` (no truth there).

Run: ``.venv/bin/python benchmarks/ratings.py [--sizes 10000,100000,1000000] [--real]``
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np

from labelpact.core.ratings import Ratings, rater_effects, rating_agreement, simulate_ratings, straight_lining

DATASETS = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets-llm"


def simulated(sizes: list[int], with_package: bool) -> None:
    print("| ratings | level | alpha | 95% interval | labelpact s | krippendorff | krippendorff s |")
    print("|---:|---|---:|---|---:|---:|---:|")
    detection: list[str] = []
    for n in sizes:
        n_tasks = n // 6
        n_workers = max(20, n_tasks // 50)
        sim = simulate_ratings(n_tasks=n_tasks, n_workers=n_workers, raters_per_task=3, random_state=1)
        r = sim.ratings
        for level in ("ordinal", "interval"):
            start = time.perf_counter()
            ours = rating_agreement(r, "helpfulness", level=level, n_bootstrap=200).krippendorff_alpha  # type: ignore[arg-type]
            seconds = time.perf_counter() - start
            theirs, their_s = "-", "-"
            if with_package and r.n_workers * r.n_tasks <= 50_000_000:  # its dense matrix must fit
                import krippendorff

                keep = r.criterion == 0
                matrix = np.full((r.n_workers, r.n_tasks), np.nan)
                matrix[r.worker[keep], r.task[keep]] = r.score[keep]
                start = time.perf_counter()
                value = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
                theirs, their_s = f"{value:.4f}", f"{time.perf_counter() - start:.2f}"
            print(
                f"| {r.n_ratings:,} | {level} | {ours.value:.4f} | [{ours.ci[0]:.3f}, {ours.ci[1]:.3f}] | "
                f"{seconds:.2f} | {theirs} | {their_s} |",
                flush=True,
            )
        start = time.perf_counter()
        e = rater_effects(r, "helpfulness")
        flat = straight_lining(r)
        effect_s = time.perf_counter() - start
        kinds = np.array(sim.kinds)
        flags = {
            "severe": e.offset_interval[:, 1] < 0,
            "lenient": e.offset_interval[:, 0] > 0,
            "central": e.spread_interval[:, 1] < 1,
            "straight": flat >= 0.9,
        }
        careful = kinds == "careful"
        any_flag = np.zeros(len(kinds), dtype=bool)
        for f in flags.values():
            any_flag |= f
        rates = ", ".join(f"{k} {np.mean(flags[k][kinds == k]):.0%}" for k in flags)
        raw = np.bincount(r.task[r.criterion == 0], r.score[r.criterion == 0], minlength=r.n_tasks) / 3
        detection.append(
            f"| {r.n_ratings:,} | {n_workers} | {rates} | {np.mean(any_flag[careful]):.1%} | "
            f"{np.corrcoef(e.consensus, sim.quality[:, 0])[0, 1]:.3f} | {np.corrcoef(raw, sim.quality[:, 0])[0, 1]:.3f} | "
            f"{effect_s:.2f} |"
        )
    print(
        "\n| ratings | workers | detected (share of each kind) | careful flagged | consensus r | raw mean r | seconds |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|")
    print("\n".join(detection))


def real() -> None:
    folder = DATASETS / "squality_human_eval"
    if not (folder / "ratings.csv").exists():
        print("\nSQuALITY ratings absent")
        return
    with (folder / "scales.csv").open(newline="") as handle:
        scales = {row["criterion"]: (float(row["min"]), float(row["max"])) for row in csv.DictReader(handle)}
    with (folder / "ratings.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    r = Ratings.from_columns(
        task=[x["task"] for x in rows],
        worker=[x["worker"] for x in rows],
        criterion=[x["criterion"] for x in rows],
        score=[float(x["score"]) for x in rows],
        scales=scales,
    )
    print(f"\nSQuALITY: {r.n_ratings:,} ratings, {r.n_tasks} tasks, {r.n_workers} workers")
    print("| criterion | ordinal alpha | interval alpha | rater offsets [interval] | seconds |")
    print("|---|---|---|---|---:|")
    for criterion in r.criteria:
        start = time.perf_counter()
        o = rating_agreement(r, criterion, level="ordinal", n_bootstrap=500).krippendorff_alpha
        i = rating_agreement(r, criterion, level="interval", n_bootstrap=500).krippendorff_alpha
        e = rater_effects(r, criterion)
        seconds = time.perf_counter() - start
        offsets = "; ".join(
            f"{w} {e.offset[k]:+.1f} [{e.offset_interval[k, 0]:+.1f}, {e.offset_interval[k, 1]:+.1f}]"
            for k, w in enumerate(r.workers)
        )
        print(
            f"| {criterion} | {o.value:.3f} [{o.ci[0]:.3f}, {o.ci[1]:.3f}] | {i.value:.3f} [{i.ci[0]:.3f}, {i.ci[1]:.3f}] "
            f"| {offsets} | {seconds:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--real", action="store_true")
    parser.add_argument("--skip-package", action="store_true", help="do not run the krippendorff package")
    args = parser.parse_args()
    simulated([int(s) for s in args.sizes.split(",") if s], not args.skip_package)
    if args.real:
        real()


if __name__ == "__main__":
    main()
