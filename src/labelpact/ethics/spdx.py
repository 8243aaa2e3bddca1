"""Licence texts read as SPDX ids and expressions, and judged against an allow-list of SPDX ids.

A licence is normalised ("CC BY 4.0" -> ``CC-BY-4.0``, "apache 2.0" -> ``Apache-2.0``, "MIT or Apache 2.0"
-> ``MIT OR Apache-2.0``) against a small table of known SPDX ids (https://spdx.org/licenses/), so that a
licence we cannot read (``unknown``) is told apart from one we read and the contract does not allow
(``disallowed``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Literal, TypeAlias

__all__ = [
    "KNOWN_SPDX",
    "LicenseExpression",
    "LicenseStatus",
    "license_status",
    "normalize_license",
    "parse_license",
    "spdx_id",
]

LicenseStatus: TypeAlias = Literal["allowed", "disallowed", "unknown"]

KNOWN_SPDX: tuple[str, ...] = (
    "0BSD", "AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-2.0", "Artistic-2.0", "BSD-2-Clause",
    "BSD-3-Clause", "BSL-1.0", "CC-BY-1.0", "CC-BY-2.0", "CC-BY-2.5", "CC-BY-3.0", "CC-BY-4.0",
    "CC-BY-NC-2.0", "CC-BY-NC-3.0", "CC-BY-NC-4.0", "CC-BY-NC-ND-3.0", "CC-BY-NC-ND-4.0",
    "CC-BY-NC-SA-2.0", "CC-BY-NC-SA-3.0", "CC-BY-NC-SA-4.0", "CC-BY-ND-3.0", "CC-BY-ND-4.0",
    "CC-BY-SA-2.0", "CC-BY-SA-2.5", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC-PDDC", "CC0-1.0",
    "CDLA-Permissive-1.0", "CDLA-Permissive-2.0", "CDLA-Sharing-1.0", "EPL-2.0", "GFDL-1.3-only",
    "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "ISC", "LGPL-2.1-only",
    "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "MIT", "MPL-2.0", "ODbL-1.0",
    "ODC-By-1.0", "OGL-UK-3.0", "PDDL-1.0", "Unlicense", "Zlib",
)  # fmt: skip

_PHRASES = (
    (r"\buniversal\b", " "),
    (r"creative\s*commons", "cc"),
    (r"attribution", "by"),
    (r"share[\s-]*alike", "sa"),
    (r"non[\s-]*commercial", "nc"),
    (r"no[\s-]*deriv(?:ative)?s?", "nd"),
    (r"\bcc[\s-]*(?:0|zero)(?:[\s-]*v?1(?:\.0)?)?(?![\d.])", "cczero"),
    (r"cczero\s*\(\s*cczero\s*\)", "cczero"),  # "CC0 1.0 Universal (CC0 1.0) ...", the legal code's title
    (r"cczero[\s:,;(-]*public[\s-]*domain(?:[\s-]*dedication)?\s*\)?", "cczero"),  # what CC0 is, no other id
    (r"\bpublic[\s-]*domain\b", "pd"),
    (r"gnu\s+affero\s+general\s+public", "agpl"),
    (r"gnu\s+lesser\s+general\s+public", "lgpl"),
    (r"gnu\s+general\s+public", "gpl"),
    (r"\bgnu\b", ""),
    (r"v(?=\s*\d)", " "),
    (r"\+|\bor[\s-]+later\b|\band\s+later\b", " orlater "),
    (
        r"\binternational\s+public\s+licen[cs]e\b|\blicen[cs]es?\b|\bversion\b|\bthe\b|\binternational\b|\bgeneric\b|\bunported\b",
        " ",
    ),
)
# Deprecated SPDX ids and common names that map to one current id.
_ALIASES = {
    "gpl2.0": "GPL-2.0-only",
    "gpl3.0": "GPL-3.0-only",
    "lgpl2.1": "LGPL-2.1-only",
    "lgpl3.0": "LGPL-3.0-only",
    "agpl3.0": "AGPL-3.0-only",
    "bsd2clause": "BSD-2-Clause",
    "bsd3clause": "BSD-3-Clause",
    "simplifiedbsd": "BSD-2-Clause",
    "newbsd": "BSD-3-Clause",
    "ccpd": "CC-PDDC",
    "pd": "CC-PDDC",
    "boost1.0": "BSL-1.0",
    "mozillapublic2.0": "MPL-2.0",
    "opendatabase1.0": "ODbL-1.0",
    "odbl": "ODbL-1.0",
    "apache": "Apache-2.0",
    "expat": "MIT",
}


def _key(text: str) -> str:
    """Lower-case, phrase-folded, version-padded ("4" -> "4.0" except in "3 clause"), punctuation-free."""
    key = text.lower()
    for pattern, replacement in _PHRASES:
        key = re.sub(pattern, replacement, key)
    key = re.sub(r"(?<![\d.])(\d+)(?![\d.])(?!\s*-?\s*clause)", r"\1.0", key)
    return re.sub(r"[^a-z0-9.]", "", key)


_LOOKUP: dict[str, str] = {_key(spdx): spdx for spdx in KNOWN_SPDX} | _ALIASES
_NAME_AND_ID = re.compile(r"(.*?\S)\s*\(([^()]+)\)")
_OPERATORS = ("OR", "AND", "WITH")
# Upper-case operators as SPDX writes them; "or" / "and" too, except in "or later", "and any later".
_TOKEN = re.compile(r"(\(|\)|\b(?:OR|AND|WITH)\b|\b(?:or|and)\b(?!\s+(?:any\s+)?later\b))")
_LICENSE_REF = re.compile(r"LicenseRef-[A-Za-z0-9.-]+")
_EXCEPTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")


# the canonical pages of a licence: Creative Commons deeds and legal code, SPDX and OSI licence pages
_CC_URL = re.compile(
    r"(?i)(?:https?://)?(?:www\.)?creativecommons\.org/(?:licenses/([a-z-]+)|publicdomain/(zero))"
    r"/(\d+(?:\.\d+)?)(?:/(?:legalcode|deed)(?:\.[a-z-]+)?)?/?"
)
_ID_URL = re.compile(
    r"(?i)(?:https?://)?(?:www\.)?(?:spdx\.org/licenses|opensource\.org/licenses?)/([A-Za-z0-9.+-]+?)"
    r"(?:\.html|\.json|\.php)?/?"
)


def _url_id(text: str) -> str | None:
    """The SPDX id of a licence's canonical URL (``https://creativecommons.org/licenses/by/4.0/``,
    ``https://spdx.org/licenses/MIT.html``), else None."""
    cc = _CC_URL.fullmatch(text)
    if cc is not None:
        version = cc.group(3) if "." in cc.group(3) else f"{cc.group(3)}.0"
        name = "CC0" if cc.group(2) else f"CC-{cc.group(1).upper()}"
        spdx = f"{name}-{version}"
        return spdx if spdx in _LOOKUP.values() else None
    page = _ID_URL.fullmatch(text)
    return None if page is None else _LOOKUP.get(_key(page.group(1)))


def spdx_id(text: str) -> str | None:
    """The one SPDX id ``text`` names: a name, an id, both ("The MIT License (MIT)"), or a licence's
    canonical URL, else None."""
    stripped = text.strip()
    if _LICENSE_REF.fullmatch(stripped):
        return stripped
    found = _LOOKUP.get(_key(stripped)) or _url_id(stripped)
    named = _NAME_AND_ID.fullmatch(stripped) if found is None else None
    if named is not None:  # "Name (ID)": the id decides, the name may agree or be unreadable
        inner, outer = _LOOKUP.get(_key(named.group(2))), _LOOKUP.get(_key(named.group(1)))
        lead = _LOOKUP.get(_key(named.group(1).split()[0]))  # "CC0-1.0 Universal (...)": an id written first
        found = inner if outer in (inner, None) and lead in (inner, None) else None
    return found


@dataclass(frozen=True, slots=True)
class LicenseExpression:
    """A licence expression: a leaf (``op`` empty: its ``spdx`` id or None, ``text`` as written, an optional
    ``WITH`` exception) or the OR / AND of ``parts``."""

    op: str
    parts: tuple[LicenseExpression, ...] = ()
    spdx: str | None = None
    text: str = ""
    exception: str | None = None

    def known(self) -> bool:
        return self.spdx is not None if not self.op else all(p.known() for p in self.parts)

    def render(self, nested: bool = False) -> str:
        if not self.op:
            body = self.spdx or self.text
            return body if self.exception is None else f"{body} WITH {self.exception}"
        joined = f" {self.op} ".join(p.render(nested=True) for p in self.parts)
        return f"({joined})" if nested else joined

    def status(self, allowed: Collection[str]) -> LicenseStatus:
        """OR: allowed when any branch is; AND: disallowed when any part is; else unknown if a part is."""
        if not self.op:
            return "unknown" if self.spdx is None else "allowed" if self.spdx in allowed else "disallowed"
        found = {p.status(allowed) for p in self.parts}
        decisive: LicenseStatus = "allowed" if self.op == "OR" else "disallowed"
        other: LicenseStatus = "disallowed" if self.op == "OR" else "allowed"
        return decisive if decisive in found else "unknown" if "unknown" in found else other


class _MalformedError(ValueError):
    """Not a well-formed SPDX expression: then the whole text is one licence we cannot read."""


class _Parser:
    """Recursive descent over the tokens of an SPDX expression: OR binds looser than AND, WITH tightest."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.i = tokens, 0

    def peek(self, ahead: int = 0) -> str | None:
        return self.tokens[self.i + ahead] if self.i + ahead < len(self.tokens) else None

    def take(self) -> str | None:
        self.i += 1
        return self.tokens[self.i - 1] if self.i <= len(self.tokens) else None

    def joined(self, op: str, part: Callable[[], LicenseExpression]) -> LicenseExpression:
        parts = [part()]
        while self.peek() == op:
            self.take()
            parts.append(part())
        return parts[0] if len(parts) == 1 else LicenseExpression(op, tuple(parts))

    def expression(self) -> LicenseExpression:
        return self.joined("OR", lambda: self.joined("AND", self.term))

    def term(self) -> LicenseExpression:
        token = self.take()
        if token == "(":
            inner = self.expression()
            if self.take() != ")":
                raise _MalformedError(token)
            return inner
        if token is None or token in _OPERATORS or token == ")":
            raise _MalformedError(token)
        nxt = self.peek(1)
        if self.peek() == "(" and nxt is not None and nxt not in _OPERATORS and self.peek(2) == ")":
            token = f"{token} ({nxt})"  # "The MIT License (MIT) OR ...": a name and its id
            self.i += 3
        exception = None
        if self.peek() == "WITH":
            self.take()
            exception = self.take()
            if exception is None or not _EXCEPTION_ID.fullmatch(exception):
                raise _MalformedError(exception)
        return LicenseExpression("", spdx=spdx_id(token), text=token, exception=exception)


def parse_license(text: str) -> LicenseExpression:
    """The expression ``text`` states; one unknown leaf when it is no well-formed expression."""
    whole = spdx_id(text)
    if whole is not None:
        return LicenseExpression("", spdx=whole, text=text.strip())
    tokens = [t.strip() for t in _TOKEN.split(text) if t.strip()]
    tokens = [t.upper() if t.upper() in _OPERATORS else t for t in tokens]
    parser = _Parser(tokens)
    try:
        expr = parser.expression()
        if parser.peek() is not None:
            raise _MalformedError(parser.peek())
    except _MalformedError:
        return LicenseExpression("", text=text.strip())
    return expr


def normalize_license(text: str | None) -> str | None:
    """The SPDX id or expression that ``text`` names ("MIT or Apache 2.0" -> ``MIT OR Apache-2.0``), or
    None when a part names no licence we know (``LicenseRef-*`` is kept)."""
    if text is None or not text.strip():
        return None
    expr = parse_license(text)
    return expr.render() if expr.known() else None


def license_status(text: str, allowed: Collection[str]) -> LicenseStatus:
    """Whether the licence (id or SPDX expression) ``text`` is allowed by the SPDX ids ``allowed``: an OR is
    allowed when any branch is, an AND disallowed when any part is, a part we cannot read is unknown."""
    return parse_license(text).status(allowed)
