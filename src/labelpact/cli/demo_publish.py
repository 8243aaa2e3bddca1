"""The last chapter of ``labelpact demo``: the lab and a vendor attest what deliveries cannot show, and the
year story's project is published as a Croissant card (checked against labelpact's RAI profile) and a
readable HTML report."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.rule import Rule

from labelpact.services.attest import attest
from labelpact.services.transparency import check_card_file, publish_card, publish_report

if TYPE_CHECKING:
    from labelpact.store import Store

__all__ = ["publish_story"]

_PROJECT_STATEMENTS = """\
attested_by = "Head of Data, Northwind AI"
license = "https://creativecommons.org/licenses/by/4.0/"
[rai]
dataUseCases = "Fine-tuning and evaluating the product-review sentiment model; not for decisions about individuals."
dataReleaseMaintenancePlan = "A new card each quarter; a label shown wrong is corrected in the next release."
"""
_VENDOR_STATEMENTS = """\
attested_by = "Operations lead, Acme Labels"
[rai]
dataAnnotationPlatform = "Label Studio Community 1.23, self-hosted by Acme Labels"
annotatorDemographics = "Adult annotators in three countries; Acme Labels keeps no further demographics."
"""


def publish_story(console: Console, store: Store, root: Path, *, project: str, as_of: date) -> Path:
    """Attest, publish the card and the report of ``project`` as of ``as_of`` into ``root``; returns it."""
    root.mkdir(parents=True, exist_ok=True)
    console.print(Rule(f"Publish: labelpact transparency --project {project} --as-of {as_of.isoformat()}"))
    for name, text, subject in (
        ("project-attest.toml", _PROJECT_STATEMENTS, {"project": project}),
        ("acme-attest.toml", _VENDOR_STATEMENTS, {"partner": "Acme Labels"}),
    ):
        (root / name).write_text(text, encoding="utf-8")
        record = attest(store, root / name, **subject)
        console.print(f"Attestation {record.id} of {record.subject}: {', '.join(sorted(record.statements))}")
    card = publish_card(store, project, root / "card.jsonld", as_of=as_of).document
    sources = list(card["rai"].values())
    console.print(
        "card.jsonld: Croissant 1.1 with the 20 RAI 1.0 properties ("
        + ", ".join(
            f"{sources.count(s)} {s}"
            for s in ("measured", "measured and attested", "attested", "not attested")
        )
        + f"); {card['n_published']} of {card['n_batches']} batches published in "
        + ", ".join(f["name"] for f in card["files"])
    )
    problems = check_card_file(root / "card.jsonld")
    console.print("labelpact transparency --check card.jsonld: " + ("; ".join(problems) or "passes"))
    report = publish_report(store, root / "report.html", project=project, as_of=as_of).document
    console.print(
        f"report.html: the client edition, {report['n_batches']} batches, charts inline, no external request"
    )
    return root
