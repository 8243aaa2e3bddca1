"""``risk fit HISTORY.csv`` starts from the model forecasts use now (hunt_risk finding 3: it started from
the raw sourced priors, so ``--save`` silently reset every effect and half-life the history never measured)."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelpact.partners.risk.library import library_priors
from labelpact.services.risk import fit_history


def _quiet_history(path: Path) -> Path:
    """20 relationships over 36 months with no event column, three of them ending in a client exit."""
    lines = ["relationship,month,outcome"]
    for r in range(20):
        for m in range(36):
            ended = r < 3 and m == 35
            lines.append(f"r{r},{2020 + m // 12}-{m % 12 + 1:02d},{'client_exit' if ended else ''}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_effects_and_half_lives_the_history_does_not_measure_keep_the_library_fit(tmp_path: Path) -> None:
    fitted = fit_history(None, _quiet_history(tmp_path / "history.csv")).priors
    shipped = library_priors()
    assert dict(fitted.half_life_days) == dict(shipped.half_life_days)
    kept = {e.name: e.value for e in shipped.effects if e.signal in {"rival_stake", "executive_departure"}}
    assert kept and {e.name: e.value for e in fitted.effects if e.name in kept} == pytest.approx(kept)
