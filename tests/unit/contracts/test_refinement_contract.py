"""The ``[preferences]``, ``[ratings]`` and ``[demonstrations]`` contract sections and their verdict logic,
checked on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from labelpact.contracts.contract import Contract, parse_contract
from labelpact.contracts.refinement_verdict import (
    DemonstrationEvidence,
    Measure,
    PreferenceEvidence,
    RatingEvidence,
    demonstration_reasons,
    preference_reasons,
    rating_reasons,
)
from labelpact.errors import InvalidInputError
from labelpact.services.position_bias import batch_position_bias


def test_sections_parse_with_scales_in_file_order() -> None:
    c = parse_contract(
        '[ratings]\nscales = {helpfulness = [1, 7], harmlessness = [1, 5]}\nagreement_level = "interval"\n'
        "[preferences]\nmax_position_bias = 0.1\n[demonstrations]\ntyping_cps = 6\nmin_signals = 3\n"
    )
    assert c.ratings.scales == (("helpfulness", 1.0, 7.0), ("harmlessness", 1.0, 5.0))
    assert c.ratings.scale_map == {"helpfulness": (1.0, 7.0), "harmlessness": (1.0, 5.0)}
    assert c.ratings.agreement_level == "interval" and c.preferences.max_position_bias == 0.1
    assert c.demonstrations.typing_cps == 6.0 and c.demonstrations.min_signals == 3
    assert (
        Contract.default().ratings.scale_map is None
        and Contract.default().demonstrations.duplicate_threshold == 0.8
    )


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("[ratings]\nscales = {h = [5, 1]}\n", "line 2, key 'ratings.scales'"),
        ("[ratings]\nscales = [1, 7]\n", "key 'ratings.scales'"),
        ("[ratings]\nscales = {h = [1, true]}\n", "'h'"),
        ("[preferences]\nmax_position_bias = 0.7\n", "between 0 and 0.5"),
        ("[demonstrations]\nmin_signals = 1.5\n", "key 'demonstrations.min_signals'"),
        ("[demonstrations]\nmax_llm_share = 0.1\n", "did you mean 'max_llm_suspect_share'"),
        ('[ratings]\nagreement_level = "nominal"\n', "one of ['ordinal', 'interval']"),
    ],
)
def test_bad_clauses_name_the_key(text: str, expect: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_contract(text)
    assert expect in str(caught.value)


FAIR = Measure(0.5, (0.4, 0.6))


def _prefs(bias: Measure, agreement: Measure = FAIR) -> PreferenceEvidence:
    return PreferenceEvidence(
        n_comparisons=100, n_workers=10, n_items=5, agreement=agreement, gold_agreement=Measure(None),
        position_bias=bias, n_flagged_workers=3, n_scored_workers=10,
    )  # fmt: skip


def test_a_maximum_rejects_only_when_the_whole_interval_is_past_it() -> None:
    c = parse_contract(
        "[preferences]\nmax_position_bias = 0.05\nmin_agreement = 0.45\nmax_flagged_worker_share = 0.2\n"
    )
    outcomes = {
        (0.03, 0.01, 0.05): "met",
        (0.07, 0.04, 0.10): "review",
        (0.12, 0.08, 0.16): "reject",
    }
    for (v, lo, hi), expect in outcomes.items():
        reasons = {r.clause: r for r in preference_reasons(_prefs(Measure(v, (lo, hi))), c)}
        assert reasons["preferences.max_position_bias"].outcome == expect
        assert reasons["preferences.min_agreement"].outcome == "met"
        flagged = reasons["preferences.max_flagged_worker_share"]
        assert flagged.outcome == "review" and flagged.measured == pytest.approx(0.3)
    below = preference_reasons(_prefs(Measure(0.0, (-0.01, 0.01)), Measure(0.3, (0.2, 0.4))), c)
    assert next(r for r in below if r.clause == "preferences.min_agreement").outcome == "reject"
    unset = preference_reasons(_prefs(Measure(0.5, (0.4, 0.6))), Contract.default())
    assert unset == []  # no clause set, no reason


def test_position_bias_is_limited_either_way_by_its_distance_from_0() -> None:
    c = parse_contract("[preferences]\nmax_position_bias = 0.05\n")
    cases = {
        (-0.134, -0.148, -0.120): ("reject", (0.120, 0.148)),  # a right lean: the mirror of a left one
        (0.134, 0.120, 0.148): ("reject", (0.120, 0.148)),
        (-0.07, -0.10, -0.04): ("review", (0.04, 0.10)),
        (-0.02, -0.07, 0.03): ("met", (0.0, 0.07)),  # the interval straddles 0: its |bias| starts at 0
    }
    for (v, lo, hi), (expect, interval) in cases.items():
        (reason,) = preference_reasons(_prefs(Measure(v, (lo, hi))), c)
        assert reason.outcome == expect and reason.measured == pytest.approx(abs(v))
        assert reason.interval == pytest.approx(interval)
        assert ("toward the right" if v < 0 else "toward the left") in reason.detail


def test_a_flagged_share_over_no_scored_worker_is_not_0_percent() -> None:
    c = parse_contract("[preferences]\nmax_flagged_worker_share = 0.2\n")
    e = PreferenceEvidence(
        n_comparisons=100, n_workers=10, n_items=5, agreement=FAIR, gold_agreement=Measure(None),
        position_bias=FAIR, n_flagged_workers=0, n_scored_workers=0,
    )  # fmt: skip
    (reason,) = preference_reasons(e, c)
    assert reason.outcome == "unchecked" and reason.measured is None and "0.0%" not in reason.detail


def test_rating_and_demonstration_reasons() -> None:
    c = parse_contract(
        "[ratings]\nmin_agreement = 0.6\nmax_straight_lining = 0.1\n"
        '[demonstrations]\nmax_near_duplicate_rate = 0.1\nmax_llm_suspect_share = 0.05\n[data]\npersonal_data = "review"\n'
    )
    r = RatingEvidence(
        n_ratings=10, n_workers=3, agreement={"a": Measure(0.7, (0.65, 0.8)), "b": Measure(None)},
        straight_lining=Measure(0.2, (0.05, 0.4)), n_flagged_workers=0, n_scored_workers=3,
    )  # fmt: skip
    outcomes = [(x.clause, x.outcome) for x in rating_reasons(r, c)]
    assert outcomes == [
        ("ratings.min_agreement", "met"),
        ("ratings.min_agreement", "unchecked"),
        ("ratings.max_straight_lining", "review"),
        ("ratings.measurable", "review"),  # an agreement it cannot measure passes nothing
    ]
    d = DemonstrationEvidence(
        n_answers=100, n_workers=5, near_duplicate_rate=Measure(0.02, (0.0, 0.07)),
        llm_suspect_share=Measure(0.3, (0.2, 0.4)), low_quality_share=Measure(0.0, (0.0, 0.04)),
        pii_answers=2, pii_entities={"email": 2},
    )  # fmt: skip
    got = [(x.clause, x.outcome) for x in demonstration_reasons(d, c)]
    assert got == [
        ("demonstrations.max_near_duplicate_rate", "met"),
        ("demonstrations.max_llm_suspect_share", "reject"),
        ("data.personal_data", "review"),
    ]


def test_batch_position_bias_by_hand() -> None:
    # equal strengths: every decisive pick is a coin (p = 1/2); 3 of 4 decisive picks were left, one tie
    theta = np.zeros(3)
    left, right = np.array([0, 1, 2, 0, 1]), np.array([1, 2, 0, 2, 0])
    choice = np.array([0, 0, 0, 1, 2])
    m = batch_position_bias(theta, left, right, choice)
    se = np.sqrt(4 * 0.25) / 4
    assert m.value == pytest.approx(0.75 - 0.5)
    assert m.ci == pytest.approx((0.25 - 1.96 * se, 0.25 + 1.96 * se))
