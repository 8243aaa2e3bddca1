"""Ethics findings and reasons on hand-made batches: every kind, every outcome, worked out by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest

from labelpact.contracts.contract import Contract, parse_contract
from labelpact.contracts.findings import Finding, Reason, worst_outcome
from labelpact.core.annotations import Annotations, TaskPayloads
from labelpact.errors import InvalidInputError
from labelpact.ethics import EthicsReport, audit_ethics, label_bias
from labelpact.ethics.findings import (
    FINDING_KINDS,
    MAX_EXAMPLES,
    ethics_findings,
    ethics_reasons,
    finding_kinds,
)

EMAIL, CARD = "kim.lee@example.com", "4111 1111 1111 1111"
NAN = float("nan")


def contract(**sections: str) -> Contract:
    """A contract from ``section="key = value"`` lines, e.g. ``data='personal_data = "review"'``."""
    return parse_contract("\n".join(f"[{name}]\n{body}" for name, body in sections.items()))


def by_kind(findings: list[Finding]) -> dict[str, Finding]:
    assert len({f.kind for f in findings}) == len(findings)  # one finding per kind
    return {f.kind: f for f in findings}


def by_clause(reasons: list[Reason]) -> dict[str, list[Reason]]:
    out: dict[str, list[Reason]] = {}
    for r in reasons:
        out.setdefault(r.clause, []).append(r)
    return out


# -- personal data ---------------------------------------------------------------------------------------
def leaky() -> EthicsReport:
    payloads = TaskPayloads(
        task=("t1", "t2", "t3"),
        fields={
            "text": (f"mail {EMAIL} please", f"card {CARD} was charged", "fine"),
            "note": (None, None, EMAIL),
        },
    )
    return audit_ethics(payloads=payloads)


@pytest.mark.parametrize(
    ("policy", "severity", "outcome"),
    [("reject", "critical", "reject"), ("review", "warning", "review"), ("allow", "info", "met")],
)
def test_personal_data_follows_the_policy(policy: str, severity: str, outcome: str) -> None:
    terms = contract(data=f'personal_data = "{policy}"')
    (finding,) = ethics_findings(leaky(), terms)
    assert (finding.kind, finding.severity, finding.clause) == ("pii", severity, "data.personal_data")
    assert finding.evidence["by_entity"] == {"email": 2, "card": 1}
    assert finding.evidence["by_entity_and_field"] == {"card/text": 1, "email/note": 1, "email/text": 1}
    assert finding.evidence["tasks"] == ["t1", "t2", "t3"]
    (reason,) = ethics_reasons(leaky(), terms)
    assert (reason.clause, reason.outcome, reason.measured, reason.limit) == (
        "data.personal_data", outcome, 3, policy
    )  # fmt: skip


def test_block_on_pii_set_in_the_file_with_allow_is_a_contradiction_and_with_reject_blocks() -> None:
    with pytest.raises(InvalidInputError, match="the two contradict"):
        contract(data='personal_data = "allow"', ethics='block_on = ["pii"]')
    terms = contract(data='personal_data = "reject"', ethics='block_on = ["pii"]')
    assert ethics_findings(leaky(), terms)[0].severity == "critical"
    assert [r.outcome for r in ethics_reasons(leaky(), terms)] == ["reject"]
    # the default block_on (which lists pii) does not override: the explicit personal_data policy decides
    assert [r.outcome for r in ethics_reasons(leaky(), contract(data='personal_data = "allow"'))] == ["met"]


def test_findings_never_hold_a_raw_value() -> None:
    report = leaky()
    text = json.dumps([f.to_dict() for f in ethics_findings(report, Contract.default())])
    text += json.dumps([r.to_dict() for r in ethics_reasons(report, Contract.default())])
    assert EMAIL not in text and CARD not in text and "4111111111111111" not in text
    assert "k***@e***.com" in text and "**** **** **** 1111" in text


def test_clean_payloads_meet_and_missing_payloads_are_unchecked() -> None:
    clean = audit_ethics(payloads=TaskPayloads(task=("t1",), fields={"text": ("nice",)}))
    assert ethics_findings(clean, Contract.default()) == []
    assert [(r.outcome, r.measured) for r in ethics_reasons(clean, Contract.default())] == [("met", 0)]
    terms = contract(data='allowed_licenses = ["MIT"]')
    reasons = ethics_reasons(EthicsReport(), terms)
    assert [(r.clause, r.outcome) for r in reasons] == [
        ("data.personal_data", "unchecked"),
        ("data.allowed_licenses", "unchecked"),
    ]
    assert worst_outcome(reasons) == "accept"  # unchecked never passes as met, nor blocks on its own


# -- licences --------------------------------------------------------------------------------------------
LICENSED = TaskPayloads(
    task=("t1", "t2", "t3", "t4", "t5", "t6", "t7"),
    fields={
        "source": ("wiki", "wiki", "shop", "blog", "dump", "mixed", "mixed"),
        "license": ("CC BY 4.0", "CC-BY-4.0", "CC-BY-NC-4.0", "ask the owner", None, "MIT", "CC0-1.0"),
    },
)


def licences(terms: Contract) -> EthicsReport:
    return audit_ethics(payloads=LICENSED, allowed_licenses=terms.data.allowed_licenses)


def test_each_licence_problem_is_one_finding_with_its_tasks() -> None:
    terms = contract(data='allowed_licenses = ["CC-BY-4.0", "MIT", "CC0-1.0"]')
    found = by_kind(ethics_findings(licences(terms), terms))
    assert finding_kinds(list(found.values())) == (
        "disallowed_license", "unknown_license", "missing_license", "conflicting_license"
    )  # fmt: skip
    assert found["disallowed_license"].evidence["tasks"] == ["t3"]
    assert found["disallowed_license"].evidence["sources"] == [
        {"source": "shop", "license": "CC-BY-NC-4.0", "spdx": "CC-BY-NC-4.0", "n_tasks": 1}
    ]
    assert found["unknown_license"].evidence["tasks"] == ["t4"]
    assert found["missing_license"].evidence["tasks"] == ["t5"]
    assert found["conflicting_license"].evidence["tasks"] == ["t6", "t7"]
    assert {f.clause for f in found.values()} == {"data.allowed_licenses"}
    # the default block_on lists disallowed_license: critical and reject; the rest review
    assert found["disallowed_license"].severity == "critical"
    assert found["unknown_license"].severity == "warning"
    reasons = by_clause(ethics_reasons(licences(terms), terms))["data.allowed_licenses"]
    assert [(r.outcome, r.measured) for r in reasons] == [
        ("reject", 1),
        ("review", 1),
        ("review", 1),
        ("review", 2),
    ]


def test_block_on_decides_which_licence_problems_reject() -> None:
    terms = contract(
        data='allowed_licenses = ["CC-BY-4.0", "MIT", "CC0-1.0"]', ethics='block_on = ["unknown_license"]'
    )
    found = by_kind(ethics_findings(licences(terms), terms))
    assert (found["unknown_license"].severity, found["disallowed_license"].severity) == (
        "critical",
        "warning",
    )
    outcomes = [
        r.outcome for r in ethics_reasons(licences(terms), terms) if r.clause == "data.allowed_licenses"
    ]
    assert outcomes == ["review", "reject", "review", "review"]


def test_all_allowed_licences_meet_the_clause() -> None:
    terms = contract(data='allowed_licenses = ["CC-BY-4.0"]')
    payloads = TaskPayloads(task=("a", "b"), fields={"license": ("CC-BY-4.0", "cc by 4.0")})
    report = audit_ethics(payloads=payloads, allowed_licenses=["CC-BY-4.0"])
    assert ethics_findings(report, terms) == []
    (reason,) = [r for r in ethics_reasons(report, terms) if r.clause == "data.allowed_licenses"]
    assert (reason.outcome, reason.measured) == ("met", 0)


# -- pay -------------------------------------------------------------------------------------------------
def timed(seconds: dict[str, list[float]]) -> Annotations:
    rows = [(f"t{i}", w, s) for w, values in seconds.items() for i, s in enumerate(values)]
    task, worker, secs = zip(*rows, strict=True)
    return Annotations.from_columns(task=task, worker=worker, label=["x"] * len(rows), duration_s=secs)


def pay_reasons(report: EthicsReport, terms: Contract, **options: float) -> list[Reason]:
    """The reasons on the pay clause (the personal-data one is always there, unchecked without payloads)."""
    return by_clause(ethics_reasons(report, terms, **options)).get("pay.pay_floor_per_hour", [])


PAY = "price_per_label = 0.10\npay_floor_per_hour = 15.0"


def pay_report(a: Annotations, terms: Contract) -> EthicsReport:
    return audit_ethics(
        a, price_per_label=terms.pay.price_per_label, pay_floor_per_hour=terms.pay.pay_floor_per_hour
    )


def test_pay_below_floor_names_the_workers_and_the_lowest_pay() -> None:
    # A: 4 labels in 240 s -> 0.4 / (1/15 h) = 6 per hour; B: 4 labels in 40 s -> 36 per hour
    a = timed({"A": [60.0] * 4, "B": [10.0] * 4})
    terms = contract(pay=PAY)
    (finding,) = ethics_findings(pay_report(a, terms), terms)
    assert (finding.kind, finding.severity, finding.clause) == (
        "pay_below_floor",
        "warning",
        "pay.pay_floor_per_hour",
    )
    assert finding.evidence["workers"] == [
        {"worker": "A", "hourly_pay": pytest.approx(6.0), "hours": pytest.approx(240 / 3600)}
    ]
    assert finding.evidence["share_workers_below_floor"] == 0.5
    assert finding.evidence["share_hours_below_floor"] == pytest.approx(240 / 280)
    (reason,) = pay_reasons(pay_report(a, terms), terms)
    assert (reason.outcome, reason.measured, reason.limit) == ("review", pytest.approx(6.0), 15.0)
    blocking = contract(pay=PAY, ethics='block_on = ["pay_below_floor"]')
    assert ethics_findings(pay_report(a, blocking), blocking)[0].severity == "critical"
    assert [r.outcome for r in pay_reasons(pay_report(a, blocking), blocking)][-1] == "reject"


def test_pay_above_floor_meets_the_clause() -> None:
    terms = contract(pay=PAY)
    report = pay_report(timed({"A": [10.0] * 4}), terms)
    assert ethics_findings(report, terms) == []
    (reason,) = pay_reasons(report, terms)
    assert (reason.clause, reason.outcome, reason.measured) == (
        "pay.pay_floor_per_hour",
        "met",
        pytest.approx(36.0),
    )


def test_implausible_time_warns_from_the_share_and_informs_below_it() -> None:
    terms = contract(pay=PAY)
    # A: 3 of 10 labels in 1 s (< min_seconds 2): 30% of B's and A's 20 timed labels is 15%
    a = timed({"A": [1.0, 1.0, 1.0] + [10.0] * 7, "B": [10.0] * 10})
    found = by_kind(ethics_findings(pay_report(a, terms), terms))
    fast = found["implausible_time"]
    assert (fast.severity, fast.evidence["n_annotations_too_fast"]) == ("warning", 3)
    assert fast.evidence["share_of_timed"] == pytest.approx(0.15)
    assert fast.evidence["workers"] == [{"worker": "A", "n_too_fast": 3}]
    review = [r for r in pay_reasons(pay_report(a, terms), terms) if r.measured == pytest.approx(0.15)]
    assert [(r.clause, r.outcome, r.limit) for r in review] == [("pay.pay_floor_per_hour", "review", 0.05)]
    relaxed = ethics_findings(pay_report(a, terms), terms, too_fast_share=0.2)
    assert by_kind(relaxed)["implausible_time"].severity == "info"
    assert len(pay_reasons(pay_report(a, terms), terms, too_fast_share=0.2)) == 1  # the floor alone


def test_missing_durations_are_unknown_pay_never_zero() -> None:
    terms = contract(pay=PAY)
    a = timed({"A": [NAN, NAN], "B": [NAN]})
    (finding,) = ethics_findings(pay_report(a, terms), terms)
    assert (finding.kind, finding.severity) == ("pay_unknown", "info")
    assert finding.evidence["workers"] == ["A", "B"] and "No label has a time" in finding.detail
    (reason,) = pay_reasons(pay_report(a, terms), terms)
    assert (reason.clause, reason.outcome, reason.limit) == ("pay.pay_floor_per_hour", "unchecked", 15.0)
    partly = timed({"A": [NAN], "B": [10.0]})
    found = by_kind(ethics_findings(pay_report(partly, terms), terms))
    assert found["pay_unknown"].evidence["n_workers_unknown"] == 1
    # B alone is timed: the floor is not "met" for A, whose pay nobody knows
    assert [r.outcome for r in pay_reasons(pay_report(partly, terms), terms)] == ["unchecked"]


def test_a_floor_without_a_price_is_unchecked() -> None:
    terms = contract(pay="pay_floor_per_hour = 15.0")
    report = audit_ethics(timed({"A": [10.0]}), pay_floor_per_hour=15.0)  # no price: no pay part
    (reason,) = pay_reasons(report, terms)
    assert reason.outcome == "unchecked" and "price_per_label" in reason.detail


# -- bias across slices ----------------------------------------------------------------------------------
# en: t1-t4 unanimous; fr: t5-t8 split 2-1 except t7 (as in test_bias): fr agrees far less (q < 0.05)
VOTES = {
    "t1": "aaa",
    "t2": "aaa",
    "t3": "bbb",
    "t4": "aaa",
    "t5": "bba",
    "t6": "bab",
    "t7": "bbb",
    "t8": "abb",
}
SLICES = ("en",) * 4 + ("fr",) * 4


def biased(copies: int = 3) -> EthicsReport:
    """VOTES ``copies`` times: 4 tasks a side are too few for a clustered test to tell, 12 are enough."""
    task = [f"{t}_{c}" for c in range(copies) for t, votes in VOTES.items() for _ in votes]
    worker = [f"w{i}" for _ in range(copies) for votes in VOTES.values() for i in range(len(votes))]
    label = [v for _ in range(copies) for votes in VOTES.values() for v in votes]
    a = Annotations.from_columns(task=task, worker=worker, label=label)
    report = label_bias(a, np.argmax(a.label_counts(), axis=1), SLICES * copies, column="language")
    return EthicsReport(bias=(report,))


def test_bias_names_the_worse_slice_and_distribution_is_information() -> None:
    found = by_kind(ethics_findings(biased(), Contract.default()))
    bias = found["bias"]
    assert bias.severity == "warning" and bias.clause == "ethics.block_on"
    assert [(s["column"], s["slice"]) for s in bias.evidence["slices"]] == [
        ("language", "fr")
    ]  # en is better
    assert bias.evidence["slices"][0]["agreement_diff"] == pytest.approx(-0.5)
    assert bias.evidence["slices"][0]["gold_accuracy"] is None  # no gold: None, never NaN
    json.dumps([f.to_dict() for f in found.values()], allow_nan=False)
    shift = found["label_distribution"]
    assert shift.severity == "info" and [s["slice"] for s in shift.evidence["slices"]] == ["en", "fr"]
    (reason,) = ethics_reasons(biased(), Contract.default())[1:]
    assert (reason.clause, reason.outcome, reason.measured) == ("ethics.block_on", "review", 1)


def test_bias_blocks_when_the_contract_says_so_and_is_unchecked_without_slices() -> None:
    terms = contract(ethics='block_on = ["bias"]')
    assert by_kind(ethics_findings(biased(), terms))["bias"].severity == "critical"
    assert ethics_reasons(biased(), terms)[-1].outcome == "reject"
    unsliced = ethics_reasons(EthicsReport(), terms)[-1]
    assert (unsliced.clause, unsliced.outcome) == ("ethics.block_on", "unchecked")


# -- all together ----------------------------------------------------------------------------------------
def test_findings_sort_worst_first_and_evidence_is_capped() -> None:
    n = 50
    payloads = TaskPayloads(
        task=tuple(f"t{i}" for i in range(n)),
        fields={"text": tuple(f"write to user{i}@example.org" for i in range(n)), "license": (None,) * n},
    )
    terms = contract(data='allowed_licenses = ["MIT"]')
    report = audit_ethics(payloads=payloads, allowed_licenses=["MIT"])
    findings = ethics_findings(report, terms)
    assert [f.kind for f in findings] == ["pii", "missing_license"]
    assert [f.severity for f in findings] == ["critical", "warning"]
    assert findings[0].evidence["n_tasks"] == n and len(findings[0].evidence["tasks"]) == MAX_EXAMPLES
    assert findings[1].evidence["n_tasks"] == n and len(findings[1].evidence["tasks"]) == MAX_EXAMPLES
    assert all(f.kind in FINDING_KINDS and f.action for f in findings)
    assert worst_outcome(ethics_reasons(report, terms)) == "reject"
