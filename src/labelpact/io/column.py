"""Column roles and their vectorised decoding: ids to integer codes, durations to seconds, times to UTC.

Every function here works on whole Arrow columns; Python touches single rows only to name the first bad
one after a vectorised check has found that there is one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from labelpact.errors import InvalidInputError
from labelpact.io.source import Location, as_text

__all__ = [
    "ALIASES",
    "MAX_DURATION_S",
    "Coded",
    "check_role_spellings",
    "decode_durations",
    "decode_times",
    "encode",
    "fail_at",
    "resolve_columns",
    "task_column_of",
]

# no label takes a year: a longer time on task is a broken record (and 1e308 seconds overflow every sum);
# the same bound as ethics.pay.MAX_DURATION_S (kept here so the reader need not import ethics; a test ties them)
MAX_DURATION_S: Final = 365 * 24 * 3600.0

# role -> accepted column names, the canonical one first
ALIASES: Final[Mapping[str, tuple[str, ...]]] = {
    "task": ("task", "item"),
    "worker": ("worker", "annotator", "completed_by"),
    "label": ("label",),
    "duration_s": ("duration_s", "lead_time", "duration"),
    "started_at": ("started_at",),
    "submitted_at": ("submitted_at", "created_at"),
}
_OPTION: Final = {"task": "--task-column", "worker": "--worker-column", "label": "--label-column"}
_ZONE: Final = r"(?:[Zz]|[+-]\d\d(?::?\d\d)?)$"


def resolve_columns(
    names: Sequence[str],
    *,
    file: Path,
    explicit: Mapping[str, str | None],
    required: Sequence[str],
    roles: Sequence[str] = tuple(ALIASES),
) -> dict[str, str]:
    """Role -> column name: an explicit name must exist; otherwise the first alias present is taken."""
    available = ", ".join(repr(n) for n in names)
    chosen: dict[str, str] = {}
    for role in roles:
        name = explicit.get(role)
        if name is not None:
            if name not in names:
                raise InvalidInputError(
                    f"the column {name!r} asked for by {_OPTION.get(role, role)}",
                    file=file,
                    row=1,
                    got=f"only the columns {available}",
                )
            chosen[role] = name
            continue
        found = [alias for alias in ALIASES[role] if alias in names]
        if found:
            chosen[role] = found[0]
        elif role in required:
            others = " or ".join(repr(a) for a in ALIASES[role])
            near = [n for n in names if n.strip().casefold() in ALIASES[role]]  # 'Task': names are exact
            option = _OPTION.get(role)
            hint = f" (or name it with {option})" if option else ""
            if option and near:
                hint = f" (names are case-sensitive: for {near[0]!r} pass {option} {near[0]!r})"
            raise InvalidInputError(
                f"a column {others}{hint}", file=file, row=1, column=role, got=f"only the columns {available}"
            )
    for name in chosen.values():
        if list(names).count(name) > 1:
            raise InvalidInputError(
                "each column name once in the header",
                file=file,
                row=1,
                column=name,
                got=f"it {names.count(name)} times",
            )
    return chosen


def check_role_spellings(
    table: pa.Table,
    columns: Mapping[str, str],
    blank: Mapping[str, npt.NDArray[np.bool_]],
    *,
    file: Path,
    locate: Callable[[int], Location],
) -> None:
    """Refuse a column named like a role's in another case or with spaces (``Label`` beside ``label``) that is
    filled on a row where the role's column is blank (``blank``: role -> (n_rows,)): JSON records may spell a
    key differently from record to record, and those labels would be read as abstentions, ids as blanks."""
    for role, mask in blank.items():
        chosen = columns[role]
        near = [n for n in table.column_names if n != chosen and n not in ALIASES[role]]
        for name in (n for n in near if n.strip().casefold() in ALIASES[role] and mask.any()):
            column = table[name]
            filled = pc.is_valid(column)
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                filled = pc.and_(filled, pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(column)), 0))
            rows = np.flatnonzero(mask & pc.fill_null(filled, False).to_numpy(zero_copy_only=False))
            if len(rows):
                raise fail_at(
                    locate,
                    int(rows[0]),
                    f"the {role} in the column {chosen!r} (names are case-sensitive: {name!r} is another column)",
                    file=file,
                    column=name,
                    got=f"a value in {name!r} where {chosen!r} is blank",
                )


def fail_at(
    locate: Callable[[int], Location],
    index: int,
    expected: str,
    *,
    file: Path,
    column: str | None,
    got: str | None,
) -> InvalidInputError:
    """The error for data row ``index``: its line (or task / record) and, for JSON, the annotation."""
    where = locate(index)
    text = f"{where.detail}: {expected}" if where.detail else expected
    return InvalidInputError(text, file=file, row=where.number, unit=where.unit, column=column, got=got)


@dataclass(frozen=True, slots=True)
class Coded:
    """A column as integer codes (shape (n_rows,), -1 where blank) into names in order of first appearance.

    ``longest`` is the length in characters of the longest name; ``first_break`` the index of the first
    name holding a line break (-1 when none does): both come from one vectorised pass over the names.
    """

    codes: npt.NDArray[np.int32]
    names: list[str]
    longest: int = 0
    first_break: int = -1


def encode(column: pa.ChunkedArray, *, file: Path, name: str) -> Coded:
    """Dictionary-encode a text column; surrounding whitespace is dropped and blank cells get code -1.

    The work on the vocabulary (trim, merge, blank) touches each distinct value once, not each row.
    """
    text = as_text(column, file=file, name=name)
    if len(text) == 0:
        return Coded(np.empty(0, dtype=np.int32), [])
    dictionary, codes = _dictionary(text)
    _check_utf8(dictionary, codes, file=file, name=name)
    trimmed = pc.utf8_trim_whitespace(dictionary)
    if pc.all(pc.equal(trimmed, dictionary)).as_py() and not pc.any(pc.equal(trimmed, "")).as_py():
        return _coded(codes, dictionary, file=file, name=name)
    merged = pc.dictionary_encode(trimmed)
    blank = pc.equal(merged.dictionary, "").to_numpy(zero_copy_only=False)
    renumber = np.cumsum(~blank, dtype=np.int32) - 1
    renumber[blank] = -1
    lookup = np.append(renumber[merged.indices.to_numpy()], np.int32(-1))  # index -1 (blank cell) -> -1
    names = merged.dictionary.filter(pa.array(~blank))
    return _coded(lookup[codes].astype(np.int32, copy=False), names, file=file, name=name)


def _check_utf8(dictionary: pa.Array, codes: npt.NDArray[np.int32], *, file: Path, name: str) -> None:
    """Parquet and pyarrow's JSON reader hand over string bytes unchecked; the distinct values are checked."""
    try:
        dictionary.validate(full=True)
    except pa.ArrowInvalid:
        k = _first_failing(dictionary, lambda part: part.validate(full=True))
        row = int(np.flatnonzero(codes == k)[0]) + 1
        raise InvalidInputError(
            "UTF-8 text", file=file, column=name, got=f"undecodable bytes in data row {row}"
        ) from None


def _coded(codes: npt.NDArray[np.int32], names: pa.Array, *, file: Path, name: str) -> Coded:
    if len(names) == 0:
        return Coded(codes, [])
    longest = pc.max(pc.utf8_length(names)).as_py() or 0
    broken = pc.or_(pc.match_substring(names, "\n"), pc.match_substring(names, "\r"))
    first_break = pc.index(broken, True).as_py() if pc.any(broken).as_py() else -1
    return Coded(codes, names.to_pylist(), longest=int(longest), first_break=int(first_break))


def _dictionary(text: pa.ChunkedArray) -> tuple[pa.Array, npt.NDArray[np.int32]]:
    """Distinct values in order of first appearance, and each row's index into them (-1 for null)."""
    encoded = pc.dictionary_encode(text)
    # the chunks of one dictionary_encode call share the final dictionary
    dictionary = encoded.chunk(encoded.num_chunks - 1).dictionary
    indices = pa.chunked_array([chunk.indices for chunk in encoded.chunks], type=pa.int32())
    if indices.null_count:
        indices = pc.fill_null(indices, -1)
    return dictionary, indices.to_numpy().astype(np.int32, copy=False)


def _blank_to_null(text: pa.ChunkedArray) -> pa.ChunkedArray:
    trimmed = pc.utf8_trim_whitespace(text)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _first_failing(values: pa.Array, convert: Callable[[pa.Array], object]) -> int:
    """Index of the first value ``convert`` refuses, by bisection (about 2n values converted in all)."""
    lo, hi = 0, len(values)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            convert(values.slice(lo, mid - lo))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            hi = mid
        else:
            lo = mid
    return lo


def decode_durations(
    column: pa.ChunkedArray, *, file: Path, name: str, locate: Callable[[int], Location]
) -> npt.NDArray[np.float64]:
    """Seconds on task, shape (n_rows,), NaN where blank; non-numbers, negatives and durations past
    ``MAX_DURATION_S`` (one year; infinities included) are errors."""
    if (
        pa.types.is_integer(column.type)
        or pa.types.is_floating(column.type)
        or pa.types.is_decimal(column.type)
    ):
        numbers = column.cast(pa.float64())
    else:
        try:
            numbers = as_text(column, file=file, name=name).cast(
                pa.float64()
            )  # fast path: no blanks, no spaces
        except pa.ArrowInvalid:
            numbers = None
        text = _blank_to_null(as_text(column, file=file, name=name)) if numbers is None else column
        try:
            numbers = text.cast(pa.float64()) if numbers is None else numbers
        except pa.ArrowInvalid:
            flat = text.combine_chunks()
            i = _first_failing(flat, lambda part: part.cast(pa.float64()))
            raise fail_at(
                locate,
                i,
                "a duration in seconds (a number)",
                file=file,
                column=name,
                got=repr(flat[i].as_py()),
            ) from None
    values = numbers.to_numpy().astype(np.float64, copy=False) if len(numbers) else np.empty(0)
    bad = (values < 0) | (values > MAX_DURATION_S)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise fail_at(
            locate,
            i,
            f"a duration of zero or more seconds, at most one year ({MAX_DURATION_S:,.0f})",
            file=file,
            column=name,
            got=repr(float(values[i])),
        )
    return values


def decode_times(
    column: pa.ChunkedArray, *, file: Path, name: str, locate: Callable[[int], Location]
) -> npt.NDArray[np.datetime64]:
    """ISO-8601 times as ``datetime64[ms]`` UTC, shape (n_rows,), NaT where blank; no zone means UTC."""
    utc = pa.timestamp("ns", tz="UTC")
    kind = column.type
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        stamps = column.cast(pa.timestamp("ns", tz=kind.tz if pa.types.is_timestamp(kind) else None))
        if not (pa.types.is_timestamp(kind) and kind.tz):
            stamps = stamps.cast(utc)
    else:
        text = _blank_to_null(as_text(column, file=file, name=name))

        def parse(part: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
            zoned = pc.match_substring_regex(part, _ZONE)
            aware = pc.if_else(zoned, part, pa.scalar(None, pa.string())).cast(utc)
            naive = pc.if_else(zoned, pa.scalar(None, pa.string()), part).cast(pa.timestamp("ns")).cast(utc)
            return pc.if_else(zoned, aware, naive)

        try:
            stamps = parse(text)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            flat = text.combine_chunks()
            i = _first_failing(flat, parse)
            raise fail_at(
                locate,
                i,
                "an ISO-8601 time such as 2026-11-25T20:07:29Z",
                file=file,
                column=name,
                got=repr(flat[i].as_py()),
            ) from None
    ms = pc.cast(stamps, pa.timestamp("ms", tz="UTC"), safe=False)
    if len(ms) == 0:
        return np.empty(0, dtype="datetime64[ms]")
    return np.asarray(ms.to_numpy(), dtype="datetime64[ms]")


TASK_COLUMNS: Final = (
    "task",
    "item",
    "id",
)  # a payload, prediction or gold file's task column, in preference


def task_column_of(names: Sequence[str], task_column: str | None, *, file: Path | None = None) -> str:
    """The task column of a file with columns ``names``: ``task_column`` when present, else ``task``,
    ``item`` or ``id``; an error naming the file's header otherwise."""
    candidates = [c for c in (task_column, *TASK_COLUMNS) if c is not None and c in names]
    if not candidates:
        raise InvalidInputError(
            "a column 'task' (or 'item', 'id')",
            file=file,
            row=1,
            got=f"only the columns {', '.join(map(repr, names))}",
        )
    return candidates[0]
