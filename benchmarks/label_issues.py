"""Confident learning at 1M tasks x 10 classes: labelpact's ``find_label_issues`` against cleanlab's, one run.

Simulates given labels with 15% uniform flips and out-of-sample-like predictions from a noisy but
informative model, then for every ``filter_by`` rule times our implementation and cleanlab's
``filter.find_label_issues`` (single process, ``n_jobs=1``, and for the default rule also with its own
multiprocessing pool), measures the peak of traced allocations (``tracemalloc``; numpy reports its
buffers, worker processes of a pool are not seen) and compares the flagged sets (Jaccard).

Run: ``.venv/bin/python benchmarks/label_issues.py [--tasks 1000000] [--classes 10] [--rules all|default]``
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from labelpact.core.label_issues import FilterBy, find_label_issues, rank_label_issues

RULES: tuple[FilterBy, ...] = (
    "prune_by_noise_rate",
    "prune_by_class",
    "both",
    "confident_learning",
    "predicted_neq_given",
)


def simulate(n_tasks: int, n_classes: int, *, noise: float = 0.15, seed: int = 0) -> tuple[Any, Any, Any]:
    """Given labels (n,), true classes (n,) and predicted probabilities (n, K) of a model right ~75% of the time."""
    rng = np.random.default_rng(seed)
    prior = rng.dirichlet(np.full(n_classes, 3.0))
    truth = rng.choice(n_classes, n_tasks, p=prior)
    labels = np.where(rng.random(n_tasks) < noise, rng.integers(0, n_classes, n_tasks), truth)
    logits = rng.normal(size=(n_tasks, n_classes))
    logits[np.arange(n_tasks), truth] += 2.5
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    return labels, truth, probs


def measure(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """Result, wall seconds (untraced run) and peak traced MiB (a second, traced run)."""
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak / 2**20


def jaccard(a: Any, b: Any) -> float:
    union = np.count_nonzero(a | b)
    return 1.0 if union == 0 else np.count_nonzero(a & b) / union


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--rules", choices=["all", "default"], default="all")
    args = parser.parse_args()

    from cleanlab.filter import find_label_issues as cleanlab_find

    labels, truth, probs = simulate(args.tasks, args.classes)
    wrong = labels != truth
    print(
        f"{args.tasks:,} tasks x {args.classes} classes, {wrong.mean():.1%} of labels wrong; pred_probs {probs.nbytes / 2**20:.0f} MiB"
    )
    header = f"{'filter_by':<22} {'impl':<22} {'seconds':>8} {'peak MiB':>9} {'flagged':>9} {'precision':>9} {'ratio':>6} {'Jaccard':>8}"
    print(header)
    print("-" * len(header))
    rules = RULES if args.rules == "all" else RULES[:1]
    for rule in rules:
        ours, our_s, our_mb = measure(lambda rule=rule: find_label_issues(labels, probs, filter_by=rule))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cleanlab's notices about small classes; none at this size
            theirs, their_s, their_mb = measure(
                lambda rule=rule: cleanlab_find(labels, probs, filter_by=rule, n_jobs=1)
            )
        rows = [
            ("labelpact", ours, our_s, f"{our_mb:9.0f}"),
            ("cleanlab n_jobs=1", theirs, their_s, f"{their_mb:9.0f}"),
        ]
        if rule == "prune_by_noise_rate":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.perf_counter()
                pooled = cleanlab_find(labels, probs, filter_by=rule)
                rows.append(("cleanlab default pool", pooled, time.perf_counter() - start, f"{'n/a':>9}"))
        for name, mask, seconds, peak in rows:
            precision = np.count_nonzero(mask & wrong) / max(np.count_nonzero(mask), 1)
            ratio = seconds / our_s
            print(
                f"{rule:<22} {name:<22} {seconds:8.2f} {peak} {np.count_nonzero(mask):9,} {precision:9.3f} {ratio:6.2f} {jaccard(ours, mask):8.4f}"
            )
    start = time.perf_counter()
    issues = rank_label_issues(labels, probs)
    print(
        f"\nrank_label_issues (default rule, self_confidence): {len(issues):,} issues in {time.perf_counter() - start:.2f} s"
    )
    print("ratio = seconds / labelpact seconds; Jaccard = |ours & theirs| / |ours | theirs|")


if __name__ == "__main__":
    main()
