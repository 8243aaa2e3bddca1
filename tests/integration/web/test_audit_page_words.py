"""What the audit and disputes pages say over plain HTTP (no browser): the Workers table says how many of how
many it shows and counts the workers it flags; the sample's words name the sheet's column; a bad page query
gets the page's error page (its security headers), not the API's JSON, and is never ignored."""

from __future__ import annotations

import html
import random
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.integration.server.conftest import serving
from tests.integration.server.seed import seed

from labelpact.config import load_settings
from labelpact.services.audit import audit_batch
from labelpact.services.refinement_audit import audit_deliverable
from labelpact.services.simulated_deliverables import simulate_deliverable
from labelpact.store import Store

from .conftest import Site
from .test_sessions import signed_in

N_WORKERS = 70  # more than the page's 60 rows
SLOW, FAST = range(25), range(25, 30)  # 25 below the pay floor (a finding names 20), 5 in 0 seconds


def _crowd(path: Path) -> Path:
    """100 tasks, 3 labels each, dealt round the workers; w00-w24 take 60 s a label (4.80 per hour)."""
    rng = random.Random(0)
    rows = ["task,worker,label,duration_s"]
    for k in range(300):
        truth = "ab"[rng.random() < 0.5]
        label = truth if rng.random() < 0.85 else "ba"[truth == "b"]
        worker = k % N_WORKERS
        seconds = 60 if worker in SLOW else 0 if worker in FAST else 10
        rows.append(f"t{k // 3:03d},w{worker:02d},{label},{seconds}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The dashboard tests' seed and a real audit of a 70-worker batch with timed labels for Acme."""
    root = tmp_path_factory.mktemp("words")
    settings = load_settings({}, workspace=root / "ws")
    seeded = seed(settings, root / "incoming")
    simulate_deliverable("preferences", root / "preferences.csv", size=300, random_state=0)
    with Store.open(settings) as store:
        real = audit_batch(store, _crowd(root / "crowd.csv"), partner="Acme", project="crowd", n_bootstrap=50)
        seeded.audit["preferences"] = audit_deliverable(
            store, root / "preferences.csv", partner="Acme", project="assistant", n_bootstrap=20
        ).audit.id
    with serving(settings) as url:
        yield Site(url=url, seeded=seeded, real_audit=real.audit.id)


def _get(site: Site, path: str, role: str = "client") -> httpx.Response:
    """``path`` as a browser signed in as ``role`` gets it."""
    client, _ = signed_in(site, site.seeded.keys[role])
    try:
        return client.get(path)
    finally:
        client.close()


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page)))


def test_the_workers_table_says_what_it_shows_and_counts_the_workers_it_flags(site: Site) -> None:
    """Before: 60 rows without a word, under '0 of 70 scored workers flagged', 25 flagged below it (20 named);
    and none of the 70 has the labels a quality flag needs, so no share is stated."""
    page = _get(site, f"/audits/{site.real_audit}").text
    section = page[page.index('id="workers-h"') : page.index('id="agreement-h"')]
    rows = re.findall(r"<tr><td>(w\d\d)</td><td>([^<]*)</td>", section)
    assert len(rows) == 60
    text = _text(section)
    assert "The first 60 of 70 workers, flagged first, then by name." in text
    assert f"labelpact audits show {site.real_audit} --json" in text
    assert f"GET /api/v1/audits/{site.real_audit}" in text
    flagged = {worker for worker, flags in rows if flags != "–"}
    assert flagged == {f"w{w:02d}" for w in (*SLOW, *FAST)}
    below = {worker for worker, flags in rows if "pay below floor" in flags}
    assert below == {f"w{w:02d}" for w in SLOW}  # every one of them, not the 20 the finding names
    assert (
        "30 of 70 workers flagged by the findings above "
        "(implausible time: 5, pay below floor: 25, pay unknown: 5)." in text
    )
    # no worker has the labels a flag rule needs: the share is not checked (it said "0 of 70 scored workers")
    assert "counts only the quality flags" in text
    assert "of the workers with enough labels to score: none has, so the share is not checked." in text


def test_the_sample_words_name_the_column_the_sheet_has(site: Site) -> None:
    """Before, a preferences audit said 'correct the label column' over a ``task,defective`` sheet."""
    audit = site.seeded.audit["preferences"]
    page = _text(_get(site, f"/audits/{audit}").text)
    sheet = _get(site, f"/audits/{audit}/sample.csv").text
    assert sheet.splitlines()[0] == '"task","defective"'
    assert "answer yes or no in the defective column, then run" in page
    assert "correct the label column" not in page and "Consensus label" not in page
    labels = _text(_get(site, f"/audits/{site.real_audit}").text)
    assert "correct the label column, then run" in labels


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (  # was FastAPI's bare JSON 422, without the page's headers
            "/partners/Acme?without=" + "e" * 201,
            "parameter 'without': expected at most 200 characters, got 201 characters",
        ),
        (  # was ignored: every dispute shown
            "/disputes?status=bogus",
            "parameter 'status': expected a status among open, closed, got 'bogus'",
        ),
    ],
)
def test_a_bad_page_query_gets_the_error_page_with_its_headers(site: Site, path: str, expected: str) -> None:
    response = _get(site, path)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert expected in _text(response.text)
    assert _get(site, "/disputes?status=open").status_code == 200
