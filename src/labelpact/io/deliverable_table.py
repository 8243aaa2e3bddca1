"""What the readers of preferences, ratings and demonstrations share: a file as a table, column roles by
alias, and vectorised decoding of names, numbers and choices that names the first bad row.

A ``.json`` file is a list of flat records, or a Label Studio full export, whose ``pairwise``, ``rating``
and ``textarea`` results become one row each (``labelstudio_rows``). Every error is one line naming the
file, the line (or record, or task) and the column, as ``io.column.fail_at`` writes it.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from labelpact.errors import InvalidInputError, missing_file
from labelpact.io.column import Coded, encode, fail_at
from labelpact.io.delimited import first_line, header_delimiter
from labelpact.io.jsonl import parse_json, read_json_document, records_table
from labelpact.io.labelstudio_flat import (
    CONTROL_KEYS,
    control_columns,
    flat_labelstudio_rows,
    is_flat_labelstudio,
)
from labelpact.io.limits import DEFAULT_LIMITS, Limits
from labelpact.io.source import Location, Source, as_text, detect_format, no_rows, read_source

__all__ = [
    "ANSWER_COLUMNS",
    "KINDS",
    "DeliverableKind",
    "Read",
    "coded_column",
    "detect_kind",
    "fitting_kinds",
    "number_column",
    "pick_columns",
    "read_table",
]

DeliverableKind = Literal["labels", "preferences", "ratings", "demonstrations"]
KINDS: tuple[DeliverableKind, ...] = ("labels", "preferences", "ratings", "demonstrations")
_LS_TYPES = {"preferences": "pairwise", "ratings": "rating", "demonstrations": "textarea"}


@dataclass(frozen=True, slots=True)
class Read:
    """What a reader of one deliverable kind found besides its data: the file, its format, the rows read, the
    column taken for each role, and notes on what was inferred (a shape recognised, a column missing)."""

    source: Path
    format: str
    n_rows: int
    columns: Mapping[str, str]
    notes: tuple[str, ...] = field(default=())


def read_table(
    path: str | Path, *, kind: str, format: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> Source:
    """``path`` as a table: CSV, TSV, Parquet, JSON Lines, a JSON list of records or a Label Studio export
    (full, or flat: JSON_MIN, CSV, TSV, whose Pairwise or Rating columns become the kind's rows)."""
    file = Path(path)
    fmt = detect_format(file, format)
    if fmt in ("json", "labelstudio-json", "labelstudio-json-min"):
        source = _read_json(file, kind, limits)
    else:
        source = read_source(file, fmt, limits=limits)
        if source.table.num_rows == 0:
            raise no_rows(source, "at least one data row")
    return flat_labelstudio_rows(source, kind) or source


def _read_json(path: Path, kind: str, limits: Limits) -> Source:
    document = read_json_document(path, "a JSON list of records", limits)
    if not isinstance(document, list) or not document:
        raise InvalidInputError("a non-empty JSON list of records", file=path, got=type(document).__name__)
    for index, record in enumerate(document):
        if not isinstance(record, dict):
            raise InvalidInputError(
                "a JSON object for each record", file=path, row=index + 1, unit="record", got="another value"
            )
    if any("annotations" in record for record in document):
        return labelstudio_rows(path, document, kind)
    return Source(
        path=path, format="json", table=records_table(document), locate=lambda i: Location("record", i + 1)
    )


def _ls_result(task_id: str, data: Mapping[str, Any], result: Mapping[str, Any]) -> dict[str, Any] | None:
    """One Label Studio result as a flat row (None for result types the readers do not take)."""
    raw = result.get("value")
    value: dict[str, Any] = raw if isinstance(raw, dict) else {}
    kind = result.get("type")
    if kind == "pairwise":
        names = [n.strip() for n in str(result.get("to_name") or "").split(",") if n.strip()]
        if len(names) != 2:
            names = ["left", "right"]
        items = [str(data.get(f"{n}_id", f"{task_id}/{n}")) for n in names]
        return {"left": items[0], "right": items[1], "choice": value.get("selected")}
    if kind == "rating":
        return {"criterion": result.get("from_name"), "score": value.get("rating")}
    if kind == "textarea":
        text = value.get("text")
        return {"text": "\n".join(map(str, text)) if isinstance(text, list) else text}
    return None


def labelstudio_rows(path: Path, tasks: list[dict[str, Any]], kind: str) -> Source:
    """A Label Studio full export as rows of ``kind``: ``task, worker, left, right, choice`` from ``pairwise``
    results (items are the task's ``<name>_id`` field, else ``task/<name>``), ``task, worker, criterion, score``
    from ``rating`` results, ``task, worker, text`` from ``textarea`` results; cancelled annotations skipped."""
    wanted = _LS_TYPES.get(kind)
    rows: list[dict[str, Any]] = []
    where: list[tuple[int, object]] = []
    for index, task in enumerate(tasks):
        task_id = str(task.get("id", index + 1))
        raw = task.get("data")
        data: dict[str, Any] = raw if isinstance(raw, dict) else {}
        for ann in task.get("annotations") or []:
            if not isinstance(ann, dict) or ann.get("was_cancelled"):
                continue
            worker = ann.get("completed_by")
            worker = worker.get("email") or worker.get("id") if isinstance(worker, dict) else worker
            for result in ann.get("result") or []:
                if not isinstance(result, dict) or result.get("type") != wanted:
                    continue
                row = _ls_result(task_id, data, result)
                if row is not None:
                    rows.append(
                        {"task": task_id, "worker": worker, "duration_s": ann.get("lead_time"), **row}
                    )
                    where.append((index, ann.get("id")))
    if not rows:
        raise InvalidInputError(
            f"Label Studio annotations with {wanted!r} results (for --kind {kind})",
            file=path,
            got="none in the export",
        )

    def locate(i: int) -> Location:
        index, annotation = where[i]
        return Location("task", index + 1, None if annotation is None else f"annotation {annotation}")

    return Source(path=path, format="labelstudio-json", table=records_table(rows), locate=locate)


def pick_columns(
    source: Source,
    aliases: Mapping[str, Sequence[str]],
    *,
    required: Sequence[str],
    explicit: Mapping[str, str | None] | None = None,
) -> dict[str, str]:
    """Role -> column: an explicit name must exist, else the first alias present; a required role is an error
    naming the columns the file has."""
    names = source.table.column_names
    shown = ", ".join(repr(n) for n in names)
    chosen: dict[str, str] = {}
    for role, options in aliases.items():
        asked = (explicit or {}).get(role)
        if asked is not None and asked not in names:
            raise InvalidInputError(
                f"the column {asked!r} asked for by --{role}-column", file=source.path, row=1, got=shown
            )
        found = asked or next((a for a in options if a in names), None)
        if found is not None:
            chosen[role] = found
        elif role in required:
            wanted = " or ".join(repr(a) for a in options)
            raise InvalidInputError(
                f"a column {wanted}", file=source.path, row=1, column=role, got=f"only the columns {shown}"
            )
    return chosen


def coded_column(source: Source, name: str, *, blank_ok: bool = False) -> Coded:
    """A text column as codes into names (first-seen order); a blank cell is an error unless ``blank_ok``."""
    coded = encode(source.table[name], file=source.path, name=name)
    if not blank_ok and len(coded.codes) and coded.codes.min() < 0:
        i = int(np.argmin(coded.codes))
        raise fail_at(source.locate, i, "a value", file=source.path, column=name, got="a blank cell")
    return coded


def number_column(
    source: Source, name: str, *, low: float | None = None, what: str = "a number"
) -> npt.NDArray[np.float64]:
    """A column as float64, shape (n_rows,), NaN where blank; text that is not a number, an infinity or a value
    below ``low`` is an error naming its row."""
    column = source.table[name]
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        values = column.cast(pa.float64()).to_numpy()
    else:
        text = pc.utf8_trim_whitespace(as_text(column, file=source.path, name=name))
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
        flat = text.combine_chunks()
        try:
            values = flat.cast(pa.float64()).to_numpy(zero_copy_only=False)
        except pa.ArrowInvalid:
            for i, value in enumerate(flat.to_pylist()):  # the error path only: name the first bad row
                try:
                    float(value) if value is not None else None
                except ValueError:
                    raise fail_at(
                        source.locate, i, what, file=source.path, column=name, got=repr(value)
                    ) from None
            raise  # pragma: no cover - Arrow refused a value Python reads
    values = np.asarray(values, dtype=np.float64)
    bad = np.isinf(values) | ((values < low) if low is not None else False)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise fail_at(source.locate, i, what, file=source.path, column=name, got=repr(float(values[i])))
    return values


_SIGNATURES: tuple[tuple[DeliverableKind, tuple[frozenset[str], ...]], ...] = (
    ("labels", (frozenset({"label"}),)),
    (
        "preferences",
        (
            frozenset({"left", "right", "choice"}),
            frozenset({"chosen", "rejected"}),
            frozenset({"response_a", "response_b", "winner"}),
            frozenset({"model_a", "model_b", "winner"}),
        ),
    ),
    ("ratings", (frozenset({"criterion", "score"}),)),
    ("demonstrations", (frozenset({"text"}), frozenset({"answer"}), frozenset({"completion"}))),
)


def _column_names(file: Path, fmt: str) -> set[str]:
    """The column names of a file from its header alone (the first line, the Parquet schema, the first record)."""
    if not file.is_file():
        raise InvalidInputError("an existing file", file=file, got=missing_file(file))
    if fmt == "parquet":
        try:
            return set(pq.read_schema(file).names)
        except (pa.ArrowInvalid, OSError, ValueError):  # a bad file: the labels reader names the problem
            return set()
    opener = gzip.open if file.suffix.lower() == ".gz" else open
    try:
        with opener(file, "rt", encoding="utf-8-sig", errors="replace", newline="") as handle:
            first = handle.readline(1 << 20)
    except (OSError, EOFError):  # not what its name says: the labels reader names the problem
        return set()
    if fmt == "jsonl":
        try:
            record = parse_json(first)
        except ValueError:
            return set()
        return set(record) if isinstance(record, dict) else set()
    header = first_line(first)
    return {name.strip() for name in next(csv.reader([header], delimiter=header_delimiter(header, fmt)), [])}


def detect_kind(path: str | Path, *, format: str | None = None) -> DeliverableKind:
    """The deliverable kind a file's header says it holds; an error naming ``--kind`` when none or several fit.

    Only the header is read (a JSON document is parsed whole). Wide ratings (``task, worker, <criterion>...``)
    have no signature column: name them with ``--kind ratings``. A text column beside the columns of
    judgements (labels, preferences, ratings) is the text judged, not a demonstration.
    """
    fits, names = _fits(Path(path), format)
    if len(fits) != 1:
        raise InvalidInputError(
            "columns of one deliverable kind, or --kind labels|preferences|ratings|demonstrations",
            file=Path(path),
            row=1,
            got=f"columns {sorted(names)} fit {list(fits) or 'no kind'}",
        )
    return fits[0]


def fitting_kinds(path: str | Path, *, format: str | None = None) -> tuple[DeliverableKind, ...]:
    """Every deliverable kind a file's header fits (as :func:`detect_kind` reads it): none, one or several."""
    return _fits(Path(path), format)[0]


def _fits(file: Path, format: str | None) -> tuple[tuple[DeliverableKind, ...], set[str]]:
    """The kinds the header of ``file`` fits, and its column names."""
    fmt = detect_format(file, format)
    if fmt in ("json", "labelstudio-json", "labelstudio-json-min"):
        try:
            document = parse_json(file.read_text(encoding="utf-8-sig") or "[]")
        except (ValueError, OSError, RecursionError):  # the reader of the kind names the problem
            document = []
        first = document[0] if isinstance(document, list) and document else {}
        if isinstance(first, dict) and "annotations" in first:
            return (_labelstudio_kind(file, document),), set(first)
        names = set(first) if isinstance(first, dict) else set()
    else:
        names = _column_names(file, fmt)
    flat = _flat_labelstudio_kind(file, fmt) if is_flat_labelstudio(names) else None
    if flat is not None:
        return (flat,), names
    fits = [kind for kind, shapes in _SIGNATURES if any(shape <= names for shape in shapes)]
    if not fits and is_flat_labelstudio(names):
        return ("labels",), names  # a Choices column, named as the project named it
    if len(fits) > 1 and "demonstrations" in fits:  # the judged text beside the judgements
        fits.remove("demonstrations")
    return tuple(fits), names


def _labelstudio_kind(file: Path, tasks: list[Any]) -> DeliverableKind:
    types = {
        r.get("type")
        for t in tasks
        if isinstance(t, dict)
        for a in t.get("annotations") or []
        if isinstance(a, dict)
        for r in a.get("result") or []
        if isinstance(r, dict)
    }
    fits: list[DeliverableKind] = [k for k, t in _LS_TYPES.items() if t in types]  # type: ignore[misc]
    fits += ["labels"] if "choices" in types else []
    if len(fits) != 1:
        raise InvalidInputError(
            "a Label Studio export of one kind, or --kind", file=file, got=f"results of kinds {fits}"
        )
    return fits[0]


def _flat_labelstudio_kind(file: Path, fmt: str) -> DeliverableKind | None:
    """A flat Label Studio export's kind by what its control columns hold: Pairwise results make it
    preferences, Rating results ratings; a column named as written answers are (``text``, ``answer``...)
    whose cells are nearly all different (more than half, and more than 20) demonstrations, a TextArea's
    free text, and labels where it repeats a few classes (a Choices control of that name). Two kinds is an
    error; None when the cells say nothing (the columns' names decide)."""
    try:
        source = read_table(file, kind="labels", format=fmt)
    except InvalidInputError:
        return None  # the reader of the kind the names say will name the problem
    fits: list[DeliverableKind] = [k for k in CONTROL_KEYS if control_columns(source, k)]  # type: ignore[misc]
    answers = [n for n in ANSWER_COLUMNS if n in source.table.column_names]
    if any(_free_text(source.table[n]) for n in answers):
        fits.append("demonstrations")
    if len(fits) > 1:
        raise InvalidInputError(
            "a Label Studio export of one kind, or --kind", file=file, got=f"results of kinds {fits}"
        )
    return fits[0] if fits else ("labels" if answers else None)


# the columns written answers (demonstrations) are found in, by name
ANSWER_COLUMNS = ("text", "answer", "response", "completion", "output")


def _free_text(column: pa.ChunkedArray) -> bool:
    """Whether a column's filled cells are nearly all different (written answers, not repeated classes)."""
    filled = pc.drop_null(column.cast(pa.string()))
    distinct = len(pc.unique(filled))
    return distinct > 20 and distinct > len(filled) / 2
