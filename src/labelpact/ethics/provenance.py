"""Provenance and licences: every data source checked against the contract's allow-list of SPDX ids.

Licences are read as SPDX ids or expressions first (``ethics.spdx``), so that a licence we cannot read
(``unknown``) is told apart from one we read and the contract does not allow (``disallowed``).
Licence and source texts are echoed with their personal values masked (``pii.redact``): a licence "ask
jane.doe@corp.example" or a source URL with a password never reaches a finding, a table or a card raw.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from labelpact.core.annotations import TaskPayloads
from labelpact.errors import InvalidInputError
from labelpact.ethics.pii.redact import redact_pii
from labelpact.ethics.spdx import (
    KNOWN_SPDX,
    LicenseStatus,
    license_status,
    normalize_license,
    parse_license,
    spdx_id,
)

__all__ = [
    "KNOWN_SPDX",
    "LicenseStatus",
    "ProvenanceFinding",
    "ProvenanceKind",
    "ProvenanceReport",
    "license_status",
    "normalize_license",
    "provenance_columns",
    "spdx_id",
    "vet_provenance",
]

ProvenanceKind: TypeAlias = Literal["missing", "unknown", "disallowed", "conflicting"]


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
    license_column: str | None = "license"  # the payloads' licence column; None: they have none
    columns: tuple[str, ...] = ()  # the payloads' fields (to say which there are when no licence column is)

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


_COLUMN_ALIASES = {
    "source": ("source", "sources"),
    "license": ("license", "licence", "licenses", "licences"),
}


def provenance_columns(
    names: Collection[str], *, source_field: str = "source", license_field: str = "license"
) -> tuple[str | None, str | None]:
    """The payload fields that hold each task's source and licence: the field named exactly, else one whose
    name is, in any case, it or an alias (``licence``, ``License``, ``Licenses``; ``Source``); None: none."""
    found: list[str | None] = []
    for wanted, role in ((source_field, "source"), (license_field, "license")):
        if wanted in names:
            found.append(wanted)
            continue
        accepted = {wanted.lower()} | (set(_COLUMN_ALIASES[role]) if wanted == role else set())
        found.append(next((n for n in names if n.strip().lower() in accepted), None))
    return found[0], found[1]


def vet_provenance(
    payloads: TaskPayloads | None,
    *,
    allowed: Collection[str],
    manifest: Mapping[str, str | None] | None = None,
    source_field: str = "source",
    license_field: str = "license",
    columns: Sequence[str] | None = None,
) -> ProvenanceReport:
    """Check the licence (an SPDX id or expression) of every source against ``allowed`` (SPDX ids, normalised).

    A task's licence is its ``license_field`` when set, else the ``manifest`` entry of its
    ``source_field``; manifest sources that no task names are vetted too (with no tasks). Both fields are
    found as :func:`provenance_columns` finds them; ``columns`` are the payloads' fields to name when there
    is no licence field (default: those of ``payloads``).
    """
    allowed_ids = _allowed_ids(allowed)
    manifest = dict(manifest or {})
    fields = payloads.fields if payloads is not None else {}
    tasks: Sequence[str] = payloads.task if payloads is not None else ()
    source_column, license_column = provenance_columns(
        list(fields), source_field=source_field, license_field=license_field
    )
    none = (None,) * len(tasks)
    sources = none if source_column is None else fields[source_column]
    licenses = none if license_column is None else fields[license_column]
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
        expr = None if raw_text is None else parse_license(raw_text)  # read from the raw text, shown masked
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
        license_column=license_column,
        columns=tuple(fields) if columns is None else tuple(columns),
    )
