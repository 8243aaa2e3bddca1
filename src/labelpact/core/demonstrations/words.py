"""Words of a written answer in any script, and the quality rules that read them.

A *word* is a run of Unicode letters and combining marks (inner apostrophes and hyphens kept: "don't",
"Straße", "हिन्दी"); in scripts written without spaces between words (Han, kana, Thai, Lao, Khmer,
Myanmar) each letter counts as one word, the convention word processors use for Chinese and Japanese
(it over-counts Thai, Lao, Khmer and Myanmar words, whose letters are no morphemes). Digits are no words.

The quality rules are rules for prose, after the Gopher filters (Rae et al. 2021, arXiv:2112.11446,
appendix A): a minimum of words, a mean word length of 3 to 10, a distinct-word share, a bullet-line
share, and (ours, in place of Gopher's alphabetic-word share) a share of letters and digits among the
non-space characters. Code and formulae are not prose: a whitespace token holding a digit or a code or
math symbol ("3x", "len(a)", "=") is left out of the word-length rule, and indentation is not counted
as a symbol, so a correct program or derivation does not fail them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from itertools import chain

__all__ = ["answer_words", "quality_reasons"]

# scripts written without spaces between words: one letter, one word
_UNSPACED = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
_EDGE_PUNCTUATION = "\"'“”‘’«»„‚()[]{}.,;:!?¡¿…–—-"


@cache
def _marks() -> str:
    """A regex class body of every combining mark (categories Mn, Mc, Me), built once on first use."""
    ranges: list[tuple[int, int]] = []
    for cp in chain(range(0x30000), range(0xE0000, 0xE1000)):  # no marks elsewhere (Unicode 15)
        if unicodedata.category(chr(cp)) in ("Mn", "Mc", "Me"):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges)


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(any word, one whole prose token of a spaced script)."""
    marks = _marks()
    letter = rf"(?:(?![{_UNSPACED}])[^\W\d_])"
    spaced = rf"{letter}(?:{letter}|[{marks}])*(?:['’-]{letter}(?:{letter}|[{marks}])*)*"
    unspaced = rf"(?=[^\W\d_])[{_UNSPACED}][{marks}]*"
    return re.compile(rf"{unspaced}|{spaced}"), re.compile(spaced)


def answer_words(text: str) -> list[str]:
    """The words of ``text`` in order (see the module docstring for what a word is)."""
    return _patterns()[0].findall(text)


def _prose_lengths(text: str) -> list[int]:
    """Lengths of the whitespace tokens that are one word of a spaced script once edge punctuation is
    stripped: what a mean word length means (code, formulae and unspaced scripts are left out)."""
    whole = _patterns()[1]
    tokens = (token.strip(_EDGE_PUNCTUATION) for token in text.split())
    return [len(t) for t in tokens if t and whole.fullmatch(t)]


def quality_reasons(text: str, words: list[str], min_words: int) -> tuple[str, ...]:
    """Reasons ``text`` (its ``words`` from :func:`answer_words`) fails a prose quality rule; empty when none."""
    reasons = []
    if len(words) < min_words:
        reasons.append(f"fewer than {min_words} words")
    lengths = _prose_lengths(text)
    if lengths and not 3 <= sum(lengths) / len(lengths) <= 10:
        reasons.append("mean word length outside 3-10")
    if len(words) >= 20 and len({w.lower() for w in words}) / len(words) < 0.3:
        reasons.append("under 30% distinct words (repetition)")
    visible = [ch for ch in text if not ch.isspace()]
    if visible and sum(unicodedata.category(ch)[0] in "LMN" for ch in visible) / len(visible) < 0.6:
        reasons.append("under 60% letters or digits")
    lines = [line for line in text.splitlines() if line.strip()]
    if (
        len(lines) >= 3
        and sum(line.lstrip().startswith(("-", "*", "•")) for line in lines) / len(lines) > 0.9
    ):
        reasons.append("over 90% bullet lines")
    return tuple(reasons)
