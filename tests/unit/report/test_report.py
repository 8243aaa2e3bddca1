"""The pure report builders on hand-made facts: the card's RAI values, the profile check, the EU AI Act
mapping, the HTML editions and byte-identical output."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import re

import pytest

from labelpact.errors import InvalidInputError
from labelpact.report import (
    NOT_ATTESTED,
    RAI_PROPERTIES,
    build_card,
    card_text,
    check_card,
    eu_ai_act,
    rai_values,
    render_report,
)

from . import factory

OFFICIAL = {  # croissant_rai.ttl, RAI 1.0 (mlcommons/croissant docs/)
    "dataCollection", "dataCollectionType", "dataCollectionMissingData", "dataCollectionRawData",
    "dataCollectionTimeframe", "dataPreprocessingProtocol", "dataImputationProtocol", "dataManipulationProtocol",
    "dataReleaseMaintenancePlan", "personalSensitiveInformation", "dataAnnotationProtocol",
    "dataAnnotationPlatform", "dataAnnotationAnalysis", "annotationsPerItem", "annotatorDemographics",
    "machineAnnotationTools", "dataSocialImpact", "dataBiases", "dataLimitations", "dataUseCases",
}  # fmt: skip


def test_the_vocabulary_is_the_twenty_official_rai_properties() -> None:
    assert [p.name for p in RAI_PROPERTIES] == sorted(OFFICIAL, key=[p.name for p in RAI_PROPERTIES].index)
    assert {p.name for p in RAI_PROPERTIES} == OFFICIAL and len(RAI_PROPERTIES) == 20


def test_pooled_values_are_computed_from_the_published_audits_only() -> None:
    facts = factory.project()
    values = rai_values(facts)
    # published: a1 (1000 tasks, 3000 labels) and a3 (1000 tasks, 5000 labels); a2 rejected, a4 in review
    assert values["annotationsPerItem"].text == (
        "Measured: 4.00 human labels per task on average (8,000 labels on 2,000 tasks; per batch 3.00 to 5.00)."
    )
    assert values["annotationsPerItem"].evidence == ("a1", "a3")
    analysis = values["dataAnnotationAnalysis"].text
    assert "alpha median 0.700 (per batch 0.690 to 0.710" in analysis  # median of 0.71, 0.69
    assert "accuracy on 200 held-out gold tasks 97.0%" in analysis  # (0.98 * 100 + 0.96 * 100) / 200
    assert "error rate of the published labels 3.0% (per batch 2.0% to 4.0%" in analysis
    assert "95% upper bounds up to 8.0%" in analysis  # a3's interval: 0.02 to 0.08
    assert "(a batch's 95% upper bound reaches 8.0%)" in values["dataLimitations"].text
    assert "Audit verdicts: accept 2, review 1, reject 1." in analysis
    assert "Findings disputed by partners: 1 (rejected 1)." in analysis
    assert values["dataCollectionTimeframe"].text == "2025-02-01/2025-05-01"
    pii = values["personalSensitiveInformation"].text
    assert (
        "3 tasks in 1 batches carried personal data (3 email)" in pii and "1 of those batches were not" in pii
    )


def test_attested_statements_are_quoted_with_who_and_when_and_the_rest_is_marked() -> None:
    values = rai_values(factory.project())
    use = values["dataUseCases"]
    assert use.source == "attested" and use.evidence == ("t1",)
    assert use.text == (
        'Project reviews attests (Dana Ortiz, Head of Data, 2025-06-01, t1): "Fine-tuning the support sentiment model."'
    )
    missing = {name for name, v in values.items() if v.source == "not attested"}
    assert missing == {
        "dataReleaseMaintenancePlan", "dataAnnotationPlatform", "annotatorDemographics", "dataSocialImpact"
    }  # fmt: skip
    assert all(values[name].text.startswith(f"{NOT_ATTESTED}: ") for name in missing)
    bare = rai_values(factory.project(attested=False))
    assert bare["dataUseCases"].source == "not attested"


def test_a_later_attestation_supersedes_an_earlier_one_of_the_same_subject() -> None:
    facts = factory.project()
    first = facts.attestations[0]
    later = dataclasses.replace(
        first,
        id="t2",
        attested_at=first.attested_at.replace(year=2026),
        statements=(("dataUseCases", "Evaluation only."),),
    )
    values = rai_values(dataclasses.replace(facts, attestations=(later, first)))
    assert (
        values["dataUseCases"].text.endswith('"Evaluation only."') and "t1" not in values["dataUseCases"].text
    )


def test_the_card_passes_the_profile_and_mlcroissant() -> None:
    card = build_card(factory.project(files=(factory.consensus_file(),)))
    assert check_card(card) == []
    assert card["license"] == "https://spdx.org/licenses/CC-BY-4.0"
    assert card["distribution"][0]["sha256"] == "ef" * 32
    assert card["recordSet"][0]["key"] == [
        {"@id": "consensus-csv-records/batch"},
        {"@id": "consensus-csv-records/task"},
    ]
    mlc = pytest.importorskip("mlcroissant")
    with (
        pytest.warns(DeprecationWarning, match="ConjunctiveGraph")
        if _rdflib_warns()
        else contextlib.nullcontext()
    ):
        dataset = mlc.Dataset(jsonld=copy.deepcopy(card))
    assert not dataset.metadata.ctx.issues.errors and not dataset.metadata.ctx.issues.warnings


def _rdflib_warns() -> bool:
    import warnings

    from rdflib import ConjunctiveGraph

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ConjunctiveGraph()
    return bool(caught)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda c: c.update({"rai:dataBias": "x"}),
            "rai:dataBias: unknown RAI property; did you mean rai:dataBiases?",
        ),
        (
            lambda c: c.update({"rai:dataDataManipulationProtocol": "x"}),
            "official name is rai:dataManipulationProtocol",
        ),
        (lambda c: c.pop("rai:dataUseCases"), "rai:dataUseCases: missing"),
        (lambda c: c.update({"rai:dataUseCases": "  "}), "rai:dataUseCases: blank"),
        (lambda c: c.update({"rai:dataUseCases": ["a", "b"]}), "rai:dataUseCases: a list of 2 values"),
        (lambda c: c.update({"rai:dataUseCases": 3}), "rai:dataUseCases: expected a text, got int"),
        (lambda c: c.update({"rai:dataCollectionTimeframe": "last year"}), "expected an ISO 8601 date"),
        (lambda c: c.update({"rai:dataUseCases": "Not attested"}), "marked not attested without saying why"),
        (lambda c: c.update({"rai:dataSocialImpact": "Fine."}), "raiSources says 'not attested'"),
        (lambda c: c["distribution"][0].update({"rai:dataBiases": "x"}), "belong to the dataset itself"),
        (lambda c: c.update({"conformsTo": "http://mlcommons.org/croissant/1.1"}), "RAI/1.0"),
    ],
)
def test_the_profile_check_names_each_problem(edit: object, expected: str) -> None:
    card = build_card(factory.project(files=(factory.consensus_file(),)))
    edit(card)  # type: ignore[operator]
    problems = check_card(card)
    assert len(problems) == 1 and expected in problems[0], problems


def test_the_profile_reads_context_terms_for_rai_properties() -> None:
    card = build_card(factory.project())
    card["@context"]["dataBiases"] = "rai:dataBiases"
    card["dataBiases"] = card.pop("rai:dataBiases")
    assert check_card(card) == []
    card["rai:dataBiases"] = "again"
    assert check_card(card) == [
        "rai:dataBiases: given 2 times (dataBiases, rai:dataBiases); RAI 1.0 expects one value"
    ]
    card["@context"]["dataBias"] = {"@id": "http://mlcommons.org/croissant/RAI/dataBias"}
    card["dataBias"] = "x"
    assert "dataBias: unknown RAI property; did you mean rai:dataBiases?" in check_card(card)


def test_the_profile_accepts_timeframes_in_iso_forms() -> None:
    card = build_card(factory.project())
    for value in ("2020/2022", "2025-01-14/2025-12-23", "2025-01-14T09:00:00+00:00"):
        card["rai:dataCollectionTimeframe"] = value
        assert check_card(card) == []
    assert check_card([]) == ["document: expected a JSON object (a Croissant dataset), got list"]


def test_the_same_facts_give_the_same_bytes() -> None:
    a = card_text(build_card(factory.project(files=(factory.consensus_file(),))))
    b = card_text(build_card(factory.project(files=(factory.consensus_file(),))))
    assert a == b and a.endswith("}\n") and json.loads(a)["datePublished"] == "2025-12-31"
    assert list(json.loads(a)) == sorted(json.loads(a))
    assert render_report(factory.project()) == render_report(factory.project())


def test_the_eu_ai_act_mapping_follows_the_rai_sources() -> None:
    doc = eu_ai_act(factory.project())
    items = {i["ref"]: i for i in doc["items"]}
    assert len(items) == 9 and doc["summary"] == {"held": 7, "partial": 2, "missing": 0}
    assert items["Art. 10(2)(f)"]["status"] == "partial"  # demographics and social impact not attested
    assert any(
        m.startswith("rai:annotatorDemographics: Not attested") for m in items["Art. 10(2)(f)"]["missing"]
    )
    assert items["Art. 10(2)(d)"]["status"] == "held"  # use cases attested, limitations measured
    assert items["Art. 10(2)(a)"]["missing"][-1].startswith("outside labelpact")
    summary = {f["section"][:2]: f["value"] for f in doc["gpai_public_summary"]}
    assert summary["1."].startswith("2,000 labelled tasks carrying 8,000 human labels")
    # a1 and a3 are accepted (2025-02-01, 2025-04-01); a4 (2025-05-01) is still in review
    assert "Acme in 2 accepted deliveries (2025-02-01/2025-04-01)." in summary["2."]


def test_the_html_is_self_contained_and_the_partner_edition_hides_client_content() -> None:
    facts = factory.project()
    client = render_report(facts, edition="client")
    assert "<script" not in client and not re.search(r"""(?:src|href)\s*=""", client)
    assert set(re.findall(r"https?://[^\s\"'<]+", client)) <= {"http://www.w3.org/2000/svg"}
    assert 'id="forecast"' in client and "executive departure: CEO" in client and "12% chance" in client
    with pytest.raises(InvalidInputError, match="a partner for the partner edition") as refused:
        render_report(facts, edition="partner")
    assert refused.value.column == "partner" and refused.value.column_kind == "field"  # no CLI flag named
    partner = render_report(dataclasses.replace(facts, partner="Acme"), edition="partner")
    assert (
        'id="forecast"' not in partner
        and "executive departure" not in partner
        and "control limits" not in partner
    )
