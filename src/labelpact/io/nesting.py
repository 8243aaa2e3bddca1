"""How deep JSON nests, measured on the raw bytes with numpy before any JSON parser sees them.

Parsers recurse: 20,000 nested brackets crash pyarrow's JSON reader (a segmentation fault) and make
Python's ``json`` raise ``RecursionError``. Brackets inside strings do not count: a quote is a string
boundary unless an odd run of backslashes precedes it. Bytes are scanned in blocks, so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, Final

import numpy as np
import numpy.typing as npt

from labelpact.errors import InvalidInputError

__all__ = ["check_json_depth"]

_BLOCK: Final = 1 << 22
_OPEN: Final = (ord("["), ord("{"))
_CLOSE: Final = (ord("]"), ord("}"))
_QUOTE, _BACKSLASH, _NEWLINE = ord('"'), ord("\\"), ord("\n")


def check_json_depth(open_bytes: Callable[[], IO[bytes]], *, file: Path, limit: int, per_line: bool) -> None:
    """Raise at the first line where arrays and objects nest deeper than ``limit``.

    ``per_line`` (JSON Lines) restarts the count at every line break, which valid JSON Lines never holds
    inside a value; a whole document (``per_line=False``) is counted from its first byte to its last.
    JSON Lines first get a cheap bound (the most opening brackets on one line); only a file whose bound
    exceeds ``limit`` is scanned exactly.
    """
    if per_line and _cheap_bound(open_bytes) <= limit:
        return
    scan = _Scan(per_line)
    line = 1
    with open_bytes() as handle:
        while block := handle.read(_BLOCK):
            b = np.frombuffer(block, dtype=np.uint8)
            over = np.flatnonzero(scan.depths(b) > limit)
            if over.size:
                row = line + int(np.count_nonzero(b[: int(over[0])] == _NEWLINE))
                raise InvalidInputError(
                    f"JSON nested at most {limit} levels deep",
                    file=file,
                    row=row,
                    got=f"more than {limit} nested arrays or objects",
                )
            line += int(np.count_nonzero(b == _NEWLINE))


def _cheap_bound(open_bytes: Callable[[], IO[bytes]]) -> int:
    """An upper bound on the nesting of any line: the most opening brackets on one line."""
    most, carried = 0, 0  # carried: opening brackets of the line that runs on into the next block
    with open_bytes() as handle:
        while block := handle.read(_BLOCK):
            b = np.frombuffer(block, dtype=np.uint8)
            opening = np.cumsum((b == _OPEN[0]) | (b == _OPEN[1]), dtype=np.int64)
            ends = np.flatnonzero(b == _NEWLINE)
            if ends.size:
                per_line = np.diff(np.concatenate([[0], opening[ends]]))
                per_line[0] += carried
                most = max(most, int(per_line.max()))
                carried = int(opening[-1] - opening[ends[-1]])
            else:
                carried += int(opening[-1])
            most = max(most, carried)
    return most


class _Scan:
    """Bracket depth outside strings, carried across blocks (depth, inside a string, a pending backslash)."""

    def __init__(self, per_line: bool) -> None:
        self.per_line = per_line
        self.depth = 0
        self.in_string = False
        self.escaped = False  # the next block's first byte follows an odd run of backslashes

    def depths(self, b: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
        """Depth after each byte of ``b`` (brackets in strings ignored); updates the carried state."""
        n = len(b)
        backslash = b == _BACKSLASH
        # a byte is escaped when the run of backslashes just before it is odd
        run = _backslash_runs(backslash, self.escaped)
        escaped = np.empty(n, dtype=bool)
        escaped[0] = self.escaped
        escaped[1:] = (run[:-1] % 2) == 1
        quote = (b == _QUOTE) & ~escaped
        newline = b == _NEWLINE
        toggles = np.cumsum(quote, dtype=np.int64)
        if self.per_line:
            # strings and depth restart at each line break
            last = np.maximum.accumulate(np.where(newline, np.arange(n), -1))
            base = np.where(last >= 0, toggles[np.maximum(last, 0)], -int(self.in_string))
            inside = ((toggles - base) % 2) == 1
        else:
            inside = ((toggles + int(self.in_string)) % 2) == 1
        # a quote that opens a string is itself outside; brackets are never quotes, so ``inside`` fits them
        step = np.where(inside, 0, np.isin(b, _OPEN).astype(np.int64) - np.isin(b, _CLOSE).astype(np.int64))
        level = np.cumsum(step)
        if self.per_line:
            start = np.where(last >= 0, level[np.maximum(last, 0)], -self.depth)
            depth = level - start
        else:
            depth = level + self.depth
        self.depth = int(depth[-1])
        self.in_string = bool(inside[-1]) if not (self.per_line and newline[-1]) else False
        self.escaped = bool(run[-1] % 2 == 1)
        return depth


def _backslash_runs(backslash: npt.NDArray[np.bool_], carried: bool) -> npt.NDArray[np.int64]:
    """Length of the run of backslashes ending at each byte (0 for other bytes)."""
    total = np.cumsum(backslash, dtype=np.int64)
    before = np.maximum.accumulate(np.where(backslash, 0, total))
    run = total - before
    if carried:  # a run that began in the previous block continues (its parity is all that matters)
        lead = np.flatnonzero(~backslash)
        stop = int(lead[0]) if lead.size else len(backslash)
        run[:stop] += 1
    return run
