"""``data.personal_data`` on demonstration answers follows the payload rule (docs/contract.md): under
``"reject"``, low-confidence guesses alone send the batch to review; a validated value still rejects."""

from __future__ import annotations

import csv
from pathlib import Path

import labelpact as lp
from labelpact.contracts.findings import Reason
from labelpact.services.refinement_assessment import KindAssessment

FILLER = "The kettle heats water quickly and the handle stays cool so it is safe to pour every morning"


def _judge(tmp_path: Path, answer: str) -> KindAssessment:
    path = tmp_path / "demos.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["task", "worker", "text"])
        for i in range(12):
            for j in range(2):
                w.writerow([f"q{i}", f"writer{j}", answer if i == j == 0 else f"{FILLER} answer {i} {j}."])
    contract = lp.parse_contract('[data]\npersonal_data = "reject"\n')
    return lp.assess_deliverable(lp.read_deliverable(path, kind="demonstrations"), contract, sample_seed=1)


def _personal(judged: KindAssessment) -> Reason:
    return next(r for r in judged.reasons if r.clause == "data.personal_data")


def test_a_phone_number_outside_its_plan_alone_sends_to_review(tmp_path: Path) -> None:
    judged = _judge(tmp_path, "Reach the front desk at (555) 010-4477 during the day, open until six pm.")
    reason = _personal(judged)
    assert reason.outcome == "review"
    assert "1 of them are low-confidence guesses" in reason.detail
    assert "guesses alone send the batch to review" in reason.detail
    assert judged.verdict != "reject"
    (pii,) = [f for f in judged.findings if f.kind == "pii"]
    assert pii.severity == "warning"


def test_a_validated_email_beside_a_guess_still_rejects(tmp_path: Path) -> None:
    judged = _judge(tmp_path, "Write to jane.doe@example.com or call (555) 010-4477 during the day, please.")
    reason = _personal(judged)
    assert reason.outcome == "reject"
    assert "1 of them are low-confidence guesses" in reason.detail
    assert judged.verdict == "reject"
    (pii,) = [f for f in judged.findings if f.kind == "pii"]
    assert pii.severity == "critical"
