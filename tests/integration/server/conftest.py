"""Fixtures of the service's tests: a seeded workspace on SQLite or PostgreSQL, and a real uvicorn on loopback.

PostgreSQL comes from ``LABELPACT_TEST_POSTGRES_URL`` (else the server ``.ci/postgres.sh`` starts); the
``postgres`` cases skip with the reason when nothing answers.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from tests.integration.postgres import BACKENDS, admin_engine, schema_settings

from labelpact.config import Settings, load_settings
from labelpact.server import ServerConfig, create_app

from .seed import Seeded, seed


@contextmanager
def backend_settings(backend: str, workspace: Path) -> Iterator[Settings]:
    """Settings of an empty store: SQLite in ``workspace``, or a fresh PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        yield load_settings({}, workspace=workspace)
        return
    admin = admin_engine()
    try:
        with schema_settings(admin, workspace) as made:
            yield made
    finally:
        admin.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Live:
    """A running service: its base URL, the seeded workspace, and a client per role."""

    url: str
    seeded: Seeded

    def client(self, role: str | None, **kw: object) -> httpx.Client:
        headers = {} if role is None else {"Authorization": f"Bearer {self.seeded.keys[role]}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=120, **kw)  # type: ignore[arg-type]


@contextmanager
def serving(settings: Settings, **config: object) -> Iterator[str]:
    """Run ``create_app(settings)`` on uvicorn in a thread on a free loopback port; the base URL."""
    app = create_app(settings, config=ServerConfig(settings=settings, **config))  # type: ignore[arg-type]
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def live(backend: str, tmp_path: Path) -> Iterator[Live]:
    """A seeded workspace served on loopback (SQLite or PostgreSQL)."""
    with backend_settings(backend, tmp_path / "ws") as settings:
        seeded = seed(settings, tmp_path / "incoming")
        with serving(settings) as url:
            yield Live(url=url, seeded=seeded)


@pytest.fixture
def wait_job() -> Callable[[httpx.Client, str], dict[str, object]]:
    """Poll ``GET /api/v1/jobs/{id}`` until the job has finished; its document."""

    def wait(client: httpx.Client, job: str) -> dict[str, object]:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            document: dict[str, object] = client.get(f"/api/v1/jobs/{job}").json()
            if document["status"] in ("succeeded", "failed"):
                return document
            time.sleep(0.1)
        raise TimeoutError(f"job {job} did not finish")

    return wait
