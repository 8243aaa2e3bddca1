"""JSON Lines: pyarrow's reader when it reads the file faithfully, else a line-by-line parse that names the
first malformed line and keeps every digit of an integer id; and flat JSON values as CSV-like text.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.json as pajson

from labelpact.errors import InvalidInputError, missing_file
from labelpact.io.limits import Limits
from labelpact.io.nesting import check_json_depth
from labelpact.io.text_file import (
    Location,
    arrow_input,
    check_text,
    count_lines,
    decode_utf8,
    find_bad_utf8,
    open_text,
)

__all__ = ["NESTED", "json_text", "parse_json", "read_json_document", "read_jsonl", "records_table"]


class _NonFiniteNumberError(ValueError):
    """``Infinity`` or ``-Infinity`` in a file's JSON: no standard JSON writer emits them (RFC 8259)."""

    def __init__(self, token: str) -> None:
        super().__init__(f"the non-standard JSON number {token}")
        self.token = token


def _constant(token: str) -> None:
    if token != "NaN":  # NaN: a missing value
        raise _NonFiniteNumberError(token)


class _JsonFloat(float):
    """A JSON fraction or exponent number that remembers its spelling in the file (``1.0``, ``2.50``, ``1e3``):
    its name is that text, as a CSV cell's would be, so ``1`` and ``1.0`` stay two spellings (a warning)."""

    text: str

    def __new__(cls, text: str) -> _JsonFloat:
        number = super().__new__(cls, text)
        number.text = text
        return number


def parse_json(text: str | bytes) -> Any:
    """``json.loads`` for a delivered file: ``NaN`` (Python's and pandas' writers emit it for a missing
    value) reads as null, the missing value Arrow and Parquet give it; ``Infinity`` raises
    ``_NonFiniteNumberError`` (a ``ValueError``), never a label or a score. A fraction is a ``float`` that
    keeps its spelling for ``json_text``."""
    return json.loads(text, parse_constant=_constant, parse_float=_JsonFloat)


def read_json_document(path: Path, expected: str, limits: Limits) -> Any:
    """A whole JSON file's document (``expected``: what an empty file should have held): UTF-8 with or
    without a BOM, nesting checked on the bytes before the parser recurses, one line naming what is wrong."""
    if not path.is_file():
        raise InvalidInputError("an existing file", file=path, got=missing_file(path))
    raw = path.read_bytes()
    if not raw.strip():
        raise InvalidInputError(expected, file=path, got="an empty file")
    text = decode_utf8(path, raw, "UTF-8 JSON")
    check_json_depth(lambda: io.BytesIO(raw), file=path, limit=limits.max_json_depth, per_line=False)
    try:
        return parse_json(text)
    except json.JSONDecodeError as error:
        got = f"malformed JSON ({error.msg}; column {error.colno})"
        raise InvalidInputError("well-formed JSON", file=path, row=error.lineno, got=got) from None
    except _NonFiniteNumberError as error:
        raise InvalidInputError(
            "well-formed JSON", file=path, row=_non_finite_line(text), got=str(error)
        ) from None
    except ValueError as error:  # an integer of more digits than Python converts
        raise InvalidInputError("well-formed JSON", file=path, got=str(error).split(";")[0]) from None


def _non_finite_line(text: str) -> int | None:
    """The first line holding a bare ``Infinity`` token (for the error of ``_NonFiniteNumberError``)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if _INFINITY.search(line):
            return number
    return None


_INFINITY = re.compile(r"(?<![\w\"])-?Infinity(?![\w\"])")


def json_text(value: object) -> str | None:
    """A JSON value as the text a CSV cell would hold: strings as is, numbers as spelled in the file
    (``parse_json``), booleans as JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, _JsonFloat):
        return value.text
    return json.dumps(value, ensure_ascii=False)


NESTED = b"labelpact.nested"  # schema metadata: {column: [first record, "list" | "object"]} of nested values


def records_table(records: list[dict[str, Any]]) -> pa.Table:
    """An all-string table from flat JSON objects (keys in order of first appearance, absent -> null).

    A list or object value becomes its JSON text (a payload field may be one); where each column first
    holds one is kept in the schema's ``NESTED`` metadata, so a column that must hold one value (a label)
    can refuse it by record.
    """
    names = list(dict.fromkeys(key for record in records for key in record))
    columns: dict[str, pa.Array] = {}
    nested: dict[str, list[int | str]] = {}
    for name in names:
        values = [r.get(name) for r in records]
        first = next((i for i, v in enumerate(values) if isinstance(v, list | dict)), None)
        if first is not None:
            nested[name] = [first, "list" if isinstance(values[first], list) else "object"]
        columns[name] = pa.array([json_text(v) for v in values], type=pa.string())
    table = pa.table(columns)
    return table.replace_schema_metadata({NESTED: json.dumps(nested)}) if nested else table


def read_jsonl(
    path: Path, limits: Limits, name_columns: Collection[str] | None = None
) -> tuple[pa.Table, Callable[[int], Location]]:
    """A JSON Lines file as a table and the record -> line map; nesting is checked on the bytes first.

    Nested values (objects, lists) are their JSON text (``records_table``) whatever the other records hold.
    ``name_columns`` are the columns whose values become names (None: any column may), whose numbers must keep
    the file's spelling; a whole number elsewhere (a duration of ``12.0``) keeps pyarrow's fast read."""
    check_text(path, "JSON Lines")
    find_bad_utf8(path)  # pyarrow's JSON reader passes bad bytes through to the strings
    check_json_depth(lambda: open_text(path), file=path, limit=limits.max_json_depth, per_line=True)
    lines = _JsonLines(path)
    try:
        table = _read_jsonl_quickly(path)
    except pa.ArrowInvalid:
        table = _read_jsonl_slowly(path)  # mixed types in a column, or a malformed line to name
    else:
        # pyarrow also takes an object broken over two lines (JSON Lines does not: line numbers would drift),
        # and rounds integers past 2**53 (Python's json keeps every digit of an integer id)
        broken = count_lines(path) != table.num_rows and lines.count() != table.num_rows
        # an object or list in every record of a column: its JSON text, as where the column's types vary
        # (pyarrow would keep a struct, which a payload field cannot be and a label column names by type)
        nested = any(pa.types.is_nested(kind) for kind in table.schema.types)
        if broken or nested or _respelled_numbers(table, name_columns):
            table = _read_jsonl_slowly(path)
    if table.num_columns == 0:  # blank lines only (or empty objects): nothing to name a column after
        raise InvalidInputError("one JSON object per line", file=path, got="no keys in any record")
    return table, lines.locate


def _read_jsonl_quickly(path: Path) -> pa.Table:
    """pyarrow's reader, with every column it took for times read again as the strings the file holds:
    its inference turns ``"2024-05-01"`` and ``"2024-05-01T00:00:00"`` into one timestamp, whose text is
    neither (two task ids would become one)."""
    table = pajson.read_json(arrow_input(path))
    temporal = [f.name for f in table.schema if pa.types.is_temporal(f.type)]
    if not temporal:
        return table
    strings = pa.schema([(name, pa.string()) for name in temporal])
    return pajson.read_json(arrow_input(path), parse_options=pajson.ParseOptions(explicit_schema=strings))


def _respelled_numbers(table: pa.Table, name_columns: Collection[str] | None) -> bool:
    """Whether pyarrow read a number as a double whose text may differ from the file's: a whole number
    (``1`` and ``1.0`` both become ``1``, where a CSV keeps two spellings and warns), an integer past 2**53
    (``12345678901234567890123`` becomes ``1.2345678901234568e+22``: two task ids could become one), or infinity.
    """
    for name, column in zip(table.column_names, table.columns, strict=True):
        if name_columns is not None and name not in name_columns:
            continue
        if pa.types.is_floating(column.type) and len(column):
            values = column.to_numpy(zero_copy_only=False).astype(np.float64)
            with np.errstate(invalid="ignore"):
                whole = ~np.isnan(values) & ((np.abs(values) >= 2.0**53) | (values == np.trunc(values)))
            if bool(np.any(whole)):
                return True
    return False


def _read_jsonl_slowly(path: Path) -> pa.Table:
    """Parse line by line: names the first malformed line, and accepts columns of mixed JSON types."""
    records: list[dict[str, Any]] = []
    with open_text(path) as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                record = parse_json(raw)
            except json.JSONDecodeError as error:
                raise InvalidInputError(
                    "one JSON object per line", file=path, row=number, got=f"malformed JSON ({error.msg})"
                ) from None
            except ValueError as error:  # an integer of more digits than Python converts
                raise InvalidInputError(
                    "one JSON object per line", file=path, row=number, got=str(error).split(";")[0]
                ) from None
            if not isinstance(record, dict):
                raise InvalidInputError(
                    "one JSON object per line", file=path, row=number, got=f"a JSON {type(record).__name__}"
                )
            records.append(record)
    return records_table(records)


class _JsonLines:
    """Maps a record index to its line in a JSON Lines file (blank lines skipped), computed on demand."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lines: list[int] | None = None

    def count(self) -> int:
        """Non-blank lines: one record each in a well-formed file."""
        return len(self._numbers())

    def locate(self, index: int) -> Location:
        lines = self._numbers()
        return Location("line", lines[index] if index < len(lines) else index + 1)

    def _numbers(self) -> list[int]:
        if self._lines is None:
            with open_text(self._path) as handle:
                self._lines = [n for n, raw in enumerate(handle, start=1) if raw.strip()]
        return self._lines
