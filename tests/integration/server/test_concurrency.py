"""Sixteen concurrent HTTP clients against a real uvicorn, on SQLite and on PostgreSQL: nothing lost or doubled.

Partners upload distinct deliveries and all race to upload one shared file; the client audits stored
batches; partners dispute fresh findings and all comment on one dispute; everyone races to resolve one
dispute. Afterwards the store holds exactly what the 2xx answers said, and the request log has a line
for every state-changing request.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from labelpact.store import Store

from .conftest import Live

N_CLIENTS = 16
UPLOADS_EACH = 2


def _worker(
    live: Live, index: int, shared: bytes, findings: list[str], contested: str, talk: str
) -> dict[str, Any]:
    role = ("acme", "other", "client", "acme")[index % 4]
    seen: dict[str, Any] = {
        "uploads": [],
        "shared": None,
        "disputes": [],
        "comments": 0,
        "resolve": None,
        "jobs": [],
    }
    with live.client(role) as client:
        for k in range(UPLOADS_EACH):
            body = (
                f"task,worker,label\nc{index}-{k}-0,w1,a\nc{index}-{k}-0,w2,b\nc{index}-{k}-1,w1,a\n".encode()
            )
            data = {"project": f"p{index % 3}"} | ({"partner": "Acme"} if role == "client" else {})
            response = client.post("/api/v1/batches", files={"file": (f"d{index}-{k}.csv", body)}, data=data)
            assert response.status_code == 201, response.text
            seen["uploads"].append(response.json()["batch"])
        data = {"project": "shared"} | ({"partner": "Acme"} if role == "client" else {})
        if role in ("acme", "client"):
            response = client.post("/api/v1/batches", files={"file": ("shared.csv", shared)}, data=data)
            assert response.status_code in (200, 201), response.text
            seen["shared"] = (response.status_code, response.json()["batch"])
        if role == "client":
            batch = live.seeded.batch["Acme" if index % 2 else "Other"]
            response = client.post("/api/v1/audits", json={"batch": batch})
            assert response.status_code == 202, response.text
            seen["jobs"].append(response.json()["id"])
        if role in ("acme", "client"):
            response = client.post(
                f"/api/v1/findings/{findings[index]}/disputes", json={"text": f"from {index}"}
            )
            assert response.status_code == 201, response.text
            seen["disputes"].append(response.json()["id"])
        if role != "other":
            for k in range(3):
                response = client.post(f"/api/v1/disputes/{talk}/comments", json={"text": f"{index}/{k}"})
                assert response.status_code == 201, response.text
                seen["comments"] += 1
        if role == "client":
            response = client.post(f"/api/v1/disputes/{contested}/resolve", json={"status": "rejected"})
            seen["resolve"] = response.status_code
    return seen


@pytest.mark.slow
def test_sixteen_concurrent_clients_lose_and_double_nothing(
    live: Live, wait_job: Callable[..., dict[str, Any]]
) -> None:
    seeded = live.seeded
    findings = [seeded.fresh_finding("Acme") for _ in range(N_CLIENTS)]
    contested = seeded.fresh_dispute("Acme")
    talk = seeded.dispute["Acme"]
    shared = seeded.fresh_bytes()
    with ThreadPoolExecutor(max_workers=N_CLIENTS) as pool:
        results = list(
            pool.map(lambda i: _worker(live, i, shared, findings, contested, talk), range(N_CLIENTS))
        )
    with live.client("client") as client:
        jobs = [wait_job(client, job) for r in results for job in r["jobs"]]
    with live.client("admin") as admin:
        log = admin.get("/api/v1/log", params={"limit": 100_000}).json()

    uploads = [b for r in results for b in r["uploads"]]
    assert len(uploads) == len(set(uploads)) == N_CLIENTS * UPLOADS_EACH
    shared_answers = [r["shared"] for r in results if r["shared"] is not None]
    assert Counter(status for status, _ in shared_answers) == {201: 1, 200: len(shared_answers) - 1}
    assert len({batch for _, batch in shared_answers}) == 1
    resolves = [r["resolve"] for r in results if r["resolve"] is not None]
    assert sorted(resolves) == [200] + [409] * (len(resolves) - 1)

    with Store.open(seeded.settings) as store:
        stored = {b.id for b in store.list_batches()}
        assert set(uploads) | {shared_answers[0][1]} <= stored
        assert len(stored) == len(uploads) + 1 + 2  # the two seeded batches
        comments = store.list_comments(talk)
        assert len(comments) == sum(r["comments"] for r in results)
        assert len({c.text for c in comments}) == len(comments)
        disputes = [d for r in results for d in r["disputes"]]
        assert {d.id for d in store.list_disputes() if d.id in set(disputes)} == set(disputes)
        assert store.get_dispute(contested).status == "rejected"
        assert [j["status"] for j in jobs] == ["succeeded"] * len(jobs), jobs
        audits = [j["result"]["id"] for j in jobs]  # type: ignore[index]
        assert len(set(audits)) == len(audits) == len({a.id for a in store.list_audits()} & set(audits))

    answered = (
        len(uploads)
        + len(shared_answers)
        + len(jobs)
        + len([d for r in results for d in r["disputes"]])
        + sum(r["comments"] for r in results)
        + len(resolves)
    )
    # a request's log line is written before its response is sent: every answered request is in the log
    changes = [line for line in log if line["detail"].get("method") == "POST"]
    assert len(changes) == answered
    assert len({line["request_id"] for line in changes}) == answered
