"""A second server on the same store (SQLite workspace or PostgreSQL) fails only the jobs of servers that are
gone, and removes no upload a running server still reads. Starting one had failed every queued or running job
in the store and emptied the shared uploads folder, under the first server's feet."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient
from tests.integration.postgres import BACKENDS

from labelpact.config import Settings
from labelpact.server import ServerConfig, create_app
from labelpact.services.access import Principal
from labelpact.store import Store

from .conftest import backend_settings

CLIENT = Principal(user="ada", role="client")


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    with backend_settings(str(request.param), tmp_path / "ws") as made:
        with Store.open(made):  # the schema, migrated before either server starts
            pass
        yield made


def _app(settings: Settings, **config: Any) -> FastAPI:
    return create_app(settings, config=ServerConfig(settings=settings, **config))


def _status(settings: Settings, job: str) -> str:
    with Store.open(settings) as store:
        return store.get_job(job).status


def test_a_second_server_leaves_the_first_servers_jobs_and_uploads_alone(settings: Settings) -> None:
    release, started = threading.Event(), threading.Event()
    upload = settings.workspace / "uploads" / "job-inflight" / "labels.csv"

    def work(_store: Store) -> dict[str, Any]:
        started.set()
        assert release.wait(60)
        return {"read": upload.read_text(encoding="utf-8")}

    first = _app(settings, heartbeat_s=0.1)
    with TestClient(first):
        upload.parent.mkdir(parents=True)
        upload.write_text("task,worker,label\n", encoding="utf-8")
        job = first.state.jobs.submit(CLIENT, "test", {}, work, request_id="r1")
        assert started.wait(30)
        with TestClient(_app(settings, quiet_after_s=0.5)):
            time.sleep(1.0)  # past the second server's quiet limit: only a heartbeat keeps the job alive
            assert _status(settings, job.id) == "running"
            assert upload.is_file()
        release.set()
        first.state.jobs.wait(timeout=60)
        with Store.open(settings) as store:
            done = store.get_job(job.id)
        assert done.status == "succeeded" and done.result == {"read": "task,worker,label\n"}


def test_the_jobs_of_a_server_that_is_gone_are_failed(settings: Settings) -> None:
    with Store.open(settings) as store:
        dead = store.add_job("test", created_by="ada", role="client", request_id="r", params={}, owner="gone")
        legacy = store.add_job("test", created_by="ada", role="client", request_id="r", params={})
    time.sleep(0.6)
    leftover = settings.workspace / "uploads" / "job-dead"
    leftover.mkdir(parents=True)
    with TestClient(_app(settings, quiet_after_s=0.5)):
        assert _status(settings, dead.id) == _status(settings, legacy.id) == "failed"
        assert not leftover.exists()  # no other server holds the uploads: a dead one's are removed
    with Store.open(settings) as store:
        assert "submit it again" in str(store.get_job(dead.id).error)
