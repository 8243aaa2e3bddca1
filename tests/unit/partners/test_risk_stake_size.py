"""A rival's stake counts one unit whatever its size, and the docs say so (hunt_risk finding 9: the size a
user enters never reached the forecast, and nothing said it was ignored)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from labelpact.partners.risk import EventInput, RiskInputs, forecast

DOCS = Path(__file__).resolve().parents[3] / "docs" / "risk-cases.md"


def _risk(share: float) -> float:
    stake = EventInput(
        "e1", "investment", dt.date(2025, 3, 1), magnitude=share, meaning="conflict_of_interest"
    )
    inputs = RiskInputs(as_of=dt.date(2025, 4, 1), start=dt.date(2024, 1, 1), events=(stake,))
    return forecast(inputs, horizon_days=180, n_draws=0).probability


def test_a_rivals_stake_counts_alike_at_any_size_as_the_docs_say() -> None:
    assert _risk(0.01) == _risk(0.49) == _risk(1.0)
    assert "A rival's stake counts one unit whatever its size" in DOCS.read_text(encoding="utf-8")
