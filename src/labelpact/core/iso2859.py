"""ISO 2859-1 / ANSI/ASQ Z1.4 tables for single sampling by attributes, normal inspection, as data.

Table 1 (sample-size code letters) and Table 2-A (single sampling plans for normal inspection, master
table) of ISO 2859-1:1999, which are the same as Tables I and II-A of ANSI/ASQ Z1.4-2003 and
MIL-STD-105E (1989). Transcribed from, and checked cell by cell against, these public copies:

- code letters: the "AQL sampling chart" (ANSI/ASQC Z1.4 / MIL-STD-105E / ISO 2859 Table I), pdfcoffee.com/
  aql-sampling-chart-pdf-free.html and scribd.com/document/339359187; the same rows at wisetool.com/sampling.htm
  and in GOST R ISO 2859-1 Table A.1 (base.garant.ru/71446952);
- Table II-A: every cell of the AQL 0.65 ... 15 columns for letters A ... Q in the U.S. Army "Table 1-A,
  General Level II, Single Normal" derived from MIL-STD-105E (nibs.org/FMOC/DPW_AC/AC-TABLE.ASC); the
  plans of each row (which (Ac, Re) pairs a letter has) in the MIL-STD-105E Table II-A transcription at
  scribd.com/document/563507790; six ISO 2859-1:1999 plans quoted by Jenkins, Peck & Fernando (2023,
  PLOS figshare 22583454) for AQL 0.15 ... 0.65 at letters G and J.

The master table is a staircase: along each AQL column the plans run 0/1, up arrow, down arrow, 1/2,
2/3, 3/4, 5/6, 7/8, 10/11, 14/15, 21/22 (then 30/31, 44/45 for the small letters in the
nonconformities-per-100-units columns above AQL 10), then up arrows. Two printed arrows point off the
table: the up arrow at A / AQL 10 and the cell R / AQL 0.015; :func:`master_plan` resolves an arrow
that runs off the table to the nearest plan in the same row (A: n=2, 0/1; R: n=2000, 1/2).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from typing import Literal, TypeAlias

from labelpact.errors import InvalidInputError

__all__ = [
    "AQLS",
    "CODE_LETTERS",
    "INSPECTION_LEVELS",
    "PERCENT_AQLS",
    "SAMPLE_SIZES",
    "InspectionLevel",
    "code_letter",
    "master_plan",
    "standard_aql",
]

InspectionLevel: TypeAlias = Literal["S-1", "S-2", "S-3", "S-4", "I", "II", "III"]
INSPECTION_LEVELS: tuple[InspectionLevel, ...] = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")

# Table 1: (largest lot size of the range, letters for S-1 S-2 S-3 S-4 I II III)
_CODE_LETTER_TABLE: tuple[tuple[float, str], ...] = (
    (8, "AAAAAAB"),
    (15, "AAAAABC"),
    (25, "AABBBCD"),
    (50, "ABBCCDE"),
    (90, "BBCCCEF"),
    (150, "BBCDDFG"),
    (280, "BCDEEGH"),
    (500, "BCDEFHJ"),
    (1_200, "CCEFGJK"),
    (3_200, "CDEGHKL"),
    (10_000, "CDFGJLM"),
    (35_000, "CDFHKMN"),
    (150_000, "DEGJLNP"),
    (500_000, "DEGJMPQ"),
    (math.inf, "DEHKNQR"),
)

CODE_LETTERS = "ABCDEFGHJKLMNPQR"
SAMPLE_SIZES: dict[str, int] = dict(
    zip(CODE_LETTERS, (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000), strict=True)
)

# Table 2-A columns: AQL in percent nonconforming (<= 10) or nonconformities per 100 units (all)
AQLS: tuple[float, ...] = (
    0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5,
    4.0, 6.5, 10.0, 15.0, 25.0, 40.0, 65.0, 100.0, 150.0, 250.0, 400.0, 650.0, 1000.0,
)  # fmt: skip
# The columns for percent nonconforming: a label is right or wrong, so a contract's AQL is one of these
# (above 10 the table speaks of nonconformities per 100 units, and its plans accept more defects than
# they sample: at letter B and AQL 1000, n = 3, Ac = 44).
PERCENT_AQLS: tuple[float, ...] = tuple(a for a in AQLS if a <= 10.0)

# Table 2-A cells, one row per code letter, one token per AQL column: "Ac/Re", "^" (use the first plan
# above the arrow) or "v" (use the first plan below the arrow).
_MASTER_TABLE: dict[str, tuple[str, ...]] = {
    letter: tuple(row.split())
    for letter, row in {
        "A": "v v v v v v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31",
        "B": "v v v v v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31 44/45",
        "C": "v v v v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31 44/45 ^",
        "D": "v v v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31 44/45 ^ ^",
        "E": "v v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31 44/45 ^ ^ ^",
        "F": "v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^",
        "G": "v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^",
        "H": "v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^",
        "J": "v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^",
        "K": "v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
        "L": "v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
        "M": "v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
        "N": "v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
        "P": "v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
        "Q": "0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
        "R": "^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    }.items()
}


def standard_aql(aql: float) -> float:
    """The Table 2-A column equal to ``aql`` (0.1 and 0.10 are the same column); InvalidInputError otherwise."""
    if isinstance(aql, bool) or not isinstance(aql, int | float):
        raise InvalidInputError(f"an AQL of ISO 2859-1 Table 2-A {list(AQLS)}", column="aql", got=repr(aql))
    for value in AQLS:
        if math.isclose(aql, value, rel_tol=1e-9):
            return value
    raise InvalidInputError(f"an AQL of ISO 2859-1 Table 2-A {list(AQLS)}", column="aql", got=repr(aql))


def code_letter(lot_size: int, inspection_level: str = "II") -> str:
    """Table 1: the sample-size code letter for a lot of ``lot_size`` units at ``inspection_level``."""
    if inspection_level not in INSPECTION_LEVELS:
        raise InvalidInputError(
            f"an inspection level in {list(INSPECTION_LEVELS)}", got=repr(inspection_level)
        )
    if lot_size < 1:
        raise InvalidInputError("a lot of at least 1 task", got=repr(lot_size))
    row = bisect_left([upper for upper, _ in _CODE_LETTER_TABLE], lot_size)
    return _CODE_LETTER_TABLE[row][1][INSPECTION_LEVELS.index(inspection_level)]


def _parse(cell: str) -> tuple[int, int] | None:
    if cell in ("^", "v"):
        return None
    accept, reject = cell.split("/")
    return int(accept), int(reject)


def master_plan(letter: str, aql: float) -> tuple[str, int, int, int]:
    """Table 2-A with its arrows followed: (letter of the plan used, sample size, Ac, Re).

    An arrow sends the reader to the first plan above or below it in the same AQL column, and the sample
    size is that plan's; an arrow that runs off the table falls back to the nearest plan in its own row.
    """
    if letter not in _MASTER_TABLE:
        raise InvalidInputError(f"a code letter in {list(CODE_LETTERS)}", got=repr(letter))
    column = AQLS.index(standard_aql(aql))
    row = CODE_LETTERS.index(letter)
    cell = _MASTER_TABLE[letter][column]
    step = {"^": -1, "v": 1}.get(cell, 0)
    while step and 0 <= row + step < len(CODE_LETTERS):
        row += step
        if _parse(_MASTER_TABLE[CODE_LETTERS[row]][column]) is not None:
            step = 0
    cells = _MASTER_TABLE[CODE_LETTERS[row]]
    if _parse(cells[column]) is None:  # off the table: nearest plan along the row, toward the arrow's side
        sideways = 1 if cell == "v" else -1
        while _parse(cells[column]) is None:
            column += sideways
    plan = _parse(cells[column])
    if plan is None:  # pragma: no cover - every row holds plans on both sides of its arrows
        raise InvalidInputError("a plan in ISO 2859-1 Table 2-A", got=f"{letter} at AQL {aql}")
    used = CODE_LETTERS[row]
    return used, SAMPLE_SIZES[used], plan[0], plan[1]
