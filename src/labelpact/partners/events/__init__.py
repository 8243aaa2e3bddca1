"""Events: dated facts about a partner, what they mean to the client (``event``), and their checking
from typed values or file rows (``validation``). Every public name of both is re-exported here."""

from __future__ import annotations

from labelpact.partners.events.event import (
    ADVERSE,
    CERTAINTIES,
    EVENT_KINDS,
    MAGNITUDE_MEANING,
    MEANINGS,
    Event,
    Meaning,
    describe,
    folded_name,
    magnitude_text,
    meaning,
    same_name,
)
from labelpact.partners.events.validation import COLUMNS, ignored_columns, parse_event_rows, validate_event

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
    "folded_name",
    "ignored_columns",
    "magnitude_text",
    "meaning",
    "parse_event_rows",
    "same_name",
    "validate_event",
]
