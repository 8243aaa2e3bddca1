"""Calibration of the risk model: the HISTORY parser, the penalised fit against scikit-learn, recovery of
known effect sizes from simulated portfolios, and forecasts that match simulated outcomes."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss
from threadpoolctl import threadpool_limits

from labelpact.errors import ConvergenceWarning, InvalidInputError
from labelpact.partners.risk import CAUSES, SIGNALS, load_priors
from labelpact.partners.risk.fit import (
    brier_score,
    calibration_table,
    fit_risk,
    history_from_cases,
    history_from_rows,
    priors_toml,
)
from synthetic.portfolio import forecast_check, simulate_portfolio


@pytest.fixture(autouse=True)
def one_blas_thread() -> Iterator[None]:
    """Skinny products (rows x 24 signals) gain nothing from BLAS threads and lose much on a busy machine."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


HALF_LIVES = "[half_life_days]\n" + "\n".join(
    f"{name} = 100" for name in sorted(load_priors().half_life_days)
)


def free_priors(signals: tuple[str, ...]) -> str:
    """Every signal on every cause, sign free: the full multinomial logit scikit-learn fits."""
    effects = [
        f'[[effect]]\nsignal = "{s}"\ncause = "{c}"\nvalue = 0.0\nsd = 1.0\nsign = "free"\nsource = "-"\nnote = "-"\n'
        for s in signals
        for c in CAUSES
    ]
    return "\n".join(effects) + "\n" + HALF_LIVES


def small_history(seed: int = 0, n: int = 300) -> list[dict[str, str]]:
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(n):
        for m in range(24):
            q, late = rng.exponential(1.0), rng.random()
            eta = np.array([-3 + 0.5 * q + 1.0 * late, -4 + 0.2 * q, -4.5 - 0.5 * late])
            hazard = np.exp(eta) / (1 + np.exp(eta).sum())
            cause = int(np.searchsorted(np.cumsum(hazard), rng.random(), side="right"))
            outcome = CAUSES[cause] if cause < 3 else ""
            month = f"{2020 + m // 12}-{m % 12 + 1:02d}"
            rows.append(
                {
                    "relationship": f"r{r}",
                    "month": month,
                    "outcome": outcome,
                    "quality_excess": f"{q:.6f}",
                    "late_rate": f"{late:.6f}",
                }
            )
            if outcome:
                break
    return rows


def test_unpenalised_fit_matches_scikit_learn_multinomial() -> None:
    history = history_from_rows(small_history())
    fitted = fit_risk(
        history, priors=load_priors(free_priors(("intercept", "quality_excess", "late_rate"))), penalty=0
    )
    ours = {e.name: e.estimate for e in fitted.effects}
    x = history.signals[:, [SIGNALS.index("quality_excess"), SIGNALS.index("late_rate")]]
    with warnings.catch_warnings():  # scikit-learn 1.5 passes scipy's deprecated ``iprint``
        warnings.simplefilter("ignore", DeprecationWarning)
        model = LogisticRegression(penalty=None, tol=1e-10, max_iter=10_000).fit(x, history.outcome + 1)
    coef = model.coef_ - model.coef_[0]  # scikit-learn's symmetric softmax, referred to "still together"
    intercept = model.intercept_ - model.intercept_[0]
    for k, cause in enumerate(CAUSES, start=1):
        assert ours[f"intercept.{cause}"] == pytest.approx(intercept[k], abs=5e-3)
        assert ours[f"quality_excess.{cause}"] == pytest.approx(coef[k, 0], abs=5e-3)
        assert ours[f"late_rate.{cause}"] == pytest.approx(coef[k, 1], abs=5e-3)
    assert fitted.n_events == {c: int(np.sum(history.outcome == k)) for k, c in enumerate(CAUSES)}


def test_the_penalty_pulls_toward_the_priors_and_keeps_signs() -> None:
    history = history_from_rows(small_history(n=100))
    loose = {e.name: e.estimate for e in fit_risk(history, penalty=0.01).effects}
    tight = {e.name: e.estimate for e in fit_risk(history, penalty=100).effects}
    priors = {e.name: e for e in load_priors().effects}
    gap = lambda fit: abs(fit["quality_excess.client_exit"] - priors["quality_excess.client_exit"].value)  # noqa: E731
    assert gap(tight) < gap(loose)
    # signals the history does not carry stay at their priors, and every sign holds
    assert loose["rival_stake.client_exit"] == priors["rival_stake.client_exit"].value
    for name, value in loose.items():
        sign = priors[name].sign
        assert (sign != "+" or value >= 0) and (sign != "-" or value <= 0)


def test_fit_recovers_known_sizes_from_a_simulated_portfolio() -> None:
    """The truth differs from the priors; a portfolio of 1,000 relationships pulls the estimates to it."""
    priors = load_priors()
    moved = {
        "intercept.client_exit": -5.2,
        "quality_excess.client_exit": 0.3,
        "late_rate.client_exit": 0.6,
        "rival_stake.client_exit": 1.5,
        "executive_departure.client_exit": 1.0,
        "min_spend.client_exit": -0.3,
    }
    truth = priors.with_values([moved.get(e.name, e.value) for e in priors.effects], priors.sds)
    cases = simulate_portfolio(1000, seed=3, priors=truth, months=36, event_rate=3.0)
    fitted = fit_risk(history_from_cases(cases), priors=priors)
    assert fitted.converged
    found = {e.name: e for e in fitted.effects}
    for name, value in moved.items():
        e = found[name]
        # six effects checked jointly: 3.5 se keeps the family-wise false-failure rate near 0.3%
        assert abs(e.estimate - value) < 3.5 * e.se, name
        if e.se < abs(value - e.prior) / 3:  # informative enough: the data won over the prior
            assert abs(e.estimate - value) < abs(e.estimate - e.prior), name
    unmoved = [e for e in fitted.effects if e.name not in moved]
    assert np.mean([abs(e.estimate - e.prior) < 3 * e.se for e in unmoved]) > 0.9
    assert fitted.brier < fitted.brier_reference  # the signals predict better than the base rate


def test_forecasts_are_calibrated_on_a_simulated_portfolio() -> None:
    """Predicted against observed 1-year breakdown, by decile, on relationships simulated under the priors
    whose future keeps bringing events (the forecast expects them) and quality shifts (it does not)."""
    predicted, observed = forecast_check(1000, horizon_days=365, seed=5, live=True, event_rate=3.0)
    table = calibration_table(predicted, observed)
    assert len(table) == 10 and sum(b.n for b in table) == 1000
    assert abs(predicted.mean() - observed.mean()) < 0.02
    for b in table:  # within 3 binomial standard errors (or 2 points)
        assert abs(b.predicted - b.observed) <= max(0.02, 3 * np.sqrt(b.predicted * (1 - b.predicted) / b.n))
    assert table[-1].observed > 3 * table[0].observed  # and it discriminates


def test_brier_and_calibration_table_match_references() -> None:
    rng = np.random.default_rng(0)
    predicted = rng.random(200)
    observed = (rng.random(200) < predicted).astype(float)
    assert brier_score(predicted, observed) == pytest.approx(brier_score_loss(observed, predicted))
    table = calibration_table(np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.0, 0.0, 1.0, 1.0]), n_bins=2)
    assert [(b.n, b.predicted, b.observed) for b in table] == [(2, pytest.approx(0.15), 0.0), (2, 0.35, 1.0)]


def test_fitted_priors_feed_the_forecast() -> None:
    fitted = fit_risk(history_from_cases(simulate_portfolio(300, seed=1)))
    assert fitted.priors.values.tolist() == [e.estimate for e in fitted.effects]
    out = fitted.to_dict()
    assert out["n_relationships"] == 300 and len(out["calibration"]) == 10
    assert {"name", "prior", "estimate", "se"} <= set(out["effects"][0])


def test_fitted_priors_round_trip_through_toml() -> None:
    fitted = fit_risk(history_from_rows(small_history(n=60)))
    again = load_priors(priors_toml(fitted.priors))
    assert again == fitted.priors
    assert load_priors(priors_toml(load_priors())) == load_priors()


def test_non_convergence_warns() -> None:
    with pytest.warns(ConvergenceWarning):
        fit_risk(history_from_rows(small_history(n=50)), max_iter=1)


# -- the HISTORY parser --------------------------------------------------------------------------------
def test_history_rows_compute_age_and_defaults() -> None:
    rows = [
        {"relationship": "a", "month": "2023-11", "outcome": "", "late_rate": "0.5"},
        {"relationship": "a", "month": "2023-12-01", "outcome": "", "late_rate": ""},
        {"relationship": "b", "month": "2024-01", "outcome": "expiry", "late_rate": "0"},
        {"relationship": "a", "month": "2024-01", "outcome": "client_exit", "late_rate": "1"},
    ]
    h = history_from_rows(rows)
    assert h.relationships == ("a", "b") and h.outcome.tolist() == [-1, -1, -1, 0]
    assert h.signals[:, SIGNALS.index("late_rate")].tolist() == [0.5, 0.0, 0.0, 1.0]
    age_log = h.signals[:, SIGNALS.index("age_log")]
    np.testing.assert_allclose(age_log, np.log1p([0, 1, 0, 2]) - np.log1p(24))
    assert h.observed == {"intercept", "age_log", "age_years", "late_rate"}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"month": "2024-01"}], "column 'relationship'"),
        ([{"relationship": "a", "month": "Jan 2024"}], "line 2, column 'month'"),
        ([{"relationship": "a", "month": "2024-13"}], "column 'month'"),
        ([{"relationship": "a", "month": "2024-01", "outcome": "divorce"}], "column 'outcome'"),
        ([{"relationship": "a", "month": "2024-01", "late_rat": "1"}], "did you mean 'late_rate'"),
        ([{"relationship": "a", "month": "2024-01", "late_rate": "x"}], "column 'late_rate'"),
        (
            [{"relationship": "a", "month": "2024-01"}, {"relationship": "a", "month": "2024-03"}],
            "line 3, column 'month': expected consecutive",
        ),
        (
            [
                {"relationship": "a", "month": "2024-01", "outcome": "buyout"},
                {"relationship": "a", "month": "2024-02", "outcome": ""},
            ],
            "line 3.*after the relationship's outcome",
        ),
    ],
)
def test_history_errors_name_line_and_column(rows: list[dict[str, str]], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        history_from_rows(rows, source="history.csv")


def test_simulated_histories_are_consistent() -> None:
    cases = simulate_portfolio(200, seed=2)
    h = history_from_cases(cases)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ends = [c.outcome for c in cases]
    assert set(ends) <= {"", "expiry", *CAUSES}
    assert int(np.sum(h.outcome >= 0)) == sum(e in CAUSES for e in ends)
    assert all(e.date <= c.inputs.as_of for c in cases for e in c.inputs.events)
    assert simulate_portfolio(5, seed=2) == cases[:5]  # seeded
    rates, assumed = h.arrivals_per_year or {}, load_priors().arrivals_per_year
    for signal in ("executive_departure", "customer_exit", "executive_hire"):  # the ledger's rates, measured
        assert rates[signal] == pytest.approx(assumed[signal], rel=0.3)
    assert fit_risk(h).priors.arrivals_per_year == rates


@pytest.mark.parametrize("penalty", [float("inf"), 1e308, float("nan"), -1.0])
def test_a_penalty_outside_0_to_1e6_names_the_field(penalty: float) -> None:
    with pytest.raises(InvalidInputError, match="a penalty from 0 to 1e") as caught:
        fit_risk(history_from_rows(small_history(n=20)), penalty=penalty)
    assert caught.value.column == "penalty" and caught.value.column_kind == "field"
