"""Pages of an audit whose "review" verdict a reviewed sample settled, over plain HTTP (no browser): the
portfolio, the partner's audits and the audit page show the review's decision and the estimate it verified."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.integration.server.conftest import serving
from tests.integration.server.seed import seed

from labelpact.config import load_settings
from labelpact.services.access import Principal
from labelpact.services.audit import audit_stored_batch
from labelpact.services.dashboard import sample_csv
from labelpact.services.review import review_sample
from labelpact.store import Store

from .conftest import Site
from .test_sessions import page_csrf, signed_in


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, dict[str, Any]]]:
    """The seeded site with Acme's real audit reviewed (the reviewer agrees with every sampled label)."""
    root = tmp_path_factory.mktemp("reviewed")
    settings = load_settings({}, workspace=root / "ws")
    seeded = seed(settings, root / "incoming")
    with Store.open(settings) as store:
        audit = audit_stored_batch(store, seeded.batch["Acme"]).audit
        _, sheet = sample_csv(store, Principal(user="ada", role="client"), audit.id)
        (root / "sample.csv").write_text(sheet, encoding="utf-8")
        outcome = review_sample(store, audit.id, root / "sample.csv", reviewer="qa")
    with serving(settings) as url:
        yield Site(url=url, seeded=seeded, real_audit=audit.id), outcome.document | {"verdict": audit.verdict}


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_pages_show_the_review_decision_and_the_verified_estimate(
    reviewed: tuple[Site, dict[str, Any]],
) -> None:
    site, review = reviewed
    assert review["verdict"] == "review"  # the seeded real audit: no gold, so a sample decides
    audit, decision = site.real_audit, review["decision"]
    client, _ = signed_in(site, site.seeded.keys["client"])
    portfolio = client.get("/").text
    assert (
        f'aria-label="audit {audit}: {review["verdict"]}, then {decision} by its reviewed sample"'
        in portfolio
    )
    partner = _text(client.get("/partners/Acme").text)
    assert re.search(rf"{audit} .* {review['verdict']} → . {decision} \(reviewed sample\)", partner)
    page = _text(client.get(f"/audits/{audit}").text)
    low, high = (f"{100 * v:.1f}%" for v in review["error_rate"]["ci"])
    value = f"{100 * review['error_rate']['value']:.1f}%"
    assert f"Verified error rate {value} [{low}, {high}] from {review['error_rate']['source']}." in page
    client.close()


def test_the_audit_banner_carries_the_reviewed_decision_and_the_rate_is_unverified(
    reviewed: tuple[Site, dict[str, Any]],
) -> None:
    site, review = reviewed
    client, _ = signed_in(site, site.seeded.keys["client"])
    page = client.get(f"/audits/{site.real_audit}").text
    banner = _text(re.search(r'<div class="banner banner-(\w+)".*?</div>', page, re.S).group(0))  # type: ignore[union-attr]
    assert f'class="banner banner-{review["decision"]}"' in page
    assert re.search(rf"review → . {review['decision']} \(reviewed sample\)", banner)
    row = _text(re.search(r'<tr id="error-rate">.*?</tr>', page, re.S).group(0))  # type: ignore[union-attr]
    assert "(unverified: " in row or "not measurable" in row  # no gold: never a plain measured number
    assert "before review" in row
    client.close()


def test_an_accepted_dispute_shows_on_its_finding_and_cannot_be_disputed_again(
    reviewed: tuple[Site, dict[str, Any]],
) -> None:
    site, _ = reviewed
    acme = {"Authorization": f"Bearer {site.seeded.keys['acme']}"}
    ada = {"Authorization": f"Bearer {site.seeded.keys['client']}"}
    with httpx.Client(base_url=site.url, timeout=60) as api:
        audit = api.get(f"/api/v1/audits/{site.real_audit}", headers=ada).json()
        finding = audit["findings"][0]["id"]
        opened = api.post(f"/api/v1/findings/{finding}/disputes", json={"text": "wrong"}, headers=acme)
        dispute = opened.json()["id"]
        resolved = api.post(f"/api/v1/disputes/{dispute}/resolve", json={"status": "accepted"}, headers=ada)
        assert resolved.status_code == 200, resolved.text
        again = api.post(f"/api/v1/findings/{finding}/disputes", json={"text": "again"}, headers=acme)
        assert again.status_code == 409
    vendor, _ = signed_in(site, site.seeded.keys["acme"])
    page = vendor.get(f"/audits/{site.real_audit}").text
    article = _text(
        re.search(rf'<article class="finding" id="finding-{finding}".*?</article>', page, re.S).group(0)
    )  # type: ignore[union-attr]
    assert f"Dispute {dispute} accepted: the partner was right, this finding does not stand." in article
    assert f"Dispute finding {finding}" not in article
    assert "Accepted (the partner was right: the finding does not stand)" in _text(page)
    vendor.close()


def test_an_over_long_dispute_is_an_error_page_that_keeps_the_text(
    reviewed: tuple[Site, dict[str, Any]],
) -> None:
    site, _ = reviewed
    vendor, _ = signed_in(site, site.seeded.keys["acme"])
    try:
        path = f"/audits/{site.real_audit}"
        page = vendor.get(path).text
        assert 'maxlength="20000"' in page
        finding = re.search(r'action="/findings/([^/"]+)/dispute"', page)
        assert finding is not None
        text = "x" * 20_000 + "END"
        response = vendor.post(
            f"/findings/{finding.group(1)}/dispute",
            data={"text": text, "csrf": page_csrf(vendor, path), "back": path},
        )
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("text/html")
        assert "at most 20,000 characters" in response.text
        assert text in response.text
    finally:
        vendor.close()


def test_wording_and_a_filtered_disputes_page_comes_back_filtered(
    reviewed: tuple[Site, dict[str, Any]],
) -> None:
    site, _ = reviewed
    client, _ = signed_in(site, site.seeded.keys["client"])
    try:
        page = _text(client.get(f"/audits/{site.real_audit}").text)
        assert "flagged by the findings above" in page
        assert not re.search(r"\)\.The contract", page)
        disputes = client.get("/disputes", params={"status": "open", "partner": "Acme"}).text
        assert 'name="back" value="/disputes?status=open&amp;partner=Acme#dispute-' in disputes
    finally:
        client.close()
