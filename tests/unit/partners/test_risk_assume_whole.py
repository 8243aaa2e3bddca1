"""``assume SIGNAL=0`` takes that signal's events away whole, with the ``implicates_client`` part they feed
(hunt_risk finding 7: Meta-Sama's welfare reports kept driving the forecast through that part, listed as
"worker_welfare" rows, after the user assumed worker_welfare = 0)."""

from __future__ import annotations

import datetime as dt

import pytest

from labelpact.partners.risk import EventInput, RiskInputs, forecast

WELFARE = tuple(
    EventInput(
        f"e{i}",
        "worker_welfare",
        dt.date(2022, 2, 14) + dt.timedelta(days=30 * i),
        meaning="implicates_client",
    )
    for i in (1, 2)
)
INPUTS = RiskInputs(as_of=dt.date(2023, 1, 9), start=dt.date(2019, 1, 1), events=WELFARE)


def test_assuming_no_welfare_signal_is_the_forecast_without_those_events() -> None:
    assumed = forecast(INPUTS, horizon_days=90, assume={"worker_welfare": 0}, n_draws=0)
    without = forecast(INPUTS, horizon_days=90, without=("e1", "e2"), n_draws=0)
    assert assumed.probability == pytest.approx(without.probability)
    assert not [c for c in assumed.contributions if c.event_id in {"e1", "e2"}]
