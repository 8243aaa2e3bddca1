"""Check digits and structural rules of payment cards, IBANs and national identifiers.

A candidate that a pattern finds is personal data only when its check digits agree: this is what
keeps order numbers, tracking numbers and random digit runs out of the PII report.
"""

from __future__ import annotations

__all__ = [
    "IBAN_LENGTHS",
    "card_brand",
    "dni_valid",
    "iban_valid",
    "luhn_valid",
    "nino_valid",
    "sin_valid",
    "ssn_valid",
]

# ISO 13616 IBAN length per country (SWIFT IBAN registry, release 2024).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn mod-10 check (ISO/IEC 7812-1, Annex B)."""
    if not digits.isdigit():
        return False
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = ord(char) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_brand(digits: str) -> str | None:
    """The card scheme whose issuer prefix (IIN) and length fit ``digits``, or None when none does."""
    n = len(digits)
    two, four, six = int(digits[:2]), int(digits[:4]), int(digits[:6])
    if digits[0] == "4" and n in (13, 16, 19):
        return "visa"
    if (51 <= two <= 55 or 2221 <= four <= 2720) and n == 16:
        return "mastercard"
    if two in (34, 37) and n == 15:
        return "amex"
    if (four == 6011 or 644 <= int(digits[:3]) <= 649 or two == 65) and 16 <= n <= 19:
        return "discover"
    if 3528 <= four <= 3589 and 16 <= n <= 19:
        return "jcb"
    if (two in (36, 38, 39) or 300 <= int(digits[:3]) <= 305) and 14 <= n <= 19:
        return "diners"
    if two == 62 and 16 <= n <= 19:
        return "unionpay"
    if digits[0] == "1" and n == 15:
        return "uatp"
    if (two == 50 or 56 <= two <= 58 or 639000 <= six <= 639999 or two == 67) and 12 <= n <= 19:
        return "maestro"
    return None


def iban_valid(compact: str) -> bool:
    """True for an IBAN without spaces whose country length and ISO 7064 mod-97-10 check both hold."""
    if len(compact) < 15 or IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact[2:4].isdigit():
        return False
    if not compact.isalnum() or not compact.isascii():
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


# Voided after their use in advertising (078-05-1120 Woolworth wallet, 219-09-9999) or the placeholder
# every form shows (123-45-6789): examples, not anyone's number (Presidio and python-stdnum agree).
_SSN_VOID = frozenset({"078051120", "219099999", "123456789"})


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """US Social Security number rules (SSA, since 2011 randomisation): no area 000, 666 or 9xx,
    no group 00, no serial 0000, none of the voided sample numbers."""
    return (
        area != "000"
        and area != "666"
        and area[0] != "9"
        and group != "00"
        and serial != "0000"
        and area + group + serial not in _SSN_VOID
    )


_NINO_FIRST = set("ABCEGHJKLMNOPRSTWXYZ")  # not D, F, I, Q, U, V
_NINO_SECOND = set("ABCEGHJKLMNPRSTWXYZ")  # additionally not O
_NINO_BANNED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def nino_valid(compact: str) -> bool:
    """UK National Insurance number format (HMRC NIM39110): two prefix letters, six digits, A-D.

    The NINO has no check digit; the prefix rules are what tell it from other codes.
    """
    if len(compact) != 9 or not compact[2:8].isdigit() or compact[8] not in "ABCD":
        return False
    prefix = compact[:2]
    return prefix[0] in _NINO_FIRST and prefix[1] in _NINO_SECOND and prefix not in _NINO_BANNED


def sin_valid(digits: str) -> bool:
    """Canadian Social Insurance Number: nine digits, Luhn-valid, never starting with 0 or 8."""
    return len(digits) == 9 and digits[0] not in "08" and luhn_valid(digits)


_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def dni_valid(compact: str) -> bool:
    """Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter): letter = number mod 23.

    Real Decreto 1553/2005, art. 11; the NIE replaces its X, Y, Z by 0, 1, 2 before the division.
    """
    if len(compact) != 9:
        return False
    head = compact[:8]
    if head[0] in "XYZ":
        head = str("XYZ".index(head[0])) + head[1:]
    if not head.isdigit():
        return False
    return _DNI_LETTERS[int(head) % 23] == compact[8]
