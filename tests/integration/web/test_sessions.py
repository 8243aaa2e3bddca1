"""Sign-in, cookies and CSRF of the dashboard over plain HTTP (no browser): what a forged or stale request gets."""

from __future__ import annotations

import re

import httpx
import pytest
from tests.integration.server.conftest import serving

from labelpact.services.users import add_user, revoke_user
from labelpact.store import Store

from .conftest import Site

CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def browser_client(site: Site) -> httpx.Client:
    return httpx.Client(base_url=site.url, timeout=60, follow_redirects=False)


def signed_in(site: Site, key: str, next_: str = "/") -> tuple[httpx.Client, httpx.Response]:
    client = browser_client(site)
    form = client.get("/login")
    token = CSRF.search(form.text)
    assert token is not None
    response = client.post("/login", data={"token": key, "csrf": token.group(1), "next": next_})
    return client, response


def page_csrf(client: httpx.Client, path: str) -> str:
    match = CSRF.search(client.get(path).text)
    assert match is not None
    return match.group(1)


def test_sign_in_sets_a_signed_http_only_strict_cookie_without_the_key(site: Site) -> None:
    client, response = signed_in(site, site.seeded.keys["client"])
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("labelpact_session="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= flags
    value = cookie.split(";")[0].split("=", 1)[1]
    assert site.seeded.keys["client"] not in value
    assert site.seeded.keys["client"].split("_")[1] not in value  # not even the key's id
    page = client.get("/")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    client.close()


def test_sign_in_refuses_a_forged_form_and_a_bad_key(site: Site) -> None:
    with browser_client(site) as client:
        forged = client.post("/login", data={"token": site.seeded.keys["client"], "csrf": "x" * 43})
        assert forged.status_code == 401
        assert "labelpact_session" not in forged.headers.get("set-cookie", "")
    client, bad = signed_in(site, "lp_0123456789abcdef_nope")
    assert bad.status_code == 401
    assert "not valid" in bad.text
    client.close()


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_sign_in_goes_only_to_this_server(site: Site, target: str) -> None:
    client, response = signed_in(site, site.seeded.keys["client"], next_=target)
    assert response.headers["location"] == "/"
    client.close()


def test_pages_without_a_session_or_with_a_tampered_cookie_ask_to_sign_in(site: Site) -> None:
    with browser_client(site) as client:
        response = client.get("/partners/Acme")
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=%2Fpartners%2FAcme"
    client, _ = signed_in(site, site.seeded.keys["client"])
    value = client.cookies["labelpact_session"]
    client.cookies.set("labelpact_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert client.get("/").status_code == 303
    client.close()


def test_a_form_without_the_session_token_changes_nothing(site: Site) -> None:
    dispute = site.seeded.fresh_dispute("Acme")
    client, _ = signed_in(site, site.seeded.keys["acme"])
    refused = client.post(f"/disputes/{dispute}/comment", data={"text": "forged", "csrf": "wrong"})
    assert refused.status_code == 403
    assert site.get("acme", f"/api/v1/disputes/{dispute}")["comments"] == []
    token = page_csrf(client, "/disputes")
    done = client.post(
        f"/disputes/{dispute}/comment", data={"text": "real", "csrf": token, "back": "/disputes"}
    )
    assert done.status_code == 303
    assert [c["text"] for c in site.get("acme", f"/api/v1/disputes/{dispute}")["comments"]] == ["real"]
    resolve = client.post(f"/disputes/{dispute}/resolve", data={"status": "accepted", "csrf": token})
    assert resolve.status_code == 403  # a partner never resolves
    assert site.get("acme", f"/api/v1/disputes/{dispute}")["status"] == "open"
    client.close()


def test_sign_out_ends_the_session_and_a_revoked_key_ends_its_sessions(site: Site) -> None:
    client, _ = signed_in(site, site.seeded.keys["client"])
    old = client.cookies["labelpact_session"]
    out = client.post("/logout", data={"csrf": page_csrf(client, "/")})
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    client.cookies.set("labelpact_session", old)
    assert client.get("/").status_code == 303
    client.close()

    with Store.open(site.seeded.settings) as store:
        key = add_user(store, "temp-analyst", role="client").key
    client, _ = signed_in(site, key)
    assert client.get("/").status_code == 200
    with Store.open(site.seeded.settings) as store:
        revoke_user(store, "temp-analyst")
    assert client.get("/").status_code == 303
    client.close()


def test_web_forms_are_in_the_request_log_and_not_in_the_openapi_document(site: Site) -> None:
    client, _ = signed_in(site, site.seeded.keys["acme"])
    client.close()
    log = site.get("admin", "/api/v1/log", limit=100_000)
    assert any(e["action"] == "web.login" and e["actor"] == "user:acme-bot" for e in log), log[-3:]
    paths = site.get("client", "/openapi.json")["paths"]
    assert all(path.startswith("/api/v1/") for path in paths)
    with httpx.Client(base_url=site.url) as api:
        missing = api.get(
            "/api/v1/partners/Nobody", headers={"Authorization": f"Bearer {site.seeded.keys['client']}"}
        )
    assert missing.headers["content-type"] == "application/json"
    assert missing.json()["error"]["type"] == "not_found"


def test_a_session_is_kept_by_a_restarted_or_second_server_on_the_same_store(site: Site) -> None:
    """Sessions live in the store: a cookie from this server works on a fresh one (a restart, or a second
    server behind a balancer), and signing out on either ends it on both."""
    client, _ = signed_in(site, site.seeded.keys["client"])
    cookie = client.cookies["labelpact_session"]
    assert client.get("/").status_code == 200
    with serving(site.seeded.settings) as other_url, httpx.Client(base_url=other_url, timeout=60) as other:
        other.cookies.set("labelpact_session", cookie)
        page = other.get("/", follow_redirects=False)
        assert page.status_code == 200 and "Sign out" in page.text
        out = other.post("/logout", data={"csrf": page_csrf(other, "/")}, follow_redirects=False)
        assert (out.status_code, out.headers["location"]) == (303, "/login")
    assert client.get("/").status_code == 303  # ended here too
    client.close()
