"""The dashboard in Debian's Chromium: every page as the client and as each partner, the numbers the API
gives, no console error, no request to another host, the partner portal's 404s, disputes through the forms."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from urllib.parse import quote

import pytest

from .conftest import Site, Watched, screenshot, sign_in

pytestmark = pytest.mark.slow

PARTNER_ROLES = {"acme": "Acme", "other": "Other"}


def visit(watched: Watched, site: Site, path: str, status: int = 200) -> None:
    response = watched.page.goto(site.url + path)
    assert response is not None
    assert response.status == status, f"{path}: HTTP {response.status}"


def assert_clean(watched: Watched) -> None:
    assert watched.console_errors == []
    assert watched.foreign == []


def test_client_walks_every_page(open_page: Callable[..., Watched], site: Site) -> None:
    watched = open_page()
    sign_in(watched, site, "client")
    page = watched.page
    assert page.url == site.url + "/"
    partners = [p["id"] for p in site.get("client", "/api/v1/partners")]
    assert partners == ["Acme", "Other"]
    for name in partners:
        row = page.locator(f"#portfolio tr[data-partner='{name}']")
        risk = site.get("client", f"/api/v1/partners/{quote(name)}/risk")["risk"]["probability"]
        assert float(row.locator("[data-risk]").get_attribute("data-risk")) == pytest.approx(risk, abs=1e-6)
        health = site.get("client", f"/api/v1/partners/{quote(name)}/health")
        worse = [a for a in health["spc"]["alarms"] if a["direction"] == "worse"]
        assert int(row.locator("[data-alarms]").get_attribute("data-alarms")) == len(worse)
    assert page.locator("svg.chart title").first.text_content() == "Defect rate per batch"
    screenshot(watched, "client-portfolio")

    for name in partners:
        visit(watched, site, f"/partners/{quote(name)}")
        health = site.get("client", f"/api/v1/partners/{quote(name)}/health")
        assert page.locator("h1").inner_text() == name
        shown = page.locator("#scorecard [data-key='n_batches']")
        if health["scorecard"]["n_batches"]:
            assert int(shown.inner_text()) == health["scorecard"]["n_batches"]
        assert page.locator("#risk").inner_text().startswith(f"{100 * health['risk']['probability']:.1f}%")
        api_audits = [a["id"] for a in site.get("client", "/api/v1/audits") if a["partner"] == name]
        assert page.locator("#audits tbody th a").all_inner_texts() == api_audits
        screenshot(watched, f"client-partner-{name}")

    for audit in site.get("client", "/api/v1/audits"):
        document = site.get("client", f"/api/v1/audits/{audit['id']}")
        visit(watched, site, f"/audits/{audit['id']}")
        assert page.locator("#verdict").inner_text().split()[-1] == document["verdict"]
        assert page.locator("#clauses tbody tr").count() == len(document["reasons"])
        for finding in document["findings"]:
            assert page.locator(f"#finding-{finding['id']}").count() == 1
    screenshot(watched, "client-audit")

    visit(watched, site, "/disputes")
    api_disputes = {d["id"] for d in site.get("client", "/api/v1/disputes")}
    shown_disputes = {h.split()[1] for h in page.locator("article.dispute h3").all_inner_texts()}
    assert shown_disputes == api_disputes
    screenshot(watched, "client-disputes")
    assert_clean(watched)


def test_real_audit_page_matches_the_api(open_page: Callable[..., Watched], site: Site) -> None:
    watched = open_page()
    sign_in(watched, site, "client")
    document = site.get("client", f"/api/v1/audits/{site.real_audit}")
    visit(watched, site, f"/audits/{site.real_audit}")
    page = watched.page
    plan = document["sampling_plan"]
    assert f"Check {plan['sample_size']} of {plan['lot_size']} tasks" in page.locator("#plan").inner_text()
    alpha = document["metrics"]["agreement"]["krippendorff_alpha"]
    row = page.locator("#agreement tr", has_text="krippendorff alpha")
    assert row.locator("td").first.inner_text() == f"{alpha['value']:.3f}"
    with page.expect_download() as download:
        page.click("text=Download the sample (CSV)")
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["task", "label", "consensus", "confidence"]
    assert [row["task"] for row in rows] == document["sample_tasks"]
    screenshot(watched, "client-audit-real")
    assert_clean(watched)


@pytest.mark.parametrize("role", sorted(PARTNER_ROLES))
def test_partner_portal_shows_only_its_own(open_page: Callable[..., Watched], site: Site, role: str) -> None:
    own = PARTNER_ROLES[role]
    other = next(name for name in PARTNER_ROLES.values() if name != own)
    watched = open_page()
    sign_in(watched, site, role)
    page = watched.page
    assert page.url == f"{site.url}/partners/{own}"
    body = page.locator("main").inner_text()
    for hidden in ("Breakdown forecast", "Process control", "Events", "Rival", other):
        assert hidden not in body
    assert page.locator("nav[aria-label=Main]").inner_text().split() == [own, "Disputes"]
    own_audits = [a["id"] for a in site.get(role, "/api/v1/audits")]
    assert page.locator("#audits tbody th a").all_inner_texts() == own_audits
    screenshot(watched, f"{role}-partner")
    for audit in own_audits:
        visit(watched, site, f"/audits/{audit}")
        assert other not in page.locator("main").inner_text()
    screenshot(watched, f"{role}-audit")
    visit(watched, site, "/disputes")
    assert {h.split()[1] for h in page.locator("article.dispute h3").all_inner_texts()} == {
        d["id"] for d in site.get(role, "/api/v1/disputes")
    }
    assert page.locator("form[action$='/resolve']").count() == 0
    screenshot(watched, f"{role}-disputes")
    assert_clean(watched)

    visit(watched, site, "/")
    assert page.url == f"{site.url}/partners/{own}"
    for path in (
        f"/partners/{other}",
        f"/audits/{site.seeded.audit[other]}",
        f"/audits/{site.seeded.audit[other]}/sample.csv",
        f"/disputes?partner={other}",
        "/partners/Nobody",
    ):
        visit(watched, site, path, status=404)
        assert page.locator("h1").inner_text() == "Not found"
        message = page.locator("p.error").inner_text()  # names only what was asked, as a missing one would be
        assert message.startswith("unknown ")
        assert other not in message.replace(f"'{other}'", "").replace(site.seeded.audit[other], "")


def test_dispute_opened_and_resolved_through_the_forms(open_page: Callable[..., Watched], site: Site) -> None:
    finding = site.seeded.fresh_finding("Acme")
    audit = next(
        a["id"] for a in site.get("acme", "/api/v1/audits") if finding in _finding_ids(site, a["id"])
    )
    vendor = open_page()
    sign_in(vendor, site, "acme")
    visit(vendor, site, f"/audits/{audit}")
    vendor.page.fill(f"#dispute-text-{finding}", "The worker follows the guideline; see task t0.")
    with vendor.page.expect_navigation():
        vendor.page.click(f"text=Dispute finding {finding}")
    assert f"opened on finding {finding}" in vendor.page.locator(".notice").inner_text()
    opened = next(d for d in site.get("acme", "/api/v1/disputes") if d["finding"] == finding)
    assert opened["status"] == "open"
    assert opened["text"] == "The worker follows the guideline; see task t0."

    visit(vendor, site, "/disputes")
    vendor.page.fill(f"#comment-{opened['id']}", "Guideline 4.2 allows it.")
    with vendor.page.expect_navigation():
        vendor.page.click(f"#dispute-{opened['id']} form[action$='/comment'] button")
    assert_clean(vendor)

    lab = open_page()
    sign_in(lab, site, "client")
    visit(lab, site, "/disputes?partner=Acme&status=open")
    thread = lab.page.locator(f"#dispute-{opened['id']}")
    assert "Guideline 4.2 allows it." in thread.inner_text()
    thread.locator("input[value=rejected]").check()
    thread.locator(f"#note-{opened['id']}").fill("The spammer score is far above the limit.")
    with lab.page.expect_navigation():
        thread.locator("form[action$='/resolve'] button").click()
    assert "resolved: rejected" in lab.page.locator(".notice").inner_text()
    resolved = site.get("client", f"/api/v1/disputes/{opened['id']}")
    assert (resolved["status"], resolved["resolution"]) == (
        "rejected",
        "The spammer score is far above the limit.",
    )
    assert [c["text"] for c in resolved["comments"]] == ["Guideline 4.2 allows it."]
    screenshot(lab, "client-dispute-resolved")
    assert_clean(lab)


def _finding_ids(site: Site, audit: str) -> set[str]:
    return {f["id"] for f in site.get("acme", f"/api/v1/audits/{audit}/findings")}
