"""The lag of slow-burn signals chosen by profile likelihood on the case library, and the added cases."""

from __future__ import annotations

import dataclasses

import pytest

from labelpact.partners.risk import load_priors
from labelpact.partners.risk.library import fit_cases, library_priors, load_cases
from labelpact.partners.risk.profile import profile_lag, profile_memory, shaped_priors

CASES = load_cases()


def test_profile_lag_picks_the_lag_with_the_highest_likelihood_for_every_slow_kind() -> None:
    """Checked against fits done by hand at each lag: the chosen lag is the argmax, shared by the kinds."""
    sourced = load_priors()
    lags = (90.0, 180.0, 365.0)
    chosen, table = profile_lag(CASES, priors=sourced, lags=lags)
    by_hand = {
        lag: fit_cases(
            CASES, priors=dataclasses.replace(sourced, lag_days=dict.fromkeys(sourced.lag_days, lag))
        ).fitted.log_likelihood
        for lag in lags
    }
    assert table == pytest.approx(by_hand)
    best = max(by_hand, key=lambda lag: by_hand[lag])
    assert set(chosen.lag_days) == set(sourced.lag_days) and set(chosen.lag_days.values()) == {best}
    assert chosen.effects == sourced.effects  # only the shape moves


def test_the_shipped_model_keeps_the_sourced_lag_where_the_profile_is_flat() -> None:
    """The lag's profile is flat around the sourced 180 days (180 and 240 within 0.5 log-likelihood on the
    library), so the shipped model keeps the sourced lag rather than a choice the data cannot make."""
    _, table = profile_lag(CASES)
    sourced = load_priors().lag_days
    assert library_priors().lag_days == sourced
    assert set(sourced.values()) == {180.0}
    assert max(table.values()) - table[180.0] < 0.5


def test_profile_memory_scales_every_half_life_by_the_most_likely_factor() -> None:
    """Checked against fits done by hand at each factor: the half-lives keep their sourced ratios."""
    sourced = load_priors()
    factors = (1.0, 4.0)
    chosen, table = profile_memory(CASES, priors=sourced, factors=factors)
    by_hand = {
        f: fit_cases(
            CASES,
            priors=dataclasses.replace(
                sourced, half_life_days={k: v * f for k, v in sourced.half_life_days.items()}
            ),
            anchor=False,
        ).fitted.log_likelihood
        for f in factors
    }
    assert table == pytest.approx(by_hand)
    best = max(by_hand, key=lambda f: by_hand[f])
    assert best == 4.0  # the library remembers adverse news longer than the sourced half-lives
    assert chosen.half_life_days == {k: v * best for k, v in sourced.half_life_days.items()}
    assert chosen.effects == sourced.effects and chosen.lag_days == sourced.lag_days


def test_the_shipped_model_uses_the_profiled_memory() -> None:
    assert library_priors().half_life_days == shaped_priors(CASES).half_life_days
    assert library_priors().half_life_days != load_priors().half_life_days


def test_the_added_cases_are_in_the_library_with_dated_sourced_events() -> None:
    by_id = {c.id: c for c in CASES}
    added = {
        "tiktok-teleperformance": "vendor_exit",
        "queensland-ibm": "client_exit",
        "home-office-g4s-brook-house": "vendor_exit",
        "apple-globetech": "client_exit",
        "marks-spencer-tcs": "client_exit",
        "locog-g4s": "continuing",
        "ioc-atos": "continuing",
    }
    for case_id, outcome in added.items():
        case = by_id[case_id]
        assert case.outcome == outcome and case.events and case.source_url.startswith("https://")
        assert all(e.date < case.end and (e.source_url or "").startswith("http") for e in case.events)
