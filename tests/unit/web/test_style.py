"""The dashboard's stylesheet: severities it colours exist, the focus ring is visible, long words wrap."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import labelpact.web
from labelpact.contracts.findings import Severity

CSS = (Path(labelpact.web.__file__).parent / "static" / "style.css").read_text(encoding="utf-8")


def _luminance(hex_colour: str) -> float:
    """WCAG 2.1 relative luminance of ``#rrggbb``."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_coloured_severity_exists_and_critical_is_coloured() -> None:
    styled = set(re.findall(r"\.severity-([a-z]+)", CSS))
    assert styled <= set(get_args(Severity))
    assert "critical" in styled


def test_the_focus_ring_has_3_to_1_contrast_on_the_page_and_the_header() -> None:
    match = re.search(r"--focus:\s*(#[0-9a-fA-F]{6})", CSS)
    assert match is not None
    assert _contrast(match.group(1), "#ffffff") >= 3.0  # WCAG 2.1 SC 1.4.11
    assert _contrast(match.group(1), "#10263a") >= 3.0


def test_long_values_wrap() -> None:
    assert re.search(r"ol\.timeline \{[^}]*overflow-wrap: anywhere", CSS)
    assert re.search(r"form\.filters select \{[^}]*max-width: 100%", CSS)
