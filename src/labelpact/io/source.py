"""Read a delimited, Parquet or JSON Lines file into an Arrow table, and say where each row came from.

The fast paths are pyarrow's multi-threaded readers; when they refuse a file, a slower Python pass
re-reads it only to name the first offending line (bad bytes, a ragged row, malformed JSON). A delimited
file's line count is compared with its row count, so a value that swallowed lines (a stray quote) is
found; JSON nesting is measured on the bytes before a parser recurses into it.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import mmap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from labelpact.errors import InvalidInputError
from labelpact.io.limits import DEFAULT_LIMITS, Limits
from labelpact.io.nesting import check_json_depth

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
    """The rows of one file as an Arrow table, and a way to turn a row index into a :class:`Location`.

    ``breaks`` maps each column holding values with a line break to those rows (shape (n,), ascending);
    it is filled for delimited files, where such a value spans several lines of the file.
    """

    path: Path
    format: str
    table: pa.Table
    locate: Callable[[int], Location]
    extra: dict[str, Any] = field(default_factory=dict)
    breaks: dict[str, npt.NDArray[np.intp]] = field(default_factory=dict)


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


def read_source(
    path: Path, fmt: str, *, progress: Progress | None = None, limits: Limits = DEFAULT_LIMITS
) -> Source:
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
        source = _read_jsonl(path, limits)
    else:  # pragma: no cover - callers dispatch JSON themselves
        raise InvalidInputError(f"a format in {list(FORMATS)}", got=repr(fmt))
    if progress is not None:
        progress(size, size)
    return source


# -- delimited text ---------------------------------------------------------------------------------


def arrow_input(path: Path) -> Path | pa.NativeFile:
    """What pyarrow reads ``path`` from: the path, or its bytes when the name is not UTF-8 (pyarrow cannot encode it)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # a file name with bytes that are not UTF-8 (rare): read through Python
        buffer = pa.BufferReader(path.read_bytes())
        return pa.CompressedInputStream(buffer, "gzip") if path.suffix.lower() == ".gz" else buffer
    return path


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
    try:
        first = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error as error:  # a NUL-free header the csv module still cannot split
        raise InvalidInputError(
            "a header line naming the columns", file=path, row=1, got=str(error)
        ) from None
    names = [name.strip() for name in first]
    if not any(names):
        raise InvalidInputError("a header line naming the columns", file=path, row=1, got="an empty line")
    broken = [name for name in names if "\n" in name or "\r" in name]
    if broken:  # a quote opened in the header swallowed lines: header and data would not line up
        raise InvalidInputError(
            "a header on one line (a stray quote?)",
            file=path,
            row=1,
            got=f"a column name over several lines starting {broken[0].splitlines()[0][:40]!r}",
        )
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
                arrow_input(path), read_options=read_options, parse_options=parse, convert_options=convert
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
    breaks = _line_breaks(path, table)
    return Source(path=path, format=fmt, table=table, locate=lines.locate, breaks=breaks)


def _line_breaks(path: Path, table: pa.Table) -> dict[str, npt.NDArray[np.intp]]:
    """Rows whose values hold a line break, by column; none when the file has one line per row.

    Counting line feeds costs one vectorised pass over the bytes (a few ms per million rows); only a file
    with more lines than rows (a quoted value over several lines, blank lines, CR line ends) or a gzip
    file has its values searched.
    """
    if path.suffix.lower() != ".gz" and _count_lines(path) == table.num_rows + 1:
        return {}
    found: dict[str, npt.NDArray[np.intp]] = {}
    for name in table.column_names:
        column = table[name]
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        hit = pc.or_(pc.match_substring(column, "\n"), pc.match_substring(column, "\r"))
        rows = np.flatnonzero(pc.fill_null(hit, False).to_numpy(zero_copy_only=False))
        if rows.size:
            found[name] = rows.astype(np.intp)
    return found


def _count_lines(path: Path) -> int:
    """Lines in a file: its line feeds, plus one when the last line has none (numpy on a memory map)."""
    if path.suffix.lower() == ".gz" or path.stat().st_size == 0:
        count, last = 0, b""
        with _open_text(path) as handle:
            while block := handle.read(_BLOCK):
                count += int(np.count_nonzero(np.frombuffer(block, dtype=np.uint8) == 10))
                last = block[-1:]
        return count + (1 if last not in (b"", b"\n") else 0)
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        data = np.frombuffer(mapped, dtype=np.uint8)
        count = sum(
            int(np.count_nonzero(data[i : i + (1 << 22)] == 10)) for i in range(0, len(data), 1 << 22)
        )
        ends_in_newline = bool(data[-1] == 10)
        del data  # the map cannot close while an array still points into it
    return count + (0 if ends_in_newline else 1)


def _diagnose_delimited(path: Path, delimiter: str, n_columns: int) -> None:
    """Re-read a file pyarrow refused, raising the first bad line (undecodable bytes, wrong field count)."""
    _find_bad_utf8(path)
    with _open_text(path) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        start = 1
        try:
            for row in reader:
                if row and reader.line_num > 1 and len(row) != n_columns:
                    spans = reader.line_num - start + 1
                    hint = f" in a row over {spans} lines (a stray quote?)" if spans > 1 else ""
                    raise InvalidInputError(
                        f"{n_columns} fields as in the header",
                        file=path,
                        row=start,
                        got=f"{len(row)} fields{hint}",
                    )
                start = reader.line_num + 1
        except csv.Error as error:  # a field over the csv module's size limit, a NUL byte
            raise InvalidInputError(
                "a well-formed delimited file", file=path, row=start, got=str(error)
            ) from None


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
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise InvalidInputError(
                "UTF-8 text",
                file=path,
                row=line,
                got=f"a file that ends inside a character (byte offset {offset})",
            ) from None


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
                try:
                    for row in reader:
                        if row and reader.line_num > 1 and start > 1:
                            starts.append(start)
                        start = reader.line_num + 1
                except csv.Error:  # a field over the csv module's size limit: lines up to it are known
                    pass
            self._starts = starts
        number = self._starts[index] if index < len(self._starts) else index + 2
        return Location("line", number)


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


def _read_jsonl(path: Path, limits: Limits) -> Source:
    _check_text(path, "JSON Lines")
    _find_bad_utf8(path)  # pyarrow's JSON reader passes bad bytes through to the strings
    check_json_depth(lambda: _open_text(path), file=path, limit=limits.max_json_depth, per_line=True)
    lines = _JsonLines(path)
    try:
        table = pajson.read_json(arrow_input(path))
    except pa.ArrowInvalid:
        table = _read_jsonl_slowly(path)  # mixed types in a column, or a malformed line to name
    else:
        # pyarrow also takes an object broken over two lines (JSON Lines does not: line numbers would drift),
        # and rounds integers past 2**53 (Python's json keeps every digit of an integer id)
        broken = _count_lines(path) != table.num_rows and lines.count() != table.num_rows
        if broken or _rounded_numbers(table):
            table = _read_jsonl_slowly(path)
    return Source(path=path, format="jsonl", table=table, locate=lines.locate)


def _rounded_numbers(table: pa.Table) -> bool:
    """Whether pyarrow read a number as a double that cannot hold it: an integer past 2**53, or infinity.

    Its text would then differ from the file's (``12345678901234567890123`` becomes ``1.2345678901234568e+22``),
    and two task ids could become one.
    """
    for column in table.columns:
        if pa.types.is_floating(column.type) and len(column):
            values = np.abs(column.to_numpy(zero_copy_only=False).astype(np.float64))
            if bool(np.any(~np.isnan(values) & ((values >= 2.0**53) | np.isinf(values)))):
                return True
    return False


def _read_jsonl_slowly(path: Path) -> pa.Table:
    """Parse line by line: names the first malformed line, and accepts columns of mixed JSON types."""
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
            with _open_text(self._path) as handle:
                self._lines = [n for n, raw in enumerate(handle, start=1) if raw.strip()]
        return self._lines


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
