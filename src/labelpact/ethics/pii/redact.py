"""A free text with its personal values replaced by their masks, for fields that are echoed, not scanned.

Licence and source texts are shown in findings, tables, stored audits and published cards; a licence
"ask jane.doe@corp.example" or a source ``https://alice:secret@host/x.csv`` would otherwise reach them raw.
"""

from __future__ import annotations

from collections.abc import Sequence

from labelpact.ethics.pii.patterns import mask
from labelpact.ethics.pii.scan import find_pii

__all__ = ["redact_pii"]


def redact_pii(text: str, *, phone_regions: Sequence[str] = ("US",)) -> str:
    """``text`` with every personal value :func:`find_pii` finds replaced by its mask (``j***@c***.example``)."""
    out: list[str] = []
    last = 0
    for entity, start, end in find_pii(text, phone_regions=phone_regions):
        out.append(text[last:start])
        out.append(mask(entity, text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)
