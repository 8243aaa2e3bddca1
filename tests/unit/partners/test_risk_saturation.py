"""Adverse news saturates: pooled units of adverse kinds count 1 + log(units) above one unit (signals.saturate)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest

from labelpact.partners.risk import EventInput, RiskInputs, forecast, load_priors, signals
from labelpact.partners.risk.priors import SIGNAL_COLUMN, SIGNALS
from labelpact.partners.risk.signals import ADVERSE_POOL, saturate, saturation_scale, signal_matrix

D = dt.date
AS_OF = D(2025, 6, 1)
PLAIN = RiskInputs(as_of=AS_OF, start=D(2022, 1, 1))


def complaints(n: int, day: dt.date = AS_OF) -> tuple[EventInput, ...]:
    return tuple(EventInput(f"q{i}", "quality_complaint", day, certainty="confirmed") for i in range(n))


def test_the_scale_is_the_hand_computed_one() -> None:
    total = np.zeros((1, len(SIGNALS)))
    total[0, SIGNAL_COLUMN["quality_complaint"]] = 2.0
    total[0, SIGNAL_COLUMN["worker_welfare"]] = 1.0
    total[0, SIGNAL_COLUMN["implicates_client"]] = 0.5
    total[0, SIGNAL_COLUMN["rival_stake"]] = 2.0
    scale = saturation_scale(total)[0]
    pooled = (1.0 + math.log(3.0)) / 3.0  # three adverse units, pooled across kinds
    for kind in ADVERSE_POOL:
        assert scale[SIGNAL_COLUMN[kind]] == pytest.approx(pooled)
    assert scale[SIGNAL_COLUMN["implicates_client"]] == 1.0  # half a unit: below the knee
    assert scale[SIGNAL_COLUMN["rival_stake"]] == 1.0  # stakes stay linear
    saturated = saturate(total)
    assert saturated[0, SIGNAL_COLUMN["quality_complaint"]] + saturated[
        0, SIGNAL_COLUMN["worker_welfare"]
    ] == pytest.approx(1.0 + math.log(3.0))
    stacked = saturate(np.stack([total, 2 * total, np.zeros_like(total)]))  # any leading shape
    assert stacked.shape == (3, 1, len(SIGNALS))
    np.testing.assert_allclose(stacked[0], saturated)
    np.testing.assert_allclose(stacked[2], 0.0)


def test_one_report_counts_in_full_and_ten_count_one_plus_log_ten(monkeypatch: pytest.MonkeyPatch) -> None:
    p = load_priors()
    day = np.array([float(AS_OF.toordinal())])
    col = SIGNAL_COLUMN["quality_complaint"]
    one = signal_matrix(dataclasses.replace(PLAIN, events=complaints(1)), day, day, priors=p)
    ten = signal_matrix(dataclasses.replace(PLAIN, events=complaints(10)), day, day, priors=p)
    weight = p.certainty["confirmed"]
    assert one[0, col] == pytest.approx(weight)  # below one unit: linear
    assert ten[0, col] == pytest.approx(1.0 + math.log(10 * weight))
    monkeypatch.setattr(signals, "SATURATION", None)  # switched off: ten reports count ten times
    linear = signal_matrix(dataclasses.replace(PLAIN, events=complaints(10)), day, day, priors=p)
    assert linear[0, col] == pytest.approx(10 * weight)


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
    coef = load_priors().coefficients()[SIGNAL_COLUMN["quality_complaint"]]
    assert sum(shares) == pytest.approx(coef[0] * (1 + math.log(5 * load_priors().certainty["confirmed"])))
    without = forecast(dataclasses.replace(PLAIN, events=complaints(5)), 90, n_draws=0, without=["q0"])
    four = forecast(dataclasses.replace(PLAIN, events=complaints(4)), 90, n_draws=0)
    assert without.probability == pytest.approx(four.probability)  # the what-if is exact
