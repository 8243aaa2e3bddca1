"""Names people type (issue 10, item 16): bounded, free of control characters, look-alikes found."""

from __future__ import annotations

import pytest

from labelpact.errors import InvalidInputError
from labelpact.store.names import MAX_NAME_CHARS, check_name, skeleton, storable_text


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Scale", "scale"),
        ("Scale", "Sсale"),  # Cyrillic es
        ("Scale AI", "ScaleAI"),
        ("Appen", "Αppen"),  # Greek capital alpha
        ("Mercor", "Merc0r"),
        ("Scale", "ScaIe"),  # capital I for l
        ("Ｓｕｒｇｅ", "Surge"),  # fullwidth (NFKC)
        ("Café", "Cafe"),
    ],
)
def test_look_alike_names_share_a_skeleton(a: str, b: str) -> None:
    assert skeleton(a) == skeleton(b)


@pytest.mark.parametrize(
    ("a", "b"), [("Scale", "Surge"), ("Scale", "Scale 2"), ("Sama", "Samsa"), ("Acme", "Acne")]
)
def test_different_names_have_different_skeletons(a: str, b: str) -> None:
    assert skeleton(a) != skeleton(b)


def test_a_name_is_stripped_and_bounded() -> None:
    assert check_name("partner", "  Scale ") == "Scale"
    assert check_name("partner", "x" * MAX_NAME_CHARS) == "x" * MAX_NAME_CHARS
    with pytest.raises(InvalidInputError, match="at most 200 characters, got 201 characters"):
        check_name("partner", "x" * (MAX_NAME_CHARS + 1))
    with pytest.raises(InvalidInputError, match="a non-blank project name"):
        check_name("project", " \t")


@pytest.mark.parametrize("bad", ["a\x1bb", "a\x00b", "a\u200bb", "a\u202eb", "a\x85b", "a\nb"])
def test_control_and_invisible_characters_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInputError, match="without control or invisible characters") as caught:
        check_name("partner", bad)
    assert "\x1b" not in str(caught.value) and "\n" not in str(caught.value)


def test_storable_text_keeps_undecodable_file_name_bytes_as_escapes() -> None:
    assert storable_text("caf\udce9.csv") == "caf\\xe9.csv"
    assert storable_text("ok.csv") == "ok.csv"
    storable_text("\ud800 lone").encode("utf-8")  # never raises
