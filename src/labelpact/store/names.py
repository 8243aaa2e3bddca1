"""Names people type and read (partner, project, client): length and character rules, and look-alikes.

A name is at most ``MAX_NAME_CHARS`` characters (the columns' width on every database) and holds no
control characters (they would reach a terminal raw). Two partner names are look-alikes when their
*skeletons* match: NFKC-normalised, case-folded, with letters from other scripts that look Latin
(Cyrillic ``а``, Greek ``ο``...) and digit/letter confusions (``0``/``o``, ``1``/``l``) mapped to one
form, and spacing and punctuation dropped, after Unicode TR #39 "confusable detection" (a small table,
not the full confusables.txt). ``I``, ``i``, ``l`` and ``1`` share a form: ``I`` looks like ``l`` and
differs from ``i`` only in case, so "Scale AI" and "scale ai" are look-alikes as "Scale" and "scale" are.
"""

from __future__ import annotations

import unicodedata

from labelpact.errors import InvalidInputError

__all__ = ["MAX_NAME_CHARS", "check_name", "skeleton", "storable_text"]

MAX_NAME_CHARS = 200

# Characters that render like a Latin letter or digit (Cyrillic, Greek, Armenian, digits), mapped to it.
_LOOKALIKES = str.maketrans(
    {
        **dict.fromkeys("аɑα", "a"),
        **dict.fromkeys("вβ", "b"),
        **dict.fromkeys("сϲς", "c"),
        **dict.fromkeys("ԁ", "d"),
        **dict.fromkeys("еєε", "e"),
        **dict.fromkeys("һ", "h"),
        **dict.fromkeys("iіıɩι1|ӏ", "l"),  # i too: a capital I looks like l, and I and i differ only in case
        **dict.fromkeys("ј", "j"),
        **dict.fromkeys("кκ", "k"),
        **dict.fromkeys("м", "m"),
        **dict.fromkeys("нη", "n"),
        **dict.fromkeys("оο0օσ", "o"),
        **dict.fromkeys("рρ", "p"),
        **dict.fromkeys("ԛ", "q"),
        **dict.fromkeys("ѕ5", "s"),
        **dict.fromkeys("тτ", "t"),
        **dict.fromkeys("υս", "u"),
        **dict.fromkeys("νѵ", "v"),
        **dict.fromkeys("ѡω", "w"),
        **dict.fromkeys("хχ", "x"),
        **dict.fromkeys("уγ", "y"),
        **dict.fromkeys("ᴢ", "z"),
    }
)


def check_name(kind: str, name: str, *, column: str = "name", column_kind: str = "column") -> str:
    """``name`` stripped, or ``InvalidInputError`` when blank, too long or holding control characters."""
    cleaned = name.strip()
    if not cleaned:
        raise InvalidInputError(f"a non-blank {kind} name", column=column, column_kind=column_kind)
    if len(cleaned) > MAX_NAME_CHARS:
        raise InvalidInputError(
            f"a {kind} name of at most {MAX_NAME_CHARS} characters",
            column=column,
            column_kind=column_kind,
            got=f"{len(cleaned)} characters ({cleaned[:40]!r}...)",
        )
    bad = next((ch for ch in cleaned if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn")), None)
    if bad is not None:
        raise InvalidInputError(
            f"a {kind} name without control or invisible characters",
            column=column,
            column_kind=column_kind,
            got=f"{cleaned[:60]!r} (holds U+{ord(bad):04X})",
        )
    return cleaned


def skeleton(name: str) -> str:
    """The form two look-alike names share: NFKC, case-folded, look-alike letters mapped, only letters/digits."""
    folded = unicodedata.normalize("NFKC", name).casefold().translate(_LOOKALIKES)
    decomposed = unicodedata.normalize("NFKD", folded)  # accents apart from their letters, then dropped
    return "".join(ch for ch in decomposed if ch.isalnum()).translate(_LOOKALIKES)


def storable_text(text: str) -> str:
    """``text`` as valid UTF-8: a file name's undecodable bytes (surrogate escapes) become ``\\xNN``."""
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
