"""Speed of labelpact against crowd-kit on simulated deliveries, same process, same data, same iterations.

Sizes 100k, 1M and 10M annotations, K = 2 and K = 10. Each method runs a fixed number of iterations
in both libraries (tolerances disabled) so seconds per iteration compare like with like; peak memory
is the resident-set high-water mark during the run (reset before each run via /proc/self/clear_refs).
crowd-kit runs that would take many minutes (above --crowdkit-limits: GLAD 100k, MACE 1M by default)
are skipped and their per-iteration time is extrapolated linearly from the largest size measured,
marked "~" in the table. A last row per size times a full labelpact DS fit with its default tolerance,
and with ``--auto`` one of ``auto`` (no gold; its label test runs on a sample above 100k labels).

    python benchmarks/speed.py [--quick] [--sizes 100000,1000000] [--classes 2,10] [--methods ds,glad,mace] [--auto]
        [--clock wall|cpu] [--repeats N] [--threads N] [--bound]

DS and MACE run one compiled pass over the labels per iteration (``labelpact.core.fused``), on ``--threads``
threads (default: this process's CPUs, at most 8); the first fit in a process loads the compiled kernels from
numba's cache (or compiles them, once per install) and is run once, untimed, before the table. With
``--bound`` each DS row is followed by its memory-traffic bound: the bytes one fused iteration must move
(read the count matrix's CSR arrays once, write the (n_tasks, K) posteriors once) over this machine's measured
read bandwidth (``scale_local.bandwidth``, numpy over 400 MB).

On a shared machine: ``OPENBLAS_NUM_THREADS=1 python benchmarks/speed.py --clock cpu --repeats 3`` (both
libraries timed on this process's CPU seconds, the least of three runs). A DS iteration timed alone against
the memory-traffic bound, and the 100M-annotation fit, are in ``benchmarks/scale_local.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from labelpact.core.aggregators import GLAD, MACE, Auto, DawidSkene
from labelpact.core.annotations import Annotations

ITERATIONS = {"ds": 10, "glad": 3, "mace": 10}


def simulate(n_annotations: int, n_classes: int, *, labels_per_task: int = 10, seed: int = 0) -> Annotations:
    """A delivery: tasks with ``labels_per_task`` labels from workers of one-coin skill in [0.4, 0.95], 10% spammers."""
    rng = np.random.default_rng(seed)
    n_tasks = max(1, n_annotations // labels_per_task)
    n_workers = int(min(5000, max(50, n_annotations // 2000)))
    truth = rng.integers(0, n_classes, size=n_tasks)
    skill = rng.uniform(0.4, 0.95, size=n_workers)
    skill[rng.random(n_workers) < 0.1] = 1.0 / n_classes
    task = np.repeat(np.arange(n_tasks), labels_per_task)[:n_annotations]
    worker = rng.integers(0, n_workers, size=len(task))
    right = rng.random(len(task)) < skill[worker]
    label = np.where(right, truth[task], rng.integers(0, n_classes, size=len(task)))
    return Annotations(
        task=task,
        worker=worker,
        label=label,
        tasks=tuple(map(str, range(n_tasks))),
        workers=tuple(map(str, range(n_workers))),
        classes=tuple(map(str, range(n_classes))),
    )


def reset_peak() -> int:
    """Reset the resident-set high-water mark (Linux); returns the current RSS in bytes."""
    gc.collect()
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return rss("VmRSS")


def rss(field: str = "VmHWM") -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


CLOCK: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.process_time}
SETTINGS = {"clock": "wall", "repeats": 1}


def timed(run: Callable[[], Any]) -> tuple[float, float]:
    """Seconds (the least of ``--repeats`` runs, on the ``--clock``) and peak memory of ``run()``: GB above
    the RSS at its start (the data already loaded).

    The CPU clock (this process's CPU seconds) suits a machine shared with other jobs, where wall time
    measures the neighbours; it counts every thread, so run with OPENBLAS_NUM_THREADS=1 to compare.
    """
    clock = CLOCK[str(SETTINGS["clock"])]
    best, peak = float("inf"), 0.0
    for _ in range(int(SETTINGS["repeats"])):
        start_rss = reset_peak()
        start = clock()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run()
        best = min(best, clock() - start)
        peak = max(peak, max(rss() - start_rss, 0) / 1e9)
    return best, peak


def ours(method: str, a: Annotations, n_iter: int) -> Callable[[], Any]:
    models = {
        "ds": lambda: DawidSkene(max_iter=n_iter, tol=0.0),
        "glad": lambda: GLAD(max_iter=n_iter, tol=0.0),
        "mace": lambda: MACE(n_restarts=1, max_iter=n_iter, tol=0.0),
    }
    return lambda: models[method]().fit(a)


def theirs(method: str, data: Any, n_iter: int) -> Callable[[], Any]:
    from crowdkit import aggregation as ck

    models = {
        "ds": lambda: ck.DawidSkene(n_iter=n_iter, tol=-np.inf),
        "glad": lambda: ck.GLAD(n_iter=n_iter, tol=-np.inf),
        "mace": lambda: ck.MACE(n_restarts=1, n_iter=n_iter),
    }
    return lambda: models[method]().fit(data)


def traffic_bound(a: Annotations) -> tuple[float, float]:
    """Bytes one fused DS iteration must move over ``a`` (the CSR read once, the posteriors written once), and
    that over the measured read bandwidth in seconds: the per-worker tables stay in cache and are not counted."""
    from labelpact.core.kernels import count_matrix
    from scale_local import bandwidth

    x = count_matrix(a).by_task
    moved = x.indptr.nbytes + x.indices.nbytes + x.data.nbytes + a.n_tasks * a.n_classes * 8
    read_bw, _ = bandwidth()
    return float(moved), moved / (read_bw * 1e9)


def one_iteration(method: str, a: Annotations, repeats: int) -> float:
    """Least wall seconds of one EM iteration alone (E-step pass, M-step tables, M-step), set-up excluded."""
    from labelpact.core.aggregators.dawid_skene import LocalData
    from labelpact.core.aggregators.mace import MaceKernel, random_strategies
    from labelpact.core.kernels import count_matrix
    from labelpact.core.keyed import name_keys

    counts = count_matrix(a)
    if method == "ds":
        ds, data = DawidSkene(), LocalData(a, counts, None)
        tables = data.vote_tables()
        state = [tables.posterior_sum / data.n_tasks, ds._m_step(tables.expected, data.given)]

        def step() -> None:
            _, t = data.em_tables(state[0], state[1])
            state[0], state[1] = t.posterior_sum / data.n_tasks, ds._m_step(t.expected, data.given)

    else:
        mace, kernel, rng = MACE(n_restarts=1), MaceKernel(counts, None), np.random.default_rng(0)
        knowing = rng.uniform(1.0, 1.5, size=(kernel.n_workers, 2))
        knowing /= knowing.sum(axis=1, keepdims=True)
        keys = name_keys(a.workers, 0)
        kernel.e_step(knowing, random_strategies(kernel.used, keys, a.n_classes, 0.5, stream=1))

        def step() -> None:
            knowing_counts, strategy_counts = kernel.expected_counts()
            new_knowing, strategies, _ = mace._m_step(kernel, knowing_counts, strategy_counts)
            kernel.e_step(new_knowing, strategies)

    step()  # buffers allocated
    best = float("inf")
    for _ in range(max(3, repeats)):
        started = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - started)
    return best


def warm_up() -> None:
    """One small DS and MACE fit: numba's import and the kernels' load (or first compile) stay off the clock."""
    small = simulate(2_000, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        DawidSkene(max_iter=2).fit(small)
        MACE(n_restarts=1, max_iter=2).fit(small)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="100k and 1M only; crowd-kit GLAD and MACE at 100k only"
    )
    parser.add_argument("--sizes", default="100000,1000000,10000000")
    parser.add_argument("--classes", default="2,10")
    parser.add_argument("--methods", default="ds,glad,mace")
    parser.add_argument(
        "--crowdkit-limits",
        default="ds=10000000,mace=1000000,glad=100000",
        help="largest size crowd-kit runs each method at; larger sizes are extrapolated",
    )
    parser.add_argument("--auto", action="store_true", help="also time a full auto fit per size")
    parser.add_argument(
        "--clock", choices=sorted(CLOCK), default="wall", help="wall or this process's CPU time"
    )
    parser.add_argument("--repeats", type=int, default=1, help="runs per measurement; the least is kept")
    parser.add_argument("--threads", type=int, default=None, help="threads of the DS and MACE passes")
    parser.add_argument("--bound", action="store_true", help="print each DS row's memory-traffic bound")
    args = parser.parse_args()
    SETTINGS.update(clock=args.clock, repeats=max(1, args.repeats))
    from labelpact.core import fused

    fused.set_threads(args.threads)
    started = time.perf_counter()
    warm_up()
    print(
        f"compiled kernels loaded in {time.perf_counter() - started:.2f} s (numba import included)",
        flush=True,
    )
    sizes = [100_000, 1_000_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    limits = {m: int(v) for m, v in (item.split("=") for item in args.crowdkit_limits.split(","))}
    if args.quick:
        limits = {m: min(v, 100_000 if m != "ds" else 1_000_000) for m, v in limits.items()}
    import pandas as pd

    rows = []
    bounds: list[str] = []
    for k in (int(x) for x in args.classes.split(",")):
        measured: dict[str, tuple[int, float]] = {}  # crowd-kit: method -> (size, s/iter) of the largest run
        for n in sizes:
            a = simulate(n, k)
            data = pd.DataFrame({"task": a.task, "worker": a.worker, "label": a.label})
            for method in args.methods.split(","):
                n_iter = ITERATIONS[method]
                s_ours, m_ours = timed(ours(method, a, n_iter))
                limit = limits.get(method, 0)
                if n <= limit:
                    s_ck, m_ck = timed(theirs(method, data, n_iter))
                    per_ck, mark = s_ck / n_iter, ""
                    measured[method] = (n, per_ck)
                elif method in measured:
                    base_n, base_per = measured[method]
                    per_ck, m_ck, mark = base_per * n / base_n, float("nan"), "~"
                else:
                    per_ck, m_ck, mark = float("nan"), float("nan"), ""
                per_ours = s_ours / n_iter
                rows.append(
                    (n, k, method, n_iter, s_ours, per_ours, m_ours, per_ck, mark, m_ck, per_ck / per_ours)
                )
                print(format_row(rows[-1]), flush=True)
                if method in ("ds", "mace"):
                    alone = one_iteration(method, a, 5 * int(SETTINGS["repeats"]))
                    line = (
                        f"{method} {n:,} annotations, K={k}: one iteration alone {alone * 1000:.1f} ms (least of "
                        f"{max(3, 5 * int(SETTINGS['repeats']))}); crowd-kit {mark}{per_ck * 1000:.0f} ms per iteration: "
                        f"{mark}{per_ck / alone:.0f}x"
                    )
                    if args.bound and method == "ds":
                        moved, bound = traffic_bound(a)
                        line += f"; {moved / 1e6:.0f} MB moved, bound {bound * 1000:.1f} ms: {alone / bound:.1f}x the bound"
                    bounds.append(line)
                    print(line, flush=True)
            if "ds" in args.methods:
                s_full, m_full = timed(lambda a=a: DawidSkene().fit(a))
                rows.append(
                    (
                        n,
                        k,
                        "ds full fit",
                        0,
                        s_full,
                        float("nan"),
                        m_full,
                        float("nan"),
                        "",
                        float("nan"),
                        float("nan"),
                    )
                )
                print(format_row(rows[-1]), flush=True)
            if args.auto:
                s_auto, m_auto = timed(lambda a=a: Auto().fit(a))
                nan = float("nan")
                rows.append((n, k, "auto full fit", 0, s_auto, nan, m_auto, nan, "", nan, nan))
                print(format_row(rows[-1]), flush=True)
            del a, data
    print()
    print(HEADER)
    print("|" + "---|" * 10)
    for row in rows:
        print(format_row(row))
    print(
        "\n~ = crowd-kit not run at this size; seconds per iteration extrapolated linearly from the largest size run."
    )
    print(f"clock: {args.clock} seconds, the least of {max(1, args.repeats)} run(s) per cell")
    print(f"threads of the DS and MACE passes: {fused_threads()}")
    if bounds:
        print(
            "\nOne iteration alone (least of N) against crowd-kit's seconds per iteration (its fit / iterations) and, for"
            " DS, the memory-traffic bound (one fused pass: CSR read once, posteriors written once):"
        )
        for line in bounds:
            print("  " + line)


def fused_threads() -> int:
    """Threads the fused passes use in this process."""
    from labelpact.core import fused

    return fused.thread_count()


HEADER = (
    "| annotations | K | method | iterations | labelpact s | labelpact s/iter | labelpact peak GB"
    " | crowd-kit s/iter | crowd-kit peak GB | speed-up per iter |"
)


def format_row(row: tuple[Any, ...]) -> str:
    n, k, method, n_iter, s, per, mem, per_ck, mark, mem_ck, ratio = row
    ck_cell = "—" if np.isnan(per_ck) else f"{mark}{per_ck:.3f}"
    ratio_cell = "—" if np.isnan(ratio) else f"{mark}{ratio:.0f}x"
    per_cell = "—" if np.isnan(per) else f"{per:.4f}"
    mem_ck_cell = "—" if np.isnan(mem_ck) else f"{mem_ck:.2f}"
    iters = str(n_iter) if n_iter else "to tol"
    cells = [
        f"{n:,}",
        str(k),
        method,
        iters,
        f"{s:.2f}",
        per_cell,
        f"{mem:.2f}",
        ck_cell,
        mem_ck_cell,
        ratio_cell,
    ]
    return "| " + " | ".join(cells) + " |"


if __name__ == "__main__":
    main()
