"""Agreement with many classes: time and peak memory against the number of classes K.

Simulates 20k tasks x 5 labels from 200 workers (60% accurate, as ``labelpact agreement`` sees intent
classification with 150+ classes) and times ``core.agreement.agreement`` (all coefficients, 1000
bootstrap replicates, Cohen's kappa included) and the ``krippendorff`` package (alpha point estimate
only; GPL, dev extra) on the same input. Each run is its own process, so peak memory is its peak RSS.
The package builds dense K x K coincidences per unit, so it runs only up to ``--peer-max`` classes.

Run: ``.venv/bin/python benchmarks/agreement_classes.py [--classes 4,50,200,1000] [--level nominal]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

from labelpact.core.agreement import agreement
from labelpact.simulate import simulate_many_classes


def measure(tool: str, k: int, level: str) -> dict[str, float]:
    """Run one tool in this process: alpha, seconds and peak RSS in MB."""
    a, _ = simulate_many_classes(k, accuracy=(0.45, 0.75))
    start = time.perf_counter()
    if tool == "labelpact":
        alpha = agreement(a, level=level).krippendorff_alpha.value  # type: ignore[arg-type]
    else:
        import krippendorff

        matrix = np.full((a.n_workers, a.n_tasks), np.nan)
        matrix[a.worker, a.task] = a.label
        alpha = krippendorff.alpha(matrix, level_of_measurement=level, value_domain=np.arange(k))
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"alpha": float(alpha), "seconds": seconds, "peak_mb": peak_mb}


def run(tool: str, k: int, level: str) -> str:
    """One measurement in a fresh process, as a table cell triple (alpha, s, MB)."""
    done = subprocess.run(
        [sys.executable, __file__, "--one", tool, str(k), level], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return f"failed: {done.stderr.strip().splitlines()[-1][:60]} | - | -"
    got = json.loads(done.stdout)
    return f"{got['alpha']:.6f} | {got['seconds']:.1f} | {got['peak_mb']:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", default="4,50,200,1000")
    parser.add_argument("--level", default="nominal", choices=["nominal", "ordinal", "interval"])
    parser.add_argument("--peer-max", type=int, default=100, help="largest K for the krippendorff package")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        tool, k, level = args.one
        print(json.dumps(measure(tool, int(k), level)))
        return
    print(f"20k tasks x 5 labels, level {args.level}; labelpact with 1000 bootstrap replicates")
    print("| K | labelpact alpha | s | peak MB | krippendorff alpha | s | peak MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for k in (int(x) for x in args.classes.split(",")):
        peer = run("krippendorff", k, args.level) if k <= args.peer_max else "- | - | -"
        print(f"| {k} | {run('labelpact', k, args.level)} | {peer} |", flush=True)


if __name__ == "__main__":
    main()
