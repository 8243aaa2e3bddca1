"""Label Studio's flat exports (JSON_MIN, CSV, TSV) of ``Pairwise`` and ``Rating`` controls, read as rows of
preferences or ratings the way the full export's results are (``deliverable_table.labelstudio_rows``).

Label Studio's converter writes each control's results into one column named after the control: a Pairwise
cell is ``[{"selected": "left"}]`` and a Rating cell ``[{"rating": 4}]`` (JSON text in a CSV cell, a JSON
value in JSON_MIN, both text once read). The task is ``id`` and the worker ``annotator``. A Pairwise task's
items are its ``left_id`` and ``right_id`` fields where it has them, else ``<task>/left`` and
``<task>/right``. (The full export names them after the control's ``toName`` objects, which a flat export
does not carry: the two agree when those are ``left`` and ``right`` or the ids are given.) A Rating
control's name is the criterion.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pyarrow as pa

from labelpact.errors import InvalidInputError
from labelpact.io.column import fail_at
from labelpact.io.labelstudio import LS_META_COLUMNS, result_values
from labelpact.io.source import Location, Source

__all__ = ["CONTROL_KEYS", "control_columns", "flat_labelstudio_rows", "is_flat_labelstudio", "textarea_text"]

# deliverable kind -> (the control's name in Label Studio, the key its result value carries)
CONTROL_KEYS: Final = {"preferences": ("Pairwise", "selected"), "ratings": ("Rating", "rating")}


def is_flat_labelstudio(names: list[str] | set[str]) -> bool:
    """Whether columns are a flat Label Studio export's: ``id``, ``annotation_id`` and ``annotator``."""
    return {"id", "annotation_id", "annotator"} <= set(names)


def control_columns(source: Source, kind: str) -> dict[str, list[list[Any]]]:
    """Column -> per row, the results (values of the kind's key; [] for a blank cell) of every column of a
    flat Label Studio export that holds the kind's control; {} for another kind or not such an export."""
    if kind not in CONTROL_KEYS or not is_flat_labelstudio(source.table.column_names):
        return {}
    key = CONTROL_KEYS[kind][1]
    found: dict[str, list[list[Any]]] = {}
    for name in source.table.column_names:
        if name in LS_META_COLUMNS or name in ("left_id", "right_id"):
            continue
        cells = source.table[name].cast(pa.string()).to_pylist()
        results = _results(source, name, cells, key)
        if results is not None:
            found[name] = results
    return found


def _results(source: Source, name: str, cells: list[str | None], key: str) -> list[list[Any]] | None:
    """Per row the ``key`` values of a control column's results; None when the column is not such a control
    (its first filled cell is not a JSON list of objects with ``key``). A later cell that is not is an error."""
    first = next((i for i, c in enumerate(cells) if c is not None and c.strip()), None)
    if first is None or result_values(cells[first] or "", key) is None:
        return None
    out: list[list[Any]] = []
    for i, cell in enumerate(cells):
        if cell is None or not cell.strip():
            out.append([])
            continue
        values = result_values(cell, key)
        if values is None:
            raise fail_at(
                source.locate,
                i,
                f'a Label Studio result list like [{{"{key}": ...}}]',
                file=source.path,
                column=name,
                got=repr(cell[:60]),
            )
        out.append(values)
    return out


def flat_labelstudio_rows(source: Source, kind: str) -> Source | None:
    """A flat Label Studio export as rows of ``kind`` (preferences: ``task, worker, left, right, choice``;
    ratings: ``task, worker, criterion, score``; both with ``duration_s`` from ``lead_time``), one per result;
    the export's other columns are kept beside them. None when ``source`` is not such an export."""
    if kind not in CONTROL_KEYS or not is_flat_labelstudio(source.table.column_names):
        return None
    controls = control_columns(source, kind)
    if not controls:
        control, key = CONTROL_KEYS[kind]
        shown = ", ".join(repr(n) for n in source.table.column_names)
        raise InvalidInputError(
            f'a Label Studio {control} column (cells like [{{"{key}": ...}}]) in this export (for --kind {kind})',
            file=source.path,
            row=1,
            got=f"only the columns {shown}",
        )
    origin: list[int] = []
    made: dict[str, list[Any]] = {"criterion": [], "value": []}
    for i in range(source.table.num_rows):
        for name, rows in controls.items():
            for value in rows[i]:
                origin.append(i)
                made["criterion"].append(name)
                made["value"].append(None if value is None else str(value))
    if not origin:
        raise InvalidInputError(
            f"at least one {CONTROL_KEYS[kind][0]} result", file=source.path, got="only blank control cells"
        )
    at = np.asarray(origin, dtype=np.int64)
    kept = source.table.take(pa.array(at))
    text = {name: kept[name].cast(pa.string()).to_pylist() for name in ("id", "annotator")}
    produced: dict[str, list[Any]] = {"task": text["id"], "worker": text["annotator"]}
    if kind == "preferences":
        produced["left"] = _items(kept, text["id"], "left")
        produced["right"] = _items(kept, text["id"], "right")
        produced["choice"] = made["value"]
    else:
        produced["criterion"] = made["criterion"]
        produced["score"] = made["value"]
    if "lead_time" in kept.column_names and "duration_s" not in kept.column_names:
        produced["duration_s"] = kept["lead_time"].cast(pa.string()).to_pylist()
    table = kept.drop_columns([n for n in produced if n in kept.column_names])
    for name, values in produced.items():
        table = table.append_column(name, pa.array(values, type=pa.string()))

    def locate(j: int) -> Location:
        return source.locate(int(at[j]))

    return Source(
        path=source.path, format=source.format, table=table, locate=locate, delimiter=source.delimiter
    )


def _items(table: pa.Table, tasks: list[str | None], side: str) -> list[str]:
    """The ``side`` item of each row: its ``<side>_id`` field where filled, else ``<task>/<side>``."""
    named = table[f"{side}_id"].cast(pa.string()).to_pylist() if f"{side}_id" in table.column_names else None
    return [
        named[i] if named is not None and named[i] not in (None, "") else f"{task}/{side}"
        for i, task in enumerate(tasks)
    ]


def textarea_text(cell: str) -> str:
    """A flat export's TextArea cell as its text: one text is written as is, several as
    ``[{"text": ["a", "b"]}]``, which become lines joined by line breaks, as the full export's are."""
    values = result_values(cell, "text")
    if values is None:
        return cell
    lines: list[str] = []
    for value in values:
        lines.extend(map(str, value) if isinstance(value, list) else [str(value)])
    return "\n".join(lines)
