"""The Croissant 1.1 card of a project's published consensus, with its 20 RAI 1.0 values.

``build_card`` returns the JSON-LD document; ``card_text`` writes it reproducibly (sorted keys, two-space
indent, UTF-8, one final newline), so the same facts always give the same bytes. Besides the standard
properties the card carries two JSON literals of labelpact's namespace: ``raiSources`` (per RAI property:
measured, attested, both or not attested, and the audit/attestation ids it rests on) and ``auditHistory``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from labelpact.report.facts import DistributionFile, FieldFacts, ProjectFacts
from labelpact.report.pooled import pooled
from labelpact.report.rai import rai_values
from labelpact.report.vocabulary import CONFORMS_TO, CONTEXT, RAI_PROPERTIES

__all__ = ["build_card", "card_text", "slug"]

_EXTENSION_TERMS = {
    "auditHistory": {"@id": "lp:auditHistory", "@type": "@json"},
    "raiSources": {"@id": "lp:raiSources", "@type": "@json"},
}


def slug(text: str) -> str:
    """An identifier made of ``[a-z0-9-]`` from a name: ``Cobalt Crowd`` -> ``cobalt-crowd``."""
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "dataset"


def _file_object(f: DistributionFile) -> dict[str, Any]:
    return {
        "@type": "cr:FileObject",
        "@id": f.id,
        "name": f.name,
        "description": f.description,
        "contentUrl": f.name,
        "contentSize": f"{f.size_bytes} B",
        "encodingFormat": f.encoding_format,
        "sha256": f.sha256,
    }


_SAFE_ID = re.compile(r"[A-Za-z0-9_.-]+")


def _field_ids(rs: str, names: Sequence[str]) -> dict[str, str]:
    """Each column's field ``@id`` under record set ``rs``: the column name when it is made of
    ``[A-Za-z0-9_.-]``, else that name with every other run of characters as ``_`` and the first 8 hex
    digits of its SHA-256 (``p_very positive`` -> ``p_very_positive-1f0c...``): Croissant loaders refuse
    ``@id``s with whitespace, even URL-escaped. The column itself stays in ``extract.column``."""
    ids: dict[str, str] = {}
    for name in names:
        part = name
        if not _SAFE_ID.fullmatch(name):
            digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
            part = f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}-{digest}"
        while f"{rs}/{part}" in ids.values():  # pragma: no cover - a hash collision within one file
            part += "_"
        ids[name] = f"{rs}/{part}"
    return ids


_QUOTED = (
    " A value a spreadsheet would run as a formula (one starting with =, +, -, @, a tab or a carriage return, "
    "not a number) is written with one ' before it, and so is one that already starts with ' and then such "
    "a character; the regex transform removes it, giving the value exactly."
)


def _field(f: DistributionFile, field: FieldFacts, field_id: str, name: str) -> dict[str, Any]:
    """One column of ``f`` as a Croissant field; a column where the writer quoted a formula carries the regex
    that undoes the quote, and says so (only there: a loader hands a column of numbers to it as numbers)."""
    source: dict[str, Any] = {"fileObject": {"@id": f.id}, "extract": {"column": field.name}}
    description = field.description
    if f.text_regex is not None and field.name in f.quoted:
        source["transform"] = {"regex": f.text_regex}
        description += _QUOTED
    return {
        "@type": "cr:Field",
        "@id": field_id,
        "name": name,
        "description": description,
        "dataType": field.data_type,
        "source": source,
    }


def _record_set(f: DistributionFile) -> dict[str, Any]:
    rs = f"{f.id}-records"
    ids = _field_ids(rs, [field.name for field in f.fields])
    out: dict[str, Any] = {
        "@type": "cr:RecordSet",
        "@id": rs,
        "name": rs,
        "description": f"One record per row of {f.name}.",
        "field": [_field(f, field, ids[field.name], f"{rs}/{field.name}") for field in f.fields],
    }
    if f.key:
        out["key"] = [{"@id": ids[name]} for name in f.key]
    return out


def _history(facts: ProjectFacts) -> list[dict[str, Any]]:
    return [
        {
            "audit": a.audit,
            "kind": a.kind,
            "batch": a.batch_sha256,
            "partner": a.partner,
            "delivered": a.delivered.isoformat(),
            "verdict": a.verdict,
            "review": a.review,
            "published": a.published,
            "n_tasks": a.n_tasks,
            "n_annotations": a.n_annotations,
            "krippendorff_alpha": None if a.agreement is None else a.agreement.value,
            "gold_accuracy": None if a.gold_accuracy is None else a.gold_accuracy.value,
            "error_rate": None if a.error_rate is None else a.error_rate.value,
            "error_rate_verified": a.error_verified,
            "contract": a.contract,
        }
        for a in facts.audits
    ]


_WHAT_IS_PUBLISHED = {
    "preferences": "Bradley-Terry item scores",
    "ratings": "consensus scores per criterion",
    "demonstrations": "per-answer audit signals",
}


def _description(facts: ProjectFacts, scope: str, owner: str) -> str:
    """What the card publishes: the consensus labels and, where accepted, other kinds' audit tables."""
    p = pooled(facts.included)
    by = ", ".join(sorted({a.partner for a in facts.included})) or "nobody yet"
    labels = (
        f"Consensus labels of project {scope} as of {facts.as_of.isoformat()}: {p.n_tasks:,} tasks "
        f"from {p.n_batches} accepted batches labelled by {by}, audited by {facts.generator} for {owner}."
    )
    by_kind = facts.published_by_kind()
    if not by_kind:
        return labels
    parts = ", ".join(f"{len(a)} {kind} batches ({_WHAT_IS_PUBLISHED[kind]})" for kind, a in by_kind.items())
    if not facts.included:
        return (
            f"Audited deliverables of project {scope} as of {facts.as_of.isoformat()}, audited by "
            f"{facts.generator} for {owner}: {parts}."
        )
    return f"{labels} Also published: {parts}."


def build_card(facts: ProjectFacts) -> dict[str, Any]:
    """The Croissant JSON-LD document (a dict) for ``facts``; public content only (no events or forecast)."""
    values = rai_values(facts)
    scope = facts.project if facts.partner is None else f"{facts.project} ({facts.partner})"
    owner = facts.client or "the client"
    license_statement = facts.attested("license")
    card: dict[str, Any] = {
        "@context": {**CONTEXT, **_EXTENSION_TERMS},
        "@type": "sc:Dataset",
        "conformsTo": list(CONFORMS_TO),
        "name": slug(scope),
        "description": _description(facts, scope, owner),
        "citeAs": f"{owner}. {scope}: consensus labels, transparency card as of {facts.as_of.isoformat()} "
        f"({facts.generator}).",
        "creator": {"@type": "sc:Organization", "name": owner},
        "datePublished": facts.as_of.isoformat(),
        "version": f"{facts.as_of.year}.{facts.as_of.month}.{facts.as_of.day}",  # semver: no leading zeros
        "license": license_statement[-1][1] if license_statement else "Not attested",
        "keywords": ["data labeling", "annotation audit", "Croissant RAI", "transparency"],
        "distribution": [_file_object(f) for f in facts.files],
        "recordSet": [_record_set(f) for f in facts.files],
        "raiSources": {
            f"rai:{name}": {"source": v.source, "evidence": list(v.evidence)} for name, v in values.items()
        },
        "auditHistory": _history(facts),
    }
    if facts.card_name:  # the file the card is written to, relative as its files' contentUrl; no guessed name
        card["url"] = facts.card_name
    for prop in RAI_PROPERTIES:
        card[prop.key] = values[prop.name].text
    return card


def card_text(card: dict[str, Any]) -> str:
    """The card as reproducible JSON text: sorted keys, two-space indent, UTF-8 characters kept, final newline."""
    return json.dumps(card, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
