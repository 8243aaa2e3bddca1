"""The service end to end on loopback: uploads (good, bad, too large, as a job), audits as jobs, the log."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from labelpact.store import Store

from .conftest import Live, serving
from .seed import labels_csv


def _rows(live: Live) -> dict[str, list[Any]]:
    """Every row of every table but the request log (which records the refusals themselves)."""
    engine = sa.create_engine(live.seeded.settings.db_url, poolclass=sa.NullPool)
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return {
                name: sorted(map(repr, conn.execute(sa.select(table))))
                for name, table in meta.tables.items()
                if name != "request_log"
            }
    finally:
        engine.dispose()


def _blobs(live: Live) -> list[str]:
    return sorted(str(p) for p in live.seeded.settings.blob_root.rglob("*") if ".staging" not in p.parts)


BAD_UPLOADS = [
    (
        "no-label.csv",
        b"task,worker\nt1,w1\n",
        "no-label.csv, line 1, column 'label': expected a column 'label'",
    ),
    ("empty.csv", b"", "empty.csv"),
    ("outside.csv", b"task,worker,label\nt1,w1,zebra\n", "outside.csv, line 2, column 'label'"),
    ("garbage.parquet", b"\x00\x01 not parquet", "garbage.parquet"),
]


@pytest.mark.parametrize(("name", "content", "start"), BAD_UPLOADS, ids=[b[0] for b in BAD_UPLOADS])
def test_a_bad_upload_is_a_422_with_the_clis_one_line_message_and_writes_nothing(
    live: Live, name: str, content: bytes, start: str
) -> None:
    before = (_rows(live), _blobs(live))
    with live.client("acme") as client:
        response = client.post(
            "/api/v1/batches", files={"file": (name, content)}, data={"project": "sentiment"}
        )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_input"
    assert error["message"].startswith(start), error["message"]
    assert "\n" not in error["message"] and "uploads" not in error["message"]
    assert (_rows(live), _blobs(live)) == before
    assert list((live.seeded.settings.workspace / "uploads").iterdir()) == []


def test_an_upload_as_a_job_gives_the_same_document_and_the_same_bytes_twice_store_one_batch(
    live: Live, wait_job: Callable[..., dict[str, Any]]
) -> None:
    content = labels_csv(7)
    with live.client("acme") as client:
        accepted = client.post(
            "/api/v1/batches",
            params={"async": "true"},
            files={"file": ("d.csv", content)},
            data={"project": "x"},
        )
        assert accepted.status_code == 202
        assert accepted.headers["location"] == f"/api/v1/jobs/{accepted.json()['id']}"
        job = wait_job(client, accepted.json()["id"])
        assert job["status"] == "succeeded", job
        result: dict[str, Any] = job["result"]  # type: ignore[assignment]
        assert result["created"] is True and result["partner"] == "Acme" and result["n_tasks"] == 30
        again = client.post("/api/v1/batches", files={"file": ("d.csv", content)}, data={"project": "x"})
        assert again.status_code == 200 and again.json()["created"] is False
        assert again.json()["batch"] == result["batch"]
        assert client.get(f"/api/v1/batches/{result['batch']}").json()["sha256"] == result["sha256"]
    with live.client("other") as other:
        assert other.get(f"/api/v1/jobs/{accepted.json()['id']}").status_code == 404


def test_an_audit_job_stores_the_audit_that_get_audit_shows(
    live: Live, wait_job: Callable[..., dict[str, Any]]
) -> None:
    batch = live.seeded.batch["Acme"]
    with live.client("client") as client:
        accepted = client.post("/api/v1/audits", json={"batch": batch})
        assert accepted.status_code == 202, accepted.text
        job = wait_job(client, accepted.json()["id"])
        assert job["status"] == "succeeded", job
        result: dict[str, Any] = job["result"]  # type: ignore[assignment]
        shown = client.get(f"/api/v1/audits/{result['id']}").json()
        missing = client.post("/api/v1/audits", json={"batch": "ffffffffffff"})
    assert shown["batch"] == batch and shown["verdict"] == result["verdict"] in ("accept", "review", "reject")
    assert [f["id"] for f in shown["findings"]] == [f["id"] for f in result["findings"]]
    assert missing.status_code == 404
    with Store.open(live.seeded.settings) as store:
        assert store.get_audit(result["id"]).verdict == result["verdict"]


def test_a_body_over_the_limit_is_a_413_json_error(live: Live) -> None:
    with serving(live.seeded.settings, max_body_bytes=1000) as url:
        headers = {"Authorization": f"Bearer {live.seeded.keys['acme']}"}
        response = httpx.post(
            f"{url}/api/v1/batches",
            headers=headers,
            files={"file": ("big.csv", b"x" * 5000)},
            data={"project": "p"},
        )
    assert response.status_code == 413
    assert response.json()["error"]["type"] == "too_large"


def test_no_page_of_the_service_loads_anything_from_another_host(live: Live) -> None:
    """FastAPI's Swagger and ReDoc pages fetch scripts from a CDN; the service serves neither."""
    with serving(live.seeded.settings) as url:
        pages = {path: httpx.get(f"{url}{path}") for path in ("/docs", "/redoc", "/docs/oauth2-redirect")}
        schema = httpx.get(f"{url}/openapi.json")
    assert {path: r.status_code for path, r in pages.items()} == dict.fromkeys(pages, 404)
    assert schema.status_code == 200 and "cdn" not in schema.text.lower()


@pytest.mark.parametrize("table", ["request_log", "users", "user_revocations", "dispute_comments"])
def test_the_service_tables_refuse_update_and_delete(live: Live, table: str) -> None:
    with live.client("other") as client:  # a denied request and a comment: rows in two of the tables
        client.get(f"/api/v1/audits/{live.seeded.audit['Acme']}")
    with live.client("client") as client:
        client.post(f"/api/v1/disputes/{live.seeded.dispute['Acme']}/comments", json={"text": "seen"})
    with Store.open(live.seeded.settings) as store:
        store.revoke_user("other-bot")
    engine = sa.create_engine(live.seeded.settings.db_url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() > 0
        for statement in (f"UPDATE {table} SET id = id + 1000", f"DELETE FROM {table}"):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
                conn.execute(sa.text(statement))
    finally:
        engine.dispose()


def test_a_finished_job_never_changes(live: Live, wait_job: Callable[..., dict[str, Any]]) -> None:
    with live.client("acme") as client:
        accepted = client.post(
            "/api/v1/batches",
            params={"async": "true"},
            files={"file": ("j.csv", labels_csv(9))},
            data={"project": "x"},
        )
        wait_job(client, accepted.json()["id"])
    engine = sa.create_engine(live.seeded.settings.db_url, poolclass=sa.NullPool)
    try:
        for statement in ("UPDATE jobs SET status = 'queued'", "DELETE FROM jobs"):
            with (
                pytest.raises(sa.exc.DatabaseError, match="finished job never changes"),
                engine.begin() as conn,
            ):
                conn.execute(sa.text(statement))
    finally:
        engine.dispose()


def test_every_state_change_is_logged_with_its_request_id(live: Live, tmp_path: Path) -> None:
    with live.client("acme") as client:
        opened = client.post(
            f"/api/v1/findings/{live.seeded.finding['Acme']}/disputes",
            json={"text": "w0 is careful"},
            headers={"X-Request-ID": "req-open-1"},
        )
    assert opened.status_code == 201
    with live.client("admin") as admin:
        log = admin.get("/api/v1/log").json()
    (line,) = [entry for entry in log if entry["request_id"] == "req-open-1"]
    assert (line["actor"], line["role"], line["action"], line["object"], line["outcome"]) == (
        "user:acme-bot",
        "partner:Acme",
        "dispute.open",
        f"dispute:{opened.json()['id']}",
        "ok",
    )
    with Store.open(live.seeded.settings) as store:  # the store's own audit log names the same user
        (entry,) = store.audit_log(subject=f"dispute:{opened.json()['id']}")
    assert entry.actor == "user:acme-bot"


def test_a_bad_upload_as_a_job_fails_with_the_same_error_and_writes_nothing(
    live: Live, wait_job: Callable[..., dict[str, Any]]
) -> None:
    before = (_rows(live), _blobs(live))
    with live.client("acme") as client:
        accepted = client.post(
            "/api/v1/batches",
            params={"async": "true"},
            files={"file": ("no-label.csv", b"task,worker\nt1,w1\n")},
            data={"project": "sentiment"},
        )
        job = wait_job(client, accepted.json()["id"])
    assert job["status"] == "failed" and job["result"] is None
    error: dict[str, Any] = job["error"]  # type: ignore[assignment]
    assert error["status"] == 422 and error["type"] == "invalid_input" and error["field"] == "label"
    assert error["message"].startswith("no-label.csv, line 1, column 'label': expected a column 'label'")
    after = _rows(live)
    assert {k: v for k, v in after.items() if k != "jobs"} == {
        k: v for k, v in before[0].items() if k != "jobs"
    }
    assert _blobs(live) == before[1]
    assert list((live.seeded.settings.workspace / "uploads").iterdir()) == []


def _preferences_csv() -> bytes:
    """Four workers compare the answers of three models on ten prompts; model c is worst."""
    rows = ["task,worker,left,right,choice"]
    for prompt in range(10):
        for worker in range(4):
            left, right = ("a", "c") if (prompt + worker) % 2 else ("c", "b")
            rows.append(f"p{prompt},w{worker},{left},{right},{'left' if left != 'c' else 'right'}")
    return ("\n".join(rows) + "\n").encode()


def test_a_partner_uploads_preferences_and_the_client_audits_them_like_labels(
    live: Live, wait_job: Callable[..., dict[str, Any]]
) -> None:
    content = _preferences_csv()
    with live.client("acme") as client:
        made = client.post(
            "/api/v1/batches", files={"file": ("prefs.csv", content)}, data={"project": "rlhf"}
        )
        wrong = client.post(
            "/api/v1/batches",
            files={"file": ("again.csv", content + b"p99,w1,a,b,maybe\n")},
            data={"project": "rlhf", "kind": "preferences"},
        )
    assert made.status_code == 201, made.text
    batch = made.json()
    assert batch["kind"] == "preferences" and batch["n_annotations"] == 40 and batch["partner"] == "Acme"
    assert (
        wrong.status_code == 422 and "again.csv, line 42, column 'choice'" in wrong.json()["error"]["message"]
    )
    with live.client("client") as client:
        accepted = client.post("/api/v1/audits", json={"batch": batch["batch"]})
        job = wait_job(client, accepted.json()["id"])
    assert job["status"] == "succeeded", job
    with Store.open(live.seeded.settings) as store:
        assert store.get_batch(batch["batch"]).kind == "preferences"
        assert store.get_audit(job["result"]["id"]).batch == batch["batch"]  # type: ignore[index]


def test_nul_in_free_text_or_a_path_is_a_422_naming_the_field_and_the_probe_is_logged(live: Live) -> None:
    """PostgreSQL's text cannot hold NUL: before, each of these was a 500 there (SQLite stored the NUL), and a
    refused request whose path held one went unlogged, its answer cut short."""
    dispute = live.seeded.dispute["Acme"]
    with live.client("acme") as acme:
        comment = acme.post(f"/api/v1/disputes/{dispute}/comments", json={"text": "a\u0000b"})
        query = acme.get("/api/v1/batches", params={"project": "a\u0000b"})
    with live.client("client") as client:
        event = client.post(
            "/api/v1/events",
            json={"partner": "Acme", "kind": "other", "date": "2026-01-01", "summary": "a\u0000b"},
        )
    assert (comment.status_code, comment.json()["error"]["field"]) == (422, "text")
    assert (event.status_code, event.json()["error"]["field"]) == (422, "summary")
    assert query.status_code == 422 and "NUL" in query.json()["error"]["message"]
    with httpx.Client(base_url=live.url, headers={"Authorization": "Bearer lp_0000_guess"}) as anonymous:
        probe = anonymous.get("/api/v1/partners/Acme%00", headers={"X-Request-ID": "nul-probe"})
    assert probe.status_code == 401 and probe.json()["error"]["type"] == "unauthenticated"  # the whole body
    with live.client("admin") as admin:
        log = admin.get("/api/v1/log").json()
    assert [line["object"] for line in log if line["request_id"] == "nul-probe"] == [
        "/api/v1/partners/Acme\\x00"
    ]


def test_a_delivery_time_past_the_calendar_is_a_422_not_a_500(live: Live) -> None:
    # 0001-01-01T00:00+01:00 is year 0 in UTC: the CLI refused it as bad input, the service had failed with 500
    before = (_rows(live), _blobs(live))
    with live.client("client") as client:  # the client: a partner key may not date its delivery at all
        response = client.post(
            "/api/v1/batches",
            files={"file": ("d.csv", labels_csv(9))},
            data={"project": "sentiment", "partner": "Acme", "delivered_at": "0001-01-01T00:00+01:00"},
        )
    assert response.status_code == 422, response.text
    assert "delivered_at" in response.json()["error"]["message"]
    assert (_rows(live), _blobs(live)) == before
