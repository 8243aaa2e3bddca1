"""Read an events file (a JSON list of objects, or CSV with a header) into raw rows and their line numbers.

The rows are not checked here beyond their shape: ``labelpact.partners.events.parse_event_rows`` checks
the fields and names the line and column of the first bad one.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from labelpact.errors import InvalidInputError, missing_file
from labelpact.io.delimited import header_delimiter
from labelpact.io.text_file import decode_utf8

__all__ = ["EVENT_FORMATS", "EventRows", "read_event_rows"]

EVENT_FORMATS: Final = {".json": "json", ".csv": "csv"}


@dataclass(frozen=True, slots=True)
class EventRows:
    """The rows of an events file: ``(line, field -> value)``; ``header_line`` is 1 for CSV, None for JSON.

    CSV values are text ('' for an empty cell); JSON values are as decoded (text, numbers, null).
    """

    path: Path
    format: str
    rows: list[tuple[int, Mapping[str, object]]]
    columns: list[str]
    header_line: int | None


def read_event_rows(path: str | Path) -> EventRows:
    """Rows of ``path`` (``.json``: a list of objects, or ``{"events": [...]}`` as ``events list --json`` writes)."""
    path = Path(path)
    fmt = EVENT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInputError("a .json or .csv events file", file=path, got=repr(path.suffix or path.name))
    if not path.is_file():
        raise InvalidInputError("an existing file", file=path, got=missing_file(path))
    text = decode_utf8(path, path.read_bytes())
    if not text.strip():
        raise InvalidInputError("a list of events", file=path, got="an empty file")
    return _json_rows(path, text) if fmt == "json" else _csv_rows(path, text)


def _csv_rows(path: Path, text: str) -> EventRows:
    lines = text.splitlines(keepends=True)  # decode_utf8 dropped any BOM
    first = next((line for line in lines if line.strip()), "")
    reader = csv.reader(lines, delimiter=header_delimiter(first, "csv"), strict=True)
    rows: list[tuple[int, Mapping[str, object]]] = []
    header: list[str] | None = None
    end = 0  # the physical line the previous record ended on; a quoted cell may span lines
    try:
        for cells in reader:
            start, end = end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
                if any(not name for name in header):
                    raise InvalidInputError("a header with a name for every column", file=path, row=start)
                continue
            if len(cells) != len(header):
                raise InvalidInputError(
                    f"{len(header)} cells as in the header", file=path, row=start, got=f"{len(cells)} cells"
                )
            rows.append((start, dict(zip(header, cells, strict=True))))
            if len(rows) == 1 and len(set(header)) < len(header):  # zip keeps the last of two 'date's
                twice = next(name for i, name in enumerate(header) if name in header[:i])
                raise InvalidInputError("each column once", file=path, row=1, column=twice)
    except csv.Error as error:
        raise InvalidInputError("well-formed CSV", file=path, row=reader.line_num, got=str(error)) from None
    return EventRows(path, "csv", rows, header or [], 1)


def _json_rows(path: Path, text: str) -> EventRows:
    """Decode the list element by element so that each event keeps the line it starts on."""
    decoder = json.JSONDecoder(parse_int=_integer)
    checking = json.JSONDecoder(parse_int=_integer, object_pairs_hook=_unique_keys)
    try:
        document, after = decoder.raw_decode(text, _skip_blanks(text, 0))
        end = _skip_blanks(text, after)
        if end != len(text):
            raise json.JSONDecodeError("extra data after the document", text, end)
    except json.JSONDecodeError as error:
        raise InvalidInputError(
            "well-formed JSON", file=path, row=error.lineno, got=f"{error.msg} (column {error.colno})"
        ) from None
    except RecursionError:  # arrays or objects nested past what Python's parser takes
        raise InvalidInputError(
            "a JSON list of event objects", file=path, got="arrays or objects nested too deep to read"
        ) from None
    start = _skip_blanks(text, 0)
    if isinstance(document, dict) and isinstance(document.get("events"), list):
        start = _array_start(text, decoder)
        document = document["events"]
    if not isinstance(document, list):
        raise InvalidInputError(
            'a JSON list of events (or {"events": [...]})', file=path, got=f"a JSON {type(document).__name__}"
        )
    rows: list[tuple[int, Mapping[str, object]]] = []
    columns: dict[str, None] = {}
    position = start + 1  # just after '['
    for item in document:
        position = _skip_blanks(text, position)
        line = text.count("\n", 0, position) + 1
        if not isinstance(item, dict):
            raise InvalidInputError(
                "an object with partner, kind and date",
                file=path,
                row=line,
                got=f"a JSON {type(item).__name__}",
            )
        try:  # again, keys checked: a dict keeps the last of two "kind"s
            _, position = checking.raw_decode(text, position)
        except _DuplicateKeyError as error:
            raise InvalidInputError("each column once", file=path, row=line, column=error.key) from None
        position = _skip_blanks(text, position) + 1  # past the ',' (or the closing ']')
        rows.append((line, item))
        columns.update(dict.fromkeys(item))
    return EventRows(path, "json", rows, list(columns), None)


def _array_start(text: str, decoder: json.JSONDecoder) -> int:
    """Offset of the '[' that opens the ``events`` list of a well-formed ``{"events": [...]}`` document."""
    found = -1
    position = _skip_blanks(text, 0) + 1  # past '{'
    while (position := _skip_blanks(text, position)) < len(text) and text[position] != "}":
        key, position = decoder.raw_decode(text, position)
        position = _skip_blanks(text, _skip_blanks(text, position) + 1)  # past ':'
        if key == "events":
            found = position  # the last one wins, as in json.loads
        _, position = decoder.raw_decode(text, position)
        position = _skip_blanks(text, position)
        position += text[position] == ","
    return found


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object as a dict, refusing a key given twice (``json.loads`` keeps the last silently)."""
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _DuplicateKeyError(key)
        seen.add(key)
    return dict(pairs)


def _integer(text: str) -> int | float:
    """A JSON integer; past Python's digit limit for ``int`` (4300), a float (inf) that the field refuses."""
    return int(text) if len(text) <= 4000 else float(text)


def _skip_blanks(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position
