"""Adverse news saturates on the log-odds (saturation.log_odds): each kind's term z counts k (1 + log(z / k))
above k = SATURATION, kinds combine as a soft maximum, so more news adds less and none lowers the risk."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest

from labelpact.partners.risk import EventInput, RiskInputs, forecast, load_priors, signal_matrix
from labelpact.partners.risk import saturation as sat
from labelpact.partners.risk.library import library_priors
from labelpact.partners.risk.priors import SIGNAL_COLUMN, SIGNALS
from labelpact.partners.risk.saturation import ADVERSE_POOL, log_odds, saturated_shares

D = dt.date
AS_OF = D(2025, 6, 1)
PLAIN = RiskInputs(as_of=AS_OF, start=D(2022, 1, 1))


def squash(a: float, k: float = 1.0) -> float:
    return a if a <= k else k * (1.0 + math.log(a / k))


def softmax(*terms: float, t: float = sat.TEMPERATURE) -> float:
    """The worst kind in full, the others a little: t log(1 + sum(exp(z / t) - 1)), by hand."""
    return t * math.log(1.0 + sum(math.exp(squash(z) / t) - 1.0 for z in terms))


def complaints(n: int, day: dt.date = AS_OF) -> tuple[EventInput, ...]:
    return tuple(EventInput(f"q{i}", "quality_complaint", day, certainty="confirmed") for i in range(n))


def test_the_log_odds_are_the_hand_computed_ones() -> None:
    coef = load_priors().coefficients()
    x = np.zeros((1, len(SIGNALS)))
    x[0, SIGNAL_COLUMN["intercept"]] = 1.0
    x[0, SIGNAL_COLUMN["quality_complaint"]] = 2.0
    x[0, SIGNAL_COLUMN["worker_welfare"]] = 1.0
    x[0, SIGNAL_COLUMN["implicates_client"]] = 0.5
    x[0, SIGNAL_COLUMN["rival_stake"]] = 2.0
    c = {s: coef[SIGNAL_COLUMN[s]] for s in SIGNALS}
    for k in range(coef.shape[1]):
        pool = softmax(2.0 * c["quality_complaint"][k], c["worker_welfare"][k])
        expected = (
            c["intercept"][k]
            + 2.0 * c["rival_stake"][k]  # stakes stay linear
            + pool  # the adverse kinds, combined on this cause's log-odds
            + squash(0.5 * c["implicates_client"][k])  # on its own
        )
        assert log_odds(x, coef)[0, k] == pytest.approx(expected)
    stacked = log_odds(x, np.stack([coef, 2 * coef]))  # coefficients of several drawn models at once
    assert stacked.shape == (2, 1, coef.shape[1])
    np.testing.assert_allclose(stacked[0], log_odds(x, coef))
    share = saturated_shares(x, coef)[0]
    for k in range(coef.shape[1]):  # each adverse term's share adds up to its pool's saturated term
        pool = sum(x[0, SIGNAL_COLUMN[s]] * c[s][k] * share[SIGNAL_COLUMN[s], k] for s in ADVERSE_POOL)
        assert pool == pytest.approx(softmax(2.0 * c["quality_complaint"][k], c["worker_welfare"][k]))
    worst = max(squash(2.0 * c["quality_complaint"][0]), squash(c["worker_welfare"][0]))
    both = softmax(2.0 * c["quality_complaint"][0], c["worker_welfare"][0])
    assert worst < both < worst + sat.TEMPERATURE * math.log(2)  # the second kind adds a little


def test_one_report_counts_in_full_and_ten_are_a_log(monkeypatch: pytest.MonkeyPatch) -> None:
    p = load_priors()
    coef = p.coefficients()
    b = coef[SIGNAL_COLUMN["quality_complaint"], 0]
    w = p.certainty["confirmed"]
    day = np.array([float(AS_OF.toordinal())])

    def lift(n: int) -> float:  # what n reports add to the client-exit log-odds
        x = signal_matrix(dataclasses.replace(PLAIN, events=complaints(n)), day, day, priors=p)
        return float(log_odds(x, coef)[0, 0] - log_odds(signal_matrix(PLAIN, day, day, priors=p), coef)[0, 0])

    assert b * w < 1.0  # one confirmed complaint is below the knee: it counts in full
    assert lift(1) == pytest.approx(b * w)
    assert lift(10) == pytest.approx(squash(10 * b * w))
    monkeypatch.setattr(sat, "SATURATION", None)  # switched off: ten reports count ten times
    assert lift(10) == pytest.approx(10 * b * w)


def test_the_forecast_saturates_and_still_explains_each_report() -> None:
    probs = [
        forecast(dataclasses.replace(PLAIN, events=complaints(n)), 90, n_draws=0).probability
        for n in (1, 2, 5, 20)
    ]
    assert probs == sorted(probs)  # more reports, more risk
    steps = np.diff(np.log(probs))
    assert steps[-1] / 15 < steps[0]  # but fifteen more add less per report than the second did
    f = forecast(dataclasses.replace(PLAIN, events=complaints(5)), 90, n_draws=0)
    named = [c for c in f.contributions if c.event_id is not None]
    assert len(named) == 5 and all(c.effect > 0 for c in named)
    shares = [c.log_odds["client_exit"] for c in named]
    b = load_priors().coefficients()[SIGNAL_COLUMN["quality_complaint"], 0]
    assert sum(shares) == pytest.approx(squash(5 * b * load_priors().certainty["confirmed"]))
    without = forecast(dataclasses.replace(PLAIN, events=complaints(5)), 90, n_draws=0, without=["q0"])
    four = forecast(dataclasses.replace(PLAIN, events=complaints(4)), 90, n_draws=0)
    assert without.probability == pytest.approx(four.probability)  # the what-if is exact


def test_a_weak_adverse_event_never_lowers_the_risk() -> None:
    """Strong news and then a weak kind: pooling units before weighting them let the weak unit shrink the
    strong kinds' share (a lawsuit lowered the risk); pooled on the log-odds, it adds a little."""
    p = load_priors()
    values = {"quality_complaint.client_exit": 1.5, "lawsuit.client_exit": 0.05}
    priors = p.with_values([values.get(e.name, e.value) for e in p.effects], p.sds)
    strong = dataclasses.replace(PLAIN, events=complaints(2))
    suit = EventInput("suit", "lawsuit", AS_OF, certainty="confirmed")
    weak = dataclasses.replace(strong, events=(*strong.events, suit))
    before = forecast(strong, 90, priors=priors, n_draws=0, explain=False).probability
    after = forecast(weak, 90, priors=priors, n_draws=0).probability
    assert after >= before
    assert (
        next(
            c for c in forecast(weak, 90, priors=priors, n_draws=0).contributions if c.event_id == "suit"
        ).effect
        >= 0
    )


@pytest.mark.parametrize("kind", ADVERSE_POOL)
def test_no_adverse_kind_lowers_the_shipped_forecast(kind: str) -> None:
    """With the shipped fit, one more event of any adverse kind, on top of a troubled record (the Satyam
    pattern: departures, a ban, a fraud report), never lowers the 90-day risk."""
    record = (
        EventInput("d1", "executive_departure", D(2025, 5, 1), 3, certainty="confirmed"),
        EventInput("r1", "reputation", D(2025, 5, 10), certainty="confirmed"),
        EventInput("g1", "regulatory_action", D(2025, 5, 20), certainty="reported"),
        EventInput(
            "q1", "quality_complaint", D(2025, 4, 1), meaning="implicates_client", certainty="confirmed"
        ),
    )
    troubled = dataclasses.replace(PLAIN, events=record)
    extra = EventInput("x", kind, D(2025, 5, 25), certainty="single_source")
    more = dataclasses.replace(troubled, events=(*record, extra))
    p = library_priors()
    before = forecast(troubled, 90, priors=p, n_draws=0, explain=False).probability
    after = forecast(more, 90, priors=p, n_draws=0, explain=False).probability
    assert after >= before - 1e-12
