"""The FastAPI application of ``labelpact serve``: one store kept open, a job pool, the v1 routes.

The app opens the store when it starts (migrating it to head), fails the jobs a process that died left
unfinished (never those of a second server still running on the same store: see ``services.jobs``), and
on shutdown stops taking jobs and waits for the ones in flight before closing the store. Leftover uploads
are removed only when no other server holds the uploads folder (``uploads.lock`` beside it, a shared
``flock`` each server keeps while it runs).
"""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.routing import APIRoute

from labelpact import __version__
from labelpact.config import Settings
from labelpact.server.error_handlers import install_error_handlers
from labelpact.server.middleware import ServiceMiddleware
from labelpact.server.routes import ROUTERS
from labelpact.services.ingest import backfill_labels_digests
from labelpact.services.jobs import HEARTBEAT_S, QUIET_AFTER_S, JobRunner
from labelpact.services.scoped import open_service_store
from labelpact.services.users import KeyVerifier
from labelpact.web import install_web

__all__ = ["ServerConfig", "create_app"]

MIB = 1 << 20
fcntl: Any = importlib.import_module("fcntl") if os.name == "posix" else None


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Limits of the service: request bodies (an upload's, and any other's: JSON or a web form), uploads
    ingested in the request, job threads."""

    settings: Settings
    max_body_bytes: int = 2048 * MIB
    max_small_body_bytes: int = 8 * MIB  # a contract of 1,000,000 characters fits, JSON-escaped
    sync_upload_bytes: int = 8 * MIB
    job_workers: int = 2
    uploads_dir: Path | None = field(default=None)
    heartbeat_s: float = HEARTBEAT_S
    quiet_after_s: float = QUIET_AFTER_S

    @property
    def uploads(self) -> Path:
        """Where uploads wait to be ingested (inside the workspace; emptied when the server starts)."""
        return self.uploads_dir or self.settings.workspace / "uploads"


def create_app(settings: Settings, *, config: ServerConfig | None = None) -> FastAPI:
    """The service on the workspace of ``settings``; run it with uvicorn (``labelpact serve``)."""
    config = config or ServerConfig(settings=settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = await anyio.to_thread.run_sync(open_service_store, settings)
        jobs = JobRunner(
            store,
            workers=config.job_workers,
            heartbeat_s=config.heartbeat_s,
            quiet_after_s=config.quiet_after_s,
        )
        await anyio.to_thread.run_sync(jobs.abandon_stale)
        await anyio.to_thread.run_sync(backfill_labels_digests, store)  # batches stored before 0007, once
        jobs.start_heartbeat()
        hold = await anyio.to_thread.run_sync(_hold_uploads, config.uploads)
        app.state.store, app.state.jobs, app.state.verifier = store, jobs, KeyVerifier()
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(lambda: jobs.shutdown(wait=True))
            store.close()
            if hold is not None:
                hold.close()  # releases the shared lock

    app = FastAPI(
        title="labelpact",
        version=__version__,
        summary="The REST API where an AI lab and its data-labeling vendors meet.",
        lifespan=lifespan,
        docs_url=None,  # FastAPI's Swagger and ReDoc pages load scripts from a CDN: no network at run time
        redoc_url=None,
    )
    app.state.config = config
    for router in ROUTERS:
        app.include_router(router)
    install_web(app)  # the dashboard and partner portal: /login, /, /partners/..., /audits/..., /disputes
    install_error_handlers(app)
    app.add_middleware(
        ServiceMiddleware,
        routes=[route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)],
        max_body_bytes=config.max_body_bytes,
        max_small_body_bytes=config.max_small_body_bytes,
    )
    return app


def _hold_uploads(uploads: Path) -> IO[bytes] | None:
    """Take a shared lock on ``uploads.lock`` for as long as this server runs (the open file it returns);
    first, when no other server holds it, remove the uploads that dead servers left (no job will read them).
    A running server's uploads are never removed. Without ``flock`` (not POSIX) leftovers are kept."""
    if fcntl is None:
        return None
    try:
        uploads.parent.mkdir(parents=True, exist_ok=True)
        handle = uploads.with_name(f"{uploads.name}.lock").open("a+b")
    except OSError:  # a read-only workspace: it takes no uploads, and nothing can be removed
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:  # another server on this workspace is running: its uploads are in use
        pass
    else:
        if uploads.is_dir():
            for leftover in uploads.iterdir():
                _remove(leftover)
    fcntl.flock(handle, fcntl.LOCK_SH)
    return handle


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
