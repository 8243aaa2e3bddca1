"""Server time to render the dashboard's pages for a partner with 500 audited batches (target: under 1 s).

Builds a workspace (once; kept under ``benchmarks/.data/dashboard`` unless ``--fresh``) where one partner
delivered 500 small batches over 500 days, each with a stored audit (error rate with its interval, gold
accuracy, agreement, timeliness, two findings) and the last audited by the real pipeline; then signs in
through the sign-in form and times each page through the whole ASGI app (middleware, session, services,
templates) in process. Prints one markdown table: page, role, median and worst wall time of ``--repeat``
runs, and the median CPU time (steady when other work shares the machine).

    python benchmarks/dashboard.py [--audits 500] [--repeat 5] [--fresh]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import statistics
import time
from pathlib import Path

from fastapi.testclient import TestClient

from labelpact.config import Settings, load_settings
from labelpact.server import create_app
from labelpact.services import add_partner, ingest_batch, set_client
from labelpact.services.audit import audit_stored_batch
from labelpact.services.users import add_user
from labelpact.store import AuditCreate, FindingCreate, Store

DATA = Path(__file__).resolve().parent / ".data" / "dashboard"
PARTNER = "Bulk Labels"
CSRF = re.compile(r'name="csrf" value="([^"]*)"')
CONTRACT = '[labels]\nclasses = ["a", "b"]\n[quality]\nmax_error_rate = 0.08\n'


def labels_csv(i: int, rng: random.Random) -> str:
    rows = ["task,worker,label"]
    for t in range(20):
        truth = rng.choice("ab")
        rows += [f"b{i}-t{t},w{w},{truth if rng.random() < 0.85 else 'ab'[truth == 'a']}" for w in range(3)]
    return "\n".join(rows) + "\n"


def audit_of(batch: str, day: dt.date, rng: random.Random) -> AuditCreate:
    """An audit as the pipeline stores one, with numbers that drift upward after day 400."""
    rate = min(0.5, max(0.0, rng.gauss(0.04 + (0.04 if day.toordinal() % 500 > 400 else 0.0), 0.015)))
    verdict = "accept" if rate < 0.05 else ("review" if rate < 0.08 else "reject")
    moment = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC).isoformat()
    return AuditCreate(
        batch=batch,
        verdict=verdict,
        reasons=[{"clause": "quality.max_error_rate", "outcome": "met", "measured": rate, "limit": 0.08}],
        metrics={
            "n_tasks": 200,
            "n_gold": 40,
            "gold_accuracy": {
                "value": 1 - rate,
                "ci": [max(0.0, 1 - rate - 0.05), min(1.0, 1 - rate + 0.05)],
            },
            "error_rate": {"value": rate, "ci": [max(0.0, rate - 0.03), rate + 0.03]},
            "agreement": {"krippendorff_alpha": {"value": 0.7 - rate, "ci": [0.6 - rate, 0.8 - rate]}},
            "timeliness": {"delivered_at": moment, "on_time": rng.random() < 0.95},
        },
        sampling_plan={"lot_size": 200, "sample_size": 32, "accept_number": 1, "reject_number": 2},
        sample_tasks=[f"t{k}" for k in range(32)],
        ethics=None,
        method="ds",
        contract_toml=None,
        contract_sha256=None,
        findings=[
            FindingCreate(
                "spammer", "warning", "Worker w1 answers at random.", None, {"workers": ["w1"]}, None
            ),
            FindingCreate("low_agreement", "info", "Agreement is low.", None, {"alpha": 0.5}, None),
        ],
    )


def build(settings: Settings, n_audits: int, folder: Path) -> None:
    rng = random.Random(0)
    folder.mkdir(parents=True, exist_ok=True)
    contract = folder / "contract.toml"
    contract.write_text(CONTRACT, encoding="utf-8")
    start = dt.date.today() - dt.timedelta(days=n_audits)
    with Store.open(settings) as store:
        set_client(store, "Lab", rivals=["Rival"])
        add_partner(store, PARTNER, contract=contract)
        last = ""
        for i in range(n_audits):
            day = start + dt.timedelta(days=i)
            path = folder / f"batch-{i}.csv"
            path.write_text(labels_csv(i, rng), encoding="utf-8")
            delivered = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
            last = ingest_batch(store, path, partner=PARTNER, project="bulk", delivered_at=delivered).batch.id
            if i < n_audits - 1:
                store.add_audit(audit_of(last, day, rng), files={})
            path.unlink()
        audit_stored_batch(store, last)


def sign_in(client: TestClient, key: str) -> None:
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    response = client.post("/login", data={"token": key, "csrf": token.group(1)}, follow_redirects=False)
    if response.status_code != 303:
        raise SystemExit(f"sign-in failed: HTTP {response.status_code}")


def timed(client: TestClient, path: str, repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each request (CPU of this process, which runs the app: steady on a busy machine)."""
    wall, cpu = [], []
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="rebuild the workspace")
    args = parser.parse_args()
    workspace = DATA / f"ws-{args.audits}"
    if args.fresh and workspace.exists():
        shutil.rmtree(workspace)
    settings = load_settings({}, workspace=workspace)
    if not (workspace / "labelpact.db").exists():
        began = time.perf_counter()
        build(settings, args.audits, DATA / "incoming")
        print(f"built a workspace with {args.audits} audits in {time.perf_counter() - began:.1f} s")
    with Store.open(settings) as store:
        stamp = str(time.time_ns())
        keys = {
            "client": add_user(store, f"bench-client-{stamp}", role="client").key,
            "partner": add_user(store, f"bench-partner-{stamp}", role=f"partner:{PARTNER}").key,
        }
        latest = store.list_audits(partner=PARTNER)[0].id
        n = len(store.list_audits(partner=PARTNER))
    rows = []
    for role, key in keys.items():
        with TestClient(create_app(settings)) as client:
            sign_in(client, key)
            pages = [(f"partner ({n} audits)", f"/partners/{PARTNER}"), ("audit", f"/audits/{latest}")]
            if role == "client":
                pages.insert(0, ("portfolio", "/"))
            for name, path in pages:
                client.get(path)  # warm: templates compiled, key verified once
                wall, cpu = timed(client, path, args.repeat)
                rows.append((name, role, statistics.median(wall), max(wall), statistics.median(cpu)))
    print(
        f"\n{args.repeat} requests per page; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print("| page | role | median s | worst s | median CPU s | under 1 s |\n|---|---|---:|---:|---:|---|")
    for name, role, median, worst, cpu in rows:
        print(
            f"| {name} | {role} | {median:.3f} | {worst:.3f} | {cpu:.3f} | {'yes' if median < 1 else 'NO'} |"
        )


if __name__ == "__main__":
    main()
