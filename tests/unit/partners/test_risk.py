"""The partnership-risk forecast: directions from the research, the as-of rule, what-ifs, and the Meta–Scale story."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.resources
import re

import numpy as np
import pytest

from labelpact.errors import InvalidInputError, NotFoundError
from labelpact.partners.events import EVENT_KINDS, Event
from labelpact.partners.risk import (
    CAUSES,
    SIGNALS,
    EventInput,
    QualityPoint,
    RiskInputs,
    cumulative_incidence,
    forecast,
    load_priors,
)
from labelpact.partners.risk.priors import FINDING_SIGNALS

D = dt.date
AS_OF = D(2025, 6, 1)
PLAIN = RiskInputs(as_of=AS_OF, start=D(2022, 1, 1), partner_headcount=1000)


def with_event(inputs: RiskInputs, *events: EventInput) -> RiskInputs:
    return dataclasses.replace(inputs, events=inputs.events + events)


def p(inputs: RiskInputs, horizon: int = 365, **kwargs: object) -> float:
    return forecast(inputs, horizon, n_draws=0, **kwargs).probability  # type: ignore[arg-type]


# -- the packaged priors ----------------------------------------------------------------------------
def test_priors_are_packaged_sourced_and_signed() -> None:
    text = (
        importlib.resources.files("labelpact.partners").joinpath("data/risk_priors.toml").read_text("utf-8")
    )
    priors = load_priors(text)
    assert priors == load_priors()
    assert len(priors.effects) >= 25
    for e in priors.effects:
        assert re.search(r"\[[RCD]\d+\]", e.source), e.name  # a citation of RESEARCH.md's source list
        assert e.note and e.sd > 0
        assert (e.sign == "+" and e.value >= 0) or (e.sign == "-" and e.value <= 0) or e.sign == "free"
    assert {e.signal for e in priors.effects} == set(SIGNALS)


def test_bad_priors_name_the_problem() -> None:
    with pytest.raises(InvalidInputError, match="signal"):
        load_priors('[[effect]]\nsignal = "astrology"\ncause = "all"\nvalue = 1\nsd = 1\nsign = "+"\n')
    # a fit saved before a signal existed keeps the packaged half-life of that signal
    old = load_priors("[half_life_days]\nlayoff = 10\n")
    assert old.half_life_days["layoff"] == 10
    assert old.half_life_days["worker_welfare"] == load_priors().half_life_days["worker_welfare"] == 365


def test_ledger_events_take_their_meaning_from_the_client() -> None:
    deal = Event(
        "Scale AI", "investment", D(2025, 5, 12), actor="Meta", magnitude=0.49, certainty="confirmed", id="e3"
    )
    for_google = EventInput.from_event(deal, client="Google", rivals=["Meta", "xAI"])
    for_meta = EventInput.from_event(deal, client="Meta", rivals=["Google"])
    assert (for_google.meaning, for_meta.meaning) == ("conflict_of_interest", "binding_stake")
    assert for_google.id == "e3" and for_google.magnitude == 0.49 and for_google.certainty == "confirmed"
    assert p(with_event(PLAIN, for_google)) > p(PLAIN) > p(with_event(PLAIN, for_meta))


# -- the arithmetic ---------------------------------------------------------------------------------
def test_cumulative_incidence_matches_the_closed_form() -> None:
    """Constant hazards pi_k over n months: CIF_k = pi_k / h * (1 - (1 - h)^n), h = sum pi_k."""
    pi = np.array([0.02, 0.005, 0.001])
    eta = np.log(pi / (1 - pi.sum()))
    n = 7
    total, by_cause, hazard = cumulative_incidence(np.tile(eta, (n, 1)))
    h = pi.sum()
    np.testing.assert_allclose(by_cause, pi / h * (1 - (1 - h) ** n), rtol=1e-12)
    np.testing.assert_allclose(total, 1 - (1 - h) ** n, rtol=1e-12)
    np.testing.assert_allclose(hazard, h)
    half = cumulative_incidence(np.tile(eta, (n, 1)), last_fraction=0.5)[0]
    np.testing.assert_allclose(half, 1 - (1 - h) ** (n - 0.5), rtol=1e-12)


@pytest.mark.parametrize(
    "inputs",
    [
        PLAIN,
        with_event(PLAIN, EventInput("r", "acquisition", D(2025, 5, 1), 0.6, "conflict_of_interest")),
        dataclasses.replace(PLAIN, equity_stake=1.0, min_spend=1e9, n_projects=50),
    ],
)
def test_probabilities_are_in_range_and_grow_with_the_horizon(inputs: RiskInputs) -> None:
    horizons = [1, 15, 30, 31, 60, 90, 180, 365, 730, 1826, 3653]
    values = [forecast(inputs, h, n_draws=50).probability for h in horizons]
    assert all(0.0 <= v <= 1.0 for v in values)
    assert values == sorted(values) and values[-1] > values[0]
    f = forecast(inputs, 180)
    assert 0.0 <= f.interval[0] <= f.probability <= f.interval[1] <= 1.0
    assert sum(f.by_cause.values()) == pytest.approx(f.probability)
    assert f.interval == forecast(inputs, 180).interval  # seeded


def test_base_rate_is_the_sourced_one() -> None:
    """A new relationship with no signals: 25% unplanned breakdown within 5 years (Lunnan & Haugland)."""
    f = forecast(RiskInputs(as_of=AS_OF, start=AS_OF), 1826, n_draws=0)
    assert f.probability == pytest.approx(0.25, abs=0.005)
    assert f.by_cause["client_exit"] == pytest.approx(0.7 * 0.25, abs=0.005)


def test_age_has_a_mid_life_peak() -> None:
    hazard = [
        forecast(RiskInputs(as_of=AS_OF, start=AS_OF - dt.timedelta(days=30 * m)), 30, n_draws=0).probability
        for m in (0, 6, 24, 60, 120)
    ]
    assert hazard[0] < hazard[1] < hazard[2] and hazard[2] > hazard[3] > hazard[4]


def test_age_shape_is_flat_past_the_oldest_cases() -> None:
    # the decline is not extrapolated a century on: 40, 100 and 300 years old forecast as 30 years old
    def at(years: int) -> float:
        start = AS_OF - dt.timedelta(days=round(365.25 * years))
        return forecast(RiskInputs(as_of=AS_OF, start=start), 180, n_draws=0).probability

    thirty = at(30)
    assert at(20) > thirty > 0.0
    assert at(40) == at(100) == at(300) == pytest.approx(thirty, rel=1e-3)


# -- directions, as the research says -------------------------------------------------------------
RAISES, LOWERS, NEUTRAL = 1, -1, 0
DIRECTIONS = [
    ("investment", "conflict_of_interest", "partner", 0.3, RAISES),  # Rogan 2014
    ("acquisition", "conflict_of_interest", "partner", 1.0, RAISES),
    ("investment", "none", "partner", 0.2, RAISES),  # strategic change, Cui et al. 2011
    ("acquisition", "none", "partner", 1.0, RAISES),
    ("investment", "binding_stake", "partner", 0.3, LOWERS),  # a hostage: Mata & Portugal
    ("executive_departure", "none", "partner", 1, RAISES),  # Broschak & Block 2014
    ("executive_hire", "none", "partner", 1, RAISES),  # Bakker: entry or exit
    ("layoff", "none", "partner", 0.14, RAISES),
    ("layoff", "none", "partner", 200, RAISES),  # a headcount, against partner_headcount
    ("customer_exit", "none", "partner", 2e8, RAISES),  # contagion, Jensen 2006
    ("quality_complaint", "none", "partner", None, RAISES),
    ("security_incident", "none", "partner", 85, RAISES),
    ("lawsuit", "none", "partner", None, RAISES),
    ("funding", "none", "partner", 1e9, LOWERS),  # Dan & Zondag: future returns
    ("contract_change", "none", "partner", 4.5e8, NEUTRAL),  # direction unknown: learnt from history
    ("financial_distress", "none", "partner", 0.5, RAISES),  # Cui et al. 2011; Dan & Zondag 2016
    ("worker_welfare", "none", "partner", 200, RAISES),  # Bruyaka et al. 2018, 2025: stigma, media
    ("regulatory_action", "none", "partner", None, RAISES),
    ("reputation", "none", "partner", None, RAISES),  # Jensen 2006
    ("pay_below_floor", "none", "partner", None, RAISES),  # ethics findings of the client's own audits
    ("pii_leak", "none", "partner", None, RAISES),
    ("disallowed_license", "none", "partner", None, RAISES),
    ("other", "none", "partner", None, NEUTRAL),
    ("executive_departure", "none", "client", 1, RAISES),  # either side
    ("layoff", "none", "client", 600, RAISES),
    ("executive_hire", "none", "client", 1, NEUTRAL),
]


def test_every_event_kind_has_a_stated_direction() -> None:
    assert {kind for kind, *_ in DIRECTIONS} == set(EVENT_KINDS) | set(FINDING_SIGNALS.values())


@pytest.mark.parametrize(("kind", "meaning", "side", "magnitude", "direction"), DIRECTIONS)
def test_event_direction(kind: str, meaning: str, side: str, magnitude: float | None, direction: int) -> None:
    event = EventInput("e", kind, D(2025, 5, 20), magnitude, meaning, "confirmed", side)  # type: ignore[arg-type]
    before, after = forecast(PLAIN, 365, n_draws=0), forecast(with_event(PLAIN, event), 365, n_draws=0)
    change = after.probability - before.probability
    assert np.sign(round(change, 12)) == direction
    if direction != NEUTRAL:
        mine = [c for c in after.contributions if c.event_id == "e"]
        assert len(mine) == 1 and mine[0].source
        if meaning == "binding_stake":
            assert after.by_cause["client_exit"] < before.by_cause["client_exit"]
            assert after.by_cause["buyout"] > before.by_cause["buyout"]  # a stake makes absorption likelier
        elif kind != "funding":
            assert mine[0].effect == pytest.approx(change)


def test_bigger_and_surer_events_count_more() -> None:
    def layoff(share: float, certainty: str) -> float:
        return p(with_event(PLAIN, EventInput("l", "layoff", D(2025, 5, 1), share, certainty=certainty)))

    assert layoff(0.05, "confirmed") < layoff(0.2, "confirmed")
    assert layoff(0.2, "disputed") < layoff(0.2, "reported") < layoff(0.2, "confirmed")


def test_events_fade() -> None:
    recent = with_event(PLAIN, EventInput("x", "security_incident", D(2025, 5, 25)))
    old = with_event(PLAIN, EventInput("x", "security_incident", D(2023, 5, 25)))
    assert p(PLAIN) < p(old) < p(recent)


def test_stabilisers_lower_the_client_exit() -> None:
    def client_exit(**changes: object) -> float:
        return forecast(dataclasses.replace(PLAIN, **changes), 365, n_draws=0).by_cause["client_exit"]  # type: ignore[arg-type]

    base = client_exit()
    assert client_exit(equity_stake=0.49) < base
    assert client_exit(min_spend=1e6) < base
    assert client_exit(n_projects=4) < base


def test_embeddedness_turns_against_a_rival_stake() -> None:
    """Rogan 2014: embeddedness protects at low overlap but raises dissolution when overlap rises sharply."""
    rival = EventInput("r", "investment", D(2025, 5, 1), 0.49, "conflict_of_interest", "confirmed")

    def rival_term(n_projects: int) -> float:
        f = forecast(with_event(dataclasses.replace(PLAIN, n_projects=n_projects), rival), 90, n_draws=0)
        return next(c for c in f.contributions if c.event_id == "r").log_odds["client_exit"]

    assert rival_term(5) > rival_term(1) > 0


@pytest.mark.parametrize(
    ("points", "signal"),
    [
        ([QualityPoint(D(2025, 5, 1), error_rate=0.12)], "quality_excess"),
        (
            [
                QualityPoint(D(2025, 1, 1) + dt.timedelta(days=30 * i), error_rate=0.01 + 0.004 * i)
                for i in range(5)
            ],
            "quality_trend",
        ),
        (
            [QualityPoint(D(2025, 5, 1), verdict="reject"), QualityPoint(D(2025, 5, 8), verdict="accept")],
            "rejection_rate",
        ),
        (
            [QualityPoint(D(2025, 5, 1), on_time=False), QualityPoint(D(2025, 5, 8), on_time=True)],
            "late_rate",
        ),
    ],
)
def test_quality_signals_raise_risk(points: list[QualityPoint], signal: str) -> None:
    inputs = dataclasses.replace(PLAIN, quality=tuple(points), max_error_rate=0.05)
    f = forecast(inputs, 180, n_draws=0)
    assert f.probability > p(PLAIN, 180)
    known = [c for c in f.contributions if c.signal != "new_events"]
    assert known[0].signal == signal and known[0].effect > 0
    assert forecast(
        dataclasses.replace(PLAIN, spc_alarm_since=D(2025, 5, 1)), 180, n_draws=0
    ).probability > p(PLAIN, 180)


def test_quality_without_a_contract_is_judged_against_the_partners_own_start() -> None:
    steady = tuple(
        QualityPoint(D(2024, 1, 1) + dt.timedelta(days=30 * i), error_rate=0.02) for i in range(12)
    )
    worse = (*steady, QualityPoint(D(2025, 5, 1), error_rate=0.07))
    f = forecast(dataclasses.replace(PLAIN, quality=worse), 90, n_draws=0)
    excess = next(c for c in f.contributions if c.signal == "quality_excess")
    assert excess.value == pytest.approx(5.0)  # 7% against the 2% of its first five audits, in points
    assert p(dataclasses.replace(PLAIN, quality=steady), 90) == pytest.approx(p(PLAIN, 90))


# -- the as-of rule --------------------------------------------------------------------------------
def test_the_future_is_invisible() -> None:
    later = D(2025, 7, 1)
    future = dataclasses.replace(
        PLAIN,
        events=(
            EventInput("r", "investment", later, 0.49, "conflict_of_interest"),
            EventInput("s", "security_incident", later),
        ),
        quality=(QualityPoint(later, error_rate=0.5, verdict="reject", on_time=False),),
        max_error_rate=0.05,
        spc_alarm_since=later,
    )
    assert forecast(future, 365).probability == forecast(PLAIN, 365).probability
    assert forecast(future, 365).contributions == forecast(PLAIN, 365).contributions
    on_the_day = dataclasses.replace(future, as_of=later)
    assert p(on_the_day) > p(dataclasses.replace(PLAIN, as_of=later))  # dated on as_of: known


def test_a_stake_the_ledger_dates_is_not_there_before_its_date() -> None:
    stake = EventInput("deal", "investment", D(2025, 6, 12), 0.49, "binding_stake")
    inputs = dataclasses.replace(PLAIN, equity_stake=0.49, events=(stake,))
    assert p(inputs) == p(PLAIN)  # as of 2025-06-01 the stake did not exist yet
    after = dataclasses.replace(inputs, as_of=D(2025, 7, 1))
    assert p(after) < p(dataclasses.replace(PLAIN, as_of=D(2025, 7, 1)))
    assert next(c for c in forecast(after, 90).contributions if c.signal == "client_stake").event_id == "deal"


def test_a_stake_event_dates_the_part_of_the_recorded_stake_it_accounts_for() -> None:
    """Before: a 5% stake event replaced the recorded 49% (the stake fell to 5% after the client bought
    more), and a stake the ledger dates after as-of counted from the start when the replay dropped it."""
    recorded = dataclasses.replace(PLAIN, equity_stake=0.49)
    more = EventInput("more", "investment", D(2025, 6, 12), 0.05, "binding_stake")
    later = D(2025, 7, 1)

    def stake(inputs: RiskInputs) -> float:
        found = [c for c in forecast(inputs, 90, n_draws=0).contributions if c.signal == "client_stake"]
        return found[0].value if found else 0.0

    after = with_event(dataclasses.replace(recorded, as_of=later), more)
    assert stake(after) == pytest.approx(0.49)  # the record is the stake; the event dates 5 points of it
    assert p(after) == p(dataclasses.replace(recorded, as_of=later))
    assert stake(with_event(recorded, more)) == pytest.approx(0.44)  # held before the event
    beyond = EventInput("beyond", "investment", D(2025, 6, 20), 0.49, "binding_stake")
    assert stake(with_event(dataclasses.replace(recorded, as_of=later), more, beyond)) == pytest.approx(0.54)
    dated = EventInput("deal", "investment", D(2025, 6, 12), 0.49, "binding_stake")
    assert stake(with_event(recorded, dated)) == 0.0  # the whole record dated after as_of: none yet
    with pytest.raises(NotFoundError, match="'deal'"):  # not known on as_of: nothing to take away
        forecast(with_event(recorded, dated), 90, without=["deal"])


# -- what-if ----------------------------------------------------------------------------------------
def test_without_removes_an_event() -> None:
    a = EventInput("a", "executive_departure", D(2025, 5, 1), 1)
    b = EventInput("b", "layoff", D(2025, 4, 1), 0.2)
    both = with_event(PLAIN, a, b)
    assert p(both, without=["a"]) == pytest.approx(p(with_event(PLAIN, b)))
    assert p(both, without=["a", "b"]) == pytest.approx(p(PLAIN))
    with pytest.raises(NotFoundError, match="'zz'"):
        forecast(both, without=["zz"])


def test_assume_overrides_inputs() -> None:
    stake = EventInput("deal", "investment", D(2025, 5, 1), 0.49, "binding_stake")
    staked = dataclasses.replace(PLAIN, events=(stake,), min_spend=1e6)
    assert p(staked, assume={"equity_stake": 0, "min_spend": 0}) == pytest.approx(p(PLAIN))
    assert p(PLAIN, assume={"n_projects": "3"}) == pytest.approx(p(dataclasses.replace(PLAIN, n_projects=3)))
    bad = dataclasses.replace(
        PLAIN, quality=(QualityPoint(D(2025, 5, 1), error_rate=0.15, on_time=False),), max_error_rate=0.05
    )
    assert p(bad, assume={"error_rate": 0.02, "on_time_rate": 1.0}) == pytest.approx(p(PLAIN))
    assert p(bad, assume={"error_rate": 0.15}) == pytest.approx(p(bad))
    rival = with_event(PLAIN, EventInput("r", "investment", D(2025, 5, 1), 0.3, "conflict_of_interest"))
    assert p(rival, assume={"rival_stake": 0}) == pytest.approx(p(PLAIN))
    with pytest.raises(InvalidInputError, match="assumption 'equity'"):
        forecast(PLAIN, assume={"equity": 0})
    with pytest.raises(InvalidInputError, match="finite number"):
        forecast(PLAIN, assume={"min_spend": "lots"})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start": D(2026, 1, 1)}, "start"),
        ({"equity_stake": 1.5}, "equity_stake"),
        ({"n_projects": 0}, "n_projects"),
        ({"events": (EventInput("x", "merger", D(2025, 1, 1)),)}, "event x"),
        ({"events": (EventInput("x", "lawsuit", D(2025, 1, 1), certainty="rumour"),)}, "event x"),
    ],
)
def test_bad_inputs_name_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError, match=f"column '{field}'"):
        forecast(dataclasses.replace(PLAIN, **change))  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="horizon_days"):
        forecast(PLAIN, 0)


def test_to_dict_is_designs_risk_object() -> None:
    inputs = with_event(
        PLAIN, EventInput("e7", "executive_departure", D(2025, 5, 1), 1, certainty="confirmed")
    )
    out = forecast(inputs, 180).to_dict()
    assert {"horizon_days", "probability", "contributions"} <= set(out)
    assert out["horizon_days"] == 180 and out["as_of"] == "2025-06-01"
    first = out["contributions"][0]
    assert {"signal", "effect", "source"} <= set(first)
    assert [c["event_id"] for c in out["contributions"] if c["signal"] == "executive_departure"] == ["e7"]
    assert set(out["by_cause"]) == set(CAUSES)


# -- the Meta–Scale case (RESEARCH.md Part A, meta_scale_timeline.json) -----------------------------
SCALE_EVENTS = (  # facts about Scale AI; the 2025-06-12 deal's meaning depends on whose view it is
    EventInput("deal", "investment", D(2025, 6, 12), 0.49, "none", "confirmed"),
    EventInput("wang", "executive_departure", D(2025, 6, 12), 1, "none", "confirmed"),
    EventInput("droege", "executive_hire", D(2025, 6, 12), 1, "none", "confirmed"),
    EventInput("google", "customer_exit", D(2025, 6, 13), 2e8, "none", "reported"),
    EventInput("bulba", "quality_complaint", D(2025, 6, 15), None, "none", "disputed"),
    EventInput("openai", "customer_exit", D(2025, 6, 18), None, "none", "confirmed"),
    EventInput("xai", "customer_exit", D(2025, 6, 20), None, "none", "reported"),
    EventInput("docs", "security_incident", D(2025, 6, 25), 85, "none", "confirmed"),
    EventInput("cuts", "layoff", D(2025, 7, 16), 0.14, "none", "confirmed"),
    EventInput("tbd", "quality_complaint", D(2025, 8, 29), None, "none", "disputed"),
    EventInput("mercor", "lawsuit", D(2025, 9, 3), None, "none", "confirmed"),
    EventInput("dallas", "layoff", D(2025, 10, 15), 12, "none", "confirmed"),
)
META_SIDE = (  # turbulence inside the client, Meta
    EventInput("mayer", "executive_departure", D(2025, 8, 29), 1, "none", "confirmed", "client"),
    EventInput("msl", "layoff", D(2025, 10, 22), 600, "none", "confirmed", "client"),
    EventInput("lecun", "executive_departure", D(2025, 11, 11), 1, "none", "confirmed", "client"),
)


def meta_view(as_of: dt.date) -> RiskInputs:
    """Meta, the client that took 49%: customer since 2019, a reported $450M-a-year minimum from 2025-06-13."""
    events = tuple(
        dataclasses.replace(e, meaning="binding_stake") if e.id == "deal" else e for e in SCALE_EVENTS
    )
    return RiskInputs(
        as_of=as_of,
        start=D(2019, 1, 1),
        equity_stake=0.49,
        min_spend=4.5e8 if as_of >= D(2025, 6, 13) else 0.0,
        n_projects=3,
        events=events + META_SIDE,
        partner_headcount=1400,
    )


def google_view(as_of: dt.date) -> RiskInputs:
    """Google, for whom Meta is a rival: over a third of Scale's GenAI projects in April 2025 [C18]."""
    events = tuple(
        dataclasses.replace(e, meaning="conflict_of_interest") if e.id == "deal" else e
        for e in SCALE_EVENTS
        if e.id != "google"  # its own exit is the outcome, not an input
    )
    return RiskInputs(as_of=as_of, start=D(2020, 1, 1), n_projects=5, events=events, partner_headcount=1400)


def test_meta_scale_story() -> None:
    """Google's risk jumps the day a rival buys 49% (it left the next day); Meta's stays low, held by its
    stake and commitment despite many warnings (no termination reported through May 2026)."""
    google_before = forecast(google_view(D(2025, 6, 1)), 90)
    google_deal = forecast(google_view(D(2025, 6, 12)), 90)
    google_contagion = forecast(google_view(D(2025, 6, 21)), 90)
    assert google_before.probability < 0.02
    assert google_deal.probability > 0.1 and google_deal.probability > 10 * google_before.probability
    assert google_contagion.probability > google_deal.probability  # OpenAI and xAI left meanwhile
    assert google_deal.contributions[0].signal == "rival_stake"
    assert google_deal.contributions[0].event_id == "deal"
    assert forecast(google_view(D(2025, 6, 12)), 90, without=["deal"]).probability < 0.02

    meta = forecast(meta_view(D(2025, 9, 1)), 365)
    assert meta.probability < 0.1 and meta.probability < forecast(google_view(D(2025, 9, 1)), 365).probability
    effects = {c.signal: c.effect for c in meta.contributions if c.event_id in (None, "deal")}
    assert effects["client_stake"] < 0 and effects["min_spend"] < 0
    warnings = [c for c in meta.contributions if c.effect > 0]
    assert len(warnings) >= 8  # many signals, each small
    unbound = forecast(meta_view(D(2025, 9, 1)), 365, assume={"equity_stake": 0, "min_spend": 0})
    # about twice: adverse news saturates (saturation.log_odds), so the stabilisers hold a bit less
    assert unbound.probability > 1.8 * meta.probability
    assert meta.by_cause["buyout"] > forecast(meta_view(D(2025, 6, 1)), 365).by_cause["buyout"]
