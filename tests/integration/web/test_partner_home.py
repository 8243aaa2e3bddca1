"""A partner signs in to its own page whatever its name holds: the home link is URL-encoded."""

from __future__ import annotations

import re

import httpx

from labelpact.services import add_partner
from labelpact.services.users import add_user
from labelpact.store import Store

from .conftest import Site

CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def test_a_partner_named_with_a_question_mark_signs_in_to_its_own_page(site: Site) -> None:
    """Before, ``Q?A Labs`` was sent to ``/partners/Q?A%20Labs``: a page for partner ``Q`` (404)."""
    with Store.open(site.seeded.settings) as store:
        add_partner(store, "Q?A #1 Labs")
        key = add_user(store, "qa-bot", role="partner:Q?A #1 Labs").key
    with httpx.Client(base_url=site.url, timeout=60, follow_redirects=False) as browser:
        token = CSRF.search(browser.get("/login").text)
        assert token is not None
        signed = browser.post("/login", data={"token": key, "csrf": token.group(1), "next": "/"})
        home = browser.get("/")
        page = browser.get(home.headers["location"])
        again = browser.get("/login")
    assert signed.status_code == 303
    assert (home.status_code, home.headers["location"]) == (303, "/partners/Q%3FA%20%231%20Labs")
    assert page.status_code == 200 and "Q?A #1 Labs" in page.text
    assert again.headers["location"] == "/partners/Q%3FA%20%231%20Labs"
