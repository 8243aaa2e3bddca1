"""Who is looking and how a page is drawn: the signed-in viewer of a request, the Jinja2 templates of the
package, the security headers of every page, and errors shown as pages (with the API's status codes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined

from labelpact import __version__
from labelpact.errors import LabelpactError
from labelpact.services.access import Principal, UnauthenticatedError, error_document, principal_of
from labelpact.services.scoped import Store
from labelpact.services.users import authenticate_key_id
from labelpact.web.session import SESSION_COOKIE, Session, Sessions

__all__ = ["SECURITY_HEADERS", "Viewer", "page", "render", "sessions_of", "viewer_of"]

# Every asset is served by the package itself: nothing from another origin, no inline script.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in caller of a page: the store acting as them, who they are, their session."""

    store: Store
    principal: Principal
    session: Session

    @property
    def is_client(self) -> bool:
        return not self.principal.is_partner


class SignInRequiredError(Exception):
    """No live session (or its key was revoked): the page sends the browser to ``/login``."""


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def _num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _when(value: str | dt.date | None) -> str:
    """A moment as ``YYYY-MM-DD HH:MM UTC`` (converted to UTC when it carries another offset; naive ones are
    stored as UTC), a date as ``YYYY-MM-DD``: a reader in another zone must not take it for local time."""
    if not value:
        return "–"
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
        except ValueError:
            return value
        value = moment
    if not isinstance(value, dt.datetime):
        return value.isoformat()
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _brief(value: Any, limit: int = 240) -> str:
    """A short readable form of evidence: lists joined (dicts as ``k=v``), cut at ``limit`` characters."""
    if isinstance(value, dict):
        text = ", ".join(f"{k}={_brief(v, 60)}" for k, v in value.items())
    elif isinstance(value, list | tuple):
        text = ", ".join(_brief(v, 60) for v in value[:12]) + (
            f" … ({len(value)} in all)" if len(value) > 12 else ""
        )
    elif isinstance(value, float):
        text = f"{value:.4g}"
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("labelpact.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pct=_pct, num=_num, when=_when, brief=_brief, url=lambda v: quote(str(v), safe=""))
    env.globals["version"] = __version__
    return env


_ENV = environment()


def sessions_of(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.sessions
    return sessions


def viewer_of(request: Request) -> Viewer:
    """The caller of this request from its session cookie; ``SignInRequiredError`` when there is none."""
    store: Store = request.app.state.store
    session = sessions_of(request).get(store, request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise SignInRequiredError
    try:
        user = authenticate_key_id(store, session.key_id)
    except UnauthenticatedError as error:
        sessions_of(request).end(store, session)
        if error.who is not None:
            request.state.principal = error.who
        raise SignInRequiredError from None
    principal = principal_of(user)
    request.state.principal = principal  # the request log names who did it
    return Viewer(store=store.acting_as(principal.actor), principal=principal, session=session)


def render(
    request: Request, template: str, viewer: Viewer | None, status: int = 200, **context: Any
) -> Response:
    """A page of ``template`` with the viewer, their CSRF token and the one-shot notice in its context."""
    html = _ENV.get_template(template).render(
        viewer=viewer,
        csrf="" if viewer is None else viewer.session.csrf,
        notice=None if viewer is None else viewer.session.take_notice(),
        path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def page(request: Request, build: Callable[[Viewer], Response]) -> Response:
    """Run ``build`` for the signed-in viewer; the sign-in page when there is none, an error page for an error."""
    try:
        viewer = viewer_of(request)
    except SignInRequiredError:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    try:
        return build(viewer)
    except LabelpactError as error:
        return error_page(request, viewer, error)


def error_page(
    request: Request,
    viewer: Viewer | None,
    error: LabelpactError,
    *,
    kept: str | None = None,
    back: str | None = None,
) -> Response:
    """The error as a page, with the status the API gives it (404 for another partner's object); ``kept`` is
    a refused form's text, shown again so that it is not lost, and ``back`` the page the form was on."""
    status, document = error_document(error)
    request.state.error = error
    titles = {403: "Not allowed", 404: "Not found", 409: "Already done", 422: "Not accepted"}
    return render(
        request,
        "error.html.j2",
        viewer,
        status=status,
        title=titles.get(status, "Something went wrong"),
        message=document["error"]["message"],
        status_code=status,
        kept=kept,
        back=back,
    )
