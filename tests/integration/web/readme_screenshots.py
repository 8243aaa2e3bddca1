"""Make the README's dashboard screenshots from the demo workspace, in Debian's Chromium through Playwright.

    python tests/integration/web/readme_screenshots.py [--workspace DEMO_WS] [--out docs/img]

Without ``--workspace`` it runs ``labelpact demo --keep`` first. It signs in as a new client user through the
sign-in form, then saves ``dashboard-portfolio.png``, ``dashboard-partner.png`` (the partner with the highest
breakdown risk) and ``dashboard-audit.png`` (that partner's latest rejected audit, else its latest).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from tests.integration.server.conftest import serving  # noqa: E402
from tests.integration.web.conftest import CHROMIUM_FLAGS, chromium_path  # noqa: E402

from labelpact.config import Settings, load_settings  # noqa: E402
from labelpact.errors import ConflictError  # noqa: E402
from labelpact.services.users import add_user  # noqa: E402
from labelpact.store import Store  # noqa: E402

SHOTS = {"portfolio": 1000, "partner": 1750, "audit": 1300}  # name -> height of the top of the page shown


def demo_workspace() -> Path:
    """Run ``labelpact demo --keep`` and return the workspace it kept."""
    out = subprocess.run(
        [sys.executable, "-m", "labelpact", "demo", "--keep"], capture_output=True, text=True, check=True
    )
    found = re.search(r"Workspace kept at (\S+)", out.stdout + out.stderr)
    if found is None:
        raise SystemExit("labelpact demo --keep did not say where it kept the workspace")
    return Path(found.group(1))


def pick(url: str, key: str) -> tuple[str, str]:
    """The partner with the highest breakdown risk and its latest rejected (else latest) audit."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120) as api:
        names = [p["id"] for p in api.get("/api/v1/partners").json()]
        risk = {n: api.get(f"/api/v1/partners/{quote(n)}/risk").json()["risk"]["probability"] for n in names}
        partner = max(names, key=lambda n: risk[n])
        audits = [a for a in api.get("/api/v1/audits").json() if a["partner"] == partner]
    rejected = [a for a in audits if a["verdict"] == "reject"]
    return partner, (rejected or audits)[0]["id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args()
    chromium = chromium_path()
    if chromium is None:
        raise SystemExit("no Chromium: install Debian's chromium or set LABELPACT_TEST_CHROMIUM")
    workspace = args.workspace or demo_workspace()
    try:
        shoot(load_settings({}, workspace=workspace), args.out, chromium)
    finally:
        if args.workspace is None:  # the demo's folder was made for these pictures only
            shutil.rmtree(workspace.parent, ignore_errors=True)


def shoot(settings: Settings, out: Path, chromium: str) -> None:
    """Sign in as a new client user and save the three pictures into ``out``."""
    from playwright.sync_api import sync_playwright

    with Store.open(settings) as store:
        try:
            key = add_user(store, "analyst", role="client").key
        except ConflictError:  # made screenshots of this workspace before
            key = add_user(store, f"analyst-{time.time_ns() % 10_000}", role="client").key
    out.mkdir(parents=True, exist_ok=True)
    with serving(settings) as url, sync_playwright() as playwright:
        partner, audit = pick(url, key)
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
        page.goto(f"{url}/login")
        page.fill("#token", key)
        with page.expect_navigation():
            page.click("form[action='/login'] button[type=submit]")
        for name, path in (
            ("portfolio", "/"),
            ("partner", f"/partners/{quote(partner)}"),
            ("audit", f"/audits/{audit}"),
        ):
            page.goto(url + path)
            height = min(SHOTS[name], page.evaluate("document.documentElement.scrollHeight"))
            target = out / f"dashboard-{name}.png"
            page.screenshot(
                path=str(target), full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": height}
            )
            print(f"{target} ({path})")
        browser.close()


if __name__ == "__main__":
    main()
