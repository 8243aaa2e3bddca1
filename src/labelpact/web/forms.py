"""The dashboard's forms (POST): sign in and out, open a dispute, comment, resolve.

Every form carries a CSRF token (the session's; for sign-in, one bound to a signed cookie) and ends in a
303 redirect to a page of this server; the work is the same ``services.scoped`` call the REST API makes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from labelpact.errors import ForbiddenError, InvalidInputError, LabelpactError
from labelpact.services.access import UnauthenticatedError, principal_of
from labelpact.services.scoped import Store, comment, open_finding_dispute, resolve
from labelpact.services.users import KeyVerifier, authenticate
from labelpact.web.pages import login_form, safe_next
from labelpact.web.render import SignInRequiredError, Viewer, error_page, sessions_of, viewer_of
from labelpact.web.session import LOGIN_COOKIE, SESSION_COOKIE, Sessions

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=20_000)]
Prose = Annotated[str, Form()]  # a dispute's, comment's or note's text: bounded by ``_bounded`` into a page
MAX_TEXT_CHARS = 20_000  # the API's bound (server/routes/disputes.py), and the textareas' maxlength


def _bounded(text: str, name: str) -> str:
    """``text`` as given, or ``InvalidInputError`` past ``MAX_TEXT_CHARS``: the dashboard's error page with the
    text kept, where FastAPI's own form check answered raw JSON and lost it."""
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInputError(
            f"at most {MAX_TEXT_CHARS:,} characters",
            column=name,
            column_kind="field",
            got=f"{len(text):,} characters",
        )
    return text


@router.post("/login")
def sign_in(request: Request, token: Field = "", csrf: Field = "", next: Field = "/") -> Response:
    """Check the pasted key as the API would, start a session and set its cookie."""
    sessions: Sessions = sessions_of(request)
    request.state.action, request.state.object = "web.login", "session"
    target = safe_next(next)
    if not sessions.login_valid(request.cookies.get(LOGIN_COOKIE), csrf):
        return login_form(
            request, target, error="The sign-in form expired; please paste your key again.", status=401
        )
    store: Store = request.app.state.store
    verifier: KeyVerifier = request.app.state.verifier
    try:
        user = authenticate(store, token.strip(), verifier)
    except UnauthenticatedError as error:
        if error.who is not None:
            request.state.principal = error.who
        said = str(error).split(":")[0]  # the API's words without its "send 'Authorization: ...'" advice
        return login_form(request, target, error=f"{said[:1].upper()}{said[1:]}.", status=401)
    request.state.principal = principal_of(user)
    _, cookie = sessions.start(store, user.key_id)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


def _posted(
    request: Request, csrf: str, back: str, work: Callable[[Viewer], str], *, text: str = ""
) -> Response:
    """Run a form's ``work`` for the signed-in viewer after the CSRF check; back to ``back`` with its notice."""
    try:
        viewer = viewer_of(request)
    except SignInRequiredError:  # sign in first, then come back to the page the form was on
        return RedirectResponse(f"/login?next={quote(safe_next(back), safe='')}", status_code=303)
    if not sessions_of(request).csrf_valid(viewer.session, csrf):
        return error_page(
            request, viewer, ForbiddenError("the form's security token is missing or stale; reload")
        )
    try:
        viewer.session.set_notice(work(viewer))
    except LabelpactError as error:
        return error_page(request, viewer, error, kept=text or None, back=safe_next(back))
    return RedirectResponse(safe_next(back), status_code=303)


@router.post("/logout")
def sign_out(request: Request, csrf: Field = "") -> Response:
    """End the session and clear its cookie."""
    request.state.action, request.state.object = "web.logout", "session"
    try:
        viewer = viewer_of(request)
    except SignInRequiredError:
        return RedirectResponse("/login", status_code=303)
    if not sessions_of(request).csrf_valid(viewer.session, csrf):
        return error_page(
            request, viewer, ForbiddenError("the form's security token is missing or stale; reload")
        )
    sessions_of(request).end(request.app.state.store, viewer.session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/findings/{finding_id}/dispute")
def open_dispute(
    request: Request, finding_id: str, text: Prose = "", csrf: Field = "", back: Field = "/"
) -> Response:
    """A partner disputes one of its findings (``POST /api/v1/findings/{id}/disputes``)."""
    request.state.action, request.state.object = "dispute.open", f"finding:{finding_id}"

    def work(viewer: Viewer) -> str:
        document = open_finding_dispute(
            viewer.store, viewer.principal, finding_id, text=_bounded(text, "text")
        )
        request.state.object = f"dispute:{document['id']}"
        return f"Dispute {document['id']} opened on finding {finding_id}."

    return _posted(request, csrf, back, work, text=text)


@router.post("/disputes/{dispute_id}/comment")
def add_comment(
    request: Request, dispute_id: str, text: Prose = "", csrf: Field = "", back: Field = "/disputes"
) -> Response:
    """Either side comments on an open dispute."""
    request.state.action, request.state.object = "dispute.comment", f"dispute:{dispute_id}"

    def work(viewer: Viewer) -> str:
        if not text.strip():
            raise InvalidInputError(
                "a non-blank comment", column="text", column_kind="field", got="blank text"
            )
        comment(viewer.store, viewer.principal, dispute_id, text=_bounded(text.strip(), "text"))
        return f"Comment added to dispute {dispute_id}."

    return _posted(request, csrf, back, work, text=text)


@router.post("/disputes/{dispute_id}/resolve")
def resolve_dispute(
    request: Request,
    dispute_id: str,
    status: Field = "",
    note: Prose = "",
    csrf: Field = "",
    back: Field = "/disputes",
) -> Response:
    """The client closes a dispute: ``accepted`` (the finding does not stand) or ``rejected``."""
    request.state.action, request.state.object = "dispute.resolve", f"dispute:{dispute_id}"

    def work(viewer: Viewer) -> str:
        document = resolve(
            viewer.store,
            viewer.principal,
            dispute_id,
            status=status,
            note=_bounded(note.strip(), "note") or None,
        )
        return f"Dispute {dispute_id} resolved: {document['status']}."

    return _posted(request, csrf, back, work, text=note)
