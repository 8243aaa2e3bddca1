"""Read a delimited, Parquet or JSON Lines file into an Arrow table, and say where each row came from.

The fast paths are pyarrow's multi-threaded readers; when they refuse a file, a slower Python pass
re-reads it only to name the first offending line (bad bytes, a ragged row, malformed JSON).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from labelpact.errors import InvalidInputError

__all__ = ["FORMATS", "Location", "Source", "as_text", "detect_format", "json_text", "read_source"]

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
_SNIFF: Final = 1 << 16
_BLOCK: Final = 1 << 24  # 16 MiB blocks keep both cores busy on large files

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a data row sits in its file: ``unit`` number (1-based) and an optional detail."""

    unit: str
    number: int
    detail: str | None = None


@dataclass(slots=True)
class Source:
    """The rows of one file as an Arrow table, and a way to turn a row index into a :class:`Location`."""

    path: Path
    format: str
    table: pa.Table
    locate: Callable[[int], Location]
    extra: dict[str, Any] = field(default_factory=dict)


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
    if fmt is None:
        raise InvalidInputError(
            f"a file ending in one of {sorted(_SUFFIXES)} (or pass format=)", file=path, got=repr(path.suffix)
        )
    if path.suffix.lower() == ".gz" and fmt not in ("csv", "tsv", "jsonl"):
        raise InvalidInputError(
            "gzip only around CSV, TSV or JSON Lines", file=path, got=repr("".join(path.suffixes))
        )
    return fmt


def read_source(path: Path, fmt: str, *, progress: Progress | None = None) -> Source:
    """Read ``path`` (which must exist and not be empty) as ``fmt``; JSON is left to the caller."""
    if not path.is_file():
        raise InvalidInputError("an existing file", file=path, got="no such file")
    size = path.stat().st_size
    if size == 0:
        raise InvalidInputError("a header line and at least one annotation", file=path, got="an empty file")
    if fmt in ("csv", "tsv"):
        source = _read_delimited(path, fmt, size, progress)
    elif fmt == "parquet":
        source = _read_parquet(path)
    elif fmt == "jsonl":
        source = _read_jsonl(path)
    else:  # pragma: no cover - callers dispatch JSON themselves
        raise InvalidInputError(f"a format in {list(FORMATS)}", got=repr(fmt))
    if progress is not None:
        progress(size, size)
    return source


# -- delimited text ---------------------------------------------------------------------------------


def _open_text(path: Path) -> IO[bytes]:
    """Binary handle on the file's bytes, decompressed when the name ends in ``.gz``."""
    if path.suffix.lower() == ".gz":
        import gzip

        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _check_text(path: Path, kind: str) -> bytes:
    """The first bytes of a text file; NUL bytes mean binary data, which no text format allows."""
    try:
        with _open_text(path) as handle:
            head = handle.read(_SNIFF)
    except (OSError, EOFError) as error:  # a .gz name on bytes that are not gzip
        raise InvalidInputError(f"a gzip-compressed {kind} file", file=path, got=str(error)) from None
    nul = head.find(b"\x00")
    if nul >= 0:
        raise InvalidInputError(
            f"a UTF-8 text file ({kind})", file=path, got=f"binary data (a NUL byte at byte offset {nul})"
        )
    return head


class _Counting(io.RawIOBase):
    """A read-only stream that reports the bytes handed to pyarrow, for a progress bar."""

    def __init__(self, handle: IO[bytes], total: int, progress: Progress) -> None:
        self._handle, self._total, self._progress, self._done = handle, total, progress, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._handle.readinto(buffer)  # type: ignore[attr-defined]
        self._done += n or 0
        self._progress(min(self._done, self._total), self._total)
        return n or 0

    def close(self) -> None:
        self._handle.close()
        super().close()


def _read_delimited(path: Path, fmt: str, size: int, progress: Progress | None) -> Source:
    delimiter = "\t" if fmt == "tsv" else ","
    head = _check_text(path, fmt.upper())
    end = head.find(b"\n")
    try:  # the header is parsed here, never by pyarrow, so its bytes are checked here
        head[: end if end >= 0 else len(head)].decode("utf-8")
    except UnicodeDecodeError:
        _find_bad_utf8(path)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    first = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    names = [name.strip() for name in first]
    if not any(names):
        raise InvalidInputError("a header line naming the columns", file=path, row=1, got="an empty line")
    read_options = pacsv.ReadOptions(block_size=_BLOCK, column_names=names, skip_rows=1)
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    # Newlines inside quoted values halve the parser's speed; files without quotes cannot have them.
    quoted = b'"' in head or path.suffix.lower() == ".gz"

    def read(newlines: bool) -> pa.Table:
        parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=newlines)
        if progress is None or path.suffix.lower() == ".gz":
            return pacsv.read_csv(
                path, read_options=read_options, parse_options=parse, convert_options=convert
            )
        with _Counting(path.open("rb"), size, progress) as counting:
            stream = pa.PythonFile(counting, mode="r")
            return pacsv.read_csv(
                stream, read_options=read_options, parse_options=parse, convert_options=convert
            )

    try:
        try:
            table = read(newlines=quoted)
        except pa.ArrowInvalid:
            if quoted:
                raise
            table = read(newlines=True)  # a quote further down the file may hold a newline
    except (pa.ArrowInvalid, OSError, EOFError) as error:
        _diagnose_delimited(path, delimiter, len(names))
        raise InvalidInputError(f"a well-formed {fmt.upper()} file", file=path, got=str(error)) from None
    lines = _LazyLines(path, delimiter)
    return Source(path=path, format=fmt, table=table, locate=lines.locate)


def _diagnose_delimited(path: Path, delimiter: str, n_columns: int) -> None:
    """Re-read a file pyarrow refused, raising the first bad line (undecodable bytes, wrong field count)."""
    _find_bad_utf8(path)
    with _open_text(path) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        start = 1
        for row in reader:
            if row and reader.line_num > 1 and len(row) != n_columns:
                raise InvalidInputError(
                    f"{n_columns} fields as in the header", file=path, row=start, got=f"{len(row)} fields"
                )
            start = reader.line_num + 1


def _find_bad_utf8(path: Path) -> None:
    """Raise at the first byte that is not UTF-8, naming its line and byte offset."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, line = 0, 1
    with _open_text(path) as handle:
        while block := handle.read(1 << 20):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                bad = offset + error.start
                line += block[: error.start].count(b"\n")
                raise InvalidInputError(
                    "UTF-8 text", file=path, row=line, got=f"an undecodable byte at byte offset {bad}"
                ) from None
            offset += len(block)
            line += block.count(b"\n")


class _LazyLines:
    """Maps a data-row index to its line; scans the file (in Python) only when an error needs it."""

    def __init__(self, path: Path, delimiter: str) -> None:
        self._path, self._delimiter = path, delimiter
        self._starts: list[int] | None = None

    def locate(self, index: int) -> Location:
        if self._starts is None:
            starts: list[int] = []
            with (
                _open_text(self._path) as raw,
                io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as handle,
            ):
                reader = csv.reader(handle, delimiter=self._delimiter)
                start = 1
                for row in reader:
                    if row and reader.line_num > 1 and start > 1:
                        starts.append(start)
                    start = reader.line_num + 1
            self._starts = starts
        number = self._starts[index] if index < len(self._starts) else index + 2
        return Location("line", number)


# -- Parquet ----------------------------------------------------------------------------------------


def _read_parquet(path: Path) -> Source:
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise InvalidInputError("a Parquet file", file=path, got=str(error).split("\n")[0]) from None
    return Source(path=path, format="parquet", table=table, locate=lambda i: Location("row", i + 1))


# -- JSON Lines -------------------------------------------------------------------------------------


def json_text(value: object) -> str | None:
    """A JSON value as the text a CSV cell would hold: strings as is, numbers and booleans as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def records_table(records: list[dict[str, Any]]) -> pa.Table:
    """An all-string table from flat JSON objects (keys in order of first appearance, absent -> null)."""
    names = list(dict.fromkeys(key for record in records for key in record))
    return pa.table(
        {name: pa.array([json_text(r.get(name)) for r in records], type=pa.string()) for name in names}
    )


def _read_jsonl(path: Path) -> Source:
    _check_text(path, "JSON Lines")
    lines = _JsonLines(path)
    try:
        table = pajson.read_json(path)
    except pa.ArrowInvalid:
        table = _read_jsonl_slowly(path)  # mixed types in a column, or a malformed line to name
    return Source(path=path, format="jsonl", table=table, locate=lines.locate)


def _read_jsonl_slowly(path: Path) -> pa.Table:
    """Parse line by line: names the first malformed line, and accepts columns of mixed JSON types."""
    _find_bad_utf8(path)
    records: list[dict[str, Any]] = []
    with _open_text(path) as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as error:
                raise InvalidInputError(
                    "one JSON object per line", file=path, row=number, got=f"malformed JSON ({error.msg})"
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

    def locate(self, index: int) -> Location:
        if self._lines is None:
            with _open_text(self._path) as handle:
                self._lines = [n for n, raw in enumerate(handle, start=1) if raw.strip()]
        return Location("line", self._lines[index] if index < len(self._lines) else index + 1)


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
