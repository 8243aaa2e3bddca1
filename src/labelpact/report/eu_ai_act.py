"""The EU AI Act mapping (Regulation (EU) 2024/1689): per Article 10(2) point and Annex IV 2(d), the evidence
labelpact holds for a project's labelled data and what is missing.

Each item lists the RAI properties that answer it; an item is ``held`` when every one of them is measured
or attested, ``partial`` when some are, ``missing`` when none is, plus what labelpact can never hold
(the AI system's own design choices are outside a labelling audit), and the fields of the AI Office's
public-summary template for general-purpose models that the labelling evidence fills. ``--profile eu-ai-act``
writes this.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labelpact.report.facts import ProjectFacts
from labelpact.report.pooled import pooled
from labelpact.report.rai import RaiValue, rai_values

__all__ = ["ITEMS", "Requirement", "eu_ai_act"]


@dataclass(frozen=True, slots=True)
class Requirement:
    """One point of the regulation, the RAI properties that answer it, and what lies outside labelpact."""

    ref: str
    requirement: str
    properties: tuple[str, ...]
    outside: str | None = None


ITEMS: tuple[Requirement, ...] = (
    Requirement(
        "Art. 10(2)(a)",
        "the relevant design choices",
        ("dataAnnotationProtocol",),
        "design choices of the AI system the data trains (the provider's documentation)",
    ),
    Requirement(
        "Art. 10(2)(b)",
        "data collection processes and the origin of data, and for personal data the original purpose of its collection",
        (
            "dataCollection",
            "dataCollectionRawData",
            "dataCollectionTimeframe",
            "personalSensitiveInformation",
        ),
        "the original purpose of collecting any personal data (only its presence is measured)",
    ),
    Requirement(
        "Art. 10(2)(c)",
        "data-preparation processing operations: annotation, labelling, cleaning, updating, enrichment, aggregation",
        (
            "dataAnnotationProtocol",
            "dataAnnotationAnalysis",
            "dataPreprocessingProtocol",
            "dataManipulationProtocol",
            "dataImputationProtocol",
            "annotationsPerItem",
        ),
    ),
    Requirement(
        "Art. 10(2)(d)",
        "the formulation of assumptions, notably on what the data are supposed to measure and represent",
        ("dataUseCases", "dataLimitations"),
    ),
    Requirement(
        "Art. 10(2)(e)",
        "an assessment of the availability, quantity and suitability of the data sets needed",
        ("dataCollection", "annotationsPerItem", "dataAnnotationAnalysis", "dataUseCases"),
    ),
    Requirement(
        "Art. 10(2)(f)",
        "examination in view of possible biases affecting health, safety or fundamental rights, or leading to discrimination",
        ("dataBiases", "annotatorDemographics", "dataSocialImpact"),
    ),
    Requirement(
        "Art. 10(2)(g)",
        "appropriate measures to detect, prevent and mitigate the biases identified under (f)",
        ("dataBiases", "dataAnnotationProtocol"),
        "mitigation measures in the AI system itself",
    ),
    Requirement(
        "Art. 10(2)(h)",
        "identification of relevant data gaps or shortcomings, and how they can be addressed",
        ("dataLimitations", "dataCollectionMissingData"),
    ),
    Requirement(
        "Annex IV 2(d)",
        "datasheets of the training data: general description, provenance, scope and main characteristics; how the "
        "data was obtained and selected; labelling procedures; data-cleaning methodologies",
        (
            "dataCollection",
            "dataCollectionRawData",
            "dataAnnotationProtocol",
            "dataAnnotationPlatform",
            "dataPreprocessingProtocol",
            "dataAnnotationAnalysis",
        ),
    ),
)


def _status(values: list[RaiValue]) -> str:
    filled = [v for v in values if v.source != "not attested"]
    return "held" if len(filled) == len(values) else "partial" if filled else "missing"


def _gpai_summary(facts: ProjectFacts, values: dict[str, RaiValue]) -> list[dict[str, str]]:
    """The fields of the AI Office's template for the public summary of training content (Art. 53(1)(d),
    July 2025) that the labelling evidence can fill; the provider completes the rest of the template."""
    p = pooled(facts.included)
    others = facts.published_deliverables
    vendors = sorted({a.partner for a in (*facts.included, *others)})
    also = (
        f"; and {len(others)} accepted batches of {' and '.join(facts.published_by_kind())} carrying "
        f"{sum(a.n_annotations for a in others):,} human judgements"
        if others
        else ""
    )
    accepted = sorted(a.delivered for a in (*facts.included, *others))
    # the accepted deliveries' own dates: the card's timeframe spans every delivery, rejected ones too
    span = f" ({accepted[0].isoformat()}/{accepted[-1].isoformat()})" if accepted else ""
    return [
        {
            "section": "1. General information: size of the training data",
            "value": f"{p.n_tasks:,} labelled tasks carrying {p.n_annotations:,} human labels{also} "
            "(this labelling project).",
        },
        {
            "section": "2. List of data sources: data obtained from third parties",
            "value": f"Labels bought from {', '.join(vendors) or 'no vendor yet'} in {len(accepted)} "
            f"accepted deliveries{span}.",
        },
        {
            "section": "3. Data processing aspects",
            "value": f"{values['personalSensitiveInformation'].text} {values['dataCollectionRawData'].text}",
        },
    ]


def eu_ai_act(facts: ProjectFacts) -> dict[str, Any]:
    """The mapping document: one entry per requirement with its evidence, status and what is missing."""
    values = rai_values(facts)
    items = []
    for item in ITEMS:
        answered = [values[name] for name in item.properties]
        missing = [f"rai:{v.name}: {v.text}" for v in answered if v.source == "not attested"]
        if item.outside:
            missing.append(f"outside labelpact: {item.outside}")
        items.append(
            {
                "ref": item.ref,
                "requirement": item.requirement,
                "status": _status(answered),
                "evidence": [
                    {"property": f"rai:{v.name}", "source": v.source, "ids": list(v.evidence), "text": v.text}
                    for v in answered
                    if v.source != "not attested"
                ],
                "missing": missing,
            }
        )
    return {
        "profile": "eu-ai-act",
        "regulation": "Regulation (EU) 2024/1689 (AI Act), Article 10(2) and Annex IV point 2(d)",
        "project": facts.project,
        "partner": facts.partner,
        "as_of": facts.as_of.isoformat(),
        "generator": facts.generator,
        "summary": {s: sum(1 for i in items if i["status"] == s) for s in ("held", "partial", "missing")},
        "items": items,
        "gpai_public_summary": _gpai_summary(facts, values),
    }
