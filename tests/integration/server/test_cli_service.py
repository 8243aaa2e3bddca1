"""``labelpact user add|list|revoke``, ``labelpact log`` and ``labelpact serve`` from the command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from labelpact.config import load_settings
from labelpact.server import create_app

from .conftest import free_port

RunCli = Callable[..., Any]  # the ``cli`` fixture of tests/integration/conftest.py


def _workspace(cli: RunCli) -> None:
    assert cli("partner", "add", "Acme").code == 0


def test_user_add_prints_the_key_once_and_stores_only_its_hash(cli: RunCli, workspace: Path) -> None:
    _workspace(cli)
    added = cli("user", "add", "ada", "--role", "client", "--json")
    assert added.code == 0, added.stderr
    document = json.loads(added.stdout)
    assert set(document) == {"user", "role", "key"} and document["role"] == "client"
    key = document["key"]
    listed = cli("user", "list", "--json")
    assert key not in listed.stdout and key.rsplit("_", 1)[1] not in (
        workspace / "labelpact.db"
    ).read_bytes().decode("latin-1")
    assert [u["user"] for u in json.loads(listed.stdout)["users"]] == ["ada"]
    with TestClient(create_app(load_settings({}, workspace=workspace))) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
        assert me.json() == {"user": "ada", "role": "client", "partner": None}
        assert cli("user", "revoke", "ada").code == 0
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    again = cli("user", "revoke", "ada")
    assert again.code == 2 and "was revoked at" in again.stderr
    log = json.loads(cli("log", "--json").stdout)["log"]
    assert [(line["actor"], line["outcome"], line["status"]) for line in log] == [("user:ada", "denied", 401)]


def test_a_partner_role_names_an_existing_partner(cli: RunCli) -> None:
    _workspace(cli)
    typo = cli("user", "add", "bot", "--role", "partner:Acne")
    assert typo.code == 2
    assert typo.stderr.strip().splitlines()[-1].endswith("did you mean 'Acme'?")
    bad = cli("user", "add", "bot", "--role", "owner")
    assert bad.code == 2 and "expected a role admin, client or partner:NAME" in bad.stderr
    assert cli("user", "add", "bot", "--role", "partner:Acme").code == 0
    taken = cli("user", "add", "bot", "--role", "client")
    assert taken.code == 2 and "exists already" in taken.stderr


def test_serve_answers_on_loopback_and_stops_gracefully(cli: RunCli, workspace: Path) -> None:
    _workspace(cli)
    port = free_port()
    env = os.environ | {"LABELPACT_WORKSPACE": str(workspace)}
    process = subprocess.Popen(
        [sys.executable, "-m", "labelpact", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    died = process.stderr.read() if process.stderr else ""
                    raise AssertionError(f"labelpact serve exited {process.returncode}: {died}") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert health.json() == {"status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()["info"]["title"] == "labelpact"
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "Shutting down" in stderr or "Finished server process" in stderr


def test_stopping_the_server_finishes_the_jobs_in_flight(tmp_path: Path) -> None:
    """SIGINT while an audit job runs: the server waits for it, so its audit is stored and the job succeeded."""
    from labelpact.store import Store

    from .seed import seed

    settings = load_settings({}, workspace=tmp_path / "ws")
    seeded = seed(settings, tmp_path / "incoming")
    port = free_port()
    env = os.environ | {"LABELPACT_WORKSPACE": str(settings.workspace)}
    process = subprocess.Popen(
        [sys.executable, "-m", "labelpact", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    died = process.stderr.read() if process.stderr else ""
                    raise AssertionError(f"labelpact serve exited {process.returncode}: {died}") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        headers = {"Authorization": f"Bearer {seeded.keys['client']}"}
        accepted = httpx.post(f"{url}/api/v1/audits", headers=headers, json={"batch": seeded.batch["Acme"]})
        assert accepted.status_code == 202
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    with Store.open(settings) as store:
        job = store.get_job(accepted.json()["id"])
        assert job.status == "succeeded", job.error
        assert job.result is not None and store.get_audit(job.result["id"]).batch == seeded.batch["Acme"]
