"""Provenance and licences: every data source checked against the contract's allow-list of SPDX ids.

Licences are normalised first ("CC BY 4.0" -> ``CC-BY-4.0``, "apache 2.0" -> ``Apache-2.0``) against a
small table of known SPDX ids (https://spdx.org/licenses/), so that a licence we cannot read
(``unknown``) is told apart from one we read and the contract does not allow (``disallowed``).
Licence and source texts are echoed with their personal values masked (``pii.redact``): a licence "ask
jane.doe@corp.example" or a source URL with a password never reaches a finding, a table or a card raw.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from labelpact.core.annotations import TaskPayloads
from labelpact.errors import InvalidInputError
from labelpact.ethics.pii.redact import redact_pii

__all__ = [
    "KNOWN_SPDX",
    "ProvenanceFinding",
    "ProvenanceKind",
    "ProvenanceReport",
    "normalize_license",
    "vet_provenance",
]

ProvenanceKind: TypeAlias = Literal["missing", "unknown", "disallowed", "conflicting"]

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


def normalize_license(text: str | None) -> str | None:
    """The SPDX id that ``text`` names, or None when it names none we know (``LicenseRef-*`` is kept)."""
    if text is None or not text.strip():
        return None
    stripped = text.strip()
    if stripped.startswith("LicenseRef-"):
        return stripped
    return _LOOKUP.get(_key(stripped))


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
    """Findings and, per licence (SPDX id, ``unknown:<text>`` or ``missing``), its sources and task count;
    texts and sources with their personal values masked."""

    findings: tuple[ProvenanceFinding, ...]
    by_license: Mapping[str, tuple[str, ...]]
    tasks_by_license: Mapping[str, int]
    allowed: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "by_license": {k: list(v) for k, v in self.by_license.items()},
            "tasks_by_license": dict(self.tasks_by_license),
            "allowed": list(self.allowed),
        }


def _allowed_ids(allowed: Collection[str]) -> tuple[str, ...]:
    ids = []
    for name in allowed:
        spdx = normalize_license(name)
        if spdx is None:
            raise InvalidInputError(
                "SPDX licence ids (https://spdx.org/licenses/)",
                column="data.allowed_licenses",
                column_kind="contract key",
                got=repr(name),
            )
        ids.append(spdx)
    return tuple(dict.fromkeys(ids))


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
    """Check the licence of every source against ``allowed`` (SPDX ids, normalised).

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
    texts_per_source: dict[str | None, list[str | None]] = {}
    for (raw_source, raw_text), members in groups.items():
        spdx = normalize_license(raw_text)  # read from the raw text, shown masked
        source, text = _masked(raw_source), _masked(raw_text)
        key = spdx if spdx else "missing" if text is None else f"unknown:{text}"
        if source is not None and source not in by_license.setdefault(key, []):
            by_license[key].append(source)
        tasks_by_license[key] = tasks_by_license.get(key, 0) + len(members)
        texts_per_source.setdefault(raw_source, []).append(spdx or text)
        kind: ProvenanceKind | None = (
            "missing"
            if text is None
            else "unknown"
            if spdx is None
            else None
            if spdx in allowed_ids
            else "disallowed"
        )
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
    )
