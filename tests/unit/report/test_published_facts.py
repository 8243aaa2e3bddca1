"""What the card, the report and the EU AI Act file say about the published batches: the contracts they
were judged by (not the partner's registered one), a reviewed sample's verdict and verified estimate, and
the dates of the accepted deliveries."""

from __future__ import annotations

import dataclasses
import datetime as dt

from labelpact.report import ContractFacts, ProjectFacts, build_card, eu_ai_act, rai_values, render_report

from . import factory

LENIENT = ContractFacts(
    "cd" * 32,
    (
        ("acceptance.aql", 10.0),
        ("data.personal_data", "reject"),
        ("labels.classes", None),
        ("labels.ordered", False),
        ("pay.currency", "USD"),
        ("pay.pay_floor_per_hour", None),
        ("quality.max_error_rate", None),
        ("quality.method", "mv"),
        ("quality.min_agreement", None),
        ("quality.min_gold_accuracy", None),
    ),
)
DEFAULTS = dataclasses.replace(
    LENIENT, sha256=None, clauses=(("acceptance.aql", 1.0), ("quality.method", "auto"))
)


def _judged_by_other_contracts() -> ProjectFacts:
    """Acme's registered contract is the strict ``factory.CONTRACT``; its batches were judged by LENIENT,
    Borealis's (no contract on file) by labelpact's defaults."""
    facts = factory.project()
    audits = tuple(
        dataclasses.replace(a, contract=LENIENT.sha256 if a.partner == "Acme" else None) for a in facts.audits
    )
    return dataclasses.replace(facts, audits=audits, contracts=(LENIENT, DEFAULTS))


def test_the_protocol_states_the_contracts_the_batches_were_judged_by() -> None:
    facts = _judged_by_other_contracts()
    protocol = rai_values(facts)["dataAnnotationProtocol"].text
    assert "The batches were judged by 2 different contracts (each stored with its audit): " in protocol
    assert (
        "contract cdcdcdcdcdcd (Acme; 2 batches, 2 published): classes as delivered; unordered classes; "
        "truth inference mv; acceptance sampling ISO 2859-1 at AQL 10.0%; personal data: reject." in protocol
    )
    assert "labelpact's default contract (none on file) (Borealis; 2 batches, 0 published): " in protocol
    # the strict registered contract judged nothing here: its thresholds are not claimed
    assert "gold accuracy at least" not in protocol and "pay floor" not in protocol
    assert "Not applied to any of these batches: Acme's contract on file now (abababababab)." in protocol
    card = build_card(facts)
    assert card["rai:dataAnnotationProtocol"] == protocol
    assert {h["audit"]: h["contract"] for h in card["auditHistory"]} == {
        "a1": "cd" * 32, "a2": None, "a3": "cd" * 32, "a4": None,
    }  # fmt: skip
    annex = next(i for i in eu_ai_act(facts)["items"] if i["ref"] == "Annex IV 2(d)")
    evidence = next(e for e in annex["evidence"] if e["property"] == "rai:dataAnnotationProtocol")
    assert evidence["text"] == card["rai:dataAnnotationProtocol"]
    assert "contract cdcdcdcdcdcd (Acme; 2 batches, 2 published)" in render_report(facts)


def test_one_contract_for_every_batch_is_stated_once() -> None:
    facts = factory.project()
    audits = tuple(dataclasses.replace(a, contract=factory.CONTRACT.sha256) for a in facts.audits)
    protocol = rai_values(dataclasses.replace(facts, audits=audits, contracts=(factory.CONTRACT,)))[
        "dataAnnotationProtocol"
    ].text
    assert (
        "Contract (stored with each audit): contract abababababab (Acme, Borealis; 4 batches, 2 published): "
        in (protocol)
    )
    assert "gold accuracy at least 85.0%" in protocol and "Not applied" not in protocol


def test_the_public_summary_dates_the_accepted_deliveries_only() -> None:
    facts = factory.project()  # accepted: a1 2025-02-01, a3 2025-04-01; a4 (review) is the last delivered
    summary = {f["section"][:2]: f["value"] for f in eu_ai_act(facts)["gpai_public_summary"]}
    assert summary["2."] == "Labels bought from Acme in 2 accepted deliveries (2025-02-01/2025-04-01)."
    assert rai_values(facts)["dataCollectionTimeframe"].text == "2025-02-01/2025-05-01"  # every delivery
    none = dataclasses.replace(facts, audits=tuple(a for a in facts.audits if not a.published))
    none_summary = eu_ai_act(none)["gpai_public_summary"][1]["value"]
    assert none_summary == "Labels bought from no vendor yet in 0 accepted deliveries."


def test_a_reviewers_sample_decides_what_is_published() -> None:
    """A batch the audit accepted and a reviewer's sample then rejected is not published (it had been, with its
    consensus labels in the card's files); a "review" verdict the sample accepts is; the text counts both reviews."""
    base = factory.audit(7, "Acme", dt.date(2025, 6, 1), "accept")
    overruled = dataclasses.replace(base, review="reject")
    assert base.published and not overruled.published and not overruled.included
    assert overruled.decision == "reject"
    sampled = dataclasses.replace(factory.audit(8, "Acme", dt.date(2025, 6, 2), "review"), review="accept")
    assert sampled.published and sampled.decision == "accept"
    assert not factory.audit(9, "Acme", dt.date(2025, 6, 3), "reject").published
    facts = dataclasses.replace(factory.project(), audits=(overruled, sampled))
    assert facts.included == (sampled,)
    analysis = rai_values(facts)["dataAnnotationAnalysis"].text
    assert (
        "Audit verdicts: accept 1, review 1, reject 0 (reviewed samples then accepted 1, rejected 1)."
        in analysis
    )
