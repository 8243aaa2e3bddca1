"""Case files: one documented client-partner relationship each, read and checked (``parse_case``,
``load_cases``); the fit on them is ``library``'s.

A case file is an ``events import`` file with the relationship around it (docs/risk-cases.md): its
fields are checked as ``partner add`` and ``event add`` check theirs, and every error names the file,
the event's position and the field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.resources
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from labelpact.errors import InvalidInputError
from labelpact.partners.events import Event, parse_event_rows, same_name
from labelpact.partners.risk.priors import CAUSES
from labelpact.partners.risk.signals import EventInput, RiskInputs

__all__ = ["OUTCOMES", "Case", "load_cases", "parse_case"]

OUTCOMES: Final = (*CAUSES, "continuing")
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_KEYS: Final = ("id", "client", "partner", "start", "end", "outcome", "events")


@dataclass(frozen=True, slots=True)
class Case:
    """One documented relationship: ``end`` is the day it ended (or the last day seen running), ``events``
    the partner's facts published before it, ``sides`` (one per event) ``partner`` or ``client``."""

    id: str
    client: str
    partner: str
    start: dt.date
    end: dt.date
    outcome: str
    events: tuple[Event, ...]
    sides: tuple[Literal["partner", "client"], ...]
    rivals: tuple[str, ...] = ()
    sector: str = ""
    summary: str = ""
    source_url: str = ""
    equity_stake: float = 0.0
    min_spend: float = 0.0
    partner_headcount: int | None = None

    @property
    def broke(self) -> bool:
        return self.outcome != "continuing"

    def inputs(self, as_of: dt.date | None = None) -> RiskInputs:
        """The forecast's inputs as of ``as_of`` (default: the day before the end); later facts are invisible."""
        day = as_of or self.end - dt.timedelta(days=1)
        events = tuple(
            dataclasses.replace(EventInput.from_event(e, client=self.client, rivals=self.rivals), side=side)
            for e, side in zip(self.events, self.sides, strict=True)
            if e.date <= day
        )
        return RiskInputs(
            as_of=day,
            start=min(self.start, day),
            equity_stake=self.equity_stake,
            min_spend=self.min_spend,
            events=events,
            partner_headcount=self.partner_headcount,
        )


def parse_case(doc: object, *, source: str = "case") -> Case:
    """A ``Case`` from one decoded case document; errors name ``source`` and the field at fault."""
    if not isinstance(doc, Mapping):
        raise InvalidInputError(
            "a JSON object with id, client, partner, start, end, outcome, events", file=source
        )
    for key in _KEYS:
        if key not in doc:
            raise InvalidInputError(f"a field {key!r}", file=source, got=", ".join(map(str, doc)))
    outcome = doc["outcome"]
    if outcome not in OUTCOMES:
        raise InvalidInputError(f"an outcome in {OUTCOMES}", file=source, column="outcome", got=repr(outcome))
    start, end = _day(doc["start"], source, "start"), _day(doc["end"], source, "end")
    if start >= end:
        raise InvalidInputError(f"a start before the end {end}", file=source, column="start", got=str(start))
    raw = doc["events"]
    if not isinstance(raw, list) or not all(isinstance(e, Mapping) for e in raw):
        raise InvalidInputError("a list of event objects", file=source, column="events")
    rows = [
        (i + 1, {k: v for k, v in e.items() if k not in ("side", "date_precision")})
        for i, e in enumerate(raw)
    ]
    events = parse_event_rows(rows, f"{source} events")
    sides: list[Literal["partner", "client"]] = []
    for i, (e, r) in enumerate(zip(events, raw, strict=True), start=1):
        where = f"{source} events"
        if e.date >= end:
            raise InvalidInputError(
                f"an event dated before the end {end}", file=where, row=i, column="date", got=str(e.date)
            )
        if not e.source_url:
            raise InvalidInputError("a source URL for every event", file=where, row=i, column="source_url")
        side = r.get("side", "partner")
        if side not in ("partner", "client"):
            raise InvalidInputError(
                "side 'partner' or 'client'", file=where, row=i, column="side", got=repr(side)
            )
        owner = doc["client"] if side == "client" else doc["partner"]
        if not same_name(e.partner, str(owner)):
            raise InvalidInputError(
                f"the case's {side} {owner!r} (an event with side {side!r} is filed under it)",
                file=where,
                row=i,
                column="partner",
                got=repr(e.partner),
            )
        sides.append("client" if side == "client" else "partner")
    rivals = doc.get("rivals") or []
    if not isinstance(rivals, list) or not all(isinstance(r, str) for r in rivals):
        raise InvalidInputError("a list of rival names", file=source, column="rivals")
    return Case(
        id=str(doc["id"]),
        client=str(doc["client"]),
        partner=str(doc["partner"]),
        start=start,
        end=end,
        outcome=str(outcome),
        events=tuple(events),
        sides=tuple(sides),
        rivals=tuple(rivals),
        sector=str(doc.get("sector") or ""),
        summary=str(doc.get("summary") or ""),
        source_url=str(doc.get("source_url") or ""),
        equity_stake=_number(doc, "equity_stake", source, "a share in [0, 1]", lambda x: 0.0 <= x <= 1.0)
        or 0.0,
        min_spend=_number(doc, "min_spend", source, "a yearly amount >= 0", lambda x: x >= 0.0) or 0.0,
        partner_headcount=_headcount(doc, source),
    )


def load_cases(path: str | Path | None = None) -> tuple[Case, ...]:
    """The cases of a directory of ``*.json`` files, one file, or the packaged library (None), by id."""
    if path is None:
        folder = importlib.resources.files("labelpact.partners").joinpath("data/cases")
        texts = [
            (f"cases/{f.name}", f.read_text("utf-8")) for f in folder.iterdir() if f.name.endswith(".json")
        ]
    else:
        target = Path(path)
        files = sorted(target.glob("*.json")) if target.is_dir() else [target]
        if not files or not all(f.is_file() for f in files):
            raise InvalidInputError(
                "a case file or a folder of *.json case files", file=target, got="none found"
            )
        texts = [(str(f), _utf8(f)) for f in files]
    cases = []
    for name, text in texts:
        try:  # numbers too long for an int become inf, which the fields then refuse by name
            doc = json.loads(text, parse_int=_integer)
        except json.JSONDecodeError as error:
            raise InvalidInputError("well-formed JSON", file=name, row=error.lineno, got=error.msg) from None
        except RecursionError:  # arrays or objects nested past what Python's parser takes
            raise InvalidInputError(
                "a JSON case object", file=name, got="arrays or objects nested too deep to read"
            ) from None
        cases.append(parse_case(doc, source=name))
    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        raise InvalidInputError("unique case ids", got=next(i for i in ids if ids.count(i) > 1))
    return tuple(sorted(cases, key=lambda c: c.id))


def _day(value: object, source: str, field: str) -> dt.date:
    try:
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            raise ValueError(value)  # fromisoformat would read 20190101 too
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError("a date YYYY-MM-DD", file=source, column=field, got=repr(value)) from None


def _utf8(file: Path) -> str:
    """The text of ``file``: UTF-8, a byte-order mark allowed (as ``events import`` allows it)."""
    try:
        return file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInputError("UTF-8 text", file=file, got=f"undecodable bytes at {error.start}") from None


def _integer(text: str) -> int | float:
    """A JSON integer; past Python's digit limit for ``int`` (4300), a float (inf) to be refused by field."""
    return int(text) if len(text) <= 4000 else float(text)


def _number(
    doc: Mapping[str, object], key: str, source: str, expected: str, ok: Callable[[float], bool]
) -> float | None:
    """The number at ``key`` (None when absent or null); text, booleans, non-finite or ``ok``-failing
    values are refused by name."""
    value = doc.get(key)
    if value is None:
        return None
    number = math.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an int beyond a float's range
            number = math.inf
    if not (math.isfinite(number) and ok(number)):
        shown = (
            repr(value) if isinstance(value, str) else f"{number:g}" if isinstance(value, int) else str(value)
        )
        raise InvalidInputError(f"a number: {expected}", file=source, column=key, got=shown[:80])
    return number


def _headcount(doc: Mapping[str, object], source: str) -> int | None:
    count = _number(doc, "partner_headcount", source, "a whole number of people >= 1", _whole)
    return None if count is None else int(count)


def _whole(x: float) -> bool:
    return x >= 1.0 and x.is_integer()
