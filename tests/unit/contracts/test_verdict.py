"""Each quality clause of the contract drives each verdict: met, review (point misses, interval reaches)
and reject (the whole interval misses); the verdict is the worst outcome."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from labelpact.contracts.contract import parse_contract
from labelpact.contracts.findings import Finding, Reason, worst_outcome
from labelpact.contracts.quality_findings import label_error_finding, late_finding, worker_findings
from labelpact.contracts.verdict import QualityEvidence, quality_reasons
from labelpact.core.annotations import Annotations
from labelpact.core.label_issues import LabelIssues
from labelpact.core.workers import score_workers

GOOD = QualityEvidence(
    n_tasks=1000,
    n_workers=50,
    gold_accuracy=0.95,
    gold_accuracy_ci=(0.92, 0.97),
    n_gold=200,
    agreement=0.8,
    agreement_ci=(0.77, 0.83),
    error_rate=0.004,
    error_rate_ci=(0.002, 0.007),
    error_source="200 gold tasks scored by cross-fitted fits and the model",
    n_flagged_workers=1,
    n_scored_workers=50,
    error_verified=True,
    sample_size=80,
    accept_number=2,
)

CONTRACT = parse_contract(
    """
[quality]
min_gold_accuracy = 0.90
min_agreement = 0.60
max_error_rate = 0.05
max_flagged_worker_share = 0.10
[acceptance]
aql = 1.0
"""
)


def outcomes(evidence: QualityEvidence, contract=CONTRACT) -> dict[str, str]:
    return {r.clause: r.outcome for r in quality_reasons(evidence, contract)}


def test_a_good_batch_meets_every_clause_and_is_accepted() -> None:
    reasons = quality_reasons(GOOD, CONTRACT)
    assert {r.clause for r in reasons} == {
        "quality.min_gold_accuracy",
        "quality.min_agreement",
        "quality.max_error_rate",
        "quality.max_flagged_worker_share",
        "acceptance.aql",
    }
    assert all(r.outcome == "met" for r in reasons)
    assert worst_outcome(reasons) == "accept"


@pytest.mark.parametrize(
    ("change", "clause", "expected"),
    [
        ({"gold_accuracy": 0.89, "gold_accuracy_ci": (0.85, 0.92)}, "quality.min_gold_accuracy", "review"),
        ({"gold_accuracy": 0.80, "gold_accuracy_ci": (0.74, 0.85)}, "quality.min_gold_accuracy", "reject"),
        ({"agreement": 0.58, "agreement_ci": (0.55, 0.61)}, "quality.min_agreement", "review"),
        ({"agreement": 0.40, "agreement_ci": (0.35, 0.45)}, "quality.min_agreement", "reject"),
        ({"error_rate": 0.012, "error_rate_ci": (0.008, 0.016)}, "acceptance.aql", "review"),
        ({"error_rate": 0.055, "error_rate_ci": (0.045, 0.065)}, "quality.max_error_rate", "review"),
        ({"error_rate": 0.09, "error_rate_ci": (0.07, 0.11)}, "quality.max_error_rate", "reject"),
        ({"n_flagged_workers": 6}, "quality.max_flagged_worker_share", "review"),
    ],
)
def test_each_clause_drives_the_verdict(change: dict[str, object], clause: str, expected: str) -> None:
    evidence = dataclasses.replace(GOOD, **change)
    reasons = quality_reasons(evidence, CONTRACT)
    assert outcomes(evidence)[clause] == expected
    assert worst_outcome(reasons) == expected
    reason = next(r for r in reasons if r.clause == clause)
    assert reason.measured is not None and reason.limit is not None
    assert clause.split(".")[0] in {"quality", "acceptance"}


def test_the_limits_are_inclusive_and_the_reason_quotes_the_numbers() -> None:
    evidence = dataclasses.replace(GOOD, gold_accuracy=0.90, gold_accuracy_ci=(0.86, 0.93))
    reason = next(r for r in quality_reasons(evidence, CONTRACT) if r.clause == "quality.min_gold_accuracy")
    assert reason.outcome == "met"
    assert "90.0%" in reason.detail and "86.0%" in reason.detail


def test_clauses_the_contract_leaves_out_are_not_judged_and_missing_evidence_is_unchecked() -> None:
    default = parse_contract("")
    assert set(outcomes(GOOD, default)) == {"acceptance.aql"}
    no_gold = dataclasses.replace(GOOD, gold_accuracy=None, gold_accuracy_ci=None, n_gold=0)
    assert outcomes(no_gold)["quality.min_gold_accuracy"] == "unchecked"
    assert worst_outcome(quality_reasons(no_gold, CONTRACT)) == "accept"


def test_the_worst_outcome_wins() -> None:
    reasons = [
        Reason("a", "met", "x"),
        Reason("b", "review", "x"),
        Reason("c", "unchecked", "x"),
    ]
    assert worst_outcome(reasons) == "review"
    assert worst_outcome([*reasons, Reason("d", "reject", "x")]) == "reject"
    assert worst_outcome([]) == "accept"


def test_lateness_is_measured_and_becomes_a_finding() -> None:
    due = datetime(2026, 3, 1, tzinfo=UTC)
    late = dataclasses.replace(GOOD, due_at=due, delivered_at=due + timedelta(days=2, hours=12))
    assert late.late_by_days == pytest.approx(2.5)
    finding = late_finding(late.late_by_days)
    assert finding is not None and finding.kind == "late_delivery" and finding.severity == "warning"
    assert late_finding(-1.0) is None and late_finding(None) is None
    assert late_finding(8.0).severity == "critical"  # type: ignore[union-attr]


def test_worker_findings_name_the_flagged_workers() -> None:
    rng = np.random.default_rng(0)
    n_tasks, truth = 400, rng.integers(0, 3, 400)
    task, worker, label = [], [], []
    for w in range(6):
        answers = truth.copy() if w < 5 else rng.integers(0, 3, n_tasks)  # worker 5 answers at random
        noise = rng.random(n_tasks) < 0.1
        answers[noise] = rng.integers(0, 3, int(noise.sum()))
        task += list(range(n_tasks))
        worker += [f"w{w}"] * n_tasks
        label += answers.tolist()
    a = Annotations.from_columns(task=[str(t) for t in task], worker=worker, label=[str(y) for y in label])
    consensus = a.label_counts().argmax(axis=1)
    report = score_workers(a, consensus=consensus)
    findings = worker_findings(report, a)
    spam = next(f for f in findings if f.kind == "spammer")
    assert spam.evidence["workers"] == ["w5"]
    assert spam.severity == "critical"  # one worker in six made a sixth of the labels
    assert spam.evidence["annotation_share"] == pytest.approx(1 / 6)


def test_label_error_finding_lists_the_worst_first() -> None:
    issues = LabelIssues(
        task=np.array([2, 0]),
        label=np.array([1, 0]),
        suggested=np.array([0, 1]),
        quality=np.array([0.1, 0.3]),
        n_tasks=10,
    )
    finding = label_error_finding(issues, ("t0", "t1", "t2"), ("cat", "dog"), source="test")
    assert isinstance(finding, Finding)
    assert finding.evidence["worst"][0] == {"task": "t2", "label": "dog", "suggested": "cat", "quality": 0.1}
    assert finding.evidence["rate"] == pytest.approx(0.2) and finding.severity == "critical"


MODEL_ALONE = dataclasses.replace(GOOD, error_verified=False, error_source="the consensus model alone")
TRUST_MODEL = parse_contract('[quality]\nmax_error_rate = 0.05\nerror_evidence = "model"\n')


@pytest.mark.parametrize(
    ("verified", "contract", "rate", "ci", "expected"),
    [
        # verified: met only when the whole interval is within the limit
        (True, CONTRACT, 0.004, (0.002, 0.007), "met"),
        (True, CONTRACT, 0.04, (0.02, 0.07), "review"),  # point within, interval reaches past 5%
        (True, CONTRACT, 0.06, (0.04, 0.08), "review"),
        (True, CONTRACT, 0.09, (0.07, 0.11), "reject"),
        # unverified (model alone) under the default evidence rule: never met
        (False, CONTRACT, 0.004, (0.002, 0.007), "review"),
        (False, CONTRACT, 0.06, (0.04, 0.08), "review"),
        (False, CONTRACT, 0.09, (0.07, 0.11), "reject"),  # even the optimistic bound misses
        # the contract trusts the model: the verified rules apply to it
        (False, TRUST_MODEL, 0.004, (0.002, 0.007), "met"),
        (False, TRUST_MODEL, 0.04, (0.02, 0.07), "review"),
        (False, TRUST_MODEL, 0.09, (0.07, 0.11), "reject"),
    ],
)
def test_the_error_rate_clause_by_evidence(
    verified: bool, contract, rate: float, ci: tuple[float, float], expected: str
) -> None:
    evidence = dataclasses.replace(GOOD, error_verified=verified, error_rate=rate, error_rate_ci=ci)
    reason = next(r for r in quality_reasons(evidence, contract) if r.clause == "quality.max_error_rate")
    assert reason.outcome == expected
    assert ("unverified" in reason.detail) == (not verified)


def test_an_unverified_estimate_says_why_it_cannot_pass_and_how_to_verify() -> None:
    reasons = {r.clause: r for r in quality_reasons(MODEL_ALONE, CONTRACT)}
    detail = reasons["quality.max_error_rate"].detail
    assert reasons["quality.max_error_rate"].outcome == "review"
    assert "model alone cannot meet" in detail and 'error_evidence = "gold-or-sample"' in detail
    assert "80 tasks reviewed (accept with at most 2 wrong)" in detail
    assert reasons["acceptance.aql"].outcome == "review"  # within the AQL, but unverified
    assert worst_outcome(list(reasons.values())) == "review"
    trusted = {r.clause: r.outcome for r in quality_reasons(MODEL_ALONE, TRUST_MODEL)}
    assert trusted["acceptance.aql"] == "met" and trusted["quality.max_error_rate"] == "met"


def test_the_aql_clause_is_met_by_verified_evidence_below_it_and_reviewed_above() -> None:
    assert outcomes(GOOD)["acceptance.aql"] == "met"
    above = dataclasses.replace(GOOD, error_rate=0.02, error_rate_ci=(0.01, 0.03))
    assert outcomes(above)["acceptance.aql"] == "review"


def test_the_aql_is_not_met_by_checks_too_few_to_rule_out_the_plans_limiting_quality() -> None:
    # one gold task, right: the estimate is "verified" but its exact interval runs to 97.5%, far beyond the
    # 6.5% that the plan (n 80, Ac 2) accepts one time in ten; with many checks the same point meets the AQL
    plan_lq = 0.0652
    one_gold = dataclasses.replace(
        GOOD, error_rate=0.004, error_rate_ci=(0.0, 0.975), limiting_quality=plan_lq
    )
    reason = next(r for r in quality_reasons(one_gold, CONTRACT) if r.clause == "acceptance.aql")
    assert reason.outcome == "review"
    assert "97.5%" in reason.detail and "6.5%" in reason.detail and "80 tasks reviewed" in reason.detail
    many = dataclasses.replace(one_gold, error_rate_ci=(0.002, 0.03))
    assert outcomes(many)["acceptance.aql"] == "met"


def test_an_unmeasurable_batch_is_never_accepted_and_says_why() -> None:
    why = "every label is the same class ('cat')"
    evidence = dataclasses.replace(
        GOOD,
        unidentifiable=why,
        agreement=None,
        agreement_ci=None,
        error_rate=0.0,
        error_rate_ci=(0.0, 0.0),
        error_verified=False,
    )
    reasons = {r.clause: r for r in quality_reasons(evidence, TRUST_MODEL)}  # even trusting the model
    assert reasons["quality.measurable"].outcome == "review" and why in reasons["quality.measurable"].detail
    assert reasons["quality.max_error_rate"].outcome == "review"
    assert reasons["acceptance.aql"].outcome == "review"
    assert worst_outcome(list(reasons.values())) == "review"
    agreement = next(r for r in quality_reasons(evidence, CONTRACT) if r.clause == "quality.min_agreement")
    assert agreement.outcome == "unchecked" and why in agreement.detail
    assert "two labels" not in agreement.detail
    # checked tasks (gold) measure the error rate without the labels' model: the error clauses are judged
    checked = dataclasses.replace(evidence, error_verified=True, error_source="100 gold tasks")
    verified = {r.clause: r for r in quality_reasons(checked, CONTRACT)}
    assert verified["quality.measurable"].outcome == "met"
    assert "rests on 100 gold tasks" in verified["quality.measurable"].detail
    assert verified["quality.max_error_rate"].outcome == "met"


def test_the_contract_key_error_evidence_is_validated() -> None:
    from labelpact.errors import InvalidInputError

    assert parse_contract("").quality.error_evidence == "gold-or-sample"
    with pytest.raises(InvalidInputError, match="error_evidence"):
        parse_contract('[quality]\nerror_evidence = "vibes"\n')


def test_a_reviewed_error_rate_quotes_the_end_of_its_interval_that_keeps_the_clause_open() -> None:
    def detail(point: float, ci: tuple[float, float]) -> str:
        evidence = dataclasses.replace(GOOD, error_rate=point, error_rate_ci=ci)
        return next(
            r for r in quality_reasons(evidence, CONTRACT) if r.clause == "quality.max_error_rate"
        ).detail

    above = detail(0.079, (0.040, 0.136))  # above 5%, not rejected because the low end is within it
    assert (
        "exceeds the contract's 5.0%, but the interval reaches down to 4.0%" in above
        and "13.6%" not in above[-60:]
    )
    within = detail(0.04, (0.02, 0.07))
    assert "is within the contract's 5.0%, but the interval reaches 7.0%" in within
