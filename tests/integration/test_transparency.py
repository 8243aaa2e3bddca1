"""``labelpact transparency``, ``report`` and ``attest`` on a real store: the card validates (mlcroissant and
labelpact's profile), every published value is the audits' own, reruns are byte-identical, the HTML makes
no request in Chromium, the PDF renders, the partner edition hides client-only content."""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import os
import re
import shutil
import statistics
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from labelpact.config import load_settings
from labelpact.report import NOT_ATTESTED, RAI_PROPERTIES
from labelpact.store import AuditRecord, BatchRecord, Store

from .conftest import RunCli
from .transparency_workspace import AS_OF, PROJECT, build

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def workspace_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("transparency"))


@pytest.fixture
def ws(workspace_dir: Path) -> str:
    return str(workspace_dir)


@pytest.fixture(scope="module")
def stored(workspace_dir: Path) -> tuple[list[AuditRecord], dict[str, BatchRecord], dict[str, str]]:
    """The latest audit of every batch delivered by AS_OF, its batch, and the latest review decision."""
    with Store.open(load_settings({}, workspace=workspace_dir)) as store:
        batches = {b.sha256: b for b in store.list_batches(project=PROJECT)}
        latest: dict[str, AuditRecord] = {}
        for audit in store.list_audits(project=PROJECT):
            latest.setdefault(audit.batch_sha256, audit)
        audits = [a for a in latest.values() if batches[a.batch_sha256].delivered_at.date() <= AS_OF]
        reviews = {a.id: r[0].decision for a in audits if (r := store.list_reviews(a.id))}
    return sorted(audits, key=lambda a: batches[a.batch_sha256].delivered_at), batches, reviews


def _card(cli: RunCli, ws: str, out: Path, *extra: str) -> dict[str, Any]:
    run = cli(
        "transparency",
        "--workspace",
        ws,
        "--project",
        PROJECT,
        "--as-of",
        AS_OF.isoformat(),
        "--out",
        out,
        "--json",
        *extra,
    )
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)


def _report(cli: RunCli, ws: str, out: Path, *extra: str) -> None:
    """``labelpact report`` of the project as of ``AS_OF`` into ``out``; it must succeed."""
    run = cli(
        "report", "--workspace", ws, "--project", PROJECT, "--as-of", AS_OF.isoformat(), "--out", out, *extra
    )
    assert run.code == 0, run.stderr


def _published(audits: list[AuditRecord], reviews: dict[str, str]) -> list[AuditRecord]:
    return [
        a
        for a in audits
        if a.verdict == "accept" or (a.verdict == "review" and reviews.get(a.id) == "accept")
    ]


# mlcroissant's rdflib use warns; the warning is theirs, not ours
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_the_card_validates_and_every_value_is_the_audits_own(
    cli: RunCli,
    ws: str,
    tmp_path: Path,
    stored: tuple[list[AuditRecord], dict[str, BatchRecord], dict[str, str]],
) -> None:
    import mlcroissant as mlc

    audits, batches, reviews = stored
    summary = _card(cli, ws, tmp_path / "card.jsonld")
    card = json.loads((tmp_path / "card.jsonld").read_text(encoding="utf-8"))
    dataset = mlc.Dataset(jsonld=copy.deepcopy(card))  # mlcroissant edits the dict it is given
    assert not dataset.metadata.ctx.issues.errors and not dataset.metadata.ctx.issues.warnings
    assert card["conformsTo"] == [
        "http://mlcommons.org/croissant/1.1",
        "http://mlcommons.org/croissant/RAI/1.0",
    ]
    assert {p.key for p in RAI_PROPERTIES} <= set(card) and len(RAI_PROPERTIES) == 20
    published = _published(audits, reviews)
    assert summary["n_batches"] == 5  # the August batch is after AS_OF
    assert summary["n_published"] == len(published) and 0 < len(published) < 5
    assert "a2" not in {a.id for a in published}  # personal data under a "reject" contract

    # the files: sha256 and rows are the stored consensus of the published audits
    for f in card["distribution"]:
        data = (tmp_path / f["contentUrl"]).read_bytes()
        assert f["sha256"] == hashlib.sha256(data).hexdigest() and f["contentSize"] == f"{len(data)} B"
    with (tmp_path / "card.consensus.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == sum(batches[a.batch_sha256].n_tasks for a in published)
    assert {r["batch"] for r in rows} == {a.batch for a in published}
    fields = [f["@id"] for rs in card["recordSet"] for f in rs["field"]]
    assert "consensus-csv-records/label" in fields and "probabilities-csv-records/p_mixed" in fields

    # every measured number, recomputed here from the stored audits and batches
    n_ann = sum(batches[a.batch_sha256].n_annotations for a in published)
    n_tasks = sum(batches[a.batch_sha256].n_tasks for a in published)
    assert f"{n_ann / n_tasks:.2f} human labels per task" in card["rai:annotationsPerItem"]
    assert f"({n_ann:,} labels on {n_tasks:,} tasks" in card["rai:annotationsPerItem"]
    days = [batches[a.batch_sha256].delivered_at.date().isoformat() for a in audits]
    assert card["rai:dataCollectionTimeframe"] == f"{min(days)}/{max(days)}"
    alphas = [a.metrics["agreement"]["krippendorff_alpha"]["value"] for a in published]
    assert (
        f"Krippendorff's alpha median {statistics.median(alphas):.3f}" in card["rai:dataAnnotationAnalysis"]
    )
    gold = [(a.metrics["n_gold"], a.metrics["gold_accuracy"]["value"]) for a in published]
    pooled_gold = sum(n * v for n, v in gold) / sum(n for n, _ in gold)
    assert f"{100 * pooled_gold:.1f}%" in card["rai:dataAnnotationAnalysis"]
    review = json.loads((Path(ws).parent / "review.json").read_text(encoding="utf-8"))
    verified = {review["audit"]: review["error_rate"]["value"]}  # a reviewed batch: what review printed
    errors = [
        (batches[a.batch_sha256].n_tasks, verified.get(a.id, a.metrics["error_rate"]["value"]))
        for a in published
    ]
    pooled_error = sum(n * v for n, v in errors) / sum(n for n, _ in errors)
    assert (
        f"estimated error rate of the published labels {100 * pooled_error:.1f}%"
        in card["rai:dataAnnotationAnalysis"]
    )
    leaky = next(a for a in audits if a.ethics and a.ethics.get("pii"))
    by_entity = leaky.ethics["pii_summary"]["by_entity"]  # type: ignore[index]
    n_pii_tasks = len({hit["task"] for hit in leaky.ethics["pii"]})  # type: ignore[index]
    assert (
        f"{n_pii_tasks} tasks in 1 batches carried personal data" in card["rai:personalSensitiveInformation"]
    )
    assert all(f"{n} {e}" in card["rai:personalSensitiveInformation"] for e, n in by_entity.items())
    assert "1 of those batches were not accepted" in card["rai:personalSensitiveInformation"]
    licences = leaky.ethics["provenance_summary"]["tasks_by_license"]  # type: ignore[index]
    assert all(f"{lic} {n:,} tasks" in card["rai:dataCollectionRawData"] for lic, n in licences.items())
    # the dispute was opened today: invisible as of AS_OF, counted with its outcome as of today
    assert "No finding was disputed." in card["rai:dataAnnotationAnalysis"]
    run = cli("transparency", "--workspace", ws, "--project", PROJECT, "--out", tmp_path / "today.jsonld")
    assert run.code == 0, run.stderr
    today = json.loads((tmp_path / "today.jsonld").read_text(encoding="utf-8"))
    assert "Findings disputed by partners: 1 (rejected 1)." in today["rai:dataAnnotationAnalysis"]
    assert len(today["auditHistory"]) == 6
    history = {h["audit"]: h for h in card["auditHistory"]}
    assert set(history) == {a.id for a in audits}
    for a in audits:
        h = history[a.id]
        assert h["verdict"] == a.verdict and h["batch"] == a.batch_sha256
        assert h["error_rate"] == verified.get(a.id, a.metrics["error_rate"]["value"])
        assert h["krippendorff_alpha"] == a.metrics["agreement"]["krippendorff_alpha"]["value"]

    # attested and not attested, each saying so
    sources = {k: v["source"] for k, v in card["raiSources"].items()}
    assert (
        sources["rai:dataUseCases"] == "attested" and "Dana Ortiz, Head of Data" in card["rai:dataUseCases"]
    )
    assert (
        "Label Studio 1.23" in card["rai:dataAnnotationPlatform"]
        and sources["rai:dataAnnotationPlatform"] == "attested"
    )
    assert "Kenya (60%)" in card["rai:annotatorDemographics"]
    assert card["license"] == "https://creativecommons.org/licenses/by/4.0/"
    not_attested = {k for k, s in sources.items() if s == "not attested"}
    assert not_attested == {"rai:dataSocialImpact"}
    assert card["rai:dataSocialImpact"].startswith(f"{NOT_ATTESTED}: ")
    assert all(
        card[k].startswith("Measured: ")
        for k, s in sources.items()
        if s == "measured" and k != "rai:dataCollectionTimeframe"
    )


def test_check_rejects_misspelt_and_mlcroissant_spelt_keys(cli: RunCli, ws: str, tmp_path: Path) -> None:
    _card(cli, ws, tmp_path / "card.jsonld")
    ok = cli("transparency", "--check", tmp_path / "card.jsonld")
    assert ok.code == 0 and "passes" in ok.stdout
    card = json.loads((tmp_path / "card.jsonld").read_text(encoding="utf-8"))
    card["rai:annotatorDemographic"] = card.pop("rai:annotatorDemographics")
    card["rai:dataCollectionTimeFrame"] = card.pop("rai:dataCollectionTimeframe")
    card["rai:dataBiases"] = ["one", "two"]
    bad = tmp_path / "bad.jsonld"
    bad.write_text(json.dumps(card), encoding="utf-8")
    run = cli("transparency", "--check", bad)
    assert run.code == 2
    assert "passes" not in run.stdout and "fails labelpact's RAI profile" in run.stdout  # before: "passes"
    lines = run.stderr.strip().splitlines()
    assert (
        "bad.jsonld: rai:annotatorDemographic: unknown RAI property; did you mean rai:annotatorDemographics?"
        in lines
    )
    assert any(
        "rai:dataCollectionTimeFrame: not an RAI 1.0 property (mlcroissant's internal spelling)" in x
        for x in lines
    )
    assert any(x.startswith("bad.jsonld: rai:annotatorDemographics: missing") for x in lines)
    assert any(x.startswith("bad.jsonld: rai:dataCollectionTimeframe: missing") for x in lines)
    assert any("rai:dataBiases: a list of 2 values" in x for x in lines)
    assert len(lines) == 5


def test_reruns_are_byte_identical(cli: RunCli, ws: str, tmp_path: Path) -> None:
    outputs = []
    for name in ("one", "two"):
        folder = tmp_path / name
        folder.mkdir()
        _card(cli, ws, folder / "card.jsonld")
        _report(cli, ws, folder / "report.html")
        outputs.append({p.name: p.read_bytes() for p in sorted(folder.iterdir())})
    assert outputs[0].keys() == {"card.jsonld", "card.consensus.csv", "card.probabilities.csv", "report.html"}
    assert outputs[0] == outputs[1]


def test_eu_ai_act_profile_names_the_evidence_and_what_is_missing(
    cli: RunCli, ws: str, tmp_path: Path
) -> None:
    _card(cli, ws, tmp_path / "eu.json", "--profile", "eu-ai-act")
    doc = json.loads((tmp_path / "eu.json").read_text(encoding="utf-8"))
    refs = [item["ref"] for item in doc["items"]]
    assert refs == [f"Art. 10(2)({c})" for c in "abcdefgh"] + ["Annex IV 2(d)"]
    by_ref = {item["ref"]: item for item in doc["items"]}
    assert by_ref["Art. 10(2)(c)"]["status"] == "held"
    f = by_ref["Art. 10(2)(f)"]
    assert f["status"] == "partial" and any("rai:dataSocialImpact" in m for m in f["missing"])
    assert {e["property"] for e in by_ref["Annex IV 2(d)"]["evidence"]} >= {"rai:dataAnnotationProtocol"}
    assert sum(doc["summary"].values()) == 9


def _chromium() -> str:
    path = os.environ.get("LABELPACT_TEST_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.skip("no Chromium (set LABELPACT_TEST_CHROMIUM or install Debian's chromium)")
    return path


def test_the_report_opens_in_chromium_without_a_single_request(cli: RunCli, ws: str, tmp_path: Path) -> None:
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    out = tmp_path / "report.html"
    run = cli("report", "--workspace", ws, "--project", PROJECT, "--as-of", AS_OF.isoformat(), "--out", out)
    assert run.code == 0, run.stderr
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?!#)""", html) and "<script" not in html
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1200})
            page.on("request", lambda r: requests.append(r.url))
            page.goto(out.as_uri())
            shot = page.screenshot(full_page=True)
            assert page.locator("svg").count() >= 5  # verdicts, error, agreement, control chart, forecast
            assert page.locator("#rai tbody tr").count() == 20
        finally:
            browser.close()
    assert requests == [out.as_uri()]
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 20_000


def test_the_pdf_renders(cli: RunCli, ws: str, tmp_path: Path) -> None:
    weasyprint = pytest.importorskip("weasyprint")
    out = tmp_path / "report.pdf"
    _report(cli, ws, out, "--format", "pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF") and len(data) > 20_000
    _report(cli, ws, tmp_path / "r.html")
    pages = weasyprint.HTML(string=(tmp_path / "r.html").read_text(encoding="utf-8")).render().pages
    assert len(pages) >= 3  # the same report, laid out on A4 pages


def test_the_partner_edition_leaves_out_client_only_content(cli: RunCli, ws: str, tmp_path: Path) -> None:
    out = tmp_path / "acme.html"
    args = (
        "report",
        "--workspace",
        ws,
        "--partner",
        "Acme Labels",
        "--as-of",
        AS_OF.isoformat(),
        "--out",
        out,
    )
    run = cli(*args, "--edition", "partner", "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["project"] == PROJECT
    html = out.read_text(encoding="utf-8")
    assert "Borealis" not in html and "Forecast" not in html and "executive" not in html
    assert 'id="events"' not in html and "control limits" not in html
    client = cli(*args)
    assert client.code == 0
    full = out.read_text(encoding="utf-8")
    assert 'id="forecast"' in full and "executive departure" in full.replace("_", " ")
    no_partner = cli("report", "--workspace", ws, "--project", PROJECT, "--edition", "partner", "--out", out)
    assert no_partner.code == 2 and "--partner" in no_partner.stderr


def test_attest_refuses_unknown_keys_and_attestations_are_append_only(
    cli: RunCli, ws: str, tmp_path: Path, workspace_dir: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[rai]\nannotatorDemographic = "x"\n', encoding="utf-8")
    run = cli("attest", "Acme Labels", "--workspace", ws, "--file", bad)
    assert run.code == 2 and "annotatorDemographics" in run.stderr and "bad.toml" in run.stderr
    neither = cli("attest", "--workspace", ws, "--file", bad)
    assert neither.code == 2
    engine = sa.create_engine(f"sqlite:///{workspace_dir / 'labelpact.db'}")
    try:
        with engine.begin() as conn, pytest.raises(sa.exc.DatabaseError, match="append-only"):
            conn.execute(sa.text("UPDATE attestations SET attested_by = 'someone else'"))
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM attestations")).scalar() == 2
    finally:
        engine.dispose()
