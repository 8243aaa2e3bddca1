"""Folding for the scan: a footnote mark after a value (any character NFKC turns into digits or letters that
is a superscript, subscript, circled, fraction or other-number mark) does not join the value, and decimal
digits of every script are read as digits; offsets stay those of the text as written."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from labelpact.ethics.pii import find_pii, redact_pii
from labelpact.ethics.pii.folded import fold

VALUES = [
    ("Call {v} for details.", "415-555-2671", "phone"),
    ("Contact: {v} today", "jane.doe@example.com", "email"),
    ("Card {v} on file", "4111 1111 1111 1111", "card"),
    ("SSN {v} given", "536-90-4399", "ssn"),
    ("IBAN {v} ok", "DE89 3704 0044 0532 0130 00", "iban"),
    ("server {v} down", "192.168.1.20", "ip"),
]
TAGS = ("<super>", "<sub>", "<circle>", "<fraction>", "<square>")


def _marks() -> list[str]:
    """Every character NFKC turns into text with a digit or letter that is a mark, not a digit: category
    No, or a superscript, subscript, circled, fraction or square form."""
    marks = []
    for code in range(0x80, sys.maxunicode + 1):
        c = chr(code)
        folded = unicodedata.normalize("NFKC", c)
        if folded == c or not any(x.isalnum() for x in folded) or c.isdecimal():
            continue
        if unicodedata.category(c) == "No" or unicodedata.decomposition(c).startswith(TAGS):
            marks.append(c)
    return marks


MARKS = _marks()
ZEROS = [chr(c) for c in range(0x80, sys.maxunicode + 1) if unicodedata.decimal(chr(c), -1) == 0]


def test_there_are_many_marks_and_scripts() -> None:
    assert len(MARKS) > 500 and {"\u00b9", "\u2460", "\u00bd", "\u2488", "\u1d43"} <= set(MARKS)
    assert len(ZEROS) > 50 and {"\u0660", "\u06f0", "\u0966", "\uff10"} <= set(ZEROS)


@pytest.mark.parametrize(("template", "value", "entity"), VALUES)
def test_a_mark_right_after_a_value_leaves_it_whole(template: str, value: str, entity: str) -> None:
    missed = []
    for mark in MARKS:
        text = template.format(v=value + mark)
        found = [(e, text[s:t]) for e, s, t in find_pii(text)]
        if (entity, value) not in found:
            missed.append((mark, found))
    assert missed == []


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("ask jane.doe@corp.example\u00b9 for terms", "ask j***@c***.example\u00b9 for terms"),
        ("Call 415-555-2671\u2460 now", "Call ***-***-**71\u2460 now"),
    ],
)
def test_a_marked_value_is_masked(text: str, masked: str) -> None:
    assert redact_pii(text) == masked


@pytest.mark.parametrize(
    ("template", "value", "entity"),
    [
        ("call me: {v}", "(415) 555-2671", "phone"),
        ("اتصل بي على {v}", "+1 415 555 2671", "phone"),
        ("card {v}", "4111 1111 1111 1111", "card"),
    ],
)
def test_digits_of_every_script_are_read(template: str, value: str, entity: str) -> None:
    missed = []
    for zero in ZEROS:
        written = "".join(chr(ord(zero) + int(c)) if c.isdigit() else c for c in value)
        text = template.format(v=written)
        if [(e, text[s:t]) for e, s, t in find_pii(text)] != [(entity, written)]:
            missed.append(unicodedata.name(zero))
    assert missed == []


def test_the_copy_keeps_one_character_per_digit_or_mark() -> None:
    text = "٤١٥¹ ①x"
    folded = fold(text)
    assert folded.text == "415   x"
    assert folded.original(0, 3) == (0, 3)
