"""Read a delimited, Parquet or JSON Lines file into an Arrow table, and say where each row came from.

The fast paths are pyarrow's multi-threaded readers; when they refuse a file, a slower Python pass
re-reads it only to name the first offending line (bad bytes, a ragged row, malformed JSON). A delimited
file's line count is compared with its row count, so a value that swallowed lines (a stray quote) is
found; JSON nesting is measured on the bytes before a parser recurses into it. The readers are
``delimited`` and ``jsonl`` (Parquet is here), on the byte-level checks of ``text_file``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from labelpact.errors import InvalidInputError, missing_file
from labelpact.io.delimited import Progress, read_delimited
from labelpact.io.jsonl import json_text, read_jsonl, records_table
from labelpact.io.limits import DEFAULT_LIMITS, Limits
from labelpact.io.text_file import Location, arrow_input

__all__ = [
    "FORMATS",
    "Location",
    "Progress",
    "Source",
    "as_text",
    "detect_format",
    "json_text",
    "no_rows",
    "read_source",
    "records_table",
]

FORMATS: Final = ("csv", "tsv", "parquet", "jsonl", "labelstudio-json", "labelstudio-json-min")
_SUFFIXES: Final = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
}


@dataclass(slots=True)
class Source:
    """The rows of one file as an Arrow table, and a way to turn a row index into a :class:`Location`.

    ``breaks`` maps each column holding values with a line break to those rows (shape (n,), ascending);
    it is filled for delimited files, where such a value spans several lines of the file. ``delimiter``:
    a delimited file's (``header_delimiter``: a ``.csv`` may be split by semicolons), else a comma.
    """

    path: Path
    format: str
    table: pa.Table
    locate: Callable[[int], Location]
    extra: dict[str, Any] = field(default_factory=dict)
    breaks: dict[str, npt.NDArray[np.intp]] = field(default_factory=dict)
    delimiter: str = ","


def no_rows(source: Source, expected: str) -> InvalidInputError:
    """The error for a file with no data rows: a delimited file's header alone (named at line 2), else
    a file with no rows or records at all (a Parquet file's schema, blank JSON Lines)."""
    if source.format in ("csv", "tsv"):
        return InvalidInputError(expected, file=source.path, row=2, got="only the header")
    unit = "rows" if source.format == "parquet" else "records"
    return InvalidInputError(expected, file=source.path, got=f"no {unit}")


def detect_format(path: Path, requested: str | None) -> str:
    """The format named by ``requested`` or by the file's extension (``.csv.gz`` is CSV)."""
    if requested is not None:
        if requested not in (*FORMATS, "json"):
            raise InvalidInputError(f"a format in {list(FORMATS)}", column=None, got=repr(requested))
        return requested
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    fmt = _SUFFIXES.get(suffixes[-1]) if suffixes else None
    if path.is_dir():
        raise InvalidInputError("an existing file", file=path, got=missing_file(path))
    if fmt is None:
        raise InvalidInputError(
            f"a file ending in one of {sorted(_SUFFIXES)} (or pass format=)", file=path, got=repr(path.suffix)
        )
    if path.suffix.lower() == ".gz" and fmt not in ("csv", "tsv", "jsonl"):
        raise InvalidInputError(
            "gzip only around CSV, TSV or JSON Lines", file=path, got=repr("".join(path.suffixes))
        )
    return fmt


def read_source(
    path: Path,
    fmt: str,
    *,
    progress: Progress | None = None,
    limits: Limits = DEFAULT_LIMITS,
    name_columns: Collection[str] | None = None,
) -> Source:
    """Read ``path`` (which must exist and not be empty) as ``fmt``; JSON is left to the caller.
    ``name_columns``: the columns whose values may become names (JSON Lines keeps their numbers' spelling)."""
    if not path.is_file():
        raise InvalidInputError("an existing file", file=path, got=missing_file(path))
    size = path.stat().st_size
    if size == 0:
        raise InvalidInputError("a header line and at least one annotation", file=path, got="an empty file")
    if fmt in ("csv", "tsv"):
        table, locate, breaks, delimiter = read_delimited(path, fmt, size, progress)
        source = Source(path=path, format=fmt, table=table, locate=locate, breaks=breaks, delimiter=delimiter)
    elif fmt == "parquet":
        source = _read_parquet(path)
    elif fmt == "jsonl":
        table, locate = read_jsonl(path, limits, name_columns)
        source = Source(path=path, format="jsonl", table=table, locate=locate)
    else:  # pragma: no cover - callers dispatch JSON themselves
        raise InvalidInputError(f"a format in {list(FORMATS)}", got=repr(fmt))
    if progress is not None:
        progress(size, size)
    return source


# -- Parquet ----------------------------------------------------------------------------------------


def _read_parquet(path: Path) -> Source:
    try:
        with pq.ParquetFile(arrow_input(path)) as parquet:
            table, meta = parquet.read(), parquet.metadata
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as error:  # the last: a column name not UTF-8
        raise InvalidInputError("a Parquet file", file=path, got=str(error).split("\n")[0]) from None
    groups = sum(meta.row_group(i).num_rows for i in range(meta.num_row_groups))
    if not table.num_rows == meta.num_rows == groups:  # a damaged footer: which count is right is unknown
        raise InvalidInputError(
            "a Parquet file whose footer agrees with its row groups",
            file=path,
            got=f"{meta.num_rows} rows in the footer, {groups} in the row groups, {table.num_rows} read",
        )
    return Source(path=path, format="parquet", table=table, locate=lambda i: Location("row", i + 1))


def as_text(column: pa.ChunkedArray, *, file: Path, name: str) -> pa.ChunkedArray:
    """A column as strings: numbers and booleans become their text, nested values are refused."""
    kind = column.type
    if pa.types.is_string(kind):
        return column
    if pa.types.is_dictionary(kind) or pa.types.is_large_string(kind):
        return column.cast(pa.string())
    if pa.types.is_nested(kind) or pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        raise InvalidInputError("text or numbers", file=file, column=name, got=f"values of type {kind}")
    return column.cast(pa.string())  # Arrow writes 3.0 as "3": a spreadsheet's float id is the integer
