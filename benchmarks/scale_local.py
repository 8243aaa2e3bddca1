"""One machine at its limit: Dawid-Skene per EM iteration against the memory-traffic bound, and a 100M fit.

1. One EM iteration at 10M annotations, K=10, timed alone (the least of ``--repeats``): one compiled pass
   (``core.fused.ds_pass``: E-step, normalisation and M-step tables together, on ``thread_count()``
   threads) and the M-step, next to the bytes that pass must move and this machine's measured memory
   bandwidth: the bound is bytes / bandwidth (204 MB at 10M, K=10: ~15 ms at 14 GB/s), and the target is
   at most 3x the bound. The two passes before the fused kernels moved 480 MB (see ``traffic``).
2. A full DS fit of 100M simulated annotations (K=10, 10 per task, 5,000 workers) in this process:
   seconds, iterations, and peak resident memory above the RSS with the data loaded, and in all.

    python benchmarks/scale_local.py [--iteration-size 10000000] [--fit-size 100000000] [--repeats 5]
        [--skip-fit] [--skip-iteration]

On a machine shared with other jobs, run with OPENBLAS_NUM_THREADS=1; both wall and CPU seconds are printed.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from labelpact.core.aggregators import DawidSkene
from labelpact.core.aggregators.dawid_skene import LocalData
from labelpact.core.annotations import Annotations
from labelpact.core.fused import thread_count
from labelpact.core.kernels import CountMatrix, count_matrix
from speed import reset_peak, rss, simulate

GB = 1e9


def best_of(run: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """Least wall and least CPU seconds of ``repeats`` calls of ``run``."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        run()
        wall, cpu = min(wall, time.perf_counter() - w), min(cpu, time.process_time() - c)
    return wall, cpu


def bandwidth(repeats: int = 5) -> tuple[float, float]:
    """This machine's memory bandwidth in GB/s, numpy over 400 MB arrays: a sum (read) and a copy (read + write)."""
    a = np.ones(50_000_000)
    b = np.empty_like(a)
    read, _ = best_of(lambda: a.sum(), repeats)
    copy, _ = best_of(lambda: np.copyto(b, a), repeats)
    return a.nbytes / read / GB, 2 * a.nbytes / copy / GB


def traffic(counts: CountMatrix) -> list[tuple[str, int]]:
    """Bytes one fused DS pass must move over the count matrix and the (n_tasks, K) posteriors, per term.

    One pass over the annotations (``core.fused.ds_pass``): each task's labels are read once to score the
    task, and its posterior, normalised in cache, is written once and scattered into the labels' per-worker
    tables before the next task; the tables (n_workers * K * K doubles) stay in cache and are not counted.
    (The two passes before the fused kernels read the annotations twice and the posteriors three times:
    2 x 128 MB + 3 x 80 MB at 10M annotations, K=10, against 204 MB now.)
    """
    x = counts.by_task
    labels = x.indptr.nbytes + x.indices.nbytes + x.data.nbytes  # CSR: row pointers, columns, counts
    posteriors = counts.n_tasks * counts.n_classes * 8
    return [
        ("read the annotations once (CSR indptr, indices, counts)", labels),
        ("write the posteriors once (n_tasks x K float64)", posteriors),
    ]


def iteration(n: int, k: int, repeats: int) -> None:
    """Time one DS EM iteration at ``n`` annotations and compare it with the memory-traffic bound."""
    a = simulate(n, k)
    counts = count_matrix(a)
    model = DawidSkene()
    data = LocalData(a, counts, None)
    tables = data.vote_tables()
    state = [tables.posterior_sum / data.n_tasks, model._m_step(tables.expected, data.given)]

    def one() -> None:
        _, t = data.em_tables(state[0], state[1])
        state[0], state[1] = t.posterior_sum / data.n_tasks, model._m_step(t.expected, data.given)

    one()  # first iteration: row-max shift, buffers allocated
    wall, cpu = best_of(one, repeats)
    read_bw, copy_bw = bandwidth()
    terms = traffic(counts)
    total = sum(b for _, b in terms)
    print(
        f"DS, one EM iteration: {n:,} annotations ({counts.by_task.nnz:,} distinct), {counts.n_tasks:,} tasks, "
        f"K={k}, {counts.n_workers:,} workers, one fused pass on {thread_count()} threads"
    )
    for name, b in terms:
        print(f"  {name:<62} {b / 1e6:>8.0f} MB")
    print(f"  {'total per iteration':<62} {total / 1e6:>8.0f} MB")
    print(
        f"  measured bandwidth: read {read_bw:.1f} GB/s (numpy sum), copy {copy_bw:.1f} GB/s (read + write)"
    )
    bound = total / (read_bw * GB)
    print(f"  bound = {total / 1e6:.0f} MB / {read_bw:.1f} GB/s = {bound * 1000:.0f} ms")
    print(
        f"  measured (least of {repeats}): {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU = "
        f"{wall / bound:.1f}x (wall) and {cpu / bound:.1f}x (CPU) the bound (target: at most 3x, 60 ms)"
    )


def simulate_large(
    n: int, k: int, *, labels_per_task: int = 10, seed: int = 0, chunk: int = 10_000_000
) -> Annotations:
    """``speed.simulate``'s delivery (other draws, same law) in chunks of labels: bounded temporaries."""
    rng = np.random.default_rng(seed)
    n_tasks = max(1, n // labels_per_task)
    n_workers = int(min(5000, max(50, n // 2000)))
    truth = rng.integers(0, k, size=n_tasks)
    skill = rng.uniform(0.4, 0.95, size=n_workers)
    skill[rng.random(n_workers) < 0.1] = 1.0 / k
    task = np.repeat(np.arange(n_tasks, dtype=np.intp), labels_per_task)[:n]
    worker = np.empty(n, dtype=np.intp)
    label = np.empty(n, dtype=np.intp)
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        worker[lo:hi] = rng.integers(0, n_workers, size=hi - lo)
        right = rng.random(hi - lo) < skill[worker[lo:hi]]
        label[lo:hi] = np.where(right, truth[task[lo:hi]], rng.integers(0, k, size=hi - lo))
    return Annotations(
        task=task,
        worker=worker,
        label=label,
        tasks=tuple(map(str, range(n_tasks))),
        workers=tuple(map(str, range(n_workers))),
        classes=tuple(map(str, range(k))),
    )


def big_fit(n: int, k: int) -> None:
    """A full DS fit at ``n`` annotations: seconds, iterations and peak memory."""
    started = time.perf_counter()
    a = simulate_large(n, k)
    print(f"\nDS full fit, {n:,} annotations, K={k}: simulated in {time.perf_counter() - started:.0f} s")
    start_rss = reset_peak()
    wall, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = DawidSkene().fit(a)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = rss()
    print(
        f"  {wall:.0f} s wall, {cpu:.0f} s CPU, {model.n_iter_} iterations; RSS with the data loaded "
        f"{start_rss / GB:.1f} GB, peak {peak / GB:.1f} GB in all ({(peak - start_rss) / GB:.1f} GB above; "
        "target: peak under 12 GB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--iteration-size", type=int, default=10_000_000)
    parser.add_argument("--fit-size", type=int, default=100_000_000)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-iteration", action="store_true")
    parser.add_argument("--skip-fit", action="store_true")
    args = parser.parse_args()
    if not args.skip_iteration:
        iteration(args.iteration_size, args.classes, args.repeats)
    if not args.skip_fit:
        big_fit(args.fit_size, args.classes)


if __name__ == "__main__":
    main()
