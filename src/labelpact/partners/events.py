"""Events: dated facts about a partner (a stake, a layoff, a departure), checked, and what they mean to the client.

An event is a fact; its meaning depends on who runs the workspace. An ``investment`` or ``acquisition``
whose actor is one of the client's rivals is a conflict of interest (a rival now sees the client's work
through the vendor: Rogan, *Organization Science* 2014); one by the client itself is a stake that binds
the partnership. An adverse report (``worker_welfare``, ``regulatory_action``, ``quality_complaint``,
``reputation``, ``security_incident``) whose actor is the client names the client's own work: the partner's
stigma attaches to the client it is publicly tied to (Bruyaka, Philippe & Castaner, *AMR* 2018; Jensen,
*ASQ* 2006), so it implicates the client. Nothing else changes meaning here; the risk model weighs the rest.

``magnitude`` is one number whose unit depends on the kind (``MAGNITUDE_MEANING``):

================================  ====================================================================
investment, acquisition           share of the partner taken, in (0, 1] (0.49 = 49%)
layoff                            people laid off (a whole number >= 1), or a share of staff in [0, 1)
executive_departure, _hire        people who left or joined (a whole number >= 1)
customer_exit                     the leaving customer's yearly spend at stake, USD >= 0
quality_complaint                 share of items found wrong, in [0, 1]
security_incident                 records or documents exposed (a whole number >= 0)
lawsuit                           amount claimed, USD >= 0
contract_change                   the new yearly commitment, USD >= 0
funding                           amount raised, USD > 0
financial_distress                share of revenue or guidance lost, in [0, 1]
worker_welfare                    people affected (a whole number >= 1)
regulatory_action                 fine or amount at stake, USD >= 0
reputation                        amount at stake, USD >= 0
other                             any finite number; the summary says what it counts
================================  ====================================================================

The four kinds that real breakups show besides stakes and departures (RESEARCH.md B.2, issue 17):

- ``financial_distress``: the partner's profit warning, guidance cut, going-concern doubt, delisting risk,
  a lender seizing its cash (``0.5`` = half of the guided profit gone).
- ``worker_welfare``: a press expose or report on the partner's annotators' or moderators' pay, hours or
  psychological harm; a strike, petition or union action; a suit by its workers over their conditions
  (``200`` = two hundred moderators).
- ``regulatory_action``: a fine, court ruling, ban or official investigation of the partner, whoever
  brought it (``117000000`` = a $117M tax ruling).
- ``reputation``: an expose that is not about workers: data misuse, fraud or inflated-revenue claims,
  a founder named in a criminal probe.

``lawsuit`` stays for commercial litigation (a client, rival or investor suing or sued).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal
from urllib.parse import urlsplit

from labelpact.errors import InvalidInputError

__all__ = [
    "ADVERSE",
    "CERTAINTIES",
    "COLUMNS",
    "EVENT_KINDS",
    "MAGNITUDE_MEANING",
    "MEANINGS",
    "Event",
    "Meaning",
    "describe",
    "ignored_columns",
    "magnitude_text",
    "meaning",
    "parse_event_rows",
    "same_name",
    "validate_event",
]

EVENT_KINDS: Final = (
    "investment",
    "acquisition",
    "executive_departure",
    "executive_hire",
    "layoff",
    "customer_exit",
    "quality_complaint",
    "security_incident",
    "lawsuit",
    "contract_change",
    "funding",
    "financial_distress",
    "worker_welfare",
    "regulatory_action",
    "reputation",
    "other",
)
# How sure the source is: a party confirmed it (or several outlets report it), reported by unnamed
# sources, one source only, disputed by a named party.
CERTAINTIES: Final = ("confirmed", "reported", "single_source", "disputed")
Meaning = Literal["conflict_of_interest", "binding_stake", "implicates_client", "none"]
MEANINGS: Final[tuple[Meaning, ...]] = ("conflict_of_interest", "binding_stake", "implicates_client", "none")
# adverse reports about the partner; the actor, when given, is the client whose work the report names
ADVERSE: Final = (
    "worker_welfare",
    "regulatory_action",
    "quality_complaint",
    "reputation",
    "security_incident",
)

MAGNITUDE_MEANING: Final[Mapping[str, str]] = {
    "investment": "share of the partner taken, in (0, 1]",
    "acquisition": "share of the partner taken, in (0, 1]",
    "layoff": "people laid off (a whole number >= 1) or a share of staff in [0, 1)",
    "executive_departure": "people who left (a whole number >= 1)",
    "executive_hire": "people who joined (a whole number >= 1)",
    "customer_exit": "the customer's yearly spend at stake in USD, >= 0",
    "quality_complaint": "share of items found wrong, in [0, 1]",
    "security_incident": "records or documents exposed (a whole number >= 0)",
    "lawsuit": "amount claimed in USD, >= 0",
    "contract_change": "the new yearly commitment in USD, >= 0",
    "funding": "amount raised in USD, > 0",
    "financial_distress": "share of revenue or guidance lost, in [0, 1]",
    "worker_welfare": "people affected (a whole number >= 1)",
    "regulatory_action": "fine or amount at stake in USD, >= 0",
    "reputation": "amount at stake in USD, >= 0",
    "other": "any finite number",
}
_SHARE = ("investment", "acquisition")
_PEOPLE = ("executive_departure", "executive_hire", "worker_welfare")
_USD = ("customer_exit", "lawsuit", "contract_change", "funding", "regulatory_action", "reputation")
_ACTOR_WORD: Final = {
    "investment": " by",
    "acquisition": " by",
    "funding": " from",
    "lawsuit": " with",
} | dict.fromkeys(ADVERSE, " about")

COLUMNS: Final = ("partner", "kind", "date", "actor", "magnitude", "summary", "source_url", "certainty")
_REQUIRED: Final = ("partner", "kind", "date")
_ALIASES: Final[Mapping[str, str]] = {"source": "source_url", "url": "source_url"}
_MAX_LENGTH: Final[Mapping[str, int]] = {"partner": 200, "actor": 200, "source_url": 2000}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# a header this close to a known column is a typo (``magnitud``), not an extra column to ignore
_TYPO_CUTOFF = 0.8

RawRow = tuple[int, Mapping[str, object]]  # (line in the file, field -> value as read)


@dataclass(frozen=True, slots=True)
class Event:
    """A fact about ``partner`` on ``date``; ``actor`` is who acted (the investor, the executive who left).

    ``magnitude`` is in the unit ``MAGNITUDE_MEANING[kind]`` names; ``certainty`` one of ``CERTAINTIES``;
    ``id`` is the ledger's id (``e9``) once stored.
    """

    partner: str
    kind: str
    date: dt.date
    actor: str | None = None
    magnitude: float | None = None
    summary: str | None = None
    source_url: str | None = None
    certainty: str | None = None
    id: str | None = None


def same_name(a: str | None, b: str | None) -> bool:
    """Whether two organisation names are the same one: case-insensitive, surrounding and inner blanks folded."""
    if a is None or b is None:
        return False
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def meaning(event: Event, *, client: str | None, rivals: Iterable[str]) -> Meaning:
    """What ``event`` means for the client: a rival's stake in the partner, the client's own, an adverse
    report about the client's own work at the partner, or nothing.

    Stakes (``investment``, ``acquisition``) and adverse reports (``ADVERSE``) carry a meaning; the client
    wins over a rival of the same name.
    """
    if event.kind in ADVERSE and event.actor is not None:
        return "implicates_client" if same_name(event.actor, client) else "none"
    if event.kind not in _SHARE or event.actor is None:
        return "none"
    if same_name(event.actor, client):
        return "binding_stake"
    if any(same_name(event.actor, rival) for rival in rivals):
        return "conflict_of_interest"
    return "none"


def magnitude_text(kind: str, magnitude: float | None) -> str:
    """``magnitude`` in words for its kind: ``49% stake``, ``200 people``, ``$14.3B``; empty when absent."""
    if magnitude is None:
        return ""
    if kind in _SHARE:
        return f"{_percent(magnitude)} stake"
    if kind == "layoff":
        return f"{_percent(magnitude)} of staff" if magnitude < 1 else f"{magnitude:,.0f} people"
    if kind in _PEOPLE:
        return f"{magnitude:,.0f} " + ("person" if magnitude == 1 else "people")
    if kind == "quality_complaint":
        return f"{_percent(magnitude)} of items wrong"
    if kind == "financial_distress":
        return f"{_percent(magnitude)} of revenue or guidance lost"
    if kind == "security_incident":
        return f"{magnitude:,.0f} records exposed"
    if kind in _USD:
        return _usd(magnitude) + (" a year" if kind in ("customer_exit", "contract_change") else "")
    return f"{magnitude:,.6g}"


def describe(event: Event, *, client: str | None = None, rivals: Iterable[str] = ()) -> str:
    """One line for a table: ``investment by Meta, 49% stake (binding stake)``; no meaning without a client."""
    text = event.kind.replace("_", " ")
    if event.actor:
        text += _ACTOR_WORD.get(event.kind, ":") + f" {event.actor}"
    amount = magnitude_text(event.kind, event.magnitude)
    if amount:
        text += f", {amount}"
    meant = meaning(event, client=client, rivals=rivals)
    if meant != "none":
        text += f" ({meant.replace('_', ' ')})"
    return text


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
        number = float(value)
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
    if kind in _SHARE:
        return 0.0 < x <= 1.0
    if kind == "layoff":
        return 0.0 <= x < 1.0 or (x >= 1.0 and x.is_integer())
    if kind in _PEOPLE:
        return x >= 1.0 and x.is_integer()
    if kind in ("quality_complaint", "financial_distress"):
        return 0.0 <= x <= 1.0
    if kind == "security_incident":
        return x >= 0.0 and x.is_integer()
    if kind == "funding":
        return x > 0.0
    if kind in _USD:
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


def _percent(share: float) -> str:
    return f"{share * 100:.3g}%"


def _usd(amount: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(amount) >= size:
            return f"${amount / size:.3g}{suffix}"
    return f"${amount:,.0f}"


def _shown(value: object) -> str:
    """A value as an error message quotes it: text in quotes, cut to 80 characters."""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."
