"""An empty workspace's portfolio says what to do first, over plain HTTP (no browser)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.integration.server.conftest import serving
from tests.integration.server.seed import Seeded

from labelpact.config import load_settings
from labelpact.services.users import add_user
from labelpact.store import Store

from .conftest import Site
from .test_sessions import signed_in


def test_an_empty_portfolio_says_to_add_a_partner_and_audit(tmp_path: Path) -> None:
    settings = load_settings({}, workspace=tmp_path / "ws")
    with Store.open(settings) as store:
        key = add_user(store, "ada", role="client").key
    with serving(settings) as url:
        site = Site(url=url, seeded=Seeded(settings=settings, keys={"client": key}), real_audit="")
        client, _ = signed_in(site, key)
        try:
            page = client.get("/").text
        finally:
            client.close()
    assert 'id="empty"' in page
    assert "labelpact partner add NAME" in re.sub(r"<[^>]+>", "", page)
    assert '<table id="portfolio">' not in page
