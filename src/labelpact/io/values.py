"""Checks on the values of a delivery that a parser accepts but a person would not: swallowed lines,
line breaks inside ids and labels, values past the documented limits, one number spelled several ways.

Each check works on a column's distinct values (a few thousand strings for a million rows) or on the
rows a vectorised search has already flagged; Python touches single rows only to name the first bad one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt

from labelpact.errors import InvalidInputError
from labelpact.io.column import Coded, fail_at
from labelpact.io.jsonl import NESTED
from labelpact.io.limits import Limits
from labelpact.io.source import Location, Source

__all__ = ["check_line_breaks", "check_names", "check_single_values", "numeric_spellings", "spelling_warning"]

Locate = Callable[[int], Location]


def check_line_breaks(source: Source, columns: Mapping[str, str]) -> list[str]:
    """Refuse a value over several lines in a column with a role; count the others (payload text may wrap).

    A quoted value that holds what look like whole rows of the file (a stray quote that swallowed them)
    is refused in any column. Returns the warnings to show for the values that may legitimately wrap.
    """
    if not source.breaks:
        return []
    table, delimiter = source.table, source.delimiter
    roles = set(columns.values())
    names = table.column_names
    for name, rows in source.breaks.items():
        for i in rows[:1000].tolist():
            value = str(table[name][i].as_py())
            if name in roles or _holds_rows(value, delimiter, len(names)):
                raise _spans(source, i, name, value)
    warnings = []
    for name, rows in source.breaks.items():
        first = source.locate(int(rows[0]))
        warnings.append(
            f"{len(rows):,} value(s) in column {name!r} run over several lines (the first at "
            f"{first.unit} {first.number}); each was read as one value of its row"
        )
    return warnings


def check_single_values(source: Source, columns: Mapping[str, str]) -> None:
    """Refuse a JSON list or object in a column with a role (a multi-label answer is not one more class)."""
    nested = json.loads((source.table.schema.metadata or {}).get(NESTED, b"{}"))
    found = sorted((nested[name][0], role, name) for role, name in columns.items() if name in nested)
    if found:
        first, role, name = found[0]  # the first record that holds one
        raise fail_at(
            source.locate,
            int(first),
            f"a single {role} (text or a number)",
            file=source.path,
            column=name,
            got=f"a JSON {nested[name][1]}",
        )


def _holds_rows(value: str, delimiter: str, n_columns: int) -> bool:
    """Whether every line after the first of ``value`` has the delimiters of a whole row of the file."""
    inner = [line for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")[1:] if line]
    return bool(inner) and n_columns > 1 and all(line.count(delimiter) >= n_columns - 1 for line in inner)


def _spans(source: Source, i: int, name: str, value: str) -> InvalidInputError:
    """The error for a value of row ``i`` over several lines: where its quote opened and how far it runs."""
    row = source.table.slice(i, 1).to_pylist()[0]
    before = 0
    for column in source.table.column_names:
        if column == name:
            break
        before += _breaks_in(str(row[column] or ""))
    opened = source.locate(i).number + before
    lines = _breaks_in(value) + 1
    first = value.replace("\r", "\n").split("\n")[0]
    shown = first if len(first) <= 40 else first[:37] + "..."
    return InvalidInputError(
        "a value on one line (a stray quote makes one value of all the rows up to the next quote)",
        file=source.path,
        row=opened,
        column=name,
        got=f"a quoted value over {lines:,} lines starting {shown!r}",
    )


def _breaks_in(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def check_names(coded: Coded, role: str, *, limits: Limits, file: Path, column: str, locate: Locate) -> None:
    """Refuse a task, worker or label with a line break or past the length limit, and too many classes."""
    if role == "label" and len(coded.names) > limits.max_classes:
        raise InvalidInputError(
            f"at most {limits.max_classes:,} distinct labels (the documented limit max_classes)",
            file=file,
            column=column,
            got=f"{len(coded.names):,} distinct labels",
        )
    most = limits.max_label_chars if role == "label" else limits.max_name_chars
    what = "a label" if role == "label" else f"a {role} id"
    if coded.longest > most:
        k = next(k for k, name in enumerate(coded.names) if len(name) > most)
        raise fail_at(
            locate,
            _first_row(coded, k),
            f"{what} of at most {most:,} characters (the documented limit "
            f"{'max_label_chars' if role == 'label' else 'max_name_chars'})",
            file=file,
            column=column,
            got=f"{len(coded.names[k]):,} characters",
        )
    if coded.first_break >= 0:
        k = coded.first_break
        raise fail_at(
            locate,
            _first_row(coded, k),
            f"{what} on one line",
            file=file,
            column=column,
            got=f"{coded.names[k][:60]!r} (a line break inside the value)",
        )


def _first_row(coded: Coded, k: int) -> int:
    return int(np.flatnonzero(coded.codes == k)[0])


def numeric_spellings(names: tuple[str, ...] | list[str]) -> list[list[int]]:
    """Groups (of 2 or more indices into ``names``) of labels that are one number written differently.

    ``1``, ``1.0``, ``01`` and ``+1`` are one group; names that are not finite numbers are never grouped.
    """
    by_value: dict[float, list[int]] = {}
    for k, name in enumerate(names):
        try:
            value = float(name)
        except ValueError:
            continue
        if math.isfinite(value):
            by_value.setdefault(value, []).append(k)
    return [group for group in by_value.values() if len(group) > 1]


def spelling_warning(
    groups: list[list[int]],
    names: tuple[str, ...] | list[str],
    label_codes: npt.NDArray[np.integer],
    *,
    strict: bool,
    file: Path,
    column: str,
    locate: Locate,
) -> list[str]:
    """One warning per group of spellings with their row counts; under ``strict`` an error at the first
    row that uses a spelling other than the group's most common one."""
    valid = label_codes[label_codes >= 0]
    counts = np.bincount(valid, minlength=len(names)) if valid.size else np.zeros(len(names), dtype=np.int64)
    warnings = []
    for group in groups:
        used = [k for k in group if counts[k] > 0]  # a fixed class list may hold spellings nobody used
        if len(used) < 2:
            continue
        ordered = sorted(used, key=lambda k: (-int(counts[k]), k))
        spelled = ", ".join(f"{names[k]!r} ({_rows(int(counts[k]))})" for k in ordered)
        if strict:
            rows = np.flatnonzero(np.isin(label_codes, ordered[1:]))
            i = int(rows[0])
            raise fail_at(
                locate,
                i,
                "one spelling per number (--strict)",
                file=file,
                column=column,
                got=f"{names[int(label_codes[i])]!r} where {names[ordered[0]]!r} is the same number: {spelled}",
            )
        warnings.append(
            f"labels {spelled} in column {column!r} are one number written differently; "
            "they are kept as different classes (--strict refuses them)"
        )
    return warnings


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")
