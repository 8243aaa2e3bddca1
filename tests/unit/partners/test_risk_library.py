"""The case library (partners/data/cases) and the risk model fitted on it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from labelpact.errors import InvalidInputError
from labelpact.partners.events import EVENT_KINDS
from labelpact.partners.risk import SIGNALS, RiskInputs, forecast, load_priors
from labelpact.partners.risk.library import (
    CaseFit,
    anchor_intercepts,
    case_history,
    fit_cases,
    library_priors,
    load_cases,
    parse_case,
)
from labelpact.partners.risk.profile import shaped_fit

CASES = load_cases()
NEW_KINDS = ("financial_distress", "worker_welfare", "regulatory_action", "reputation")


def test_the_library_has_at_least_25_sourced_cases_of_both_outcomes() -> None:
    assert len(CASES) >= 25
    assert sum(c.broke for c in CASES) >= 10 and sum(not c.broke for c in CASES) >= 10
    for case in CASES:
        assert case.source_url.startswith("http") and case.summary
        for event in case.events:
            assert event.date < case.end  # strictly before the outcome
            assert event.source_url and event.source_url.startswith("http")
            assert event.kind in EVENT_KINDS
    used = {e.kind for c in CASES for e in c.events}
    assert set(NEW_KINDS) <= used


def test_a_case_file_is_an_events_import_file() -> None:
    """The case's events carry the ledger's columns, so ``events import CASE.json`` reads them."""
    from labelpact.io.events import read_event_rows
    from labelpact.partners.events import parse_event_rows

    path = Path(__file__).resolve().parents[3] / "src/labelpact/partners/data/cases/meta-sama.json"
    read = read_event_rows(path)
    events = parse_event_rows(read.rows, str(path), header_line=read.header_line)
    assert [e.kind for e in events] == ["worker_welfare", "worker_welfare"]


def test_an_event_on_or_after_the_end_is_refused() -> None:
    doc = json.loads(
        (Path(__file__).resolve().parents[3] / "src/labelpact/partners/data/cases/meta-sama.json").read_text()
    )
    doc["events"][0]["date"] = doc["end"]
    with pytest.raises(InvalidInputError, match="before the end"):
        parse_case(doc, source="bad.json")
    doc["events"][0]["date"] = "2022-02-14"
    doc["events"][0]["source_url"] = None
    with pytest.raises(InvalidInputError, match="source URL"):
        parse_case(doc, source="bad.json")


def test_the_history_counts_months_back_from_the_day_before_a_breakup() -> None:
    """Google-Scale: the rival's stake of 2025-06-12 is visible in the last month, which ends on 2025-06-13."""
    case = next(c for c in CASES if c.id == "google-scale-ai")
    history = case_history([case])
    assert history.outcome[-1] == 0 and np.all(history.outcome[:-1] == -1)  # client_exit in the last month
    stake = history.signals[:, SIGNALS.index("rival_stake")]
    assert stake[-1] - stake[-2] == pytest.approx(1.0, abs=0.03)  # the 49% stake, one day old
    assert 0.3 < stake[-2] < 0.7  # Meta's part in the 2024 round, decayed over a year


def test_the_fit_shrinks_toward_the_priors_and_reports_support() -> None:
    fit = fit_cases(CASES)
    assert fit.fitted.converged and fit.n_cases == len(CASES)
    by_name = {e.name: e for e in fit.effects}
    for name in ("worker_welfare.client_exit", "financial_distress.vendor_exit", "rival_stake.client_exit"):
        e = by_name[name]
        assert e.n_cases >= 3 and e.n_breakups >= 3
        assert e.interval[0] <= e.estimate <= e.interval[1]
    # a signal no case carries keeps its prior exactly: the library says nothing about it
    unseen = by_name["pay_below_floor.client_exit"]
    assert unseen.n_cases == 0 and unseen.estimate == pytest.approx(unseen.prior)
    # the forecast's intercepts are the sourced ones moved by one constant (the library over-represents
    # breakups), so that a quiet new relationship keeps the sourced five-year base rate (25%)
    sourced = load_priors()
    shifts = [
        e.value - s.value
        for e, s in zip(fit.priors.effects, sourced.effects, strict=True)
        if e.signal == "intercept"
    ]
    assert len(shifts) == 3 and max(shifts) - min(shifts) < 1e-9
    quiet = RiskInputs(as_of=dt.date(2020, 1, 1), start=dt.date(2020, 1, 1))
    five = forecast(quiet, 1826, priors=fit.priors, n_draws=0).probability
    assert five == pytest.approx(forecast(quiet, 1826, priors=sourced, n_draws=0).probability, abs=1e-5)
    assert five == pytest.approx(0.25, abs=0.005)
    shipped = library_priors()  # the longer memory of the shipped model does not move the base rate
    assert forecast(quiet, 1826, priors=shipped, n_draws=0).probability == pytest.approx(five, abs=1e-5)


def test_a_weaker_penalty_moves_further_from_the_priors() -> None:
    strong, weak = fit_cases(CASES, penalty=10.0), fit_cases(CASES, penalty=0.1)

    def gap(fit: CaseFit) -> float:
        return sum(abs(e.estimate - e.prior) for e in fit.effects if e.n_cases and "intercept" not in e.name)

    assert gap(weak) > gap(strong)


def test_library_priors_explain_a_worker_welfare_breakup() -> None:
    """Meta-Sama the day before Sama's exit: the expose and the workers' suit are named, with their sources."""
    case = next(c for c in CASES if c.id == "meta-sama")
    f = forecast(case.inputs(), 90, priors=library_priors(), n_draws=0)
    named = [c for c in f.contributions if c.signal == "worker_welfare"]
    assert len(named) == 2 and all(c.effect > 0 and c.source for c in named)
    without = forecast(
        case.inputs(), 90, priors=library_priors(), n_draws=0, without=[named[0].event_id or ""]
    )
    assert without.probability < f.probability


def test_case_inputs_hide_later_facts() -> None:
    case = next(c for c in CASES if c.id == "meta-scale-ai")
    early = case.inputs(dt.date(2025, 6, 1))
    assert all(e.date <= dt.date(2025, 6, 1) for e in early.events)
    assert len(early.events) < len(case.inputs().events)


def test_an_adverse_report_about_the_clients_own_work_implicates_it() -> None:
    from labelpact.partners.events import Event, meaning

    report = Event("Sama", "worker_welfare", dt.date(2022, 2, 14), actor="Meta")
    assert meaning(report, client="Meta", rivals=()) == "implicates_client"
    assert meaning(report, client="Google", rivals=()) == "none"
    case = next(c for c in CASES if c.id == "meta-sama")
    with_own = forecast(case.inputs(), 90, n_draws=0, new_events=False).probability
    other = dataclasses.replace(case, client="Google")  # the same reports, about someone else's work
    assert forecast(other.inputs(), 90, n_draws=0, new_events=False).probability < with_own


def test_slow_burn_signals_peak_months_after_the_news_while_shocks_fade() -> None:
    """A worker-welfare report weighs more six months on than the day after (switching takes months);
    a quality complaint only fades."""
    from labelpact.partners.risk import EventInput, RiskInputs

    def risk(kind: str, days_after: int) -> float:
        day = dt.date(2024, 1, 1)
        inputs = RiskInputs(
            as_of=day + dt.timedelta(days=days_after),
            start=dt.date(2020, 1, 1),
            events=(EventInput("e1", kind, day, None, "none", "confirmed"),),
        )
        return forecast(inputs, 90, n_draws=0, new_events=False).probability

    assert risk("worker_welfare", 180) > risk("worker_welfare", 1) > risk("worker_welfare", 1000)
    assert risk("quality_complaint", 1) > risk("quality_complaint", 180)


def test_the_packaged_library_fit_is_up_to_date() -> None:
    """``data/risk_library_fit.toml`` is the fit of the packaged library (regenerate it with
    ``python benchmarks/risk_cases.py --write`` after editing a case or a prior)."""
    fresh = shaped_fit(CASES).priors
    packaged = library_priors()
    np.testing.assert_allclose(packaged.values, fresh.values, atol=1e-9)
    np.testing.assert_allclose(packaged.sds, fresh.sds, atol=1e-9)
    assert packaged.lag_days == fresh.lag_days and packaged.half_life_days == fresh.half_life_days


def test_anchoring_refuses_effects_no_shift_can_anchor() -> None:
    """Intercepts 20 log-odds too high: within 5 log-odds no shift reaches the sourced base rate (brentq
    used to fail with 'f(a) and f(b) must have different signs', an internal error)."""
    sourced = load_priors()
    is_base = np.array([e.signal == "intercept" for e in sourced.effects])
    wild = sourced.with_values(sourced.values + 20.0 * is_base, sourced.sds)
    with pytest.raises(InvalidInputError, match="base rate") as caught:
        anchor_intercepts(wild, sourced)
    assert caught.value.column == "penalty" and caught.value.column_kind == "field"


SAMA_FILE = Path(__file__).resolve().parents[3] / "src/labelpact/partners/data/cases/meta-sama.json"


@pytest.mark.parametrize(
    ("field", "value"),
    [  # before: ValueError or LinAlgError (exit 1), or a 500% stake and negative people fitted as given
        ("equity_stake", "abc"),
        ("equity_stake", float("nan")),
        ("equity_stake", 5),
        ("min_spend", "lots"),
        ("min_spend", -100),
        ("partner_headcount", "many"),
        ("partner_headcount", -50),
        ("partner_headcount", 2.5),
        ("start", 20190101),
    ],
)
def test_a_case_field_out_of_its_range_is_named(field: str, value: object) -> None:
    doc = json.loads(SAMA_FILE.read_text(encoding="utf-8")) | {field: value}
    with pytest.raises(InvalidInputError) as caught:
        parse_case(doc, source="bad.json")
    assert caught.value.file == "bad.json" and caught.value.column == field


def test_an_event_of_another_partner_is_refused_and_a_client_side_one_is_the_clients() -> None:
    doc = json.loads(SAMA_FILE.read_text(encoding="utf-8"))
    doc["events"][1]["partner"] = "Someone Else"
    with pytest.raises(InvalidInputError, match="the case's partner 'Sama'") as caught:
        parse_case(doc, source="bad.json")
    assert caught.value.row == 2 and caught.value.column == "partner"
    doc["events"][1] |= {"partner": "Meta", "side": "client"}  # turbulence at the client, filed under it
    assert parse_case(doc, source="ok.json").sides == ("partner", "client")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deep"),  # before: RecursionError
        (b'{"id": "\xe9t\xe9"}', "bad.json: expected UTF-8 text"),  # before: no file named
        (SAMA_FILE.read_bytes().replace(b'"equity_stake": 0.0', b'"equity_stake": ' + b"9" * 5000), "inf"),
    ],
    ids=["deep", "latin-1", "digits"],
)
def test_a_case_file_the_parser_cannot_take_is_bad_input(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    with pytest.raises(InvalidInputError, match=expected):
        load_cases(bad)


def test_a_case_file_may_start_with_a_byte_order_mark(tmp_path: Path) -> None:
    marked = tmp_path / "marked.json"
    marked.write_bytes(b"\xef\xbb\xbf" + SAMA_FILE.read_bytes())
    assert load_cases(marked)[0].id == "meta-sama"
