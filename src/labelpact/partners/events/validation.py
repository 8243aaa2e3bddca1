"""Checking events as typed or read from a file: each bad field named by file, line and column.

``validate_event`` takes one event's values (the CLI's options, an API body); ``parse_event_rows`` takes the
rows ``io.events`` reads from CSV or JSON, matching column names loosely and refusing near-miss typos.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from labelpact.errors import InvalidInputError
from labelpact.partners.events.event import (
    CERTAINTIES,
    EVENT_KINDS,
    MAGNITUDE_MEANING,
    PEOPLE_KINDS,
    SHARE_KINDS,
    USD_KINDS,
    Event,
)

__all__ = ["COLUMNS", "RawRow", "ignored_columns", "parse_event_rows", "validate_event"]

COLUMNS: Final = ("partner", "kind", "date", "actor", "magnitude", "summary", "source_url", "certainty")
_REQUIRED: Final = ("partner", "kind", "date")
_ALIASES: Final[Mapping[str, str]] = {"source": "source_url", "url": "source_url"}
_MAX_LENGTH: Final[Mapping[str, int]] = {"partner": 200, "actor": 200, "source_url": 2000}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")
# a header this close to a known column is a typo (``magnitud``), not an extra column to ignore
_TYPO_CUTOFF = 0.8

RawRow = tuple[int, Mapping[str, object]]  # (line in the file, field -> value as read)


def validate_event(
    *,
    partner: object,
    kind: object,
    date: object,
    actor: object = None,
    magnitude: object = None,
    summary: object = None,
    source_url: object = None,
    certainty: object = None,
    file: str | None = None,
    row: int | None = None,
    names: Mapping[str, str] | None = None,
    column_kind: str = "column",
) -> Event:
    """An ``Event`` from values as typed or read (text, numbers, dates); blank text counts as absent.

    Errors name ``file``, ``row`` and the field as ``names`` spells it (an option ``--kind`` for the CLI).
    """
    fields = {
        "partner": partner,
        "kind": kind,
        "date": date,
        "actor": actor,
        "magnitude": magnitude,
        "summary": summary,
        "source_url": source_url,
        "certainty": certainty,
    }
    return _validated(fields, _Where(file, row, names or {}, column_kind))


def parse_event_rows(rows: Sequence[RawRow], source: str, *, header_line: int | None = None) -> list[Event]:
    """Events from rows read from ``source`` (CSV or JSON), each with its line; the first bad field raises.

    Field names are matched case-insensitively (``source`` and ``url`` mean ``source_url``); a name close
    to a known one is a typo and an error; other extra fields (``notes``, ``id``) are ignored, see
    ``ignored_columns``. ``header_line`` is where column errors point (CSV: 1), else the row's line.
    """
    events = []
    for line, raw in rows:
        where_columns = header_line if header_line is not None else line
        fields = _fields_of(raw, source, where_columns)
        events.append(_validated(fields, _Where(source, line, {}, "column")))
    return events


def ignored_columns(names: Iterable[str]) -> list[str]:
    """The fields of ``names`` that ``parse_event_rows`` ignores, in first-seen order."""
    known = set(COLUMNS) | set(_ALIASES)
    return list(dict.fromkeys(n for n in names if _key(n) not in known))


# -- internals ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Where:
    file: str | None
    row: int | None
    names: Mapping[str, str]
    column_kind: str

    def error(self, field: str, expected: str, got: object = None, *, hint: str = "") -> InvalidInputError:
        """The error for ``field``; ``got`` is quoted when it is text, ``hint`` follows it."""
        return InvalidInputError(
            expected,
            file=self.file,
            row=self.row,
            column=self.names.get(field, field),
            column_kind=self.column_kind,
            got=None if got is None else _shown(got) + hint,
        )


def _key(name: str) -> str:
    return name.strip().casefold()


def _fields_of(raw: Mapping[str, object], source: str, line: int) -> dict[str, object]:
    """The event fields of one raw row, by canonical column name; typos and missing columns raise."""
    fields: dict[str, object] = {}
    extras: list[str] = []
    for name, value in raw.items():
        key = _key(name)
        key = _ALIASES.get(key, key)
        if key in COLUMNS:
            if key in fields:
                raise InvalidInputError("each column once", file=source, row=line, column=name)
            fields[key] = value
            continue
        extras.append(name)
        close = difflib.get_close_matches(key, COLUMNS, n=1, cutoff=_TYPO_CUTOFF)
        if close:
            raise InvalidInputError(
                f"a known column ({', '.join(COLUMNS)}); did you mean {close[0]!r}?",
                file=source,
                row=line,
                column=name,
            )
    for required in _REQUIRED:
        if required not in fields:
            hint = difflib.get_close_matches(required, [_key(e) for e in extras], n=1, cutoff=0.5)
            raise InvalidInputError(
                f"a column {required!r}" + (f" (is {hint[0]!r} a typo?)" if hint else ""),
                file=source,
                row=line,
                got=f"columns {', '.join(map(repr, raw)) or 'none'}",
            )
    return fields


def _validated(fields: Mapping[str, object], where: _Where) -> Event:
    partner = _text(fields["partner"], "partner", where)
    if partner is None:
        raise where.error("partner", "a partner name")
    kind = _choice(fields["kind"], "kind", EVENT_KINDS, "an event kind", where)
    if kind is None:
        raise where.error("kind", f"an event kind ({', '.join(EVENT_KINDS)})")
    certainty = _choice(fields.get("certainty"), "certainty", CERTAINTIES, "a certainty", where)
    return Event(
        partner=partner,
        kind=kind,
        date=_date(fields["date"], where),
        actor=_text(fields.get("actor"), "actor", where),
        magnitude=_magnitude(fields.get("magnitude"), kind, where),
        summary=_text(fields.get("summary"), "summary", where),
        source_url=_url(fields.get("source_url"), where),
        certainty=certainty,
    )


def _text(value: object, field: str, where: _Where) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise where.error(field, "text", value)
    if "\x00" in value:  # PostgreSQL's text cannot hold it; SQLite would print it raw later
        raise where.error(field, "text without NUL characters", value[:60])
    lone = _SURROGATE.search(value)
    if lone:  # JSON's "\ud800" or undecodable bytes given as an argument: no store can encode it
        raise where.error(field, f"text without unpaired surrogates (character {lone.start() + 1} is one)")
    text = " ".join(value.split()) if field != "summary" else value.strip()
    limit = _MAX_LENGTH.get(field)
    if limit is not None and len(text) > limit:
        raise where.error(field, f"at most {limit} characters", f"{len(text)}")
    return text or None


def _choice(value: object, field: str, choices: Sequence[str], what: str, where: _Where) -> str | None:
    """One of ``choices``, matched ignoring case and ``-``/``_``/blank differences; a near miss is suggested."""
    text = _text(value, field, where)
    if text is None:
        return None
    key = re.sub(r"[\s\-]+", "_", text.casefold())
    if key in choices:
        return key
    close = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise where.error(field, f"{what} ({', '.join(choices)})", text, hint=hint)


def _date(value: object, where: _Where) -> dt.date:
    if isinstance(value, dt.datetime):
        raise where.error("date", "a date without a time of day (YYYY-MM-DD)", value.isoformat())
    if isinstance(value, dt.date):
        return value
    text = _text(value, "date", where)
    if text is None:
        raise where.error("date", "a date (YYYY-MM-DD)")
    if _ISO_DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError as error:
            raise where.error("date", f"a real calendar date YYYY-MM-DD ({error})", text) from None
    raise where.error("date", "a date YYYY-MM-DD", text)


def _magnitude(value: object, kind: str, where: _Where) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # a JSON integer beyond a float's range
            number = math.inf
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise where.error(
            "magnitude", f"a finite number: {MAGNITUDE_MEANING[kind]} (write 0.49 for 49%)", value
        )
    if not _in_range(kind, number):
        raise where.error("magnitude", f"a magnitude for {kind}: {MAGNITUDE_MEANING[kind]}", value)
    return number


def _in_range(kind: str, x: float) -> bool:
    if kind in SHARE_KINDS:
        return 0.0 < x <= 1.0
    if kind == "layoff":
        return 0.0 <= x < 1.0 or (x >= 1.0 and x.is_integer())
    if kind in PEOPLE_KINDS:
        return x >= 1.0 and x.is_integer()
    if kind in ("quality_complaint", "financial_distress"):
        return 0.0 <= x <= 1.0
    if kind == "security_incident":
        return x >= 0.0 and x.is_integer()
    if kind == "funding":
        return x > 0.0
    if kind in USD_KINDS:
        return x >= 0.0
    return True


def _url(value: object, where: _Where) -> str | None:
    text = _text(value, "source_url", where)
    if text is None:
        return None
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in text:
        raise where.error("source_url", "an http:// or https:// URL with a host", text)
    return text


def _shown(value: object) -> str:
    """A value as an error message quotes it: text in quotes, cut to 80 characters."""
    if isinstance(value, int) and abs(value).bit_length() > 256:  # str() refuses past 4300 digits
        return f"an integer of about {int(abs(value).bit_length() * math.log10(2)) + 1} digits"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."
