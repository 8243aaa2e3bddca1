"""How the CLI writes numbers for people: one rule for shares, decimals and what is missing.

A missing value (None, NaN, an infinity) is ``-`` everywhere; a share is a percentage with the
precision the caller asks (``pct(0.0512)`` is ``5.1%``, ``pct(0.49, 0)`` is ``49%``). ``--json`` never
goes through here: documents keep full precision.
"""

from __future__ import annotations

import math
from datetime import datetime

__all__ = ["MISSING", "number", "pct", "signed_pct", "text"]

MISSING = "-"


def _missing(value: float | None) -> bool:
    return value is None or not math.isfinite(value)


def pct(value: float | None, digits: int = 1) -> str:
    """``value`` (a share in [0, 1]) as a percentage with ``digits`` decimals, or ``-`` when missing."""
    return MISSING if value is None or _missing(float(value)) else f"{value:.{digits}%}"


def signed_pct(value: float | None, digits: int = 1) -> str:
    """A difference of shares as signed percentage points (``+2.5%``), or ``-`` when missing."""
    return MISSING if value is None or _missing(float(value)) else f"{value:+.{digits}%}"


def number(value: float | None, digits: int = 3) -> str:
    """``value`` with ``digits`` decimals (a coefficient, a score), or ``-`` when missing."""
    return MISSING if value is None or _missing(float(value)) else f"{value:.{digits}f}"


def text(value: object) -> str:
    """A record field for a table cell: ``-`` for None, a minute for a time, 2 decimals and thousands for a float."""
    if value is None:
        return MISSING
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)
