"""The dashboard's small renderers: number and date filters, evidence summaries, safe redirects."""

from __future__ import annotations

import datetime as dt

import pytest

from labelpact.web.pages import safe_next
from labelpact.web.render import _brief, _pct, _when


def test_filters() -> None:
    assert _pct(0.1234) == "12.3%"
    assert _pct(None) == "–"
    assert _pct(0.5, 0) == "50%"
    assert _when("2026-12-05T07:33:08.179751+00:00") == "2026-12-05 07:33 UTC"
    assert _when("2026-12-05") == "2026-12-05"
    assert _when(dt.datetime(2026, 1, 2, 3, 4)) == "2026-01-02 03:04 UTC"
    assert _when("2026-11-20T10:00:00+02:00") == "2026-11-20 08:00 UTC"  # a delivery in UTC+2
    assert _when(None) == "–"


def test_brief_cuts_long_evidence() -> None:
    assert _brief({"workers": ["w1", "w2"], "share": 0.123456}) == "workers=w1, w2, share=0.1235"
    long = _brief(list(range(100)))
    assert long.endswith("… (100 in all)")
    assert len(_brief("x" * 1000)) == 240


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/audits/a3", "/audits/a3"),
        ("/disputes#dispute-d1", "/disputes#dispute-d1"),
        ("//evil.example", "/"),
        ("https://evil.example", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_safe_next(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected
