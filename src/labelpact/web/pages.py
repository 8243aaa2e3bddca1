"""The dashboard's pages (GET): portfolio, partner, audit (and its sample as CSV), disputes, sign-in.

Each page calls one read of ``services.dashboard`` for the signed-in viewer and renders it; a partner's
viewer gets its own objects only (another partner's is the API's 404) and never the portfolio.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from labelpact.errors import InvalidInputError
from labelpact.services.dashboard import (
    audit_view,
    dispute_views,
    partner_view,
    portfolio_view,
    sample_csv,
)
from labelpact.services.scoped import list_partner_dicts
from labelpact.web.figures import contribution_figure, control_figures, defect_figure
from labelpact.web.render import (
    SECURITY_HEADERS,
    SignInRequiredError,
    Viewer,
    page,
    render,
    sessions_of,
    viewer_of,
)
from labelpact.web.session import LOGIN_COOKIE

__all__ = ["disputed_on", "login_form", "router", "safe_next", "untimed_workers"]

router = APIRouter(include_in_schema=False)
Text = Annotated[str | None, Query()]  # bounded by ``_bounded`` in the page, so a refusal is the error page
MAX_QUERY_CHARS = 200
MAX_NEXT_CHARS = 4000


def _bounded(name: str, value: str | None) -> str | None:
    """A query parameter as given (blank as None), or ``InvalidInputError`` past ``MAX_QUERY_CHARS``."""
    if value is not None and len(value) > MAX_QUERY_CHARS:
        raise InvalidInputError(
            f"at most {MAX_QUERY_CHARS} characters",
            column=name,
            column_kind="parameter",
            got=f"{len(value)} characters",
        )
    return value or None


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this server only (never ``//host`` or a full URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if len(target) > MAX_NEXT_CHARS:  # a page's own address with its query, however long, never a refusal
        return "/"
    return target


def login_form(request: Request, target: str, *, error: str | None = None, status: int = 200) -> Response:
    """The sign-in page, with a fresh CSRF token bound to a short-lived signed cookie (no session yet)."""
    sessions = sessions_of(request)
    nonce = sessions.login_nonce()
    token = sessions.login_token(nonce)
    response = render(request, "login.html.j2", None, status, login_token=token, next=target, error=error)
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/login",
    )
    return response


def _home(viewer: Viewer) -> str:
    """The viewer's home page: the portfolio, or a partner's own page (its name URL-encoded: a partner may be
    named ``Q?A Labs``, and a raw ``?`` or ``#`` would end the path there)."""
    partner = viewer.principal.partner
    return "/" if partner is None else f"/partners/{quote(partner, safe='')}"


@router.get("/login")
def login_page(request: Request, next: Text = None) -> Response:
    """Paste an API key; a signed-in browser goes straight to its home page."""
    try:
        return RedirectResponse(_home(viewer_of(request)), status_code=303)
    except SignInRequiredError:
        pass
    return login_form(request, safe_next(next))


@router.get("/")
def portfolio_page(request: Request) -> Response:
    """The client's portfolio; a partner's home is its own partner page."""

    def build(viewer: Viewer) -> Response:
        if viewer.principal.is_partner:
            return RedirectResponse(_home(viewer), status_code=303)
        view = portfolio_view(viewer.store, viewer.principal)
        chart = defect_figure(view["partners"])
        return render(request, "portfolio.html.j2", viewer, view=view, chart=chart, title="Portfolio")

    return page(request, build)


@router.get("/partners/{name}")
def partner_page(request: Request, name: str, without: Text = None) -> Response:
    """Scorecard, defect rate and audits; for the client also control charts, events and the forecast."""

    def build(viewer: Viewer) -> Response:
        view = partner_view(viewer.store, viewer.principal, name, without=_bounded("without", without))
        client = view["client"]
        return render(
            request,
            "partner.html.j2",
            viewer,
            view=view,
            title=view["partner"],
            defects=defect_figure([view], ident="partner-defects"),
            controls=[] if client is None else control_figures(client["charts"]),
            contributions=None if client is None else contribution_figure(client["risk"], view["partner"]),
        )

    return page(request, build)


def disputed_on(disputes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per finding id, the dispute that says where it stands: an open one, else an upheld one (the finding
    does not stand), else the newest; ``disputes`` newest first, as ``audit_view`` lists them."""
    rank = {"open": 0, "upheld": 1}
    chosen: dict[str, dict[str, Any]] = {}
    for d in disputes:
        held = chosen.get(d["finding"])
        if held is None or rank.get(d["status"], 2) < rank.get(held["status"], 2):
            chosen[d["finding"]] = d
    return chosen


def untimed_workers(view: dict[str, Any]) -> frozenset[str]:
    """Workers none of whose labels carries a duration (pay check's ``n_timed`` 0): their hours are unknown,
    not zero, so the page shows "–" where the pay check stores 0.0."""
    pay = (view.get("ethics") or {}).get("pay") or {}
    return frozenset(w["worker"] for w in pay.get("workers") or () if w.get("n_timed") == 0)


@router.get("/audits/{audit_id}")
def audit_page(request: Request, audit_id: str) -> Response:
    """Verdict, clauses, findings with their disputes, sample, candidates, workers, agreement, ethics."""

    def build(viewer: Viewer) -> Response:
        view = audit_view(viewer.store, viewer.principal, audit_id)
        return render(
            request,
            "audit.html.j2",
            viewer,
            view=view,
            disputed_on=disputed_on(view["disputes"]),
            untimed=untimed_workers(view),
            title=f"Audit {view['audit']}",
        )

    return page(request, build)


@router.get("/audits/{audit_id}/sample.csv")
def sample_download(request: Request, audit_id: str) -> Response:
    """The audit's sampled tasks as the CSV ``labelpact review AUDIT --results FILE`` reads."""

    def build(viewer: Viewer) -> Response:
        audit, text = sample_csv(viewer.store, viewer.principal, audit_id)
        headers = SECURITY_HEADERS | {"Content-Disposition": f'attachment; filename="sample-{audit}.csv"'}
        return Response(text, media_type="text/csv; charset=utf-8", headers=headers)

    return page(request, build)


def _filtered(path: str, **filters: str | None) -> str:
    """``path`` with its set filters as a query: where a form on a filtered page sends the browser back."""
    query = urlencode({k: v for k, v in filters.items() if v})
    return f"{path}?{query}" if query else path


@router.get("/disputes")
def disputes_page(request: Request, partner: Text = None, status: Text = None) -> Response:
    """Open and closed disputes with their threads; the client filters by partner and resolves."""

    def build(viewer: Viewer) -> Response:
        wanted, partner_name = _bounded("status", status), _bounded("partner", partner)
        if wanted not in (None, "open", "closed"):  # the form's choices; ignoring it showed every dispute
            raise InvalidInputError(
                "a status among open, closed", column="status", column_kind="parameter", got=repr(wanted)
            )
        threads = dispute_views(viewer.store, viewer.principal, partner=partner_name)
        if wanted == "open":
            threads = [d for d in threads if d["status"] == "open"]
        elif wanted == "closed":
            threads = [d for d in threads if d["status"] != "open"]
        partners = [p["id"] for p in list_partner_dicts(viewer.store, viewer.principal)]
        return render(
            request,
            "disputes.html.j2",
            viewer,
            threads=threads,
            partners=partners,
            partner=partner_name or "",
            wanted=wanted or "",
            here=_filtered("/disputes", status=wanted, partner=partner_name),
            title="Disputes",
        )

    return page(request, build)
