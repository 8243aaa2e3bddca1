"""A text file's bytes: opened through gzip when its name says so, checked for binary data and bad UTF-8,
its lines counted; and ``Location``, where a data row sits in its file (every reader reports one).
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import mmap
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

import numpy as np
import pyarrow as pa

from labelpact.errors import InvalidInputError

__all__ = [
    "BLOCK",
    "SNIFF",
    "Location",
    "arrow_input",
    "check_text",
    "count_lines",
    "find_bad_utf8",
    "open_text",
]

SNIFF: Final = 1 << 16
BLOCK: Final = 1 << 24  # 16 MiB blocks keep both cores busy on large files


@dataclass(frozen=True, slots=True)
class Location:
    """Where a data row sits in its file: ``unit`` number (1-based) and an optional detail."""

    unit: str
    number: int
    detail: str | None = None


def arrow_input(path: Path) -> Path | pa.NativeFile:
    """What pyarrow reads ``path`` from: the path, or its bytes when the name is not UTF-8 (pyarrow cannot encode it)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # a file name with bytes that are not UTF-8 (rare): read through Python
        buffer = pa.BufferReader(path.read_bytes())
        return pa.CompressedInputStream(buffer, "gzip") if path.suffix.lower() == ".gz" else buffer
    return path


def open_text(path: Path) -> IO[bytes]:
    """Binary handle on the file's bytes, decompressed when the name ends in ``.gz``."""
    if path.suffix.lower() == ".gz":
        return _Gzip(path)  # type: ignore[return-value]
    return path.open("rb")


class _Gzip(gzip.GzipFile):
    """A gzip file whose truncated or corrupt stream raises ``InvalidInputError`` naming the file: the
    ``EOFError`` gzip raises would reach the CLI as an interrupted command (click's abort, exit 130)."""

    def __init__(self, path: Path) -> None:
        super().__init__(filename=path, mode="rb")
        self._path = path

    @contextlib.contextmanager
    def _named(self) -> Iterator[None]:
        try:
            yield
        except EOFError:
            raise InvalidInputError(
                "a complete gzip file", file=self._path, got="a stream that ends early (a truncated file)"
            ) from None
        except (OSError, zlib.error) as error:  # BadGzipFile is an OSError
            raise InvalidInputError("a gzip file", file=self._path, got=str(error)) from None

    def read(self, size: int | None = -1) -> bytes:
        with self._named():
            return super().read(size)

    def read1(self, size: int = -1) -> bytes:
        with self._named():
            return super().read1(size)

    def readline(self, size: int | None = -1) -> bytes:
        with self._named():
            return super().readline(size)

    def peek(self, n: int) -> bytes:
        with self._named():
            return super().peek(n)


_SAVE_AS_UTF8 = " (another encoding, such as Windows-1252: save the file as UTF-8, in Excel 'CSV UTF-8')"


def decode_utf8(path: Path, raw: bytes, expected: str = "UTF-8 text") -> str:
    """A whole file's bytes as text (a UTF-8 BOM dropped); an undecodable byte is named by line and offset."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        got = f"an undecodable byte at byte offset {error.start}{_SAVE_AS_UTF8}"
        raise InvalidInputError(expected, file=path, row=line, got=got) from None


def check_text(path: Path, kind: str) -> bytes:
    """The first bytes of a text file; NUL bytes mean binary data, which no text format allows."""
    try:
        with open_text(path) as handle:
            head = handle.read(SNIFF)
    except (OSError, EOFError) as error:  # a .gz name on bytes that are not gzip
        raise InvalidInputError(f"a gzip-compressed {kind} file", file=path, got=str(error)) from None
    nul = head.find(b"\x00")
    if nul >= 0 and head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text" and others
        raise InvalidInputError(
            f"a UTF-8 text file ({kind})", file=path, got="UTF-16 text (save or convert it as UTF-8)"
        )
    if nul >= 0:
        raise InvalidInputError(
            f"a UTF-8 text file ({kind})", file=path, got=f"binary data (a NUL byte at byte offset {nul})"
        )
    return head


def count_lines(path: Path) -> int:
    """Lines in a file: its line feeds, plus one when the last line has none (numpy on a memory map)."""
    if path.suffix.lower() == ".gz" or path.stat().st_size == 0:
        count, last = 0, b""
        with open_text(path) as handle:
            while block := handle.read(BLOCK):
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


def find_bad_utf8(path: Path) -> None:
    """Raise at the first byte that is not UTF-8, naming its line and byte offset."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, line = 0, 1
    with open_text(path) as handle:
        while block := handle.read(1 << 20):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                bad = offset + error.start
                line += block[: error.start].count(b"\n")
                raise InvalidInputError(
                    "UTF-8 text",
                    file=path,
                    row=line,
                    got=f"an undecodable byte at byte offset {bad}{_SAVE_AS_UTF8}",
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
