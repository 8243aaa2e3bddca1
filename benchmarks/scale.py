"""The Dask engine against one process: a Dawid-Skene fit over simulated annotations written as Parquet
parts, in-process and on a LocalCluster of 1 and 2 worker processes; and the PII scan of simulated task
text on 1 and 2 workers.

Each configuration runs in a fresh subprocess so its peak resident memory (VmHWM, per process: the
driver and every Dask worker) is its own. The result difference is the largest absolute difference of
posteriors from the in-process fit, by task name, and the number of tasks whose label differs.

    python benchmarks/scale.py [--annotations 10000000] [--classes 10] [--parts 20] [--text-mb 200]
                               [--project-to 100000000]

``--project-to N`` (default 100M) adds rows projected to N annotations from the measured ones when N is
larger than the run: reading and every iteration cost the same per annotation (each block does the same
work, blocks grow in number), so seconds and per-process memory scale by N / annotations; the number of
iterations is taken as measured. The rows say "projected": run with ``--annotations N`` to measure them
(100M needs about 13 GB in one process, and the Dask rows about as much again across the driver and workers).

Memory-traffic bound of one DS iteration (documented in docs/scale.md). Each iteration is one compiled pass
over the labels (``labelpact.core.fused``): the E-step reads the count matrix once (CSR: 8-byte value + 4-byte
column per distinct (task, worker, label), 4 or 8 bytes per task row pointer), writes the (n_tasks, K)
posteriors once, and the M-step scatters each task's posterior into its labels' per-worker tables while the
task is still in cache (the tables, W x K x K doubles, stay in cache and are not counted). At 10M annotations,
1M tasks, K = 10: 124 MB + 80 MB = 204 MB per iteration (a separate M-step pass, as before the fused kernels,
read the matrix and the posteriors again: 480 MB); at ~14 GB/s of sustained read bandwidth on one core that is
~15 ms. The in-process row prints the measured seconds per iteration against that bound.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import rss, simulate  # benchmarks/speed.py: the same simulated deliveries


def write_label_parts(n: int, k: int, n_parts: int, folder: Path) -> None:
    """``n`` simulated annotations (speed.simulate: 10 labels per task) as ``n_parts`` Parquet files."""
    a = simulate(n, k)
    folder.mkdir(parents=True, exist_ok=True)
    names = {
        "task": pa.array([f"t{i}" for i in range(a.n_tasks)]),
        "worker": pa.array([f"w{i}" for i in range(a.n_workers)]),
        "label": pa.array(list(a.classes)),
    }
    codes = {"task": a.task, "worker": a.worker, "label": a.label}
    size = -(-n // n_parts)
    for i in range(n_parts):
        rows = slice(i * size, min(n, (i + 1) * size))
        columns = {
            role: pa.DictionaryArray.from_arrays(
                pa.array(codes[role][rows].astype(np.int32)), names[role]
            ).cast(pa.string())
            for role in ("task", "worker", "label")
        }
        pq.write_table(pa.table(columns), folder / f"part-{i:05d}.parquet")


def write_text_parts(megabytes: float, n_parts: int, folder: Path) -> int:
    """Simulated task payloads (reviews, some with e-mails and card numbers) of about ``megabytes`` MB."""
    from labelpact.simulate.payloads import simulate_payloads

    sample = simulate_payloads([f"s{i}" for i in range(2000)], seed=1, email_share=0.02, card_share=0.01)
    per_task = sum(len(t.encode()) for t in sample.fields["text"] if t) / 2000
    n = int(megabytes * 1e6 / per_task)
    folder.mkdir(parents=True, exist_ok=True)
    size = -(-n // n_parts)
    total = 0
    for i in range(n_parts):
        tasks = [f"p{j}" for j in range(i * size, min(n, (i + 1) * size))]
        payloads = simulate_payloads(tasks, seed=i, email_share=0.02, card_share=0.01)
        table = pa.table({"task": tasks, **{f: list(v) for f, v in payloads.fields.items()}})
        total += int(pc.sum(pc.binary_length(table["text"])).as_py())
        pq.write_table(table, folder / f"part-{i:05d}.parquet")
    return total


def stage_local(parts: Path, out: Path) -> dict[str, Any]:
    """Read the parts into one process and fit DS there (the in-process path, first-seen coding)."""
    from labelpact.core.aggregators import DawidSkene
    from labelpact.core.annotations import Annotations, natural_order

    idle = rss() / 1e6  # imports only, before any data: the projection's baseline
    started = time.perf_counter()
    roles = ("task", "worker", "label")
    # read as dictionaries (the parts' own dictionary pages), never as 100M strings per column
    table = pq.read_table(parts, columns=list(roles), read_dictionary=list(roles)).unify_dictionaries()
    coded = {r: table[r].combine_chunks() for r in roles}
    del table
    classes = natural_order(coded["label"].dictionary.to_pylist())
    recode = np.array([classes.index(c) for c in coded["label"].dictionary.to_pylist()])
    a = Annotations(
        task=coded["task"].indices.to_numpy(),
        worker=coded["worker"].indices.to_numpy(),
        label=recode[coded["label"].indices.to_numpy()],
        tasks=tuple(coded["task"].dictionary.to_pylist()),
        workers=tuple(coded["worker"].dictionary.to_pylist()),
        classes=classes,
    )
    read = time.perf_counter() - started
    model = DawidSkene().fit(a)
    total = time.perf_counter() - started
    np.save(out / "local.npy", model.probas_)
    (out / "local.tasks.json").write_text(json.dumps(list(a.tasks)))
    return {
        "seconds": total,
        "read_s": read,
        "fit_s": total - read,
        "n_iter": model.n_iter_,
        "peak_mb": [rss() / 1e6],
        "idle_mb": [idle],
    }


def stage_dask(parts: Path, out: Path, workers: int) -> dict[str, Any]:
    from labelpact.scale import cluster_client, distribute, fit_distributed

    with cluster_client(n_workers=workers) as client:
        idle = [rss() / 1e6, *(v / 1e6 for v in client.run(rss).values())]  # before any data: the baseline
        started = time.perf_counter()
        blocks = distribute(client, parts)
        read = time.perf_counter() - started
        fit = fit_distributed(blocks, "ds")
        total = time.perf_counter() - started
        peaks = client.run(rss)
    np.save(out / f"dask{workers}.npy", fit.probas)
    (out / f"dask{workers}.tasks.json").write_text(json.dumps(list(fit.tasks)))
    return {
        "seconds": total,
        "read_s": read,
        "fit_s": total - read,
        "n_iter": fit.n_iter,
        "n_blocks": len(blocks.blocks),
        "peak_mb": [rss() / 1e6, *(v / 1e6 for v in peaks.values())],
        "idle_mb": idle,
    }


def stage_scan(parts: Path, workers: int) -> dict[str, Any]:
    from labelpact.scale import cluster_client
    from labelpact.services.engine import scan_distributed

    with cluster_client(n_workers=workers) as client:
        client.run(lambda: __import__("labelpact.ethics.pii.scan"))  # warm imports outside the clock
        found = scan_distributed(parts, client=client, names="lists")
        peaks = client.run(rss)
    return {
        "seconds": found.seconds,
        "mb": found.pii.n_bytes / 1e6,
        "mb_per_s": found.pii.n_bytes / 1e6 / found.seconds,
        "findings": len(found.pii.findings),
        "peak_mb": [rss() / 1e6, *(v / 1e6 for v in peaks.values())],
    }


def run_stage(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if done.returncode:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(done.returncode)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def difference(out: Path, name: str) -> tuple[float, int]:
    """Largest |posterior difference| from the in-process fit, and labels that differ, by task name."""
    local, tasks = np.load(out / "local.npy"), json.loads((out / "local.tasks.json").read_text())
    other, other_tasks = np.load(out / f"{name}.npy"), json.loads((out / f"{name}.tasks.json").read_text())
    if other_tasks != tasks:
        position = {t: i for i, t in enumerate(tasks)}
        order = np.array([position[t] for t in other_tasks])
        local = local[order]
    return float(np.abs(local - other).max()), int((local.argmax(1) != other.argmax(1)).sum())


def print_projection(measured: list[tuple[str, dict[str, Any]]], ratio: float, n: int, parts: int) -> None:
    """Rows projected to ``n`` annotations: seconds times ``ratio``, per-process peak memory as its idle
    size plus ``ratio`` times what the data added, the measured iterations (linear in annotations: the
    same work per block, ``ratio`` times the blocks)."""
    print(
        f"\nProjected to {n:,} annotations ({ratio:g} x the measured run, {int(parts * ratio)} parts), not measured:"
    )
    print("| engine | seconds | read s | s / iteration | peak MB per process (driver, workers) |")
    print("|---|---|---|---|---|")
    for name, r in measured:
        peaks = ", ".join(
            f"{i + (p - i) * ratio:,.0f}" for p, i in zip(r["peak_mb"], r["idle_mb"], strict=True)
        )
        print(
            f"| {name} (projected) | {r['seconds'] * ratio:.0f} | {r['read_s'] * ratio:.0f} | "
            f"{r['fit_s'] / r['n_iter'] * ratio:.2f} | {peaks} |",
            flush=True,
        )


def print_bound(n: int, k: int, per_iteration: float) -> None:
    """The in-process DS seconds per iteration (the fit's, counting its set-up) against the memory-traffic bound."""
    from speed import traffic_bound

    moved, bound = traffic_bound(simulate(n, k))
    print(
        f"  in-process DS: {per_iteration * 1000:.0f} ms per iteration (fit time / iterations); one fused pass "
        f"moves {moved / 1e6:.0f} MB, bound {bound * 1000:.1f} ms at this machine's read bandwidth: "
        f"{per_iteration / bound:.1f}x",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--annotations", type=int, default=10_000_000)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--parts", type=int, default=20)
    parser.add_argument("--text-mb", type=float, default=200.0)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--project-to", type=int, default=100_000_000)
    parser.add_argument("--stage", choices=["local", "dask", "scan"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--n-workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage == "local":
        print(json.dumps(stage_local(args.dir / "labels", args.dir)))
        return
    if args.stage == "dask":
        print(json.dumps(stage_dask(args.dir / "labels", args.dir, args.n_workers)))
        return
    if args.stage == "scan":
        print(json.dumps(stage_scan(args.dir / "text", args.n_workers)))
        return
    workers = [int(w) for w in args.workers.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        write_label_parts(args.annotations, args.classes, args.parts, out / "labels")
        print(
            f"{args.annotations:,} annotations, K={args.classes}, {args.parts} parts written in "
            f"{time.perf_counter() - t0:.1f} s; {os.cpu_count()} cores",
            flush=True,
        )
        print(
            "| engine | seconds | DS iterations | s / iteration | peak MB per process (driver, workers) | max posterior diff | labels differing |"
        )
        print("|---|---|---|---|---|---|---|")
        local = run_stage("--stage", "local", "--dir", tmp)
        print(
            f"| in-process | {local['seconds']:.1f} (read {local['read_s']:.1f}) | {local['n_iter']} | "
            f"{local['fit_s'] / local['n_iter']:.3f} | {local['peak_mb'][0]:,.0f} | 0 | 0 |",
            flush=True,
        )
        print_bound(args.annotations, args.classes, local["fit_s"] / local["n_iter"])
        measured = [("in-process", local)]
        for w in workers:
            r = run_stage("--stage", "dask", "--dir", tmp, "--n-workers", str(w))
            diff, labels = difference(out, f"dask{w}")
            peaks = ", ".join(f"{p:,.0f}" for p in r["peak_mb"])
            print(
                f"| dask LocalCluster, {w} worker(s), {r['n_blocks']} blocks | {r['seconds']:.1f} "
                f"(read {r['read_s']:.1f}) | {r['n_iter']} | {r['fit_s'] / r['n_iter']:.3f} | {peaks} | "
                f"{diff:.1e} | {labels} |",
                flush=True,
            )
            measured.append((f"dask LocalCluster, {w} worker(s)", r))
        if args.project_to > args.annotations:
            print_projection(measured, args.project_to / args.annotations, args.project_to, args.parts)
        if args.text_mb > 0:
            size = write_text_parts(args.text_mb, args.parts, out / "text")
            print(f"\nPII scan of {size / 1e6:,.0f} MB of simulated task text ({args.parts} parts)")
            print("| workers | seconds | MB/s | MB/s per worker | findings | peak MB per process |")
            print("|---|---|---|---|---|---|")
            for w in workers:
                r = run_stage("--stage", "scan", "--dir", tmp, "--n-workers", str(w))
                peaks = ", ".join(f"{p:,.0f}" for p in r["peak_mb"])
                print(
                    f"| {w} | {r['seconds']:.1f} | {r['mb_per_s']:.2f} | {r['mb_per_s'] / w:.2f} | {r['findings']:,} | {peaks} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
