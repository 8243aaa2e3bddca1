"""Test vectors of the peer tool, Presidio (presidio-analyzer/tests/test_iban_recognizer.py and
test_credit_card_recognizer.py, MIT licence): labelpact must agree with every one of them."""

from __future__ import annotations

import pytest

from labelpact.ethics.pii import find_pii

VALID_IBANS = [
    "AL47212110090000000235698741",
    "AL47 2121 1009 0000 0002 3569 8741",
    "AD12 0001 2030 2003 5910 0100",
    "AT61 1904 3002 3457 3201",
    "AZ21 NABZ 0000 0000 1370 1000 1944",
    "BH67BMAG00001299123456",
    "BY13 NBRB 3600 9000 0000 2Z00 AB00",
    "BE71 0961 2345 6769",
    "BA39 1290 0794 0102 8494",
    "BR97 0036 0305 0000 1000 9795 493P 1",
    "BG80 BNBG 9661 1020 3456 78",
    "CR05 0152 0200 1026 2840 66",
    "HR12 1001 0051 8630 0016 0",
    "CY17 0020 0128 0000 0012 0052 7600",
    "CZ65 0800 0000 1920 0014 5399",
    "DK50 0040 0440 1162 43",
    "DO28 BAGR 0000 0001 2124 5361 1324",
    "TL38 0080 0123 4567 8910 157",
    "EE38 2200 2210 2014 5685",
    "FO62 6460 0001 6316 34",
    "FI21 1234 5600 0007 85",
    "FR14 2004 1010 0505 0001 3M02 606",
    "GE29 NB00 0000 0101 9049 17",
    "GI75 NWBK 0000 0000 7099 453",
    "GR16 0110 1250 0000 0001 2300 695",
    "GL89 6471 0001 0002 06",
    "GT82 TRAJ 0102 0000 0012 1002 9690",
    "HU42 1177 3016 1111 1018 0000 0000",
    "IS14 0159 2600 7654 5510 7303 39",
    "IE29 AIBK 9311 5212 3456 78",
    "IL62 0108 0000 0009 9999 999",
    "IT60 X054 2811 1010 0000 0123 456",
    "JO94 CBJO 0010 0000 0000 0131 0003 02",
    "KZ86 125K ZT50 0410 0100",
    "XK05 1212 0123 4567 8906",
    "KW81 CBKU 0000 0000 0000 1234 5601 01",
    "LV80 BANK 0000 4351 9500 1",
    "LB62 0999 0000 0001 0019 0122 9114",
    "LI21 0881 0000 2324 013A A",
    "LT12 1000 0111 0100 1000",
    "LU28 0019 4006 4475 0000",
    "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
    "MR13 0002 0001 0100 0012 3456 753",
    "MU17 BOMM 0101 1010 3030 0200 000M UR",
    "MD24 AG00 0225 1000 1310 4168",
    "MC58 1122 2000 0101 2345 6789 030",
    "ME25 5050 0001 2345 6789 51",
    "NL91 ABNA 0417 1643 00",
    "MK07 2501 2000 0058 984",
    "NO93 8601 1117 947",
    "PK36 SCBL 0000 0011 2345 6702",
    "PS92 PALS 0000 0000 0400 1234 5670 2",
    "PL61 1090 1014 0000 0712 1981 2874",
    "PT50 0002 0123 1234 5678 9015 4",
    "QA58 DOHB 0000 1234 5678 90AB CDEF G",
    "RO49 AAAA 1B31 0075 9384 0000",
    "SM86 U032 2509 8000 0000 0270 100",
    "SA03 8000 0000 6080 1016 7519",
    "RS35 2600 0560 1001 6113 79",
    "SK31 1200 0000 1987 4263 7541",
    "SI56 2633 0001 2039 086",
    "ES91 2100 0418 4502 0005 1332",
    "SE45 5000 0000 0583 9825 7466",
    "CH93 0076 2011 6238 5295 7",
    "TN59 1000 6035 1835 9847 8831",
    "TR33 0006 1005 1978 6457 8413 26",
    "AE07 0331 2345 6789 0123 456",
    "GB29 NWBK 6016 1331 9268 19",
]
INVALID_IBANS = [
    "AL47 212A 1009 0000 0002 3569 8741",
    "AL47 2121 1009 0000 0002 3569 8740",
    "AD12000A2030200359100100",
    "AT61 1904 3002 3457 3202",
    "AZ21NABZ00000000137010001945",
    "BY13NBRB3600900000002Z00AB01",
    "BE71 0961 2345 6760",
    "BR97 0036 0305 0000 1000 9795 493P 2",
    "CR05 0152 0200 1026 2840 67",
    "FR14 2004 1010 0505 0001 3M02 607",
    "GB29 NWBK 6016 1331 9268 10",
]
VALID_CARDS = [
    "4012888888881881", "4012-8888-8888-1881", "4012 8888 8888 1881", "122000000000003", "371449635398431",
    "5019717010103742", "30569309025904", "6011000400000000", "3528000700000000", "6759649826438453",
    "4917300800000000", "4484070000000000",
]  # fmt: skip
INVALID_CARDS = ["4012-8888-8888-1882", "36168002586008"]


@pytest.mark.parametrize("iban", VALID_IBANS)
def test_valid_ibans(iban: str) -> None:
    assert find_pii(f"IBAN: {iban} thanks") == [("iban", 6, 6 + len(iban))]


@pytest.mark.parametrize("iban", INVALID_IBANS)
def test_invalid_ibans(iban: str) -> None:
    assert [hit for hit in find_pii(f"IBAN: {iban} thanks") if hit[0] == "iban"] == []


@pytest.mark.parametrize("number", VALID_CARDS)
def test_valid_cards(number: str) -> None:
    assert find_pii(f"my credit card: {number}") == [("card", 16, 16 + len(number))]


@pytest.mark.parametrize("number", INVALID_CARDS)
def test_invalid_cards(number: str) -> None:
    assert find_pii(f"my credit card number is {number}") == []


def test_phone_vectors() -> None:
    """presidio-analyzer/tests/test_phone_recognizer.py: two US numbers; an Israeli one only for IL."""
    text = "My US number is (415) 555-0132, and my international one is +1 415 555 0132"
    assert find_pii(text) == [("phone", 16, 30), ("phone", 60, 75)]
    israeli = "My Israeli number is 09-7625400"
    assert find_pii(israeli) == []
    assert find_pii(israeli, phone_regions=("US", "IL")) == [("phone", 21, 31)]


@pytest.mark.parametrize(
    ("text", "found"),
    [  # presidio-analyzer/tests/test_us_ssn_recognizer.py (its weak bare match needs our keyword)
        ("078-05-1123", True),
        ("078.05.1123", True),
        ("078 05 1123", True),
        ("SSN 078051121", True),
        ("078051121", False),
        ("0780511201", False),
        ("078051120", False),
        ("000000000", False),
        ("666000000", False),
        ("078-05-0000", False),
        ("078 00 1123", False),
        ("693-09.4444", False),
    ],
)
def test_ssn_vectors(text: str, found: bool) -> None:
    assert ("ssn" in [e for e, _, _ in find_pii(text)]) is found
