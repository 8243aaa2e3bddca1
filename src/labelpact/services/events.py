"""Use cases of a partner's event ledger: record one fact, import a file of them, list them with their meaning.

Events are facts; their meaning (a rival's stake is a conflict of interest, the client's own a binding
stake) is worked out when they are read, against the client profile as it is then.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from labelpact.errors import InvalidInputError, did_you_mean
from labelpact.io.events import read_event_rows
from labelpact.partners.events import (
    CERTAINTIES,
    EVENT_KINDS,
    Event,
    Meaning,
    describe,
    ignored_columns,
    meaning,
    parse_event_rows,
    validate_event,
)
from labelpact.store import EventRecord, Store
from labelpact.store.ledger import EventCreate

__all__ = [
    "CERTAINTIES",
    "EVENT_KINDS",
    "ImportResult",
    "LedgerEvent",
    "describe",
    "import_events",
    "list_events",
    "record_event",
]

# The store spells one certainty with a hyphen (shared/case/RESEARCH.md's codes); the domain with '_'.
_STORE_SPELLING: Final = {"single_source": "single-source"}


@dataclass(frozen=True, slots=True)
class LedgerEvent:
    """An event as the ledger holds it (``event.id`` set), what it means for the client, and when it was recorded.

    ``created`` is False where recording it found an identical event already there (nothing was added).
    """

    event: Event
    meaning: Meaning
    description: str  # one line for tables: "investment by Meta, 49% stake (binding stake)"
    created_at: dt.datetime
    created: bool = True

    def to_dict(self) -> dict[str, Any]:
        """Flat JSON-ready fields: ``id``, the event's, then ``meaning``, ``description``, ``created_at``."""
        fields = dataclasses.asdict(self.event)
        extra = {"meaning": self.meaning, "description": self.description, "created_at": self.created_at}
        return {"id": fields.pop("id")} | fields | extra


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What ``import_events`` did: events added, rows skipped as identical to ledger events, columns ignored."""

    file: str
    n_rows: int
    added: list[LedgerEvent]
    skipped: list[tuple[int, str]]  # (line in the file, id of the identical event already in the ledger)
    ignored_columns: list[str]
    about_client: list[int] = dataclasses.field(default_factory=list)  # lines of rows with side "client"

    @property
    def n_added(self) -> int:
        return len(self.added)

    @property
    def n_skipped(self) -> int:
        return len(self.skipped)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "n_rows": self.n_rows,
            "n_added": self.n_added,
            "n_skipped": self.n_skipped,
            "added": [e.to_dict() for e in self.added],
            "skipped": [{"line": line, "duplicate_of": ref} for line, ref in self.skipped],
            "ignored_columns": self.ignored_columns,
            "about_client": self.about_client,
        }


def record_event(
    store: Store,
    partner: str,
    *,
    kind: str,
    date: dt.date | str,
    actor: str | None = None,
    magnitude: float | str | None = None,
    summary: str | None = None,
    source_url: str | None = None,
    certainty: str | None = None,
) -> LedgerEvent:
    """Add one fact to ``partner``'s ledger; an identical event already there is returned, not added twice.

    Values may be text as typed on the command line; errors name the field (``magnitude``, kind "field").
    """
    event = validate_event(
        partner=partner,
        kind=kind,
        date=date,
        actor=actor,
        magnitude=magnitude,
        summary=summary,
        source_url=source_url,
        certainty=certainty,
        column_kind="field",
    )
    store.get_partner(event.partner)  # NotFoundError names the known partners
    ((record, created),) = store.add_events([_create(event)])
    return _view(record, _client_of(store), created=created)


def import_events(store: Store, path: str | Path) -> ImportResult:
    """Add the events of a JSON or CSV file; every row is checked before anything is written.

    Rows identical to an event already in the ledger (or to an earlier row) are skipped and counted, so
    importing the same file twice adds nothing the second time. Each row's partner must exist.
    """
    read = read_event_rows(path)
    source = str(path)
    # a case file's turbulence at the client itself (side "client") is no fact about a partner
    about_client = [line for line, raw in read.rows if _about_client(raw)]
    rows = [(line, raw) for line, raw in read.rows if line not in about_client]
    events = parse_event_rows(rows, source, header_line=read.header_line)
    known = [p.name for p in store.list_partners()]
    for (line, _), event in zip(rows, events, strict=True):
        if event.partner not in known:
            raise InvalidInputError(
                f"a known partner ({', '.join(known) or 'none yet: labelpact partner add NAME'})"
                + did_you_mean(event.partner, known),
                file=source,
                row=line,
                column="partner",
                got=repr(event.partner),
            )
    client = _client_of(store)
    added: list[LedgerEvent] = []
    skipped: list[tuple[int, str]] = []
    for (line, _), (record, created) in zip(
        rows, store.add_events([_create(e) for e in events]), strict=True
    ):
        if created:
            added.append(_view(record, client))
        else:
            skipped.append((line, record.id))
    used = ("side",) if about_client else ()
    ignored = [c for c in ignored_columns(read.columns) if c.strip().casefold() not in used]
    return ImportResult(source, len(read.rows), added, skipped, ignored, about_client)


def _about_client(raw: Mapping[str, object]) -> bool:
    """Whether a row says it is about the client itself (``"side": "client"`` in a case file)."""
    return any(
        k.strip().casefold() == "side" and isinstance(v, str) and v.strip().casefold() == "client"
        for k, v in raw.items()
    )


def list_events(
    store: Store, partner: str | None = None, *, until: dt.date | None = None
) -> list[LedgerEvent]:
    """The ledger in date order, of one partner or all, as known on ``until`` (events after it are left out)."""
    client = _client_of(store)
    return [_view(record, client) for record in store.list_events(partner, until=until)]


# -- internals ------------------------------------------------------------------------------------
def _client_of(store: Store) -> tuple[str | None, tuple[str, ...]]:
    profile = store.get_client()
    return (None, ()) if profile is None else (profile.name, profile.rivals)


def _create(event: Event) -> EventCreate:
    certainty = None if event.certainty is None else _STORE_SPELLING.get(event.certainty, event.certainty)
    return EventCreate(
        partner=event.partner,
        kind=event.kind,
        date=event.date,
        actor=event.actor,
        magnitude=event.magnitude,
        summary=event.summary,
        source_url=event.source_url,
        certainty=certainty,
    )


def _view(
    record: EventRecord, client: tuple[str | None, tuple[str, ...]], *, created: bool = True
) -> LedgerEvent:
    event = Event(
        partner=record.partner,
        kind=record.kind,
        date=record.date,
        actor=record.actor,
        magnitude=record.magnitude,
        summary=record.summary,
        source_url=record.source_url,
        certainty=None if record.certainty is None else record.certainty.replace("-", "_"),
        id=record.id,
    )
    name, rivals = client
    return LedgerEvent(
        event,
        meaning(event, client=name, rivals=rivals),
        describe(event, client=name, rivals=rivals),
        record.created_at,
        created,
    )
