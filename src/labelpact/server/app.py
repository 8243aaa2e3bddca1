"""The FastAPI application of ``labelpact serve``: one store kept open, a job pool, the v1 routes.

The app opens the store when it starts (migrating it to head), fails the jobs a previous process left
unfinished, and on shutdown stops taking jobs and waits for the ones in flight before closing the store.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI

from labelpact import __version__
from labelpact.config import Settings
from labelpact.server.error_handlers import install_error_handlers
from labelpact.server.middleware import ServiceMiddleware
from labelpact.server.routes import ROUTERS
from labelpact.services.jobs import JobRunner
from labelpact.services.scoped import open_service_store
from labelpact.services.users import KeyVerifier
from labelpact.web import install_web

__all__ = ["ServerConfig", "create_app"]

MIB = 1 << 20


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Limits of the service: request bodies, uploads ingested in the request, job threads."""

    settings: Settings
    max_body_bytes: int = 2048 * MIB
    sync_upload_bytes: int = 8 * MIB
    job_workers: int = 2
    uploads_dir: Path | None = field(default=None)

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
        jobs = JobRunner(store, workers=config.job_workers)
        await anyio.to_thread.run_sync(jobs.abandon_stale)
        if config.uploads.is_dir():  # a previous process's leftovers: no job will read them
            for leftover in config.uploads.iterdir():
                await anyio.to_thread.run_sync(_remove, leftover)
        app.state.store, app.state.jobs, app.state.verifier = store, jobs, KeyVerifier()
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(lambda: jobs.shutdown(wait=True))
            store.close()

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
    app.add_middleware(ServiceMiddleware, max_body_bytes=config.max_body_bytes)
    return app


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
