"""Ids after "number" are no phone numbers, and a place name is no person: the false positives of a real batch."""

from __future__ import annotations

import pytest

from labelpact.ethics.pii import find_pii

VALID_US = "2125551234"  # a valid New York number: only the cue decides


@pytest.mark.parametrize(
    "text",
    [
        f"Your order number is {VALID_US}, it ships Monday.",
        f"Serial number {VALID_US} is printed on the back.",
        f"Invoice number {VALID_US} was paid in full.",
        f"Tracking number: {VALID_US}",
        f"Model number {VALID_US} is discontinued.",
        f"The number {VALID_US} appears twice.",
        f"Your tracking number is {VALID_US}.",
    ],
)
def test_number_alone_is_no_phone_cue(text: str) -> None:
    assert find_pii(text) == []


@pytest.mark.parametrize(
    "text", [f"My number is {VALID_US}", f"Call me: {VALID_US}", f"her home number {VALID_US}"]
)
def test_a_phone_word_or_someones_number_still_is(text: str) -> None:
    assert [(e, text[s:t]) for e, s, t in find_pii(text)] == [("phone", VALID_US)]


@pytest.mark.parametrize(
    "text",
    [
        "I read the New York Times every morning.",
        "Chelsea Football Club won again.",
        "We flew to San Jose today.",
    ],
)
def test_a_place_or_club_is_no_person(text: str) -> None:
    assert [e for e, _, _ in find_pii(text)] == []


def test_a_name_next_to_a_place_is_still_found() -> None:
    text = "Mary Smith moved to New York with Maria Okafor."
    assert [text[s:t] for e, s, t in find_pii(text) if e == "name"] == ["Mary Smith", "Maria Okafor"]
