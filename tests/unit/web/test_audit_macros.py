"""The audit page's macros: the error rate as the CLI states it, the batch's decision, a dispute's outcome."""

from __future__ import annotations

import re
from typing import Any

from labelpact.web.pages import disputed_on, untimed_workers
from labelpact.web.render import _ENV

MACROS = _ENV.get_template("macros.html.j2").module


def _text(markup: Any) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", str(markup)).split())


def test_an_unmeasurable_error_rate_is_no_number() -> None:
    rate = {"value": 1e-6, "ci": [0.0, 0.0001], "verified": False, "source": "the consensus model alone"}
    text = _text(MACROS.error_rate_cells({"measurable": False, "error_rate": rate}))
    assert "not measurable" in text
    assert "0.0%" not in text


def test_an_unverified_error_rate_says_so() -> None:
    rate = {"value": 0.197, "ci": [0.035, 0.461], "verified": False, "source": "the consensus model alone"}
    text = _text(MACROS.error_rate_cells({"measurable": True, "error_rate": rate}))
    assert text == "19.7% (unverified: the consensus model alone) [3.5%, 46.1%]"
    verified = _text(MACROS.error_rate_cells({"error_rate": rate | {"verified": True}}))
    assert verified == "19.7% [3.5%, 46.1%]"


def test_the_decision_carries_the_reviewed_sample() -> None:
    assert _text(MACROS.decision("review", [{"decision": "reject"}, {"decision": "accept"}])) == (
        "! review → ✗ reject (reviewed sample)"
    )
    assert _text(MACROS.decision("review", [])) == "! review"


def test_a_dispute_outcome_says_whether_the_finding_stands() -> None:
    upheld = _text(MACROS.dispute_outcome({"id": "d1", "status": "upheld"}))
    assert upheld == "Dispute d1 accepted: the partner was right, this finding does not stand."
    assert _text(MACROS.dispute_outcome({"id": "d2", "status": "rejected"})) == (
        "Dispute d2 rejected: this finding stands."
    )


def test_disputed_on_prefers_open_then_upheld() -> None:
    disputes = [
        {"id": "d3", "finding": "f1", "status": "rejected"},
        {"id": "d2", "finding": "f1", "status": "upheld"},
        {"id": "d1", "finding": "f2", "status": "rejected"},
    ]
    chosen = disputed_on(disputes)
    assert chosen["f1"]["id"] == "d2"
    assert chosen["f2"]["id"] == "d1"
    assert disputed_on([*disputes, {"id": "d4", "finding": "f2", "status": "open"}])["f2"]["id"] == "d4"


def test_an_event_shows_its_certainty_and_summary() -> None:
    event = {
        "id": "e7",
        "kind": "layoff",
        "date": "2026-11-30",
        "description": "layoff, 30% of staff",
        "certainty": "disputed",
        "summary": "the vendor denies it",
        "source_url": None,
    }
    assert _text(MACROS.event_item(event)) == (
        "2026-11-30 layoff (e7) disputed : layoff, 30% of staff. the vendor denies it"
    )


def test_points_carry_their_sign() -> None:
    assert _text(MACROS.pts(0.281)) == "+28.1 pts"
    assert _text(MACROS.pts(-0.03)) == "-3.0 pts"


def test_workers_with_no_timed_label_have_unknown_hours() -> None:
    pay = {"workers": [{"worker": "w1", "n_timed": 0, "hours": 0.0}, {"worker": "w2", "n_timed": 3}]}
    assert untimed_workers({"ethics": {"pay": pay}}) == {"w1"}
    assert untimed_workers({"ethics": None}) == frozenset()


def test_an_anonymous_review_says_so_as_the_cli_does() -> None:
    assert _text(MACROS.reviewer({"reviewer": None})) == "(anonymous)"
    assert _text(MACROS.reviewer({"reviewer": "qa"})) == "qa"
