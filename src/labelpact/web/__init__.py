"""The web dashboard and partner portal of ``labelpact serve``: server-rendered pages over the same services
as the REST API, with every asset served by the package (no CDN, no script build, no request elsewhere).

Pages: ``/login``, ``/`` (the client's portfolio), ``/partners/{name}``, ``/audits/{id}`` (and its sample
as CSV), ``/disputes``. A partner signed in sees the same pages limited to its own objects.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from labelpact.web import forms, pages
from labelpact.web.session import Sessions

__all__ = ["install_web"]


def install_web(app: FastAPI, *, sessions: Sessions | None = None) -> None:
    """Add the dashboard's pages, forms and static files to ``app`` (the API's app: one server, one store)."""
    app.state.sessions = sessions or Sessions()
    app.include_router(pages.router)
    app.include_router(forms.router)
    app.mount("/static", StaticFiles(packages=[("labelpact.web", "static")]), name="static")
