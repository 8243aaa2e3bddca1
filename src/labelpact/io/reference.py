"""The files that come with a delivery: gold answers (``task,label``) and task payloads (``task,<fields>``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from labelpact.core.annotations import Annotations, Gold, TaskPayloads
from labelpact.errors import InvalidInputError
from labelpact.io.column import ALIASES, Coded, encode, fail_at, resolve_columns, task_column_of
from labelpact.io.labelstudio import LS_META_COLUMNS, is_labelstudio_export, labelstudio_roles, read_json_file
from labelpact.io.source import Location, Source, as_text, detect_format, no_rows, read_source
from labelpact.io.values import check_line_breaks

__all__ = [
    "GoldPairs",
    "attach_gold",
    "batch_payloads",
    "payload_coverage",
    "payloads_of_batch",
    "read_gold",
    "read_tasks",
]

# gold task codes, class codes, and the labels file with the data rows they came from
# Label Studio ground truth: (task codes, class codes, the export, its rows, the worker codes who gave them)
GoldPairs = tuple[
    npt.NDArray[np.intp], npt.NDArray[np.intp], Source, npt.NDArray[np.intp], npt.NDArray[np.intp]
]


def _read_table(path: Path, *, labels: bool = True, format: str | None = None) -> Source:
    """A companion file as a table; ``labels=False`` reads a Label Studio full export's task data only."""
    fmt = detect_format(path, format)
    if fmt in ("json", "labelstudio-json", "labelstudio-json-min"):
        return read_json_file(path, labels=labels)
    return read_source(path, fmt)


def _columns_of(source: Source, explicit: Mapping[str, str | None], roles: tuple[str, ...]) -> dict[str, str]:
    """Roles in a companion file: an explicit column name is used only where this file has it."""
    names = source.table.column_names
    usable = {role: name for role, name in explicit.items() if name is not None and name in names}
    return resolve_columns(names, file=source.path, explicit=usable, required=roles, roles=roles)


def read_gold(
    path: str | Path,
    annotations: Annotations,
    *,
    task_column: str | None = None,
    label_column: str | None = None,
    classes_fixed: bool = False,
) -> tuple[Annotations, Gold]:
    """Gold answers for tasks of ``annotations``; a gold label outside ``annotations.classes`` is an error.

    Returns the annotations and the gold coded into them. ``classes_fixed`` says the classes came from
    the caller (``--classes``, a contract) rather than from the labels seen, which changes only the hint.
    """
    explicit = {"task": task_column, "label": label_column}
    a, gold = attach_gold(
        annotations, Path(path), ls_gold=None, explicit=explicit, classes_fixed=classes_fixed
    )
    if gold is None:  # pragma: no cover - a gold file always gives gold or an error
        raise InvalidInputError("at least one gold answer", file=path)
    return a, gold


def attach_gold(
    annotations: Annotations,
    path: Path | None,
    *,
    ls_gold: GoldPairs | None,
    explicit: Mapping[str, str | None],
    classes_fixed: bool,
) -> tuple[Annotations, Gold | None]:
    """Merge gold from a file and from Label Studio ``ground_truth`` flags; one label per task or an error."""
    tasks: list[npt.NDArray[np.intp]] = []
    labels: list[npt.NDArray[np.intp]] = []
    authors: list[npt.NDArray[np.intp]] = []  # the worker whose annotation is the gold, or -1
    origins: list[tuple[Source, npt.NDArray[np.intp]]] = []  # where each gold row came from
    a = annotations
    if ls_gold is not None and len(ls_gold[0]):
        tasks.append(ls_gold[0])
        labels.append(ls_gold[1])
        authors.append(ls_gold[4])
        origins.append((ls_gold[2], ls_gold[3]))
    if path is not None:
        a, file_tasks, file_labels, gold_source = _gold_file(a, path, explicit, classes_fixed)
        tasks.append(file_tasks)
        labels.append(file_labels)
        authors.append(np.full(len(file_tasks), -1, dtype=np.intp))
        origins.append((gold_source, np.arange(len(file_tasks))))
    if not tasks:
        return a, None
    task = np.concatenate(tasks)
    label = np.concatenate(labels)
    order = np.argsort(task, kind="stable")
    t, y = task[order], label[order]
    same = t[1:] == t[:-1]
    clash = same & (y[1:] != y[:-1])
    if clash.any():
        j = int(np.flatnonzero(clash)[0])
        (first_source, first), (second_source, second) = (_origin(origins, int(order[k])) for k in (j, j + 1))
        before = f"{first.unit} {first.number}" + (f" ({first.detail})" if first.detail else "")
        if first_source is not second_source:
            before = f"{first_source.path.name}, {before}"
        raise InvalidInputError(
            "one gold label per task" + (f" ({second.detail})" if second.detail else ""),
            file=second_source.path,
            row=second.number,
            unit=second.unit,
            column="label",
            got=f"{a.classes[y[j + 1]]!r} for task {a.tasks[t[j]]!r} after {a.classes[y[j]]!r} at {before}",
        )
    keep = np.concatenate([[True], ~same])
    author = np.concatenate(authors)[order][keep]  # a task's first gold row: the export's, where it has one
    return a, Gold(task=t[keep], label=y[keep], author=author if (author >= 0).any() else None)


def _origin(origins: list[tuple[Source, npt.NDArray[np.intp]]], index: int) -> tuple[Source, Location]:
    """The file and place of gold row ``index`` of the concatenated gold rows."""
    for source, rows in origins:
        if index < len(rows):
            return source, source.locate(int(rows[index]))
        index -= len(rows)
    raise IndexError(index)


def _gold_file(
    a: Annotations, path: Path, explicit: Mapping[str, str | None], classes_fixed: bool
) -> tuple[Annotations, npt.NDArray[np.intp], npt.NDArray[np.intp], Source]:
    source = _read_table(path)
    table = source.table
    if table.num_rows == 0:
        raise no_rows(source, "at least one gold answer")
    columns = _columns_of(source, explicit, ("task", "label"))
    task = encode(table[columns["task"]], file=path, name=columns["task"])
    label = encode(table[columns["label"]], file=path, name=columns["label"])
    for coded, role in ((task, "task"), (label, "label")):
        if (coded.codes < 0).any():
            i = int(np.flatnonzero(coded.codes < 0)[0])
            raise fail_at(
                source.locate, i, f"a gold {role}", file=path, column=columns[role], got="a blank cell"
            )
    position = pc.index_in(
        pa.array(task.names, type=pa.string()), value_set=pa.array(a.tasks, type=pa.string())
    )
    task_lookup = position.to_numpy(zero_copy_only=False)
    outside = (
        np.isnan(task_lookup) if task_lookup.dtype.kind == "f" else np.zeros(len(task_lookup), dtype=bool)
    )
    if outside.any():
        bad = np.flatnonzero(outside)
        i = int(np.flatnonzero(np.isin(task.codes, bad))[0])
        raise fail_at(
            source.locate,
            i,
            "gold for a task of this batch",
            file=path,
            column=columns["task"],
            got=repr(task.names[task.codes[i]]),
        )
    known = set(a.classes)
    new = [name for name in label.names if name not in known]
    if new:  # a class no worker chose would become a class of its own, and the consensus of its task
        i = int(np.flatnonzero(np.isin(label.codes, [label.names.index(n) for n in new]))[0])
        hint = (
            ""
            if classes_fixed
            else " (a class no worker chose must be listed with --classes or in the contract)"
        )
        raise fail_at(
            source.locate,
            i,
            f"a gold label in {_shown(a.classes)}{hint}",
            file=path,
            column=columns["label"],
            got=repr(label.names[label.codes[i]]),
        )
    class_position = {name: k for k, name in enumerate(a.classes)}
    class_lookup = np.array([class_position[n] for n in label.names], dtype=np.intp)
    return a, task_lookup.astype(np.intp)[task.codes], class_lookup[label.codes], source


def _shown(classes: tuple[str, ...]) -> str:
    """The class list for a message, cut after 20 names."""
    if len(classes) <= 20:
        return str(list(classes))
    return "[" + ", ".join(map(repr, classes[:20])) + f", ...] ({len(classes):,} classes)"


def read_tasks(
    path: str | Path,
    *,
    task_column: str | None = None,
    label_column: str | None = None,
    format: str | None = None,
) -> TaskPayloads:
    """Task payloads from a ``task,<field>...`` file (CSV, Parquet, JSON Lines); one row per task.

    The task column is ``task_column`` when the file has it, else ``task``, ``item`` or ``id``. A Label
    Studio export (full, JSON_MIN, CSV) holds one row per annotation: its payloads are its tasks' data,
    as when it is the labels file (``label_column`` names its choice column where it has several).
    ``format`` is the file's format where its name does not say it (a stored blob).
    """
    file = Path(path)
    source = _read_table(file, labels=False, format=format)
    exported = _export_payloads(source, task_column, label_column)
    if exported is not None:
        return exported
    table = source.table
    names = table.column_names
    column = task_column_of(names, task_column, file=file)
    check_line_breaks(source, {"task": column})  # a stray quote swallows rows; a wrapped text is kept
    task = encode(table[column], file=file, name=column)
    if (task.codes < 0).any():
        i = int(np.flatnonzero(task.codes < 0)[0])
        raise fail_at(source.locate, i, "a task id", file=file, column=column, got="a blank cell")
    if len(task.names) != table.num_rows:
        _, first = np.unique(task.codes, return_index=True)
        repeat = np.ones(table.num_rows, dtype=bool)
        repeat[first] = False
        i = int(np.flatnonzero(repeat)[0])
        raise fail_at(
            source.locate,
            i,
            "one row per task",
            file=file,
            column=column,
            got=f"task {task.names[task.codes[i]]!r} again",
        )
    fields = {
        name: tuple(v if v != "" else None for v in as_text(table[name], file=file, name=name).to_pylist())
        for name in names
        if name != column
    }
    return TaskPayloads(task=tuple(task.names), fields=fields)


def _export_payloads(
    source: Source, task_column: str | None, label_column: str | None
) -> TaskPayloads | None:
    """The task data of a Label Studio export read as a tasks file, found as the labels reader finds it
    (``_embedded_payloads`` past the roles of the export's columns); None for any other table."""
    if source.format == "labelstudio-json":
        return _embedded_payloads(source, {}, np.zeros(0, dtype=np.int32), ())
    if not is_labelstudio_export(source):
        return None
    names = source.table.column_names
    explicit = {"task": task_column, "label": label_column}
    explicit = {role: name for role, name in explicit.items() if name is not None and name in names}
    known = (alias for role, aliases in ALIASES.items() if role != "label" for alias in aliases)
    explicit |= labelstudio_roles(source, explicit, known)
    columns = resolve_columns(names, file=source.path, explicit=explicit, required=("task", "worker"))
    task = encode(source.table[columns["task"]], file=source.path, name=columns["task"])
    return _embedded_payloads(source, columns, task.codes, tuple(task.names))


def payloads_of_batch(
    payloads: TaskPayloads, annotations: Annotations, file: Path
) -> tuple[TaskPayloads, str | None]:
    """The payloads of the batch's tasks, and a warning when they leave some out or name other tasks.

    Payloads that name none of the batch's tasks (the wrong file, or the wrong task column) are refused:
    an ethics audit over them would call personal data and licences checked on tasks it never saw.
    """
    labelled = set(annotations.tasks)
    keep = [i for i, name in enumerate(payloads.task) if name in labelled]
    warning = payload_coverage(
        len(keep),
        n_rows=len(payloads),
        n_tasks=annotations.n_tasks,
        first_row=payloads.task[0] if len(payloads) else None,
        first_task=annotations.tasks[0],
        file=file,
    )
    if len(keep) < len(payloads):
        payloads = TaskPayloads(
            task=tuple(payloads.task[i] for i in keep),
            fields={name: tuple(values[i] for i in keep) for name, values in payloads.fields.items()},
        )
    return payloads, warning


def payload_coverage(
    n_kept: int, *, n_rows: int, n_tasks: int, first_row: str | None, first_task: str, file: Path
) -> str | None:
    """The warning when ``n_kept`` of ``n_rows`` payload rows (the first naming ``first_row``) are of the
    batch's ``n_tasks`` tasks (the first ``first_task``) and some are left out either way; none kept is
    an error (payloads of another batch, or read by the wrong task column)."""
    if not n_kept:
        got = (
            f"{n_rows:,} row(s), none of them a task of the batch (such as {first_row!r})"
            if n_rows
            else "a file with no rows"
        )
        raise InvalidInputError(
            f"payloads for the batch's tasks (such as {first_task!r})", file=file, got=got
        )
    parts = []
    if n_kept < n_tasks:
        parts.append(
            f"payloads cover {n_kept:,} of the batch's {n_tasks:,} tasks; the other "
            f"{n_tasks - n_kept:,} are not scanned for personal data or licences"
        )
    if n_kept < n_rows:
        parts.append(f"{n_rows - n_kept:,} payload rows name tasks not in the batch and are ignored")
    return (f"{file.name}: " + "; ".join(parts)) if parts else None


def batch_payloads(
    source: Source,
    columns: Mapping[str, str],
    task: Coded,
    annotations: Annotations,
    tasks: Path | None,
    task_column: str | None,
    label_column: str | None = None,
) -> tuple[TaskPayloads | None, str | None]:
    """The payloads of the batch's tasks from ``tasks`` (with a warning when they leave some out), else
    those the labels file embeds."""
    if tasks is None:
        return _embedded_payloads(source, columns, task.codes, tuple(task.names)), None
    payloads = read_tasks(tasks, task_column=task_column, label_column=label_column)
    return payloads_of_batch(payloads, annotations, tasks)


def _embedded_payloads(
    source: Source, columns: Mapping[str, str], task_codes: npt.NDArray[np.int32], task_names: tuple[str, ...]
) -> TaskPayloads | None:
    """Task fields carried by the labels file itself: Label Studio ``data``, or JSON_MIN / CSV export columns."""
    if source.format == "labelstudio-json":
        payloads: pa.Table = source.extra["payloads"]
        ids: list[str] = source.extra["payload_tasks"]
        embedded = {name: tuple(payloads[name].to_pylist()) for name in payloads.column_names}
        return TaskPayloads(task=tuple(ids), fields=embedded)
    names = source.table.column_names
    if not is_labelstudio_export(source):
        return None
    used = set(columns.values()) | LS_META_COLUMNS | {a for aliases in ALIASES.values() for a in aliases}
    kept = [name for name in names if name not in used]
    if not kept:
        return None
    _, first = np.unique(
        task_codes, return_index=True
    )  # codes number tasks by first row, so this is in order
    take = pa.array(first)
    fields: dict[str, tuple[str | None, ...]] = {}
    for name in kept:
        values = pc.take(source.table[name], take).cast(pa.string()).to_pylist()
        fields[name] = tuple(v if v != "" else None for v in values)
    return TaskPayloads(task=task_names, fields=fields)
