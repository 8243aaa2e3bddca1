"""The dashboard's audit page of a preferences, ratings or demonstrations audit: its own measures with their
intervals, its flagged workers and the head of its table, equal to the stored audit; no label-only section;
no serious accessibility violation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pyarrow.parquet as pq
import pytest
from tests.integration.server.conftest import serving
from tests.integration.server.seed import seed

from labelpact.config import load_settings
from labelpact.services.refinement_audit import audit_deliverable
from labelpact.services.simulated_deliverables import simulate_deliverable
from labelpact.store import Store

from .conftest import Site, Watched, sign_in
from .test_accessibility import BLOCKING, axe_violations, describe

pytestmark = pytest.mark.slow

CONTRACT = """\
[preferences]
min_agreement = 0.10
max_position_bias = 0.05
[ratings]
min_agreement = 0.0
[demonstrations]
max_llm_suspect_share = 0.05
"""
KINDS = (("preferences", 2000), ("ratings", 100), ("demonstrations", 60))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The dashboard tests' seed plus one audit of each other kind for Acme; ``real_audit`` is unused."""
    root = tmp_path_factory.mktemp("kinds-web")
    settings = load_settings({}, workspace=root / "ws")
    seeded = seed(settings, root / "incoming")
    contract = root / "rlhf.toml"
    contract.write_text(CONTRACT, encoding="utf-8")
    with Store.open(settings) as store:
        for i, (kind, size) in enumerate(KINDS):
            path = root / f"{kind}.csv"
            simulate_deliverable(kind, path, size=size, random_state=i)
            audit = audit_deliverable(
                store, path, partner="Acme", project="assistant", contract=contract, n_bootstrap=30
            ).audit
            seeded.audit[kind] = audit.id
    with serving(settings) as url:
        yield Site(url=url, seeded=seeded, real_audit=seeded.audit["preferences"])


def _stored(site: Site, audit: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    with Store.open(site.seeded.settings) as store:
        record = store.get_audit(audit)
        role = "signals" if record.metrics["kind"] == "demonstrations" else "scores"
        file = record.file(role)
        assert file is not None
        return record.metrics, pq.read_table(store.blob_path(file)).to_pylist()


@pytest.mark.parametrize("kind", [k for k, _ in KINDS])
def test_kind_audit_page_shows_its_own_measures_and_table(
    open_page: Callable[..., Watched], site: Site, kind: str
) -> None:
    watched = open_page(bypass_csp=True)  # axe is injected as a script the page's own policy would refuse
    sign_in(watched, site, "client")
    audit = site.seeded.audit[kind]
    response = watched.page.goto(f"{site.url}/audits/{audit}")
    assert response is not None and response.status == 200
    page = watched.page
    metrics, table = _stored(site, audit)
    measures = dict(
        zip(
            page.locator("#measures tbody th").all_inner_texts(),
            page.locator("#measures tbody td:nth-child(2)").all_inner_texts(),
            strict=True,
        )
    )
    if kind == "preferences":
        alpha = metrics["krippendorff_alpha"]["value"]
        assert measures["Krippendorff's alpha on the choices"] == f"{alpha:.3f}"
        assert page.locator("#kind-table tbody tr").first.locator("td").first.inner_text() == next(
            r["item"] for r in table if r["rank"] == 1
        )
    elif kind == "ratings":
        for name, doc in metrics["criteria"].items():
            assert (
                measures[f"Krippendorff's alpha, {name}"]
                == f"{doc['krippendorff_alpha_ordinal']['value']:.3f}"
            )
        lowest = min(r["score"] for r in table)
        assert page.locator("#kind-table tbody tr").first.locator("td").nth(2).inner_text() == f"{lowest:.3f}"
    else:
        share = metrics["llm_suspect_share"]["value"]
        assert measures["LLM-suspect answers (signals, never a verdict)"] == f"{100 * share:.1f}%"
        most = max(r["llm_signals"] for r in table)
        assert page.locator("#kind-table tbody tr").first.locator("td").nth(2).inner_text() == str(most)
    assert page.locator("#kind-table tbody tr").count() == min(20, len(table))
    flagged = metrics["flagged_workers"]
    shown = page.locator("#flagged").inner_text()
    assert all(f"{reason.replace('_', ' ')} {n}" in shown for reason, n in flagged.items())
    assert page.locator("#candidates-h").count() == 0 and page.locator("#agreement").count() == 0
    blocking = [v for v in axe_violations(watched) if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)
    assert watched.console_errors == [] and watched.foreign == []
