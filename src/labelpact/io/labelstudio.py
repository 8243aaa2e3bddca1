"""Label Studio exports: the full JSON (a list of tasks, each with its annotations) and JSON_MIN (flat rows).

Both are parsed by ``json`` in Python (an export is one JSON document, bounded by what a Label Studio
server holds) once their nesting depth is checked on the bytes; the rows then go through the same
vectorised checks as every other format. JSON_MIN, CSV and TSV exports are recognised by their
``annotation_id`` and ``annotator`` columns: the task is ``id`` and the label the one choice column
(``labelstudio_roles``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from labelpact.errors import InvalidInputError
from labelpact.io.column import Coded, encode, fail_at
from labelpact.io.jsonl import read_json_document
from labelpact.io.labelstudio_control import choice_control, is_choice_result
from labelpact.io.limits import DEFAULT_LIMITS, Limits
from labelpact.io.source import Location, Source, as_text, records_table

__all__ = [
    "LS_COLUMNS",
    "LS_META_COLUMNS",
    "check_single_choice",
    "is_labelstudio_export",
    "labelstudio_roles",
    "read_json_file",
    "result_values",
]

# role -> where the full export keeps it
LS_COLUMNS: Final = {
    "task": "id",
    "worker": "completed_by",
    "label": "result.value.choices",
    "duration_s": "lead_time",
    "submitted_at": "created_at",
}
# JSON_MIN / CSV columns that describe the annotation, not the task: never task payload fields
LS_META_COLUMNS: Final = frozenset(
    {"annotation_id", "annotator", "created_at", "updated_at", "lead_time", "id"}
)


def read_json_file(
    path: Path, *, label_column: str | None = None, labels: bool = True, limits: Limits = DEFAULT_LIMITS
) -> Source:
    """A ``.json`` file: a Label Studio full export (tasks with ``annotations``) or a list of flat rows.

    A full export's labels are the results of the Choices control ``label_column`` names, or of its only
    one (``labelstudio_control``); ``labels=False`` reads only its tasks' ``data`` (a tasks file), so an
    export whose labels could not be read still gives its payloads.
    """
    document = read_json_document(path, "a JSON list of tasks", limits)
    if not isinstance(document, list):
        raise InvalidInputError(
            "a JSON list of tasks (Label Studio export) or of flat records",
            file=path,
            got=f"a JSON {_kind(document)}",
        )
    if not document:
        raise InvalidInputError("at least one task", file=path, got="an empty JSON list")
    for index, record in enumerate(document):
        if not isinstance(record, dict):
            raise InvalidInputError(
                "a JSON object for each task or record",
                file=path,
                row=index + 1,
                unit="record",
                got=f"a JSON {_kind(record)}",
            )
    if any("annotations" in record for record in document):
        control = choice_control(path, document, label_column) if labels else None
        return _full_export(path, document, control)
    table = records_table(document)
    return Source(
        path=path,
        format="labelstudio-json-min",
        table=table,
        locate=lambda i: Location("record", i + 1),
    )


def _kind(value: object) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


def _worker(value: object) -> str | None:
    """``completed_by`` is a user id, or (older exports) a user object: its email, else its id."""
    if isinstance(value, dict):
        value = value.get("email") or value.get("id")
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _choice(path: Path, task_index: int, annotation: dict[str, Any], control: str | None) -> str | None:
    """The single class chosen in an annotation's ``result`` by the Choices control ``control``; None when
    it chose nothing there (or ``control`` is None: the export holds no Choices result)."""
    results = annotation.get("result") or []
    choices = [
        r["value"]["choices"] for r in results if is_choice_result(r) and str(r.get("from_name")) == control
    ]
    if not choices or choices == [[]]:
        return None
    if len(choices) > 1 or not isinstance(choices[0], list) or len(choices[0]) > 1:
        raise InvalidInputError(
            f"annotation {annotation.get('id')}: one choice per annotation (multi-choice is not supported yet)",
            file=path,
            row=task_index + 1,
            unit="task",
            column="result",
            got=repr([c for group in choices for c in (group if isinstance(group, list) else [group])]),
        )
    value = choices[0][0]
    if not isinstance(value, str):
        raise InvalidInputError(
            f"annotation {annotation.get('id')}: a class name",
            file=path,
            row=task_index + 1,
            unit="task",
            got=repr(value),
        )
    return value


def _full_export(path: Path, tasks: list[dict[str, Any]], control: str | None) -> Source:
    """One row per annotation record (cancelled included, flagged) plus one empty row per task without any;
    the label is the choice of the Choices control ``control`` (None: no labels read)."""
    columns: dict[str, list[Any]] = {
        name: []
        for name in ("id", "completed_by", "label", "lead_time", "created_at", "cancelled", "ground_truth")
    }
    where: list[tuple[int, object]] = []
    payload_tasks: list[str] = []
    payload_rows: list[dict[str, Any]] = []
    for index, task in enumerate(tasks):
        if task.get("id") is None:
            raise InvalidInputError(
                "a task 'id'", file=path, row=index + 1, unit="task", column="id", got="none"
            )
        task_id = str(task["id"])
        data = task.get("data")
        payload_tasks.append(task_id)
        payload_rows.append(data if isinstance(data, dict) else {})
        annotations = task.get("annotations") or []
        if not isinstance(annotations, list):
            raise InvalidInputError(
                "a list of annotations",
                file=path,
                row=index + 1,
                unit="task",
                column="annotations",
                got=_kind(annotations),
            )
        if not annotations:
            annotations = [None]
        for annotation in annotations:
            if annotation is not None and not isinstance(annotation, dict):
                raise InvalidInputError(
                    "each annotation a JSON object",
                    file=path,
                    row=index + 1,
                    unit="task",
                    got=_kind(annotation),
                )
            ann = annotation or {}
            cancelled = bool(ann.get("was_cancelled", False))
            columns["id"].append(task_id)
            columns["completed_by"].append(_worker(ann.get("completed_by")))
            columns["label"].append(None if cancelled or not ann else _choice(path, index, ann, control))
            columns["lead_time"].append(_number_text(ann.get("lead_time")))
            columns["created_at"].append(ann.get("created_at"))
            columns["cancelled"].append(cancelled)
            columns["ground_truth"].append(bool(ann.get("ground_truth", False)) and not cancelled)
            where.append((index, ann.get("id")))
    table = pa.table(
        {
            name: pa.array(values, type=pa.bool_() if name in ("cancelled", "ground_truth") else pa.string())
            for name, values in columns.items()
        }
    )
    payloads = records_table(payload_rows)

    def locate(i: int) -> Location:
        index, annotation_id = where[i]
        detail = f"annotation {annotation_id}" if annotation_id is not None else None
        return Location("task", index + 1, detail)

    return Source(
        path=path,
        format="labelstudio-json",
        table=table,
        locate=locate,
        extra={"payload_tasks": payload_tasks, "payloads": payloads},
    )


def _number_text(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def is_labelstudio_export(source: Source) -> bool:
    """A JSON_MIN, CSV or TSV export of Label Studio: flat rows with ``annotation_id`` and ``annotator``."""
    names = set(source.table.column_names)
    return source.format == "labelstudio-json-min" or {"annotation_id", "annotator"} <= names


def labelstudio_roles(
    source: Source, explicit: Mapping[str, str | None], known: Iterable[str]
) -> dict[str, str]:
    """The task and label columns of a flat Label Studio export, where the caller named none.

    The task is ``id``. The label is the one column written by a labelling control: task data columns
    (the task's ``data`` keys, repeated on each of its rows) are filled on rows without an annotator and
    never differ within a task; a choice column is blank on those rows and, where workers disagree,
    differs within a task. More than one such column (two controls) is an error naming them.
    """
    table, file = source.table, source.path
    names = table.column_names
    roles: dict[str, str] = {}
    if explicit.get("task") is None and not {"task", "item"} & set(names) and "id" in names:
        roles["task"] = "id"
    if explicit.get("label") is not None or "label" in names:
        return roles
    task_name = explicit.get("task") or roles.get("task")
    worker_name = explicit.get("worker") or "annotator"
    if task_name is None or task_name not in names or worker_name not in names:
        return roles
    taken = {task_name, worker_name, *known, *LS_META_COLUMNS}
    candidates = [name for name in names if name not in taken and not name.startswith("_")]
    if not candidates:
        return roles
    task = _codes(table[task_name], file, task_name)
    no_worker = _codes(table[worker_name], file, worker_name) < 0
    choice = [name for name in candidates if not _task_data(table[name], file, name, task, no_worker)]
    if len(choice) > 1:
        varying = [name for name in choice if _varies_within_tasks(table[name], file, name, task)]
        choice = varying or choice
    if not choice:
        _refuse_label_without_annotator(source, candidates, task, no_worker, worker_name)
    if len(choice) != 1:
        shown = ", ".join(repr(n) for n in (choice or candidates))
        raise InvalidInputError(
            "one choice column in this Label Studio export (name it with --label-column)",
            file=file,
            row=1,
            got=f"{'several candidates' if choice else 'no candidate'}: {shown}",
        )
    _refuse_other_control(table[choice[0]], file, choice[0])
    roles["label"] = choice[0]
    return roles


def _refuse_other_control(column: pa.ChunkedArray, file: Path, name: str) -> None:
    """A labels file's choice column must not hold another control's results: a Pairwise or Rating column
    read as labels would make each JSON cell a class."""
    first = next((c for c in column.cast(pa.string()).to_pylist() if c and c.strip()), None)
    if first is None:
        return
    for key, control, kind in (("selected", "Pairwise", "preferences"), ("rating", "Rating", "ratings")):
        if result_values(first, key) is not None:
            raise InvalidInputError(
                f"a Label Studio Choices column for labels (this export holds {kind}: --kind {kind})",
                file=file,
                row=1,
                column=name,
                got=f"a {control} column",
            )


def result_values(cell: str, key: str) -> list[Any] | None:
    """The ``key`` values of a flat export's cell holding a JSON list of result objects (or one object), as
    Label Studio's converter writes a control's results (``[{"selected": "left"}]``); else None."""
    text = cell.strip()
    if not text.startswith(("[", "{")) or f'"{key}"' not in text:
        return None
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):  # not a result list (deep nesting: the reader names it)
        return None
    items = parsed if isinstance(parsed, list) else [parsed]
    if not items or not all(isinstance(item, dict) and key in item for item in items):
        return None
    return [item[key] for item in items]


def _codes(column: pa.ChunkedArray, file: Path, name: str) -> npt.NDArray[np.int32]:
    return encode(column, file=file, name=name).codes


def _refuse_label_without_annotator(
    source: Source,
    candidates: list[str],
    task: npt.NDArray[np.int32],
    no_worker: npt.NDArray[np.bool_],
    worker_name: str,
) -> None:
    """Where the one column that differs within a task (answers do; task data never does) also has a value
    on a row without an annotator, that row is a label nobody gave: name it, not the column detection."""
    table, file = source.table, source.path
    flat = [n for n in candidates if not pa.types.is_nested(table[n].type)]
    varying = [n for n in flat if _varies_within_tasks(table[n], file, n, task)]
    if len(varying) != 1:
        return
    given = (
        _codes(as_text(table[varying[0]], file=file, name=varying[0]), file, varying[0]) >= 0
    ) & no_worker
    if given.any():
        raise fail_at(
            source.locate,
            int(np.flatnonzero(given)[0]),
            f"a worker id for this label ({varying[0]!r})",
            file=file,
            column=worker_name,
            got="none",
        )


def _task_data(
    column: pa.ChunkedArray,
    file: Path,
    name: str,
    task: npt.NDArray[np.int32],
    no_worker: npt.NDArray[np.bool_],
) -> bool:
    """Filled on a row without an annotator (only task data is), or a list (the task's ``data`` held one)."""
    codes = _codes(column, file, name)
    if bool(((codes >= 0) & no_worker).any()):
        return True
    return bool(pa.types.is_nested(column.type))


def _varies_within_tasks(column: pa.ChunkedArray, file: Path, name: str, task: npt.NDArray[np.int32]) -> bool:
    """Whether some task has two different (non-blank) values in this column."""
    codes = _codes(as_text(column, file=file, name=name), file, name)
    filled = (codes >= 0) & (task >= 0)
    pairs = np.unique(task[filled].astype(np.int64) * (int(codes.max()) + 2) + codes[filled])
    return len(pairs) > len(np.unique(task[filled]))


def check_single_choice(label: Coded, *, source: Source, column: str) -> None:
    """Refuse a multi-choice cell of a flat export: JSON_MIN writes a list, CSV ``{"choices": [...]}``."""
    for k, name in enumerate(label.names):
        text = name.lstrip()
        if not (text.startswith("[") or text.startswith('{"choices"')):
            continue
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):  # not JSON, or nested past what json parses: a plain label
            continue
        if isinstance(value, dict):
            value = value.get("choices")
        if isinstance(value, list):
            i = int(np.flatnonzero(label.codes == k)[0])
            raise fail_at(
                source.locate,
                i,
                "one choice per annotation (multi-choice is not supported yet)",
                file=source.path,
                column=column,
                got=repr(value)[:80],
            )
