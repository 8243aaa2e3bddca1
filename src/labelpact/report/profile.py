"""labelpact's profile check of a Croissant card: what mlcroissant lets through and a reader needs.

mlcroissant accepts unknown or misspelt ``rai:`` keys silently, keeps only the first item of a list given
for a single-valued property, and spells two RAI names differently internally. ``check_card`` requires
every one of the 20 RAI 1.0 properties at the dataset level, with a value of its range (Text: one non-blank
text; DateTime: an ISO 8601 date, moment or interval) or explicitly marked ``Not attested: why``; it
refuses any other ``rai:`` key, naming the nearest official one. One line per problem.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterator
from typing import Any

from labelpact.report.structure import structure_problems
from labelpact.report.vocabulary import CROISSANT, NOT_ATTESTED, RAI, RAI_PROPERTIES, RAI_SPEC, RaiProperty

__all__ = ["check_card"]

_BY_NAME = {p.name: p for p in RAI_PROPERTIES}
_VERSION = re.compile(r"http://mlcommons\.org/croissant/1\.[01]")  # the Croissant versions published
_SOURCES = ("measured", "attested", "measured and attested", "not attested")
_MLCROISSANT_SPELLINGS = {
    "dataCollectionTimeFrame": "dataCollectionTimeframe",
    "dataDataManipulationProtocol": "dataManipulationProtocol",
}


def _rai_name(key: str, aliases: dict[str, str] | None = None) -> str | None:
    """The RAI local name of a JSON key (``rai:x``, the full IRI, or a term the context maps to one)."""
    if aliases and key in aliases:
        return aliases[key]
    if key.startswith("rai:"):
        return key[4:]
    if key.startswith(RAI):
        return key[len(RAI) :]
    return None


def _aliases(context: Any) -> dict[str, str]:
    """Terms of the ``@context`` that stand for RAI properties (``"dataBiases": "rai:dataBiases"``)."""
    out: dict[str, str] = {}
    if isinstance(context, dict):
        for term, value in context.items():
            iri = value.get("@id") if isinstance(value, dict) else value
            name = _rai_name(iri) if isinstance(iri, str) and term != "rai" else None
            if name is not None:
                out[term] = name
    return out


def _walk(node: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """Every (path, key, value) of the document below the top level."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _walk(item, f"{path}[{i}]")


def _unknown(key: str, name: str) -> str:
    if name in _MLCROISSANT_SPELLINGS:
        return (
            f"{key}: not an RAI 1.0 property (mlcroissant's internal spelling); "
            f"the official name is rai:{_MLCROISSANT_SPELLINGS[name]}"
        )
    close = difflib.get_close_matches(name, list(_BY_NAME), n=1, cutoff=0.6)
    hint = f"; did you mean rai:{close[0]}?" if close else ""
    return f"{key}: unknown RAI property{hint}"


_ISO_DATE = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)?)?"
)


def _moment(text: str) -> dt.datetime | None:
    """The first moment of an ISO 8601 calendar date, month, year or date-time (UTC when it names a zone;
    years 0001 to 9999, ``T`` as the separator); None when ``text`` is none of these."""
    match = _ISO_DATE.fullmatch(text)
    if match is None:
        return None
    year, month, day, time = match.groups()
    try:
        if time is not None:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment
        return dt.datetime(int(year), int(month or 1), int(day or 1))
    except ValueError:  # month 13, day 32, year 0000, hour 25
        return None


def _timeframe_problem(text: str) -> str | None:
    """Why ``text`` is not an ISO 8601 date, moment or interval that ends no earlier than it starts."""
    parts = text.split("/")
    moments = [_moment(part) for part in parts]
    if len(parts) > 2 or any(m is None for m in moments):
        return f"an ISO 8601 date, moment or interval (2025-01-14/2025-12-23), got {text!r}"
    if len(moments) == 2 and moments[0] is not None and moments[1] is not None and moments[1] < moments[0]:
        return f"an interval that ends no earlier than it starts, got {text!r}"
    return None


def _value_text(value: Any) -> str | None:
    """A single text (plain or ``{"@value": ...}``), else None."""
    if isinstance(value, dict) and set(value) <= {"@value", "@language", "@type"}:
        value = value.get("@value")
    return value if isinstance(value, str) else None


def _check_value(prop: RaiProperty, value: Any, source: str | None) -> str | None:
    key = prop.key
    if isinstance(value, list):
        return f"{key}: a list of {len(value)} values where RAI 1.0 expects one {prop.range} (mlcroissant would keep only the first)"
    text = _value_text(value)
    if text is None:
        return f"{key}: expected {'a text' if prop.range == 'Text' else 'an ISO 8601 date or interval'}, got {type(value).__name__}"
    if not text.strip():
        return f"{key}: blank; give a value or mark it '{NOT_ATTESTED}: why'"
    marked = text.startswith(NOT_ATTESTED)
    if marked and not text[len(NOT_ATTESTED) :].lstrip(": ").strip():
        return f"{key}: marked not attested without saying why ('{NOT_ATTESTED}: why')"
    if source is not None and (source == "not attested") != marked:
        return f"{key}: raiSources says {source!r} but the value {'is' if marked else 'is not'} marked '{NOT_ATTESTED}'"
    if prop.range == "DateTime" and not marked:
        problem = _timeframe_problem(text)
        if problem is not None:
            return f"{key}: expected {problem}"
    return None


def _conforms(card: dict[str, Any]) -> list[str]:
    value = card.get("conformsTo", card.get("dct:conformsTo"))
    values = value if isinstance(value, list) else [value]
    problems = []
    if not any(isinstance(v, str) and _VERSION.fullmatch(v) for v in values):
        problems.append(f"conformsTo: expected a Croissant version ({CROISSANT} or 1.0), got {value!r}")
    if RAI_SPEC not in values:
        problems.append(f"conformsTo: expected to include {RAI_SPEC}, got {value!r}")
    return problems


def check_card(card: Any) -> list[str]:
    """Every problem of ``card`` (parsed JSON) against labelpact's RAI profile, one line each; [] if none."""
    if not isinstance(card, dict):
        return [f"document: expected a JSON object (a Croissant dataset), got {type(card).__name__}"]
    problems = _conforms(card) + structure_problems(card)
    context = card.get("@context")
    if not isinstance(context, dict) or context.get("rai") != RAI:
        problems.append(f"@context: expected the prefix rai = {RAI}")
    aliases = _aliases(context)
    found = card.get("raiSources")
    sources: dict[str, Any] = found if isinstance(found, dict) else {}
    given: dict[str, list[str]] = {}
    for key in sorted(card):
        name = _rai_name(key, aliases)
        if name is not None and name not in _BY_NAME:
            problems.append(_unknown(key, name))
        elif name is not None:
            given.setdefault(name, []).append(key)
    for path, key, _ in _walk({k: v for k, v in card.items() if k not in ("@context", "raiSources")}, ""):
        if _rai_name(key, aliases) is not None and path:
            problems.append(f"{key}: at{path}, but RAI properties belong to the dataset itself (top level)")
    for key, entry in sorted(sources.items()):
        if _rai_name(key) not in _BY_NAME:
            problems.append(f"raiSources.{key}: not an RAI 1.0 property")
        elif not isinstance(entry, dict) or entry.get("source") not in _SOURCES:
            problems.append(f"raiSources.{key}: expected a source among {', '.join(_SOURCES)}")
    for prop in RAI_PROPERTIES:
        keys = given.get(prop.name, [])
        if not keys:
            problems.append(f"{prop.key}: missing; give a value or mark it '{NOT_ATTESTED}: why'")
            continue
        if len(keys) > 1:
            problems.append(
                f"{prop.key}: given {len(keys)} times ({', '.join(keys)}); RAI 1.0 expects one value"
            )
            continue
        entry = sources.get(prop.key)
        source = entry.get("source") if isinstance(entry, dict) else None
        problem = _check_value(prop, card[keys[0]], source if isinstance(source, str) else None)
        if problem is not None:
            problems.append(problem)
    return problems
