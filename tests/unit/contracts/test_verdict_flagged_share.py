"""``quality.max_flagged_worker_share`` over no scored worker is unchecked, not a met 0%."""

from __future__ import annotations

import dataclasses

from labelpact.contracts.contract import parse_contract
from labelpact.contracts.verdict import QualityEvidence, quality_reasons

EVIDENCE = QualityEvidence(
    n_tasks=300,
    n_workers=90,
    gold_accuracy=None,
    gold_accuracy_ci=None,
    n_gold=0,
    agreement=0.5,
    agreement_ci=(0.45, 0.55),
    error_rate=0.13,
    error_rate_ci=(0.1, 0.16),
    error_source="the consensus model",
    n_flagged_workers=0,
    n_scored_workers=0,
    min_labels=20,
)
CONTRACT = parse_contract("[quality]\nmax_flagged_worker_share = 0.05\n")


def _share(evidence: QualityEvidence):
    return next(
        r for r in quality_reasons(evidence, CONTRACT) if r.clause == "quality.max_flagged_worker_share"
    )


def test_no_scored_worker_leaves_the_share_unchecked() -> None:
    reason = _share(EVIDENCE)
    assert reason.outcome == "unchecked"
    assert reason.measured is None
    assert "none of the 90 workers has the 20 labels" in reason.detail
    assert EVIDENCE.flagged_worker_share is None


def test_scored_workers_are_judged_on_their_share() -> None:
    reason = _share(dataclasses.replace(EVIDENCE, n_scored_workers=40, n_flagged_workers=4))
    assert (reason.outcome, reason.measured) == ("review", 0.1)
