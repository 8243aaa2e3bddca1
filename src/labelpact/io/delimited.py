"""Delimited text (CSV, TSV, gzipped or not): pyarrow's multi-threaded reader, a header checked here, and
a count of line feeds against rows so that a value that swallowed lines (a stray quote) is found.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from labelpact.errors import InvalidInputError
from labelpact.io.text_file import (
    BLOCK,
    SNIFF,
    Location,
    arrow_input,
    check_text,
    count_lines,
    find_bad_utf8,
    open_text,
)

__all__ = ["DELIMITERS", "Progress", "first_line", "header_delimiter", "read_delimited"]

Progress = Callable[[int, int], None]

DELIMITERS = (",", ";", "\t", "|")  # comma first: a header it splits is never read another way


def header_delimiter(text: str, fmt: str) -> str:
    """The delimiter of a file whose text starts ``text`` (its first line is the header): the format's (tab
    for TSV, else comma) unless it leaves the header one column and another of ``DELIMITERS`` splits it
    into more.

    A European spreadsheet exports ``task;worker;label`` under ``.csv``; a header is at least two columns
    in every file labelpact reads, so one column is never what the user meant.
    """
    default = "\t" if fmt == "tsv" else ","
    header = first_line(text)

    def columns(delimiter: str) -> int:
        try:
            return len(next(csv.reader(io.StringIO(header, newline=""), delimiter=delimiter), []))
        except csv.Error:
            return 0

    if columns(default) > 1:
        return default
    counts = {d: columns(d) for d in DELIMITERS if d != default}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 1 else default


def first_line(text: str) -> str:
    """``text`` up to its first line end (LF, CRLF or a lone CR)."""
    return text.split("\n", 1)[0].split("\r", 1)[0]


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


def read_delimited(
    path: Path, fmt: str, size: int, progress: Progress | None
) -> tuple[pa.Table, Callable[[int], Location], dict[str, npt.NDArray[np.intp]], str]:
    """A CSV or TSV file as an all-string table, the row -> line map, the rows whose values hold line
    breaks (``Source.breaks``) and the delimiter (the format's, or the one the header shows:
    ``header_delimiter``); pyarrow reads it, Python re-reads a refused file to name its first bad line."""
    head = check_text(path, fmt.upper())
    end = head.find(b"\n")
    try:  # the header is parsed here, never by pyarrow, so its bytes are checked here
        head[: end if end >= 0 else len(head)].decode("utf-8")
    except UnicodeDecodeError:
        find_bad_utf8(path)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    header = first_line(text)
    if re.fullmatch(r"\s*sep=.\s*", header):  # Excel's delimiter line; the header's own delimiter is read
        raise InvalidInputError(
            "a header line naming the columns",
            file=path,
            row=1,
            got=f"Excel's {header.strip()!r} line (delete it)",
        )
    delimiter = header_delimiter(text, fmt)
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
    if len(head) < SNIFF and not re.search(rb"[\r\n]", head.rstrip(b"\r\n")):
        # the header alone, perhaps without a line end (pyarrow cannot skip that one line): the caller
        # says "only the header" at line 2, as for a header with its line end
        empty = pa.table([pa.array([], pa.string())] * len(names), names=names)
        return empty, _LazyLines(path, delimiter).locate, {}, delimiter
    read_options = pacsv.ReadOptions(block_size=BLOCK, column_names=names, skip_rows=1)
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
    return table, lines.locate, breaks, delimiter


def _line_breaks(path: Path, table: pa.Table) -> dict[str, npt.NDArray[np.intp]]:
    """Rows whose values hold a line break, by column; none when the file has one line per row.

    Counting line feeds costs one vectorised pass over the bytes (a few ms per million rows); only a file
    with more lines than rows (a quoted value over several lines, blank lines, CR line ends) or a gzip
    file has its values searched.
    """
    if path.suffix.lower() != ".gz" and count_lines(path) == table.num_rows + 1:
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


def _diagnose_delimited(path: Path, delimiter: str, n_columns: int) -> None:
    """Re-read a file pyarrow refused, raising the first bad line (undecodable bytes, wrong field count)."""
    find_bad_utf8(path)
    with open_text(path) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as handle:
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


class _LazyLines:
    """Maps a data-row index to its line; scans the file (in Python) only when an error needs it."""

    def __init__(self, path: Path, delimiter: str) -> None:
        self._path, self._delimiter = path, delimiter
        self._starts: list[int] | None = None

    def locate(self, index: int) -> Location:
        if self._starts is None:
            starts: list[int] = []
            with (
                open_text(self._path) as raw,
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
