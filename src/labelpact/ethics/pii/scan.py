"""Personal data in task payloads: where it is (task, field, start, end), of what kind, masked, how sure.

Patterns and checksums are in ``patterns`` and ``checksums``, phone rules in ``phones``. Phone numbers are validated by
``phonenumbers`` (Google libphonenumber's Python port: pure Python, metadata shipped offline, it never
reaches the network), which keeps this package pure: its ``PhoneNumberMatcher`` at leniency VALID
runs only on the digit runs a compiled regex finds first; a number written like a phone number whose
area code the plan does not assign (``(555) 123-4567``) is still reported, at a lower confidence.
Person names come from an installed spaCy model when there is one (found through the ``spacy_models``
entry points, never downloaded), otherwise from name lists and context words (``names``).
Texts are scanned folded (``folded``: NFKC, format characters dropped) and reported at their own offsets.
Confidences are ordinal levels, not calibrated probabilities: 1.0 for values that pass a checksum or
a structural validator, 0.9 for phone numbers valid in their plan and IP addresses, 0.8 for street
addresses, 0.5 for phone-shaped numbers outside their plan, 0.5-0.9 for names (see ``names``).
"""

from __future__ import annotations

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
from labelpact.ethics.pii.folded import fold
from labelpact.ethics.pii.names import find_names, name_lists, name_lists_source
from labelpact.ethics.pii.patterns import DETECTORS, ENTITIES, Entity, Span, mask
from labelpact.ethics.pii.phones import PHONE_SHAPED, PHONE_VALID, find_phones, is_phone_field
from labelpact.ethics.pii.taken import Taken

__all__ = [
    "ENTITIES",
    "PHONE_SHAPED",
    "PHONE_VALID",
    "Entity",
    "NameDetector",
    "PiiFinding",
    "PiiReport",
    "find_pii",
    "installed_name_model",
    "scan_pii",
]

_SEPARATOR = "\x00"  # joins the tasks of a field: no pattern matches across it (not \s, not \w)
_CONFIDENCE: dict[Entity, float] = {"ip": 0.9, "address": 0.8}  # others of DETECTORS: 1.0
NameDetector = Literal["auto", "lists", "off"]
Scored = tuple[Entity, Span, float]


@dataclass(frozen=True, slots=True)
class PiiFinding:
    """One personal value in ``field`` of ``task`` at characters [start, end); only its mask is kept.

    ``confidence`` is an ordinal level in (0, 1] (see the module docstring), not a probability.
    """

    task: str
    field: str
    entity: Entity
    start: int
    end: int
    masked: str
    confidence: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "field": self.field,
            "entity": self.entity,
            "start": self.start,
            "end": self.end,
            "masked": self.masked,
            "confidence": self.confidence,
        }


@dataclass(frozen=True, slots=True)
class PiiReport:
    """Every finding, counts per field and per entity, what was not scanned, which detector scanned the
    entities that are not plain patterns (``detectors``: phone, name) and how fast the scan ran."""

    findings: tuple[PiiFinding, ...]
    by_field: MappingProxyType[str, int]
    by_entity: MappingProxyType[str, int]
    scanned: tuple[Entity, ...]
    not_scanned: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    detectors: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
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
            "detectors": dict(self.detectors),
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


def _spans(
    text: str,
    entities: Collection[Entity],
    regions: Sequence[str],
    names: bool = False,
    phone_field: bool = False,
) -> list[Scored]:
    """Non-overlapping (entity, span, confidence) in order; an entity earlier in ENTITIES wins an overlap;
    ``phone_field``: the text is a field whose name is a phone word, which counts as one before each value."""
    taken = Taken()
    found: list[Scored] = []
    for entity in ENTITIES:
        if entity not in entities or (entity == "name" and not names):
            continue
        if entity == "phone":
            scored: Iterable[tuple[Span, float]] = find_phones(text, regions, taken, phone_field)
        elif entity == "name":
            scored = (((s, e), c) for s, e, c in find_names(text))
        else:
            level = _CONFIDENCE.get(entity, 1.0)
            scored = ((span, level) for span in DETECTORS[entity](text))
        found.extend((entity, span, c) for span, c in scored if taken.add(*span))
    found.sort(key=lambda item: item[1])
    return found


def _check_options(
    entities: Collection[str] | None, phone_regions: Sequence[str], names: str
) -> tuple[Entity, ...]:
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
    if names not in ("auto", "lists", "off"):
        raise InvalidInputError("names among ['auto', 'lists', 'off']", column="names", got=repr(names))
    return chosen


def _folded_spans(
    text: str, entities: Collection[Entity], regions: Sequence[str], names: bool, phone_field: bool = False
) -> list[Scored]:
    """:func:`_spans` of the folded copy of ``text`` (``folded``), at the offsets of ``text``."""
    folded = fold(text)
    spans = _spans(folded.text, entities, regions, names, phone_field)
    return [(e, folded.original(*span), c) for e, span, c in spans]


def find_pii(
    text: str,
    *,
    entities: Collection[str] | None = None,
    phone_regions: Sequence[str] = ("US",),
    names: NameDetector = "lists",
) -> list[tuple[Entity, int, int]]:
    """(entity, start, end) of each personal value in one text, in order; names from the name lists."""
    chosen = _check_options(entities, phone_regions, names)
    use_lists = names != "off" and name_lists_source() is not None
    return [(entity, s, e) for entity, (s, e), _ in _folded_spans(text, chosen, phone_regions, use_lists)]


def _name_detector(chosen: Collection[Entity], names: NameDetector) -> tuple[str | None, str]:
    """(spaCy model or None, detector description) for names, or (None, "") with why it is not scanned."""
    if "name" not in chosen:
        return None, ""
    if names == "off":
        return None, "not scanned: names='off'"
    model = installed_name_model() if names == "auto" else None
    if model is not None:
        return model, f"spaCy model {model}"
    source = name_lists_source()
    if source is None:
        return None, "not scanned: no spaCy model and no name lists (install faker)"
    if len(name_lists().first) < 1000:  # a Faker whose providers moved: say so rather than scan with nothing
        return None, f"not scanned: the name lists of {source} could not be read"
    return None, f"name lists ({source}) and context words"


def scan_pii(
    payloads: TaskPayloads,
    *,
    fields: Sequence[str] | None = None,
    entities: Collection[str] | None = None,
    phone_regions: Sequence[str] = ("US",),
    names: NameDetector = "auto",
) -> PiiReport:
    """Scan ``fields`` (default: all) of every task for the ``entities`` (default: all).

    Phone numbers in national format are recognised for ``phone_regions`` (tried in order); numbers
    written with ``+`` and a country code are recognised whatever the region. ``names``: ``auto`` uses
    an installed spaCy model, else the offline name lists; ``lists`` always the lists; ``off`` none.
    """
    chosen = _check_options(entities, phone_regions, names)
    names_in_fields = list(payloads.fields) if fields is None else list(fields)
    missing = [f for f in names_in_fields if f not in payloads.fields]
    if missing:
        raise InvalidInputError(f"a payload field among {list(payloads.fields)}", column=missing[0])
    clock = time.perf_counter()
    model, name_detector = _name_detector(chosen, names)
    not_scanned: dict[str, str] = {}
    detectors: dict[str, str] = {}
    if "phone" in chosen:
        detectors["phone"] = (
            f"libphonenumber {phonenumbers.__version__} metadata (national formats of {', '.join(phone_regions)})"
        )
    if name_detector.startswith("not scanned: "):
        not_scanned["name"] = name_detector.removeprefix("not scanned: ")
    elif name_detector:
        detectors["name"] = name_detector
    use_lists = "name" in detectors and model is None
    findings: list[PiiFinding] = []
    n_bytes = 0
    for name in names_in_fields:
        values = [v or "" for v in payloads.fields[name]]
        joined = _SEPARATOR.join(values)
        n_bytes += len(joined.encode()) - max(len(values) - 1, 0)
        starts = np.cumsum([0] + [len(v) + 1 for v in values[:-1]])
        spans = _folded_spans(joined, chosen, phone_regions, use_lists, is_phone_field(name))
        if model is not None:  # a name never overlaps a finding of the patterns
            taken = Taken()
            for _, span, _c in spans:
                taken.add(*span)
            spans.extend((e, span, 0.9) for e, span in _names(values, starts, model) if taken.add(*span))
            spans.sort(key=lambda item: item[1])
        if not spans:
            continue
        left = np.searchsorted(starts, [s for _, (s, _e), _c in spans], side="right") - 1
        right = np.searchsorted(starts, [e - 1 for _, (_s, e), _c in spans], side="right") - 1
        for (entity, (s, e), level), i, j in zip(spans, left.tolist(), right.tolist(), strict=True):
            if i != j:  # crossed a task boundary: not one value
                continue
            offset = int(starts[i])
            masked = mask(entity, joined[s:e])
            findings.append(PiiFinding(payloads.task[i], name, entity, s - offset, e - offset, masked, level))
    return PiiReport(
        findings=tuple(findings),
        by_field=MappingProxyType(dict(Counter(f.field for f in findings))),
        by_entity=MappingProxyType(dict(Counter(f.entity for f in findings))),
        scanned=tuple(e for e in chosen if e not in not_scanned),
        not_scanned=MappingProxyType(not_scanned),
        detectors=MappingProxyType(detectors),
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
