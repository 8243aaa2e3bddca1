"""Does the consensus depend on the order of the file's rows? Each shared dataset as given and shuffled.

    python benchmarks/row_order.py [--methods mace,ebcc,auto] [--datasets a,b] [--shuffle-seed 1]

For each method and dataset: how many tasks get another label, and the largest difference of the stored
(calibrated) confidence, between the rows in the file's order and the same rows shuffled (seeded). Every
random draw of a fit is keyed by name (``labelpact.core.keyed``), so both should be 0 up to the rounding of
sums taken in another order. No gold is given (``aggregate``, ``held_out=False``).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from labelpact.core.consensus import aggregate
from labelpact.errors import ConvergenceWarning
from shared_data import annotations, dataset_names, load


def compare(name: str, methods: list[str], seed: int) -> list[tuple[int, float]]:
    """(labels that differ, largest confidence difference) per method, the file's order against a shuffle."""
    labels, _ = load(name)
    given, shuffled = annotations(labels), annotations(labels.sample(frac=1.0, random_state=seed))
    where = {task: i for i, task in enumerate(shuffled.tasks)}
    rows = np.array([where[task] for task in given.tasks])
    out = []
    for method in methods:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            one = aggregate(given, method, held_out=False)
            two = aggregate(shuffled, method, held_out=False)
        moved = int(sum(a != two.labels[j] for a, j in zip(one.labels, rows, strict=True)))
        out.append((moved, float(np.nanmax(np.abs(one.confidence - two.confidence[rows])))))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="mace,ebcc,auto")
    parser.add_argument("--datasets", default="", help="comma-separated subset (default: all)")
    parser.add_argument("--shuffle-seed", type=int, default=1)
    args = parser.parse_args()
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    names = dataset_names(args.datasets)
    print(
        "| dataset | tasks | " + " | ".join(f"{m}: labels moved, max conf diff" for m in methods) + " | s |"
    )
    print("|---|---|" + "---|" * len(methods) + "---|")
    worst = dict.fromkeys(methods, (0, 0.0))
    for name in names:
        start = time.perf_counter()
        found = compare(name, methods, args.shuffle_seed)
        n_tasks = annotations(load(name)[0]).n_tasks
        cells = " | ".join(f"{moved} | {diff:.1e}".replace(" | ", ", ") for moved, diff in found)
        print(f"| {name} | {n_tasks} | {cells} | {time.perf_counter() - start:.1f} |", flush=True)
        for method, (moved, diff) in zip(methods, found, strict=True):
            worst[method] = (worst[method][0] + moved, max(worst[method][1], diff))
    for method, (moved, diff) in worst.items():
        print(f"{method}: {moved} labels moved in all, largest confidence difference {diff:.1e}")


if __name__ == "__main__":
    main()
