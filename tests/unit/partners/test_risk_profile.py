"""The lag of slow-burn signals chosen by profile likelihood on the case library, and the added cases."""

from __future__ import annotations

import dataclasses

import pytest

from labelpact.partners.risk import load_priors
from labelpact.partners.risk.library import fit_cases, library_priors, load_cases, profile_lag

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


def test_the_shipped_model_uses_the_profiled_lag() -> None:
    chosen, _ = profile_lag(CASES)
    assert library_priors().lag_days == chosen.lag_days


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
