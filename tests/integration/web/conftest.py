"""Fixtures of the dashboard's browser tests: the service tests' seeded workspace (plus one real audit with a
stored consensus and sample) served by uvicorn on loopback, and Debian's Chromium driven by Playwright.

Chromium comes from ``LABELPACT_TEST_CHROMIUM`` or ``chromium`` on the PATH (``.ci/browser.sh`` installs it);
the browser tests skip with the reason when there is none.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from tests.integration.server.conftest import serving
from tests.integration.server.seed import Seeded, seed

from labelpact.config import load_settings
from labelpact.services.audit import audit_stored_batch
from labelpact.store import Store

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
VENDOR = Path(__file__).resolve().parent / "vendor"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu"]


def chromium_path() -> str | None:
    """Debian's Chromium: ``LABELPACT_TEST_CHROMIUM``, else ``chromium`` on the PATH."""
    given = os.environ.get("LABELPACT_TEST_CHROMIUM")
    if given:
        return given if Path(given).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Site:
    """A served, seeded workspace: its URL, keys per role, and the real audit of Acme's batch."""

    url: str
    seeded: Seeded
    real_audit: str

    def api(self, role: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.seeded.keys[role]}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def get(self, role: str, path: str, **params: Any) -> Any:
        with self.api(role) as client:
            response = client.get(path, params=params)
            response.raise_for_status()
            return response.json()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The service tests' seed (two partners, a user per role, audits, findings, open disputes) and an audit
    run by the real pipeline on Acme's batch, served on a free loopback port."""
    root = tmp_path_factory.mktemp("web")
    settings = load_settings({}, workspace=root / "ws")
    seeded = seed(settings, root / "incoming")
    with Store.open(settings) as store:
        real = audit_stored_batch(store, seeded.batch["Acme"]).audit.id
    with serving(settings) as url:
        yield Site(url=url, seeded=seeded, real_audit=real)


@dataclass
class Watched:
    """A browser page with what it logged and requested: console errors and requests to other hosts."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium: install Debian's chromium (.ci/browser.sh) or set LABELPACT_TEST_CHROMIUM")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def open_page(browser: Any, site: Site) -> Iterator[Callable[..., Watched]]:
    """Open a fresh browser context (no cookies) whose page records console errors and foreign requests;
    ``bypass_csp`` only for the accessibility scan, which injects axe-core."""
    contexts: list[Any] = []
    host = urlsplit(site.url).netloc

    def make(*, bypass_csp: bool = False) -> Watched:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=bypass_csp)
        contexts.append(context)
        watched = Watched(page=context.new_page())

        def on_request(route: Any) -> None:
            if urlsplit(route.request.url).netloc != host and not route.request.url.startswith("data:"):
                watched.foreign.append(route.request.url)
                route.abort()
            else:
                route.continue_()

        context.route("**/*", on_request)
        watched.page.on(
            "console", lambda m: watched.console_errors.append(m.text) if m.type == "error" else None
        )
        watched.page.on("pageerror", lambda e: watched.console_errors.append(str(e)))
        watched.page.on("response", lambda r: watched.statuses.__setitem__(r.url, r.status))
        return watched

    yield make
    for context in contexts:
        context.close()


def sign_in(watched: Watched, site: Site, role: str) -> None:
    """Paste the role's key into the sign-in form, as a person would."""
    page = watched.page
    page.goto(f"{site.url}/login")
    page.fill("#token", site.seeded.keys[role])
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")


def screenshot(watched: Watched, name: str) -> Path:
    """A full-page PNG under ``tests/artifacts/`` (not committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    watched.page.screenshot(path=str(path), full_page=True)
    return path
