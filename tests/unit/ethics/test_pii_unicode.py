"""Unicode in personal values: full-width forms, zero-width characters, accented local parts, lower-case
IBANs and dotted cards are found, at the offsets of the text as written, and masked."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelpact.core.annotations import TaskPayloads
from labelpact.ethics.pii import find_pii, scan_pii
from labelpact.ethics.pii.folded import FORMAT_CHARACTERS, fold

ZW = "\u200b"


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("Card: ４１１１ １１１１ １１１１ １１１１", "card", "４１１１ １１１１ １１１１ １１１１"),
        (f"john.smith{ZW}@example.com", "email", f"john.smith{ZW}@example.com"),
        (f"4111{ZW}1111{ZW}1111{ZW}1111", "card", f"4111{ZW}1111{ZW}1111{ZW}1111"),
        ("Call ＋１ ４１５ ５５５ ２６７１", "phone", "＋１ ４１５ ５５５ ２６７１"),
        ("IBAN de89 3704 0044 0532 0130 00", "iban", "de89 3704 0044 0532 0130 00"),
        ("4111.1111.1111.1111", "card", "4111.1111.1111.1111"),
        ("Escríbeme: josé.garcía@empresa.es", "email", "josé.garcía@empresa.es"),
        ("email: zoë.smith@gmail.com", "email", "zoë.smith@gmail.com"),
        ("SSN：536－22－1234", "ssn", "536－22－1234"),
        ("Mail an müller@beispiel.de bitte", "email", "müller@beispiel.de"),
        ("mail: o'connor@example.ie", "email", "o'connor@example.ie"),
        ("Kontakt: info@müller.de", "email", "info@müller.de"),
        ("jose\u0301.garci\u0301a@empresa.es", "email", "jose\u0301.garci\u0301a@empresa.es"),  # combining
    ],
)
def test_the_whole_value_is_found_where_it_is_written(text: str, entity: str, value: str) -> None:
    assert [(e, text[s:t]) for e, s, t in find_pii(text)] == [(entity, value)]


def test_the_scan_reports_original_offsets_and_masks_the_folded_value() -> None:
    texts = ("Card: ４１１１ １１１１ １１１１ １１１１", f"mail john{ZW}.smith@example.com now")
    report = scan_pii(TaskPayloads(task=("a", "b"), fields={"text": texts}), names="off")
    found = [(f.task, f.entity, texts[i][f.start : f.end], f.masked) for i, f in enumerate(report.findings)]
    assert found == [
        ("a", "card", "４１１１ １１１１ １１１１ １１１１", "**** **** **** 1111"),
        ("b", "email", f"john{ZW}.smith@example.com", "j***@e***.com"),
    ]


@pytest.mark.parametrize(
    "text",
    ["jürgen.weiß@web.de", "d'angelo@example.com", "x_y@example.com", "Ωmega.ßeta@example.org"],
)
def test_an_email_span_never_starts_inside_a_word(text: str) -> None:
    spans = [(s, t) for e, s, t in find_pii(text) if e == "email"]
    assert spans == [(0, len(text))]


def test_lower_case_iban_with_a_bad_checksum_and_decimal_numbers_are_not_found() -> None:
    assert find_pii("IBAN de89 3704 0044 0532 0130 01") == []
    assert find_pii("The total was 4111.1111 and 1111.1111 units") == []


def test_the_format_class_is_exactly_unicode_category_cf_beyond_ascii() -> None:
    cf = [c for c in range(0x80, 0x110000) if unicodedata.category(chr(c)) == "Cf"]
    matched = [c for c in range(0x80, 0x110000) if FORMAT_CHARACTERS.match(chr(c))]
    assert matched == cf


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "1", " ", "@", ZW, "\u00ad", "１", "é", "e\u0301", "ﬁ", "½", "Ж"])).map(
        "".join
    )
)
def test_every_span_of_the_copy_maps_to_the_original_characters_it_came_from(text: str) -> None:
    folded = fold(text)
    for start in range(len(folded.text)):
        for end in range(start + 1, len(folded.text) + 1):
            first, last = folded.original(start, end)
            assert 0 <= first < last <= len(text)
            assert folded.text[start:end] in fold(text[first:last]).text
    if text.isascii():
        assert folded.text == text
