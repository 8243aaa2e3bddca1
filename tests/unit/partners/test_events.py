"""Events: every kind accepted, each kind of bad field named by file, line and column, and what events mean."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest

from labelpact.errors import InvalidInputError
from labelpact.partners.events import (
    CERTAINTIES,
    EVENT_KINDS,
    MAGNITUDE_MEANING,
    Event,
    describe,
    ignored_columns,
    magnitude_text,
    meaning,
    parse_event_rows,
    validate_event,
)
from labelpact.store import EVENT_KINDS as STORE_EVENT_KINDS

GOOD: Mapping[str, object] = {
    "partner": "Scale AI",
    "kind": "layoff",
    "date": "2025-07-16",
    "actor": "",
    "magnitude": "200",
    "summary": "About 200 staff laid off.",
    "source_url": "https://example.com/layoff",
    "certainty": "confirmed",
}
# a magnitude every kind accepts, in its own unit
TYPICAL = {
    "investment": 0.49,
    "acquisition": 1.0,
    "executive_departure": 1,
    "executive_hire": 2,
    "layoff": 0.14,
    "customer_exit": 200e6,
    "quality_complaint": 0.08,
    "security_incident": 85,
    "lawsuit": 0,
    "contract_change": 450e6,
    "funding": 1e9,
    "financial_distress": 0.5,
    "worker_welfare": 200,
    "regulatory_action": 117e6,
    "reputation": 0,
    "other": -3.5,
}


def rows(*changes: Mapping[str, object], first_line: int = 2) -> list[tuple[int, Mapping[str, object]]]:
    """CSV-like rows: GOOD with each change applied, on consecutive lines from ``first_line``."""
    return [(first_line + i, {**GOOD, **change}) for i, change in enumerate(changes)]


def error_of(*changes: Mapping[str, object]) -> str:
    with pytest.raises(InvalidInputError) as caught:
        parse_event_rows(rows({}, *changes), "events.csv")
    return str(caught.value)


def test_the_kinds_are_design_md_s_list_and_the_store_s() -> None:
    assert EVENT_KINDS == (
        "investment",
        "acquisition",
        "executive_departure",
        "executive_hire",
        "layoff",
        "customer_exit",
        "quality_complaint",
        "security_incident",
        "lawsuit",
        "contract_change",
        "funding",
        "financial_distress",
        "worker_welfare",
        "regulatory_action",
        "reputation",
        "other",
    )
    assert EVENT_KINDS == STORE_EVENT_KINDS
    assert set(MAGNITUDE_MEANING) == set(EVENT_KINDS)
    assert CERTAINTIES == ("confirmed", "reported", "single_source", "disputed")


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_each_kind_is_accepted_with_a_magnitude_in_its_unit(kind: str) -> None:
    (event,) = parse_event_rows(rows({"kind": kind, "magnitude": str(TYPICAL[kind])}), "e.csv")
    assert event.kind == kind
    assert event.magnitude == pytest.approx(float(TYPICAL[kind]))
    (no_size,) = parse_event_rows(rows({"kind": kind, "magnitude": ""}), "e.csv")
    assert no_size.magnitude is None


def test_a_good_row_is_normalised() -> None:
    (event,) = parse_event_rows(
        rows(
            {
                "kind": " Executive-Departure ",
                "magnitude": 1,
                "certainty": "Single-Source",
                "actor": " Alexandr  Wang ",
            }
        ),
        "e.csv",
    )
    assert event == Event(
        partner="Scale AI",
        kind="executive_departure",
        date=dt.date(2025, 7, 16),
        actor="Alexandr Wang",
        magnitude=1.0,
        summary="About 200 staff laid off.",
        source_url="https://example.com/layoff",
        certainty="single_source",
    )


def test_headers_match_ignoring_case_and_extra_columns_are_ignored() -> None:
    raw = {
        "Partner": "Surge AI",
        "KIND": "funding",
        "Date": "2025-07-01",
        "Source": "http://x.org/a",
        "notes": "n",
    }
    (event,) = parse_event_rows([(2, raw)], "e.csv")
    assert (event.partner, event.kind, event.source_url) == ("Surge AI", "funding", "http://x.org/a")
    assert ignored_columns(raw) == ["notes"]


# -- one test per kind of error: each names the file, the line and the column ---------------------
def test_unknown_kind_suggests_the_nearest() -> None:
    message = error_of({"kind": "quality_concern"})
    assert message.startswith("events.csv, line 3, column 'kind': expected an event kind (investment")
    assert "got 'quality_concern'; did you mean 'quality_complaint'?" in message


def test_unknown_kind_without_a_near_miss_lists_the_kinds() -> None:
    message = error_of({"kind": "competitor_move"})
    assert "line 3, column 'kind'" in message and "did you mean" not in message
    assert (
        "contract_change, funding, financial_distress, worker_welfare, regulatory_action, reputation, other"
        in message
    )


@pytest.mark.parametrize("bad", ["2025-13-01", "2025-02-30"])
def test_impossible_date(bad: str) -> None:
    message = error_of({"date": bad})
    assert message.startswith("events.csv, line 3, column 'date': expected a real calendar date YYYY-MM-DD")
    assert repr(bad) in message


@pytest.mark.parametrize("bad", ["12/06/2025", "June 2025", "20250612", ""])
def test_date_not_in_iso_form(bad: str) -> None:
    message = error_of({"date": bad})
    assert message.startswith("events.csv, line 3, column 'date': expected a date")


def test_magnitude_not_a_number() -> None:
    message = error_of({"magnitude": "$14.3B"})
    assert message.startswith("events.csv, line 3, column 'magnitude': expected a finite number")
    assert "'$14.3B'" in message


def test_magnitude_not_finite() -> None:
    assert "column 'magnitude': expected a finite number" in error_of({"magnitude": "inf"})


@pytest.mark.parametrize(
    ("kind", "bad"),
    [
        ("investment", "49"),  # a percentage, not a share
        ("investment", "0"),
        ("acquisition", "1.5"),
        ("layoff", "-1"),
        ("layoff", "12.5"),  # not a whole headcount
        ("executive_departure", "0"),
        ("quality_complaint", "1.2"),
        ("security_incident", "-85"),
        ("customer_exit", "-1"),
        ("funding", "0"),
        ("financial_distress", "30"),  # a percentage, not a share
        ("worker_welfare", "0.5"),  # people, a whole number
        ("regulatory_action", "-1"),
        ("reputation", "-1"),
    ],
)
def test_magnitude_out_of_range_for_its_kind(kind: str, bad: str) -> None:
    message = error_of({"kind": kind, "magnitude": bad})
    assert message.startswith(f"events.csv, line 3, column 'magnitude': expected a magnitude for {kind}: ")
    assert MAGNITUDE_MEANING[kind] in message and repr(bad) in message


@pytest.mark.parametrize(
    "bad", ["ftp://example.com/x", "example.com/story", "https://", "javascript:alert(1)"]
)
def test_source_url_must_be_http(bad: str) -> None:
    message = error_of({"source_url": bad})
    assert message.startswith("events.csv, line 3, column 'source_url': expected an http:// or https:// URL")


def test_unknown_certainty_suggests_the_nearest() -> None:
    message = error_of({"certainty": "confimed"})
    assert message.startswith("events.csv, line 3, column 'certainty': expected a certainty (confirmed")
    assert "did you mean 'confirmed'?" in message


def test_missing_required_column_names_the_near_miss() -> None:
    raw = {k: v for k, v in GOOD.items() if k != "kind"} | {"kidn": "layoff"}
    with pytest.raises(InvalidInputError) as caught:
        parse_event_rows([(2, raw)], "events.csv", header_line=1)
    assert str(caught.value).startswith("events.csv, line 1: expected a column 'kind' (is 'kidn' a typo?)")


def test_a_misspelt_optional_column_is_an_error_not_ignored() -> None:
    raw = {k: v for k, v in GOOD.items() if k != "magnitude"} | {"magnitud": "200"}
    with pytest.raises(InvalidInputError) as caught:
        parse_event_rows([(5, raw)], "events.json")
    message = str(caught.value)
    assert message.startswith("events.json, line 5, column 'magnitud': expected a known column")
    assert "did you mean 'magnitude'?" in message


def test_blank_partner_and_non_text_values() -> None:
    assert error_of({"partner": "  "}).startswith(
        "events.csv, line 3, column 'partner': expected a partner name"
    )
    assert error_of({"actor": 42}).startswith("events.csv, line 3, column 'actor': expected text, got 42")


def test_the_first_bad_row_is_the_one_reported() -> None:
    message = error_of({}, {"date": "soon"}, {"kind": "nope"})
    assert ", line 4, column 'date'" in message


def test_validate_event_names_cli_options() -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_event(
            partner="Scale AI",
            kind="layoff",
            date="2025-07-16",
            magnitude="lots",
            names={"magnitude": "--magnitude"},
            column_kind="option",
        )
    assert str(caught.value).startswith("option '--magnitude': expected a finite number")
    with pytest.raises(InvalidInputError, match="without a time of day"):
        validate_event(partner="P", kind="other", date=dt.datetime(2025, 1, 1, 12))
    event = validate_event(partner="P", kind="other", date=dt.date(2025, 1, 1), magnitude=3)
    assert event.magnitude == 3.0 and event.actor is None


# -- meaning --------------------------------------------------------------------------------------
def _stake(actor: str | None, kind: str = "investment") -> Event:
    return Event(partner="Scale AI", kind=kind, date=dt.date(2025, 6, 12), actor=actor, magnitude=0.49)


@pytest.mark.parametrize("kind", ["investment", "acquisition"])
def test_a_rivals_stake_is_a_conflict_of_interest(kind: str) -> None:
    rivals = ("Google", "OpenAI", "xAI")
    assert meaning(_stake("Google", kind), client="Meta", rivals=rivals) == "conflict_of_interest"
    assert meaning(_stake("  xai ", kind), client="Meta", rivals=rivals) == "conflict_of_interest"
    # a fullwidth or soft-hyphenated spelling names the same rival (NFKC, format characters dropped)
    assert meaning(_stake("\uff27\uff4f\uff4f\uff47\uff4c\uff45", kind), client="Meta", rivals=rivals) == (
        "conflict_of_interest"
    )
    assert meaning(_stake("Open\u00adAI", kind), client="Meta", rivals=rivals) == "conflict_of_interest"
    assert meaning(_stake("x\u200bAI", kind), client="Meta", rivals=rivals) == "conflict_of_interest"


@pytest.mark.parametrize("kind", ["investment", "acquisition"])
def test_the_clients_own_stake_binds(kind: str) -> None:
    assert meaning(_stake("Meta", kind), client="Meta", rivals=["Google"]) == "binding_stake"
    assert meaning(_stake(" META ", kind), client="Meta", rivals=["Google"]) == "binding_stake"


def test_other_actors_and_other_kinds_mean_nothing() -> None:
    assert meaning(_stake("Accel"), client="Meta", rivals=["Google"]) == "none"
    assert meaning(_stake(None), client="Meta", rivals=["Google"]) == "none"
    assert meaning(_stake("Google Ventures"), client="Meta", rivals=["Google"]) == "none"  # exact names only
    assert meaning(_stake("Google", "funding"), client="Meta", rivals=["Google"]) == "none"
    assert meaning(_stake("Meta", "customer_exit"), client="Meta", rivals=[]) == "none"
    assert meaning(_stake("Meta"), client=None, rivals=[]) == "none"  # no client profile yet


def test_the_same_fact_means_different_things_to_different_clients() -> None:
    deal = _stake("Meta")
    assert meaning(deal, client="Meta", rivals=["Google"]) == "binding_stake"
    assert meaning(deal, client="Google", rivals=["Meta", "OpenAI"]) == "conflict_of_interest"


# -- words ----------------------------------------------------------------------------------------
def test_describe_and_magnitude_text() -> None:
    assert (
        describe(_stake("Meta"), client="Meta", rivals=()) == "investment by Meta, 49% stake (binding stake)"
    )
    assert describe(_stake("Meta"), client="Google", rivals=("Meta",)).endswith("(conflict of interest)")
    assert describe(_stake("Meta")) == "investment by Meta, 49% stake"
    assert magnitude_text("layoff", 200) == "200 people"
    assert magnitude_text("layoff", 0.14) == "14% of staff"
    assert magnitude_text("customer_exit", 200e6) == "$200M a year"
    assert magnitude_text("funding", 14.3e9) == "$14.3B"
    assert magnitude_text("executive_departure", 1) == "1 person"
    assert magnitude_text("other", None) == ""
    assert "\n" not in describe(Event("P", "other", dt.date(2025, 1, 1), actor="A", magnitude=1e12))
