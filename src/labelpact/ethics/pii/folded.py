"""The text the patterns scan: NFKC-normalised, format characters removed, offsets mapped back.

People type personal values in full-width digits (``４１１１``, as Japanese and Chinese input methods do),
with full-width punctuation (``＋``, ``－``, ``：``) or with zero-width characters inside (``\\u200b``, soft
hyphens, joiners: Unicode category Cf). The patterns are written for the plain forms, so the scan reads a
folded copy: each character cluster (a base character and its combining marks) replaced by its NFKC form,
each format character dropped. Decimal digits of any script (Arabic-Indic ``٤١٥``, Persian ``۴۱۵``,
Devanagari ``४१५``, which NFKC keeps) become their ASCII digits, one for one. Marks that NFKC would turn
into digits or letters but are no part of a value (footnote superscripts ``¹``, subscripts, circled
``①``, fractions ``½``, enumerators ``⒈``: category No, or tagged ``<super>``, ``<sub>``, ``<circle>``,
``<fraction>``, ``<square>``) become a space, so ``jane@example.com²`` is not read as ``...com2``.
Findings are reported at the offsets of the original text: a span of the copy maps back to the clusters it
came from, so a redaction by ``start``/``end`` covers the whole value. ASCII text (the common case) is its
own copy and costs one ``isascii`` check.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["FORMAT_CHARACTERS", "FoldedText", "fold"]

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_DIGIT = re.compile(r"\d")  # Unicode decimal digits (category Nd): in a non-ASCII run, another script's
_MARK_TAGS = ("<super>", "<sub>", "<circle>", "<fraction>", "<square>")
# Unicode category Cf beyond ASCII (Unicode 14; a test checks it against unicodedata): zero-width space and
# joiners, soft hyphen, bidi controls, BOM, tags. It only gates the fast path: the slow one asks unicodedata.
FORMAT_CHARACTERS = re.compile(
    r"[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    r"\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    r"\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


@dataclass(frozen=True, slots=True)
class FoldedText:
    """``text`` is the folded copy; segment ``i`` covers copy[``starts[i]``:] and came from
    original[``origins[i]``:``ends[i]``], character for character where ``exact[i]``, else as one cluster."""

    text: str
    starts: tuple[int, ...] = (0,)
    origins: tuple[int, ...] = (0,)
    ends: tuple[int, ...] = (0,)
    exact: tuple[bool, ...] = (True,)

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that the copy's [start, end) came from (``end > start``)."""
        i = bisect.bisect_right(self.starts, start) - 1
        j = bisect.bisect_right(self.starts, end - 1) - 1
        first = self.origins[i] + (start - self.starts[i]) if self.exact[i] else self.origins[i]
        last = self.origins[j] + (end - self.starts[j]) if self.exact[j] else self.ends[j]
        return first, last


def _clusters(run: str) -> list[str]:
    """``run`` cut before every character that is not a combining mark."""
    out: list[str] = []
    for c in run:
        if out and unicodedata.combining(c):
            out[-1] += c
        else:
            out.append(c)
    return out


def _folded(cluster: str) -> str:
    """A cluster's form in the copy: a decimal digit's ASCII digit, a space for a mark (see the module
    docstring), else its NFKC form."""
    base = cluster[0]
    if base.isdecimal():
        return str(unicodedata.decimal(base)) + unicodedata.normalize("NFKC", cluster[1:])
    folded = unicodedata.normalize("NFKC", cluster)
    if folded != cluster and (
        unicodedata.category(base) == "No" or unicodedata.decomposition(base).startswith(_MARK_TAGS)
    ):
        return " "
    return folded


def fold(text: str) -> FoldedText:
    """The folded copy of ``text`` and its offset map (see the module docstring)."""
    if text.isascii():
        return FoldedText(text)
    pieces: list[str] = []
    starts: list[int] = []
    origins: list[int] = []
    ends: list[int] = []
    exact: list[bool] = []
    length = 0  # of the copy so far

    def emit(piece: str, origin: int, end: int, one_to_one: bool) -> None:
        nonlocal length
        if not piece:
            return
        if one_to_one and exact and exact[-1] and ends[-1] == origin:
            ends[-1] = end  # extends the exact segment that ends here, in the copy and in the original
        else:
            starts.append(length)
            origins.append(origin)
            ends.append(end)
            exact.append(one_to_one)
        pieces.append(piece)
        length += len(piece)

    last = 0
    for m in _NON_ASCII.finditer(text):
        position = m.start()
        if position > last and unicodedata.combining(text[position]):
            position -= 1  # "e" + U+0301: the mark's base is the ASCII letter before the run
        emit(text[last:position], last, position, True)
        run = text[position : m.end()]
        last = m.end()
        if (
            unicodedata.is_normalized("NFKC", run)
            and not FORMAT_CHARACTERS.search(run)
            and not _DIGIT.search(run)
        ):
            emit(run, position, last, True)  # accents, Cyrillic, CJK...: the common non-ASCII case
            continue
        for cluster in _clusters(run):
            end = position + len(cluster)
            if not (len(cluster) == 1 and unicodedata.category(cluster) == "Cf"):
                folded = _folded(cluster)
                emit(folded, position, end, len(folded) == len(cluster) == 1)
            position = end
    emit(text[last:], last, len(text), True)
    if not starts:
        return FoldedText("")
    return FoldedText("".join(pieces), tuple(starts), tuple(origins), tuple(ends), tuple(exact))
