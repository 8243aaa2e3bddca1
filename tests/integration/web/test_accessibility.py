"""Accessibility of the dashboard: an axe-core scan (vendored, ``vendor/axe.min.js``) of every page with no
serious or critical violation, and the pages used by keyboard alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .conftest import VENDOR, Site, Watched, sign_in

pytestmark = pytest.mark.slow

BLOCKING = ("serious", "critical")


def axe_violations(watched: Watched) -> list[dict[str, Any]]:
    """axe-core's violations of the current page at WCAG 2.1 A and AA (and best practice)."""
    watched.page.add_script_tag(path=str(VENDOR / "axe.min.js"))
    result: dict[str, Any] = watched.page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
            resultTypes: ["violations"],
        })"""
    )
    return list(result["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}" for v in violations
    )


@pytest.mark.parametrize("role", ["client", "acme"])
def test_no_serious_axe_violation_on_any_page(
    open_page: Callable[..., Watched], site: Site, role: str
) -> None:
    watched = open_page(bypass_csp=True)  # axe is injected as a script the page's own policy would refuse
    watched.page.goto(f"{site.url}/login")
    assert not [v for v in axe_violations(watched) if v["impact"] in BLOCKING]
    sign_in(watched, site, role)
    own = site.seeded.audit["Acme"]
    paths = (
        [
            "/",
            "/partners/Acme",
            "/partners/Other",
            f"/audits/{own}",
            f"/audits/{site.real_audit}",
            "/disputes",
        ]
        if role == "client"
        else ["/partners/Acme", f"/audits/{own}", f"/audits/{site.real_audit}", "/disputes"]
    )
    scanned = 0
    for path in paths:
        watched.page.goto(site.url + path)
        for details in watched.page.locator("details").all():
            details.evaluate("node => node.open = true")  # scan the table fallbacks too
        blocking = [v for v in axe_violations(watched) if v["impact"] in BLOCKING]
        assert not blocking, f"{path}:\n{describe(blocking)}"
        scanned += 1
    assert scanned == len(paths)
    assert watched.console_errors == []


def focused(watched: Watched) -> str:
    """The focused element as ``tag:text`` (or its id for fields)."""
    return str(
        watched.page.evaluate(
            "() => { const e = document.activeElement;"
            " return e.tagName.toLowerCase() + ':' + (e.id || e.innerText || e.value || '').trim(); }"
        )
    )


def test_keyboard_only_sign_in_and_navigation(open_page: Callable[..., Watched], site: Site) -> None:
    watched = open_page()
    page = watched.page
    page.goto(f"{site.url}/login")
    page.keyboard.press("Tab")
    assert focused(watched) == "a:Skip to content"
    for _ in range(10):
        page.keyboard.press("Tab")
        if focused(watched) == "input:token":
            break
    assert focused(watched) == "input:token"
    page.keyboard.type(site.seeded.keys["client"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{site.url}/"

    page.keyboard.press("Tab")
    assert focused(watched) == "a:Skip to content"
    page.keyboard.press("Enter")
    assert focused(watched).startswith("main:")
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        seen.append(focused(watched))
        if seen[-1] == "a:Acme":
            break
    assert seen[-1] == "a:Acme", seen
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{site.url}/partners/Acme"
    page.keyboard.press("Tab")  # the focused control shows a visible ring (style.css :focus-visible)
    ring = page.evaluate("() => getComputedStyle(document.activeElement).outlineWidth")
    assert ring == "3px"
    assert watched.console_errors == []
