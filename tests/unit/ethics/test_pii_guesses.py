"""Under personal_data = "reject", low-confidence guesses alone send to review; a firm finding still rejects."""

from __future__ import annotations

from types import MappingProxyType

from labelpact.contracts.contract import parse_contract
from labelpact.contracts.findings import Reason
from labelpact.ethics import EthicsReport
from labelpact.ethics.findings import ethics_findings
from labelpact.ethics.pii.scan import PiiFinding, PiiReport
from labelpact.ethics.reasons import GUESS_BELOW, ethics_reasons

NAME = PiiFinding("f4", "text", "name", 7, 21, "Y*** T***", confidence=0.6)  # "New York Times"
CARD = PiiFinding("f9", "text", "card", 5, 24, "****1111", confidence=1.0)  # Luhn-checked


def _reason(*findings: PiiFinding, policy: str = "reject") -> Reason:
    pii = PiiReport(
        findings=findings,
        by_field=MappingProxyType({"text": len(findings)}),
        by_entity=MappingProxyType({}),
        scanned=("name", "card"),
        n_bytes=100,
    )
    terms = parse_contract(f'[data]\npersonal_data = "{policy}"')
    (reason,) = [r for r in ethics_reasons(EthicsReport(pii=pii), terms) if r.clause == "data.personal_data"]
    return reason


def test_name_guesses_alone_send_to_review_and_say_so() -> None:
    reason = _reason(NAME, NAME)
    assert NAME.confidence < GUESS_BELOW
    assert reason.outcome == "review" and reason.measured == 2
    assert "2 of them are low-confidence guesses" in reason.detail and "2 name" in reason.detail


def test_a_checksummed_card_beside_a_guess_still_rejects() -> None:
    reason = _reason(NAME, CARD)
    assert reason.outcome == "reject"
    assert "1 of them are low-confidence guesses" in reason.detail


def test_firm_findings_reject_without_a_word_of_guessing() -> None:
    reason = _reason(CARD)
    assert reason.outcome == "reject" and "guess" not in reason.detail


def test_guesses_under_allow_stay_met() -> None:
    assert _reason(NAME, policy="allow").outcome == "met"


def test_the_finding_of_guesses_alone_is_a_warning_not_critical() -> None:
    # its reason sends to review; the finding must not call the same guesses a critical leak
    def severity(*findings: PiiFinding) -> str:
        pii = PiiReport(
            findings=findings,
            by_field=MappingProxyType({"text": len(findings)}),
            by_entity=MappingProxyType({"name": len(findings)}),
            scanned=("name", "card"),
            n_bytes=100,
        )
        terms = parse_contract('[data]\npersonal_data = "reject"')
        (finding,) = [f for f in ethics_findings(EthicsReport(pii=pii), terms) if f.kind == "pii"]
        return finding.severity

    assert severity(NAME, NAME) == "warning"
    assert severity(NAME, CARD) == "critical"
