"""Throughput and latency of the REST service (``labelpact serve``) with concurrent clients, SQLite and PostgreSQL.

Two workloads, each with ``--clients`` concurrent httpx clients (threads) against a real server in its own
process on loopback:
1. ``GET /api/v1/audits/{id}`` for ``--seconds`` seconds: requests per second, p50 and p99 latency;
2. upload + audit of a ``--labels``-label batch per client (``POST /api/v1/batches?async=true``, wait for
   the job, ``POST /api/v1/audits``, wait for the job): batches per second, p50 and p99 of the whole.
Prints one markdown table. PostgreSQL comes from ``LABELPACT_TEST_POSTGRES_URL`` (a fresh schema, dropped
after); it is skipped with a note when it does not answer.

    python benchmarks/service.py [--clients 16] [--seconds 10] [--labels 100000] [--backends sqlite,postgres]
                                 [--workloads get,upload]
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import sqlalchemy as sa

from labelpact.config import Settings, load_settings
from labelpact.services import add_partner, ingest_batch, set_client
from labelpact.services.audit import audit_stored_batch
from labelpact.services.users import add_user
from labelpact.store import Store

DEFAULT_POSTGRES = "postgresql://labelpact:labelpact@127.0.0.1:5432/labelpact_test"
CLASSES = ("negative", "neutral", "positive")


def delivery(seed: int, n_labels: int, *, per_task: int = 5, n_workers: int = 300) -> bytes:
    """A CSV of ``n_labels`` labels (``per_task`` per task) from workers of varying accuracy."""
    rng = np.random.default_rng(seed)
    n_tasks = n_labels // per_task
    truth = rng.integers(0, len(CLASSES), n_tasks)
    accuracy = rng.uniform(0.55, 0.95, n_workers)
    tasks = np.repeat(np.arange(n_tasks), per_task)
    workers = rng.integers(0, n_workers, tasks.size)
    right = rng.random(tasks.size) < accuracy[workers]
    labels = np.where(right, truth[tasks], rng.integers(0, len(CLASSES), tasks.size))
    out = io.StringIO()
    out.write("task,worker,label\n")
    names = np.array(CLASSES)[labels]
    for t, w, label in zip(tasks, workers, names, strict=True):
        out.write(f"s{seed}-t{t},w{w},{label}\n")
    return out.getvalue().encode()


@contextmanager
def backend(name: str, workspace: Path) -> Iterator[Settings | None]:
    if name == "sqlite":
        yield load_settings({}, workspace=workspace)
        return
    url = load_settings(
        {}, workspace=".", db=os.environ.get("LABELPACT_TEST_POSTGRES_URL") or DEFAULT_POSTGRES
    ).db_url
    admin = sa.create_engine(url, poolclass=sa.NullPool, connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError:
        print(
            f"no PostgreSQL at {sa.make_url(url).render_as_string(hide_password=True)}: skipped",
            file=sys.stderr,
        )
        yield None
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        in_schema = sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield Settings(workspace=workspace, db_url=in_schema.render_as_string(hide_password=False))
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def seed(settings: Settings, folder: Path) -> tuple[str, str, str]:
    """A client key, a partner key, and an audit of a small stored batch."""
    with Store.open(settings) as store:
        set_client(store, "Lab")
        add_partner(store, "Acme")
        client = add_user(store, "bench-client", role="client").key
        partner = add_user(store, "bench-vendor", role="partner:Acme").key
        path = folder / "small.csv"
        path.write_bytes(delivery(0, 5_000))
        batch = ingest_batch(store, path, partner="Acme", project="bench").batch
        audit = audit_stored_batch(store, batch.id, n_bootstrap=200).audit.id
    return client, partner, audit


@contextmanager
def server(settings: Settings) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = os.environ | {"LABELPACT_WORKSPACE": str(settings.workspace), "LABELPACT_DB": settings.db_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "labelpact", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=120)


def run_clients(n: int, work: Any) -> list[float]:
    """Run ``work(index, latencies)`` in ``n`` threads at once; every latency recorded."""
    latencies: list[list[float]] = [[] for _ in range(n)]
    start = threading.Barrier(n)

    def run(i: int) -> None:
        start.wait()
        work(i, latencies[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [x for per in latencies for x in per]


def wait_job(client: httpx.Client, job: str) -> dict[str, Any]:
    while True:
        document: dict[str, Any] = client.get(f"/api/v1/jobs/{job}").json()
        if document["status"] in ("succeeded", "failed"):
            if document["status"] == "failed":
                raise RuntimeError(f"job {job} failed: {document['error']}")
            return document
        time.sleep(0.1)


def bench_get(url: str, key: str, audit: str, clients: int, seconds: float) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {key}"}

    def work(_: int, out: list[float]) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            until = time.monotonic() + seconds
            while time.monotonic() < until:
                began = time.perf_counter()
                response = client.get(f"/api/v1/audits/{audit}")
                out.append(time.perf_counter() - began)
                if response.status_code != 200:
                    raise RuntimeError(response.text)

    began = time.perf_counter()
    latencies = run_clients(clients, work)
    return summary(latencies, time.perf_counter() - began)


def bench_upload_audit(url: str, keys: tuple[str, str], clients: int, n_labels: int) -> dict[str, float]:
    client_key, partner_key = keys
    files = [delivery(1000 + i, n_labels) for i in range(clients)]

    def work(i: int, out: list[float]) -> None:
        vendor = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {partner_key}"}, timeout=600)
        lab = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {client_key}"}, timeout=600)
        with vendor, lab:
            began = time.perf_counter()
            accepted = vendor.post(
                "/api/v1/batches",
                params={"async": "true"},
                files={"file": (f"d{i}.csv", files[i])},
                data={"project": "bench"},
            )
            batch = wait_job(vendor, accepted.json()["id"])["result"]["batch"]
            audit = lab.post("/api/v1/audits", json={"batch": batch})
            wait_job(lab, audit.json()["id"])
            out.append(time.perf_counter() - began)

    began = time.perf_counter()
    latencies = run_clients(clients, work)
    return summary(latencies, time.perf_counter() - began)


def summary(latencies: list[float], wall: float) -> dict[str, float]:
    values = np.array(latencies)
    return {
        "n": float(values.size),
        "per_s": values.size / wall,
        "p50_ms": float(np.percentile(values, 50) * 1000),
        "p99_ms": float(np.percentile(values, 99) * 1000),
        "wall_s": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--labels", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--workloads", default="get,upload", help="get, upload or both (comma-separated)")
    args = parser.parse_args()
    rows = []
    for name in args.backends.split(","):
        with tempfile.TemporaryDirectory() as root, backend(name, Path(root) / "ws") as settings:
            if settings is None:
                continue
            client, partner, audit = seed(settings, Path(root))
            with server(settings) as url:
                if "get" in args.workloads:
                    got = bench_get(url, client, audit, args.clients, args.seconds)
                    rows.append((name, "GET /api/v1/audits/{id}", got))
                if "upload" in args.workloads:
                    done = bench_upload_audit(url, (client, partner), args.clients, args.labels)
                    rows.append((name, f"upload+audit, {args.labels:,} labels", done))
    print(f"\n{args.clients} concurrent clients, server on loopback ({os.cpu_count()} cores)\n")
    print("| backend | workload | requests | per second | p50 ms | p99 ms |")
    print("|---|---|---:|---:|---:|---:|")
    for name, workload, r in rows:
        print(
            f"| {name} | {workload} | {r['n']:.0f} | {r['per_s']:.2f} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} |"
        )


if __name__ == "__main__":
    main()
