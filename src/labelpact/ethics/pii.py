"""Personal data in task payloads: where it is (task, field, start, end), of what kind, masked.

Patterns and checksums are in ``pii_patterns`` and ``checksums``. Phone numbers are validated by
``phonenumbers`` (Google libphonenumber's Python port: pure Python, metadata shipped offline, it never
reaches the network), which keeps this package pure: its ``PhoneNumberMatcher`` at leniency VALID
runs only on the digit runs a compiled regex finds first. Person names need a spaCy model; one is used
only when already installed (found through the ``spacy_models`` entry points, never downloaded),
and otherwise the report says ``name`` was not scanned.
"""

from __future__ import annotations

import bisect
import importlib
import importlib.util
import time
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import phonenumbers

from labelpact.core.annotations import TaskPayloads
from labelpact.errors import InvalidInputError
from labelpact.ethics.pii_patterns import (
    DETECTORS,
    ENTITIES,
    PHONE_CANDIDATE,
    PHONE_KEYWORD,
    Entity,
    Span,
    mask,
    phone_context_ok,
)

__all__ = ["ENTITIES", "Entity", "PiiFinding", "PiiReport", "find_pii", "installed_name_model", "scan_pii"]

_SEPARATOR = "\x00"  # joins the tasks of a field: no pattern matches across it (not \s, not \w)
_LENIENCY = phonenumbers.Leniency.VALID


@dataclass(frozen=True, slots=True)
class PiiFinding:
    """One personal value in ``field`` of ``task`` at characters [start, end); only its mask is kept."""

    task: str
    field: str
    entity: Entity
    start: int
    end: int
    masked: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "field": self.field,
            "entity": self.entity,
            "start": self.start,
            "end": self.end,
            "masked": self.masked,
        }


@dataclass(frozen=True, slots=True)
class PiiReport:
    """Every finding, counts per field and per entity, what was not scanned and how fast the scan ran."""

    findings: tuple[PiiFinding, ...]
    by_field: MappingProxyType[str, int]
    by_entity: MappingProxyType[str, int]
    scanned: tuple[Entity, ...]
    not_scanned: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    n_bytes: int = 0
    seconds: float = 0.0

    @property
    def mb_per_s(self) -> float:
        """Throughput in megabytes (10^6 bytes of UTF-8) per second."""
        return self.n_bytes / 1e6 / self.seconds if self.seconds > 0 else float("inf")

    def tasks_with(self, entity: Entity | None = None) -> tuple[str, ...]:
        """Tasks holding at least one finding (of ``entity`` when given), in order of first finding."""
        return tuple(dict.fromkeys(f.task for f in self.findings if entity is None or f.entity == entity))

    def findings_list(self) -> list[dict[str, Any]]:
        """The ``pii`` list of the CLI's JSON: one dict per finding, masked, never the raw value."""
        return [f.to_dict() for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": self.findings_list(),
            "by_field": dict(self.by_field),
            "by_entity": dict(self.by_entity),
            "scanned": list(self.scanned),
            "not_scanned": dict(self.not_scanned),
            "n_bytes": self.n_bytes,
            "seconds": self.seconds,
        }


def installed_name_model() -> str | None:
    """Name of an installed spaCy pipeline package (``en_core_web_sm`` ...), or None; never downloads."""
    if importlib.util.find_spec("spacy") is None:
        return None
    models = sorted(ep.name for ep in entry_points(group="spacy_models"))
    english = [m for m in models if m.startswith("en_")]
    return (english or models)[0] if models else None


class _Taken:
    """Non-overlapping spans accepted so far, sorted by start: a later, weaker finding may not overlap."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.starts, start)
        return (i > 0 and self.ends[i - 1] > start) or (i < len(self.starts) and self.starts[i] < end)

    def covers(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.starts, start)
        return i > 0 and self.ends[i - 1] >= end

    def add(self, start: int, end: int) -> bool:
        if self.overlaps(start, end):
            return False
        i = bisect.bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)
        return True


def _phones(text: str, regions: Sequence[str], taken: _Taken) -> Iterable[Span]:
    """Phone numbers valid for their region (libphonenumber metadata), tried only on regex candidates.

    A number must be the whole digit run (a valid prefix of a longer run is not a phone). National
    format is read in ``regions[0]`` freely, in the other regions only after a phone word
    (``call``, ``phone``, ``tel``, ``mobile`` ...) in the 40 characters before.
    """
    for m in PHONE_CANDIDATE.finditer(text):
        start, stop = m.span()
        run = m.group()
        n_digits = sum(c.isdigit() for c in run)
        if n_digits > 17 or taken.covers(start, stop) or not phone_context_ok(text, start):
            continue
        international = run.startswith("+")  # the country code decides: one region is enough
        for k, region in enumerate(regions[:1] if international else regions):
            if k and not PHONE_KEYWORD.search(text, max(0, start - 40), start):
                break
            hits = [
                (start + match.start, start + match.end)
                for match in phonenumbers.PhoneNumberMatcher(run, region, leniency=_LENIENCY)
                if sum(c.isdigit() for c in match.raw_string) == n_digits
            ]
            if hits:
                yield from hits
                break


def _spans(text: str, entities: Collection[Entity], regions: Sequence[str]) -> list[tuple[Entity, Span]]:
    taken = _Taken()
    found: list[tuple[Entity, Span]] = []
    for entity in ENTITIES:
        if entity not in entities or entity == "name":
            continue
        spans = _phones(text, regions, taken) if entity == "phone" else DETECTORS[entity](text)
        found.extend((entity, span) for span in spans if taken.add(*span))
    found.sort(key=lambda item: item[1])
    return found


def _check_options(entities: Collection[str] | None, phone_regions: Sequence[str]) -> tuple[Entity, ...]:
    chosen = tuple(e for e in ENTITIES if entities is None or e in entities)
    unknown = sorted(set(entities or ()) - set(ENTITIES))
    if unknown:
        raise InvalidInputError(f"entities among {list(ENTITIES)}", column="entities", got=repr(unknown[0]))
    known_regions = phonenumbers.SUPPORTED_REGIONS
    bad = [r for r in phone_regions if r not in known_regions] or ([] if phone_regions else ["(none)"])
    if bad:
        raise InvalidInputError(
            "ISO 3166 region codes known to libphonenumber", column="phone_regions", got=repr(bad[0])
        )
    return chosen


def find_pii(
    text: str, *, entities: Collection[str] | None = None, phone_regions: Sequence[str] = ("US",)
) -> list[tuple[Entity, int, int]]:
    """(entity, start, end) of each personal value in one text, in order; names are not searched here."""
    chosen = _check_options(entities, phone_regions)
    return [(entity, s, e) for entity, (s, e) in _spans(text, chosen, phone_regions)]


def scan_pii(
    payloads: TaskPayloads,
    *,
    fields: Sequence[str] | None = None,
    entities: Collection[str] | None = None,
    phone_regions: Sequence[str] = ("US",),
    names: Literal["auto", "off"] = "auto",
) -> PiiReport:
    """Scan ``fields`` (default: all) of every task for the ``entities`` (default: all).

    Phone numbers in national format are recognised for ``phone_regions`` (tried in order); numbers
    written with ``+`` and a country code are recognised whatever the region.
    """
    chosen = _check_options(entities, phone_regions)
    names_in_fields = list(payloads.fields) if fields is None else list(fields)
    missing = [f for f in names_in_fields if f not in payloads.fields]
    if missing:
        raise InvalidInputError(f"a payload field among {list(payloads.fields)}", column=missing[0])
    clock = time.perf_counter()
    not_scanned: dict[str, str] = {}
    model = installed_name_model() if "name" in chosen and names == "auto" else None
    if "name" in chosen and model is None:
        not_scanned["name"] = "no spaCy model installed" if names == "auto" else "names='off'"
    findings: list[PiiFinding] = []
    n_bytes = 0
    for name in names_in_fields:
        values = [v or "" for v in payloads.fields[name]]
        joined = _SEPARATOR.join(values)
        n_bytes += len(joined.encode()) - max(len(values) - 1, 0)
        starts = np.cumsum([0] + [len(v) + 1 for v in values[:-1]])
        spans = _spans(joined, chosen, phone_regions)
        if model is not None:  # a name never overlaps a finding of the patterns
            taken = _Taken()
            for _, span in spans:
                taken.add(*span)
            spans.extend((e, span) for e, span in _names(values, starts, model) if taken.add(*span))
            spans.sort(key=lambda item: item[1])
        if not spans:
            continue
        left = np.searchsorted(starts, [s for _, (s, _e) in spans], side="right") - 1
        right = np.searchsorted(starts, [e - 1 for _, (_s, e) in spans], side="right") - 1
        for (entity, (s, e)), i, j in zip(spans, left.tolist(), right.tolist(), strict=True):
            if i != j:  # crossed a task boundary: not one value
                continue
            offset = int(starts[i])
            findings.append(
                PiiFinding(payloads.task[i], name, entity, s - offset, e - offset, mask(entity, joined[s:e]))
            )
    return PiiReport(
        findings=tuple(findings),
        by_field=MappingProxyType(dict(Counter(f.field for f in findings))),
        by_entity=MappingProxyType(dict(Counter(f.entity for f in findings))),
        scanned=tuple(e for e in chosen if e not in not_scanned),
        not_scanned=MappingProxyType(not_scanned),
        n_bytes=n_bytes,
        seconds=time.perf_counter() - clock,
    )


def _names(values: list[str], starts: Any, model: str) -> list[tuple[Entity, Span]]:
    """PERSON entities from the installed spaCy pipeline, as spans of the joined field text."""
    spacy: Any = importlib.import_module("spacy")
    nlp = spacy.load(model, exclude=["parser", "lemmatizer", "tagger", "attribute_ruler"])
    found: list[tuple[Entity, Span]] = []
    for offset, doc in zip(starts.tolist(), nlp.pipe(values), strict=True):
        found.extend(
            ("name", (offset + ent.start_char, offset + ent.end_char))
            for ent in doc.ents
            if ent.label_ == "PERSON"
        )
    return found
