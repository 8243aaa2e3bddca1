"""Check digits against published examples (ISO 7812 test cards, the SWIFT IBAN registry, agency docs)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labelpact.ethics.pii.checksums import (
    IBAN_LENGTHS,
    card_brand,
    dni_valid,
    iban_valid,
    luhn_valid,
    nino_valid,
    sin_valid,
    ssn_valid,
)

# IBAN registry examples (SWIFT, "IBAN Registry", example IBAN electronic format per country)
REGISTRY_IBANS = [
    "DE89370400440532013000",
    "GB82WEST12345698765432",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "BE68539007547034",
    "CH9300762011623852957",
    "ES9121000418450200051332",
    "IT60X0542811101000000123456",
    "NO9386011117947",
]


@pytest.mark.parametrize("iban", REGISTRY_IBANS)
def test_registry_ibans_are_valid_and_one_changed_digit_is_not(iban: str) -> None:
    assert iban_valid(iban)
    i = len(iban) - 3
    broken = iban[:i] + str((int(iban[i]) + 1) % 10) + iban[i + 1 :]
    assert not iban_valid(broken)
    assert not iban_valid(iban + "0")  # wrong length for the country
    assert len(iban) == IBAN_LENGTHS[iban[:2]]


def test_unknown_country_is_no_iban() -> None:
    assert not iban_valid("QQ89370400440532013000")


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4111111111111111", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("378282246310005", "amex"),
        ("6011111111111117", "discover"),
        ("3530111333300000", "jcb"),
        ("30569309025904", "diners"),
    ],
)
def test_published_test_cards(number: str, brand: str) -> None:
    assert luhn_valid(number)
    assert card_brand(number) == brand
    assert not luhn_valid(number[:-1] + str((int(number[-1]) + 1) % 10))


def test_brand_needs_a_plausible_length() -> None:
    assert card_brand("411111111111111") is None  # Visa with 15 digits
    assert card_brand("9111111111111111") is None  # no scheme starts with 9


@given(st.text(alphabet="0123456789", min_size=2, max_size=19), st.integers(0, 18))
def test_luhn_catches_every_single_digit_error(number: str, where: int) -> None:
    where %= len(number)
    changed = number[:where] + str((int(number[where]) + 3) % 10) + number[where + 1 :]
    assert not (luhn_valid(number) and luhn_valid(changed))


@pytest.mark.parametrize(
    ("area", "group", "serial", "valid"),
    [
        ("536", "22", "1234", True),
        ("123", "45", "6789", False),  # the placeholder on every form
        ("078", "05", "1120", False),  # voided: printed in a wallet insert in 1938
        ("000", "45", "6789", False),
        ("666", "45", "6789", False),
        ("912", "45", "6789", False),
        ("123", "00", "6789", False),
        ("123", "45", "0000", False),
        ("899", "99", "9999", True),
    ],
)
def test_ssn_rules(area: str, group: str, serial: str, valid: bool) -> None:
    assert ssn_valid(area, group, serial) is valid


def test_nino_prefix_and_suffix_rules() -> None:
    assert nino_valid("AB123456C")
    assert not nino_valid("GB123456C")  # banned prefix
    assert not nino_valid("DA123456C")  # D never first
    assert not nino_valid("AO123456C")  # O never second
    assert not nino_valid("AB123456E")  # suffix A-D only


def test_sin_and_dni() -> None:
    assert sin_valid("130692544")
    assert not sin_valid("130692545")
    assert not sin_valid("046454286")  # Luhn-valid, but 0 is never an assigned first digit
    assert dni_valid("12345678Z")  # 12345678 mod 23 = 14 -> Z
    assert not dni_valid("12345678A")
    assert dni_valid("X1234567L")  # NIE: X -> 0, 01234567 mod 23 = 19 -> L
    assert not dni_valid("X123456L")
