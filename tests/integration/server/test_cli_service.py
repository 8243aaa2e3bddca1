"""``labelpact user add|list|revoke``, ``labelpact log`` and ``labelpact serve`` from the command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
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


@dataclass
class Served:
    """A ``labelpact serve`` process on loopback; ``stderr`` and ``returncode`` are set once it stopped."""

    url: str
    process: subprocess.Popen[str]
    stderr: str = ""


@contextmanager
def serve_process(
    workspace: Path, *, stop_within: float = 60, stop: signal.Signals = signal.SIGINT
) -> Iterator[Served]:
    """Start ``labelpact serve`` on a free port, wait until it answers, and stop it with ``stop`` after."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "labelpact", "serve", "--port", str(port)],
        env=os.environ | {"LABELPACT_WORKSPACE": str(workspace)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = Served(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{served.url}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    died = process.stderr.read() if process.stderr else ""
                    raise AssertionError(f"labelpact serve exited {process.returncode}: {died}") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield served
    finally:
        process.send_signal(stop)
        _, served.stderr = process.communicate(timeout=stop_within)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_answers_on_loopback_and_stops_gracefully(
    cli: RunCli, workspace: Path, stop: signal.Signals
) -> None:
    """Exit 0 on either signal (before, SIGTERM ended the process with 143 after its graceful shutdown)."""
    _workspace(cli)
    with serve_process(workspace, stop=stop) as served:
        health = httpx.get(f"{served.url}/api/v1/health")
        title = httpx.get(f"{served.url}/openapi.json").json()["info"]["title"]
    assert health.json() == {"status": "ok"} and title == "labelpact"
    assert served.process.returncode == 0, served.stderr
    assert "Shutting down" in served.stderr or "Finished server process" in served.stderr


def test_stopping_the_server_finishes_the_jobs_in_flight(tmp_path: Path) -> None:
    """SIGINT while an audit job runs: the server waits for it, so its audit is stored and the job succeeded."""
    from labelpact.store import Store

    from .seed import seed

    settings = load_settings({}, workspace=tmp_path / "ws")
    seeded = seed(settings, tmp_path / "incoming")
    with serve_process(settings.workspace, stop_within=120) as served:
        headers = {"Authorization": f"Bearer {seeded.keys['client']}"}
        accepted = httpx.post(
            f"{served.url}/api/v1/audits", headers=headers, json={"batch": seeded.batch["Acme"]}
        )
        assert accepted.status_code == 202
    assert served.process.returncode == 0, served.stderr
    with Store.open(settings) as store:
        job = store.get_job(accepted.json()["id"])
        assert job.status == "succeeded", job.error
        assert job.result is not None and store.get_audit(job.result["id"]).batch == seeded.batch["Acme"]
