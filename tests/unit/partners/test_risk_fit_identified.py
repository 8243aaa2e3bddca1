"""``fit_risk`` refuses a history that cannot identify the effects (no breakup, nothing but breakups, or
separation at no penalty), and a forecast never carries NaN (hunt_risk finding 2: a one-breakup history
fitted as "converged, Brier 0.0000", and once saved every forecast printed ``nan%`` and invalid JSON)."""

from __future__ import annotations

import numpy as np
import pytest

from labelpact.errors import InvalidInputError
from labelpact.partners.risk.fit import fit_risk, history_from_rows
from labelpact.partners.risk.forecast import cumulative_incidence
from labelpact.partners.risk.library import fit_cases, load_cases


def _history(n_relationships: int, n_months: int, broke: set[tuple[int, int]]) -> list[dict[str, str]]:
    """Quiet relationship-months of 2020, with quality 3 and a client exit in the months ``broke`` names."""
    return [
        {
            "relationship": f"r{r}",
            "month": f"2020-{m + 1:02d}",
            "outcome": "client_exit" if (r, m) in broke else "",
            "quality_excess": "3" if (r, m) in broke else "0",
        }
        for r in range(n_relationships)
        for m in range(n_months)
    ]


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        (_history(1, 1, {(0, 0)}), "1 relationship-month(s), every one a breakup"),
        (_history(20, 12, set()), "240 relationship-month(s), none a breakup"),
    ],
)
def test_a_history_without_contrast_is_refused(rows: list[dict[str, str]], said: str) -> None:
    with pytest.raises(InvalidInputError, match="field 'history'") as caught:
        fit_risk(history_from_rows(rows, source="h.csv"), penalty=0.0)
    assert said in str(caught.value)


def test_separation_at_no_penalty_is_refused_and_a_penalty_fits_it() -> None:
    """Exits only in the months of high quality excess: the unpenalised likelihood is flat toward infinity."""
    history = history_from_rows(_history(30, 12, {(r, 11) for r in range(5)}), source="h.csv")
    with pytest.raises(InvalidInputError, match=r"field 'penalty'.*times its prior sd"):
        fit_risk(history, penalty=0.0)
    fitted = fit_risk(history, penalty=1.0)
    assert all(e.se <= e.prior_sd for e in fitted.effects)


def test_cumulative_incidence_of_hazards_rounding_past_one_is_no_nan() -> None:
    """Hazards that sum to 1 + eps in floating point gave a negative base a fractional power (NaN)."""
    eta = np.array([[[37.88323852516969, 18.941619262584845, -37.88323852516969]]])
    probability = cumulative_incidence(eta, 0.5)[0]
    assert np.isfinite(probability).all() and probability[0] == pytest.approx(1.0)


def test_the_library_counts_the_breakups_of_each_effects_cause() -> None:
    """The packaged library holds no buyout, so nothing supports a buyout effect (it said 31 breakups)."""
    cases = load_cases()
    fit = fit_cases(cases)
    by_name = {e.name: e for e in fit.effects}
    exits = {cause: sum(c.outcome == cause for c in cases) for cause in ("client_exit", "vendor_exit")}
    assert by_name["intercept.buyout"].n_breakups == 0
    assert by_name["intercept.client_exit"].n_breakups == exits["client_exit"]
    assert by_name["intercept.vendor_exit"].n_breakups == exits["vendor_exit"]
