"""Worker and consensus quality scores at 1M tasks x 2,000 workers, against cleanlab's multi-annotator scores.

Simulates a Dawid–Skene delivery (about 3 labels per task, a few spammers, a ring of copiers, times
on task), then times in one process: the consensus and its per-task quality (majority vote and
vote share), ``score_workers`` (Dawid–Skene-refined confusions, Raykar–Yu spammer scores, Wilson
intervals, speed outliers, copy tests) and ``agreement`` (1,000 bootstrap replicates). cleanlab's
``get_label_quality_multiannotator`` needs a dense tasks x workers matrix, so it runs at sizes it
can hold, and once at 1M tasks in a child process capped at 4 GB to show where it fails.

Run: ``.venv/bin/python benchmarks/workers.py [--tasks 1000000] [--workers 2000] [--skip-cleanlab]
[--cleanlab-sizes 10000x200,10000x2000]``; ``--one-label-workers 999999`` times the CLI on a delivery
where every worker labels once (auto's single-label-worker rule, the compact JSON of large documents).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from labelpact.core.agreement import agreement
from labelpact.core.annotations import Annotations
from labelpact.core.workers import score_workers, spammer_scores

K = 4
CAP_BYTES = 4 * 1024**3


def simulate(
    n_tasks: int, n_workers: int, *, per_task: int = 3, n_copy_pairs: int = 10, seed: int = 0
) -> tuple[Annotations, dict[str, Any]]:
    """A Dawid–Skene crowd: per-worker confusions, 2% random spammers, copier pairs, log-normal durations."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(K, n_tasks, p=[0.4, 0.3, 0.2, 0.1])
    accuracy = rng.beta(8, 2.5, n_workers)  # mean about 0.76
    spammers = rng.choice(n_workers, n_workers // 50, replace=False)
    accuracy[spammers] = 1.0 / K
    conf = np.empty((n_workers, K, K))
    off = rng.dirichlet(np.ones(K - 1), size=(n_workers, K))
    for z in range(K):  # a loop over classes
        others = [c for c in range(K) if c != z]
        conf[:, z, z] = accuracy
        conf[:, z, others] = (1.0 - accuracy)[:, None] * off[:, z, :]
    conf[spammers] = 1.0 / K  # a spammer's label does not depend on the truth (every row the same)
    task = np.repeat(np.arange(n_tasks), per_task)
    worker = (
        rng.integers(0, n_workers, (n_tasks, 1))
        + np.arange(per_task) * (1 + rng.integers(0, n_workers // per_task, (n_tasks, 1)))
    ) % n_workers
    worker = worker.ravel()
    cum = np.cumsum(conf[worker, truth[task]], axis=1)
    label = (rng.random(len(task))[:, None] > cum).sum(1).clip(0, K - 1)
    # copy ring: worker c takes a slot on every task of worker s and copies s's label 90% of the time
    ring = rng.choice(np.setdiff1d(np.arange(n_workers), spammers), 2 * n_copy_pairs, replace=False).reshape(
        -1, 2
    )
    for s, c in ring:  # a loop over the few planted pairs, not over annotations
        rows = np.flatnonzero(worker == s)
        slot = task[rows] * per_task + (rows - task[rows] * per_task + 1) % per_task
        copy = rng.random(len(rows)) < 0.9
        worker[slot] = c
        label[slot] = np.where(copy, label[rows], label[slot])
    duration = rng.lognormal(np.log(25.0), 0.5, len(task))
    fast = rng.choice(n_workers, 5, replace=False)
    duration[np.isin(worker, fast)] /= 10.0
    a = Annotations(
        task=task,
        worker=worker,
        label=label,
        tasks=tuple(f"t{i}" for i in range(n_tasks)),
        workers=tuple(f"w{i}" for i in range(n_workers)),
        classes=tuple(f"c{k}" for k in range(K)),
        duration_s=duration,
    )
    near_chance = np.flatnonzero(1.0 - spammer_scores(conf) >= 0.95)  # what the spammer flag should catch
    return a, {"truth": truth, "spammers": near_chance, "ring": ring, "fast": fast, "confusions": conf}


def measured(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """Result, seconds and peak traced memory in GB (numpy buffers are traced)."""
    tracemalloc.start()
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1024**3
    tracemalloc.stop()
    return out, seconds, peak


def consensus_scores(a: Annotations) -> tuple[np.ndarray, np.ndarray]:
    """Majority vote (ties to the lowest class) and its vote share per task, the consensus quality."""
    counts = a.label_counts()
    return counts.argmax(1), counts.max(1) / np.maximum(counts.sum(1), 1.0)


def labelpact_scores(a: Annotations) -> dict[str, Any]:
    """What cleanlab's call returns, our way: consensus and its quality, worker scores, agreement."""
    consensus, quality = consensus_scores(a)
    report = score_workers(a, consensus=consensus)
    agreed = agreement(a, n_bootstrap=1000)
    return {"consensus": consensus, "quality": quality, "report": report, "agreement": agreed}


def cleanlab_scores(a: Annotations) -> Any:
    """cleanlab's CROWDLAB consensus, consensus quality and annotator quality on a dense matrix."""
    import pandas as pd
    from cleanlab.multiannotator import get_label_quality_multiannotator

    active = np.flatnonzero(a.labels_per_worker() > 0)  # cleanlab rejects an annotator with no label
    column = np.full(a.n_workers, -1)
    column[active] = np.arange(len(active))
    dense = np.full((a.n_tasks, len(active)), np.nan)
    dense[a.task, column[a.worker]] = a.label
    counts = a.label_counts() + 0.5
    probs = counts / counts.sum(1, keepdims=True)  # a stand-in model: smoothed vote shares
    return get_label_quality_multiannotator(pd.DataFrame(dense), probs, verbose=False)


def cleanlab_child(n_tasks: int, n_workers: int) -> str:
    """Run cleanlab at full size in a child capped at 4 GB of address space; say how it ended."""
    code = (
        "import resource, sys; sys.path.insert(0, 'benchmarks');"
        f"resource.setrlimit(resource.RLIMIT_AS, ({CAP_BYTES}, {CAP_BYTES}));"
        "import workers as b;"
        f"a, _ = b.simulate({n_tasks}, {n_workers});"
        "b.cleanlab_scores(a); print('ok')"
    )
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
        )
    except subprocess.TimeoutExpired:
        return f"no result within 300 s (cap {CAP_BYTES / 1024**3:.0f} GB)"
    seconds = time.perf_counter() - start
    tail = (done.stderr.strip().splitlines() or [done.stdout.strip() or "no output"])[-1]
    if "MemoryError" in tail and "allocate" in tail:
        size = tail.split("allocate", 1)[1].split("for", 1)[0].strip()
        return f"fails after {seconds:.0f} s: MemoryError allocating {size}"
    return f"{tail[:60]} ({seconds:.0f} s)"


def one_label_workers_cli(n_labels: int) -> None:
    """The hostile delivery of issue 10 item 16: every worker labels exactly once (3 labels per task,
    3 classes); times ``labelpact workers FILE --json`` end to end in a child process."""
    import os
    import tempfile

    n_tasks = n_labels // 3
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 3, n_tasks)
    label = np.repeat(truth, 3)
    label = np.where(rng.random(len(label)) < 0.3, rng.integers(0, 3, len(label)), label)
    worker = rng.permutation(len(label))
    names = np.array(["cat", "dog", "bird"])
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "labels.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write("task,worker,label\n")
            task = np.repeat(np.arange(n_tasks), 3)
            f.writelines(f"t{t},w{w},{y}\n" for t, w, y in zip(task, worker, names[label], strict=True))
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "labelpact", "workers", path, "--json"],
            capture_output=True,
            check=False,
        )
        seconds = time.perf_counter() - start
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    print(
        f"labelpact workers --json, {n_labels:,} labels from {len(label):,} one-label workers: "
        f"{seconds:.1f} s, exit {done.returncode}, {len(done.stdout) / 2**20:.0f} MiB of JSON, "
        f"child max RSS {child:.2f} GB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--one-label-workers",
        type=int,
        default=0,
        metavar="N",
        help="instead: time `labelpact workers --json` on N labels, each from its own worker",
    )
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2_000)
    parser.add_argument("--skip-cleanlab", action="store_true")
    parser.add_argument(
        "--cleanlab-sizes",
        default="10000x200",
        help="TASKSxWORKERS sizes to run both libraries at (10000x2000 takes cleanlab about 190 s here)",
    )
    args = parser.parse_args()
    if args.one_label_workers:
        one_label_workers_cli(args.one_label_workers)
        return

    a, truth = simulate(args.tasks, args.workers)
    print(
        f"simulated {a.n_annotations:,} annotations, {a.n_tasks:,} tasks, {a.n_workers:,} workers, {K} classes",
        file=sys.stderr,
    )
    rows: list[tuple[str, str, str, str]] = []
    steps = {
        "consensus + quality (MV)": lambda: consensus_scores(a),
        "score_workers": lambda: score_workers(a, consensus=consensus_scores(a)[0]),
        "agreement (1000 bootstrap)": lambda: agreement(a, n_bootstrap=1000),
    }
    total_s, peak_gb = 0.0, 0.0
    results: dict[str, Any] = {}
    for name, step in steps.items():
        results[name], seconds, peak = measured(step)
        total_s, peak_gb = total_s + seconds, max(peak_gb, peak)
        rows.append((f"labelpact {name}", f"{a.n_tasks:,}", f"{seconds:.2f}", f"{peak:.2f}"))
    rows.append(("labelpact all three", f"{a.n_tasks:,}", f"{total_s:.2f}", f"{peak_gb:.2f}"))

    report = results["score_workers"]
    flagged = {
        tuple(sorted((int(x), int(y))))
        for x, y, f in zip(
            report.copying.worker_a, report.copying.worker_b, report.copying.flagged, strict=True
        )
        if f
    }
    planted = {tuple(sorted((int(x), int(y)))) for x, y in truth["ring"]}
    spam = np.array(["spammer" in f for f in report.flags])
    fast = np.array(["too_fast" in f for f in report.flags])
    print(
        f"checks: copy pairs planted {len(planted)}, found {len(planted & flagged)}, false {len(flagged - planted)}; "
        f"near-chance workers (true spammer score >= 0.95) {len(truth['spammers'])}, flagged {int(spam[truth['spammers']].sum())}, others flagged {int(spam.sum() - spam[truth['spammers']].sum())}; "
        f"too fast planted {len(truth['fast'])}, flagged {int(fast[truth['fast']].sum())}, others {int(fast.sum() - fast[truth['fast']].sum())}; "
        f"alpha {results['agreement (1000 bootstrap)'].krippendorff_alpha.value:.3f}"
    )

    if not args.skip_cleanlab:
        for size in args.cleanlab_sizes.split(","):
            n, m = (int(x) for x in size.lower().split("x"))
            small, _ = simulate(n, m, seed=1)
            _, seconds, peak = measured(lambda small=small: labelpact_scores(small))
            rows.append(
                (
                    f"labelpact consensus+workers+agreement, {m:,} workers",
                    f"{n:,}",
                    f"{seconds:.2f}",
                    f"{peak:.2f}",
                )
            )
            _, seconds, peak = measured(lambda small=small: cleanlab_scores(small))
            rows.append(
                (f"cleanlab multiannotator, {m:,} workers", f"{n:,}", f"{seconds:.2f}", f"{peak:.2f}")
            )
        dense_gb = args.tasks * args.workers * 8 / 1024**3
        outcome = cleanlab_child(args.tasks, args.workers)
        rows.append(
            (
                f"cleanlab, {args.workers:,} workers (dense {dense_gb:.0f} GB), 4 GB cap",
                f"{args.tasks:,}",
                outcome,
                "-",
            )
        )

    widths = [max(len(r[i]) for r in [*rows, ("method", "tasks", "seconds", "peak GB")]) for i in range(4)]
    header = ("method", "tasks", "seconds", "peak GB")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    print(f"process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.2f} GB")


if __name__ == "__main__":
    main()
