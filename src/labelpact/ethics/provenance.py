"""Provenance and licences: every data source checked against the contract's allow-list of SPDX ids.

Licences are normalised first ("CC BY 4.0" -> ``CC-BY-4.0``, "apache 2.0" -> ``Apache-2.0``) against a
small table of known SPDX ids (https://spdx.org/licenses/), so that a licence we cannot read
(``unknown``) is told apart from one we read and the contract does not allow (``disallowed``).
Licence and source texts are echoed with their personal values masked (``pii.redact``): a licence "ask
jane.doe@corp.example" or a source URL with a password never reaches a finding, a table or a card raw.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from labelpact.core.annotations import TaskPayloads
from labelpact.errors import InvalidInputError
from labelpact.ethics.pii.redact import redact_pii

__all__ = [
    "KNOWN_SPDX",
    "LicenseStatus",
    "ProvenanceFinding",
    "ProvenanceKind",
    "ProvenanceReport",
    "license_status",
    "normalize_license",
    "spdx_id",
    "vet_provenance",
]

ProvenanceKind: TypeAlias = Literal["missing", "unknown", "disallowed", "conflicting"]
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
    (r"creative\s*commons", "cc"),
    (r"attribution", "by"),
    (r"share[\s-]*alike", "sa"),
    (r"non[\s-]*commercial", "nc"),
    (r"no[\s-]*deriv(?:ative)?s?", "nd"),
    (r"\bcc[\s-]*(?:0|zero)(?:[\s-]*v?1(?:\.0)?)?(?![\d.])", "cczero"),
    (r"\bpublic[\s-]*domain\b", "pd"),
    (r"gnu\s+affero\s+general\s+public", "agpl"),
    (r"gnu\s+lesser\s+general\s+public", "lgpl"),
    (r"gnu\s+general\s+public", "gpl"),
    (r"\bgnu\b", ""),
    (r"v(?=\s*\d)", " "),
    (r"\+|\bor[\s-]+later\b|\band\s+later\b", " orlater "),
    (r"\blicen[cs]es?\b|\bversion\b|\bthe\b|\binternational\b|\bgeneric\b|\bunported\b", " "),
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


def spdx_id(text: str) -> str | None:
    """The one SPDX id ``text`` names: a name, an id, or both ("The MIT License (MIT)"), else None."""
    stripped = text.strip()
    if _LICENSE_REF.fullmatch(stripped):
        return stripped
    found = _LOOKUP.get(_key(stripped))
    named = _NAME_AND_ID.fullmatch(stripped) if found is None else None
    if named is not None:  # "Name (ID)": the id decides, the name may agree or be unreadable
        inner, outer = _LOOKUP.get(_key(named.group(2))), _LOOKUP.get(_key(named.group(1)))
        found = inner if outer in (inner, None) else None
    return found


@dataclass(frozen=True, slots=True)
class _Expr:
    """A licence expression: a leaf (``op`` empty: its ``spdx`` id or None, ``text`` as written, an optional
    ``WITH`` exception) or the OR / AND of ``parts``."""

    op: str
    parts: tuple[_Expr, ...] = ()
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

    def joined(self, op: str, part: Callable[[], _Expr]) -> _Expr:
        parts = [part()]
        while self.peek() == op:
            self.take()
            parts.append(part())
        return parts[0] if len(parts) == 1 else _Expr(op, tuple(parts))

    def expression(self) -> _Expr:
        return self.joined("OR", lambda: self.joined("AND", self.term))

    def term(self) -> _Expr:
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
        return _Expr("", spdx=spdx_id(token), text=token, exception=exception)


def _parse(text: str) -> _Expr:
    """The expression ``text`` states; one unknown leaf when it is no well-formed expression."""
    whole = spdx_id(text)
    if whole is not None:
        return _Expr("", spdx=whole, text=text.strip())
    tokens = [t.strip() for t in _TOKEN.split(text) if t.strip()]
    tokens = [t.upper() if t.upper() in _OPERATORS else t for t in tokens]
    parser = _Parser(tokens)
    try:
        expr = parser.expression()
        if parser.peek() is not None:
            raise _MalformedError(parser.peek())
    except _MalformedError:
        return _Expr("", text=text.strip())
    return expr


def normalize_license(text: str | None) -> str | None:
    """The SPDX id or expression that ``text`` names ("MIT or Apache 2.0" -> ``MIT OR Apache-2.0``), or
    None when a part names no licence we know (``LicenseRef-*`` is kept)."""
    if text is None or not text.strip():
        return None
    expr = _parse(text)
    return expr.render() if expr.known() else None


def license_status(text: str, allowed: Collection[str]) -> LicenseStatus:
    """Whether the licence (id or SPDX expression) ``text`` is allowed by the SPDX ids ``allowed``: an OR is
    allowed when any branch is, an AND disallowed when any part is, a part we cannot read is unknown."""
    return _parse(text).status(allowed)


@dataclass(frozen=True, slots=True)
class ProvenanceFinding:
    """A source whose licence is missing, unreadable, not allowed, or given differently across tasks."""

    kind: ProvenanceKind
    source: str | None  # personal values masked, as in ``license``
    license: str | None  # as written in the data, personal values masked ("; "-joined when conflicting)
    spdx: str | None  # normalised id, None when missing or unknown
    tasks: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "license": self.license,
            "spdx": self.spdx,
            "n_tasks": len(self.tasks),
            "tasks": list(self.tasks),
        }


@dataclass(frozen=True, slots=True)
class ProvenanceReport:
    """Findings and, per licence (SPDX id or expression, ``unknown:<text>`` or ``missing``), its sources,
    task count and status (``allowed``, ``disallowed``, ``unknown``, ``missing``); texts and sources with
    their personal values masked."""

    findings: tuple[ProvenanceFinding, ...]
    by_license: Mapping[str, tuple[str, ...]]
    tasks_by_license: Mapping[str, int]
    allowed: tuple[str, ...]
    status_by_license: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "by_license": {k: list(v) for k, v in self.by_license.items()},
            "tasks_by_license": dict(self.tasks_by_license),
            "status_by_license": dict(self.status_by_license),
            "allowed": list(self.allowed),
        }


def _allowed_ids(allowed: Collection[str]) -> tuple[str, ...]:
    ids = []
    for name in allowed:
        spdx = spdx_id(name)
        if spdx is None:
            raise InvalidInputError(
                "SPDX licence ids (https://spdx.org/licenses/)",
                column="data.allowed_licenses",
                column_kind="contract key",
                got=repr(name),
            )
        ids.append(spdx)
    return tuple(dict.fromkeys(ids))


_KIND_OF_STATUS: dict[str, ProvenanceKind | None] = {
    "missing": "missing",
    "unknown": "unknown",
    "disallowed": "disallowed",
    "allowed": None,
}


def _masked(text: str | None) -> str | None:
    return None if text is None else redact_pii(text)


def vet_provenance(
    payloads: TaskPayloads | None,
    *,
    allowed: Collection[str],
    manifest: Mapping[str, str | None] | None = None,
    source_field: str = "source",
    license_field: str = "license",
) -> ProvenanceReport:
    """Check the licence (an SPDX id or expression) of every source against ``allowed`` (SPDX ids, normalised).

    A task's licence is its ``license_field`` when set, else the ``manifest`` entry of its
    ``source_field``; manifest sources that no task names are vetted too (with no tasks).
    """
    allowed_ids = _allowed_ids(allowed)
    manifest = dict(manifest or {})
    fields = payloads.fields if payloads is not None else {}
    tasks: Sequence[str] = payloads.task if payloads is not None else ()
    sources = fields.get(source_field, (None,) * len(tasks))
    licenses = fields.get(license_field, (None,) * len(tasks))
    # (source, licence text) -> tasks, in order of first appearance
    groups: dict[tuple[str | None, str | None], list[str]] = {}
    for task, source, text in zip(tasks, sources, licenses, strict=True):
        source = source.strip() if source and source.strip() else None
        text = text.strip() if text and text.strip() else manifest.get(source) if source is not None else None
        groups.setdefault((source, text), []).append(task)
    named = {source for source, _ in groups}
    for source, text in manifest.items():
        if source not in named:
            groups.setdefault((source, text), [])
    findings: list[ProvenanceFinding] = []
    by_license: dict[str, list[str]] = {}
    tasks_by_license: dict[str, int] = {}
    status_by_license: dict[str, str] = {}
    texts_per_source: dict[str | None, list[str | None]] = {}
    for (raw_source, raw_text), members in groups.items():
        expr = None if raw_text is None else _parse(raw_text)  # read from the raw text, shown masked
        spdx = expr.render() if expr is not None and expr.known() else None
        source, text = _masked(raw_source), _masked(raw_text)
        key = spdx if spdx else "missing" if text is None else f"unknown:{text}"
        if source is not None and source not in by_license.setdefault(key, []):
            by_license[key].append(source)
        tasks_by_license[key] = tasks_by_license.get(key, 0) + len(members)
        texts_per_source.setdefault(raw_source, []).append(spdx or text)
        status = "missing" if expr is None else expr.status(allowed_ids)
        status_by_license[key] = status
        kind = _KIND_OF_STATUS[status]
        if kind is not None:
            findings.append(ProvenanceFinding(kind, source, text, spdx, tuple(members)))
    for source, texts in texts_per_source.items():
        distinct = list(dict.fromkeys(t for t in texts if t is not None))
        if source is not None and len(distinct) > 1:
            affected = tuple(t for (s, _), ms in groups.items() if s == source for t in ms)
            findings.append(
                ProvenanceFinding("conflicting", _masked(source), "; ".join(distinct), None, affected)
            )
    return ProvenanceReport(
        findings=tuple(findings),
        by_license={k: tuple(v) for k, v in by_license.items()},
        tasks_by_license=tasks_by_license,
        allowed=allowed_ids,
        status_by_license=status_by_license,
    )
