"""The Croissant card publishes accepted preferences, ratings and demonstrations batches beside the consensus
labels: one CSV per kind, the rows of each published audit's own table, and nothing of a rejected batch."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from labelpact.config import load_settings
from labelpact.services import add_partner, set_client
from labelpact.services.refinement_audit import audit_deliverable
from labelpact.services.simulated_deliverables import simulate_deliverable
from labelpact.services.transparency import check_card_file, publish_card, publish_report
from labelpact.store import Store

CONTRACT = """\
[preferences]
min_agreement = 0.10
max_position_bias = 0.05
max_flagged_worker_share = 0.20
[ratings]
min_agreement = 0.0
max_rater_offset = 5.0
max_straight_lining = 0.5
max_flagged_worker_share = 0.5
[demonstrations]
max_near_duplicate_rate = 0.05
max_llm_suspect_share = 0.05
max_low_quality_share = 0.10
"""
# (kind, size, position-biased share): the last batch's left-pickers break the contract
BATCHES = (
    ("preferences", 3000, 0.0),
    ("ratings", 150, 0.0),
    ("demonstrations", 80, 0.0),
    ("preferences", 3000, 0.4),
)
TABLES = {"preferences": "scores", "ratings": "scores", "demonstrations": "signals"}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], list[dict[str, Any]]]:
    root = tmp_path_factory.mktemp("kinds")
    contract = root / "contract.toml"
    contract.write_text(CONTRACT, encoding="utf-8")
    audits: list[dict[str, Any]] = []
    with Store.open(load_settings({}, workspace=root / "ws"), create=True) as store:
        set_client(store, "Northwind AI")
        add_partner(store, "Halcyon", since=dt.date(2025, 1, 1), contract=contract)
        for i, (kind, size, biased) in enumerate(BATCHES):
            path = root / f"{kind}-{i}.csv"
            simulate_deliverable(
                kind, path, size=size, spammer_share=0.0, biased_share=biased, llm_share=0.0, random_state=i
            )
            result = audit_deliverable(
                store, path, partner="Halcyon", project="assistant", n_bootstrap=50, random_state=i,
                delivered_at=dt.datetime(2025, 2 + i, 1, tzinfo=dt.UTC),
            )  # fmt: skip
            record = result.audit
            table = pq.read_table(store.blob_path(record.file(TABLES[kind]))).to_pylist()  # type: ignore[arg-type]
            audits.append(
                {
                    "kind": kind,
                    "id": record.id,
                    "verdict": record.verdict,
                    "batch": record.batch,
                    "rows": table,
                }
            )
        summary = publish_card(store, "assistant", root / "card.jsonld", as_of=dt.date(2025, 12, 31)).document
        publish_report(store, root / "report.html", project="assistant", as_of=dt.date(2025, 12, 31))
        publish_card(store, "assistant", root / "eu.json", as_of=dt.date(2025, 12, 31), profile="eu-ai-act")
        metrics = {a["id"]: store.get_audit(a["id"]).metrics for a in audits}
    for a in audits:
        a["metrics"] = metrics[a["id"]]
    return root, summary, audits


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_each_kind_publishes_its_accepted_audits_table(
    published: tuple[Path, dict[str, Any], list[dict[str, Any]]],
) -> None:
    root, summary, audits = published
    verdicts = [a["verdict"] for a in audits]
    assert verdicts == ["accept", "accept", "accept", "reject"], verdicts  # the simulation is seeded
    names = {f["name"] for f in summary["files"]}
    assert {"card.preferences.csv", "card.ratings.csv", "card.demonstrations.csv"} <= names
    assert summary["n_published"] == 3 and summary["n_batches"] == 4
    for a in audits[:3]:
        rows = _rows(root / f"card.{a['kind']}.csv")
        assert {r["batch"] for r in rows} == {a["batch"]}  # the rejected preference batch is left out
        assert len(rows) == len(a["rows"])
        for got, want in zip(rows, a["rows"], strict=True):
            for name, value in want.items():
                if isinstance(value, float):
                    assert float(got[name]) == pytest.approx(value, rel=1e-12, abs=1e-12), name
                else:
                    assert got[name] == str(value), name
    assert check_card_file(root / "card.jsonld") == []
    card = json.loads((root / "card.jsonld").read_text(encoding="utf-8"))
    history = {h["audit"]: h for h in card["auditHistory"]}
    for a in audits:
        assert history[a["id"]]["kind"] == a["kind"]
        assert history[a["id"]]["published"] is (a["verdict"] == "accept")
    assert "1 preferences batches (Bradley-Terry item scores)" in card["description"]
    assert "1 preferences batches (3,000 annotations)" in card["rai:dataCollection"]  # one per comparison
    assert "1 were not accepted and are left out" in card["rai:dataCollection"]
    assert "1 delivered batches are left out (not accepted)" in card["rai:dataLimitations"]
    analysis = card["rai:dataAnnotationAnalysis"]
    for a in audits[:3]:
        assert f"{a['kind']} batch {a['batch']}" in analysis
    alpha = audits[0]["metrics"]["krippendorff_alpha"]
    assert (
        f"Krippendorff's alpha on the choices {alpha['value']:.3f} (95% CI {alpha['ci'][0]:.3f} to "
        f"{alpha['ci'][1]:.3f})" in analysis
    )
    assert card["raiSources"]["rai:dataAnnotationAnalysis"]["source"] == "measured"
    per_item = card["rai:annotationsPerItem"]
    for a, what in zip(audits[:3], ("comparisons", "ratings", "answers"), strict=True):
        n, tasks = a["metrics"]["n_annotations"], a["metrics"]["n_tasks"]
        assert f"{a['kind']}: {n / tasks:.2f} {what} per task ({n:,} on {tasks:,} tasks)." in per_item


# mlcroissant's rdflib use warns; the warning is theirs, not ours
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_mlcroissant_reads_every_published_table(
    published: tuple[Path, dict[str, Any], list[dict[str, Any]]],
) -> None:
    import mlcroissant as mlc

    root, _, audits = published
    card = json.loads((root / "card.jsonld").read_text(encoding="utf-8"))
    checked = mlc.Dataset(jsonld=copy.deepcopy(card))  # mlcroissant edits the dict it is given
    assert not checked.metadata.ctx.issues.errors and not checked.metadata.ctx.issues.warnings
    dataset = mlc.Dataset(jsonld=str(root / "card.jsonld"))  # a path: the CSVs are found beside it
    for a in audits[:3]:
        records = list(dataset.records(record_set=f"{a['kind']}-csv-records"))
        assert len(records) == len(a["rows"])
        first = {k.split("/")[-1]: v for k, v in records[0].items()}
        column = next(iter(a["rows"][0]))
        got = first[column].decode() if isinstance(first[column], bytes) else first[column]
        assert str(got) == str(a["rows"][0][column])


def test_the_report_has_a_section_for_the_other_kinds(
    published: tuple[Path, dict[str, Any], list[dict[str, Any]]],
) -> None:
    root, _, audits = published
    html = (root / "report.html").read_text(encoding="utf-8")
    accepted = sum(a["verdict"] == "accept" for a in audits)
    assert (
        f'<div class="value">{accepted}</div><div class="label">preference, rating or demonstration batches '
        "published</div>" in html
    )
    assert '<div class="value">0</div><div class="label">label batches published (accepted)</div>' in html
    section = html[html.index('<section id="deliverables">') :]
    section = section[: section.index("</section>")]
    rows = section.split("<tr>")[2:]  # after the header row
    assert len(rows) == len(audits)
    for row, a in zip(rows, audits, strict=True):
        m = a["metrics"]
        assert f"({a['id']})" in row and f"<td>{a['kind']}</td>" in row and a["verdict"] in row
        assert ("yes" if a["verdict"] == "accept" else "no") in row.rsplit("<td>", 1)[-1]
        if a["kind"] == "preferences":
            bias = m["position_bias"]
            assert (
                f"{100 * bias['value']:.1f}% [{100 * bias['ci'][0]:.1f}%, {100 * bias['ci'][1]:.1f}%]" in row
            )
            assert f"{m['krippendorff_alpha']['value']:.3f}" in row
        elif a["kind"] == "ratings":
            for name, doc in m["criteria"].items():
                assert f"alpha, {name}: {doc['krippendorff_alpha_ordinal']['value']:.3f}" in row
        else:
            assert f"{100 * m['llm_suspect_share']['value']:.1f}%" in row


def test_the_eu_summary_counts_the_other_kinds(
    published: tuple[Path, dict[str, Any], list[dict[str, Any]]],
) -> None:
    root, _, audits = published
    summary = {
        f["section"][:2]: f["value"]
        for f in json.loads((root / "eu.json").read_text())["gpai_public_summary"]
    }
    accepted = [a for a in audits if a["verdict"] == "accept"]
    judgements = sum(a["metrics"]["n_annotations"] for a in accepted)
    assert summary["1."] == (
        f"0 labelled tasks carrying 0 human labels; and 3 accepted batches of demonstrations and preferences "
        f"and ratings carrying {judgements:,} human judgements (this labelling project)."
    )
    assert "Labels bought from Halcyon in 3 accepted deliveries" in summary["2."]
