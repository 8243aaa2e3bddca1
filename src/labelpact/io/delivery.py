"""Read one delivered batch (CSV, TSV, Parquet, JSON Lines, Label Studio JSON) into integer-coded annotations.

A row is one of: an annotation (task, worker, label); an abstention (task and worker, blank label: skipped
and counted); a task delivered without labels (task only); a cancelled Label Studio annotation (skipped
and counted). A blank task, or a label without a worker, is an error.

Columns: ``task`` (alias ``item``), ``worker`` (``annotator``, ``completed_by``), ``label``, optional
``duration_s`` (``lead_time``, ``duration``), ``started_at``, ``submitted_at`` (``created_at``); the
``*_column`` options name any other column and must exist. Other columns are ignored, except in Label
Studio JSON_MIN / CSV / TSV exports (recognised by ``annotation_id`` and ``annotator``), whose task is
``id``, whose label is the one choice column, and whose task fields (``headline``...) become payloads.
Names lose surrounding whitespace. The full Label Studio JSON has fixed roles, so the ``*_column``
options do not apply to it. Values past the documented limits (``io.limits``), ids or labels over
several lines, and a gold label outside the classes are errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from labelpact.core.annotations import (
    Annotations,
    DuplicatePolicy,
    Gold,
    IntArray,
    TaskPayloads,
    natural_order,
)
from labelpact.core.keyed import gold_in_name_order
from labelpact.errors import InvalidInputError
from labelpact.io.column import (
    ALIASES,
    Coded,
    check_role_spellings,
    decode_durations,
    decode_times,
    encode,
    fail_at,
    resolve_columns,
)
from labelpact.io.duplicates import DUPLICATE_POLICIES, apply_duplicate_policy, count_duplicates
from labelpact.io.labelstudio import (
    LS_COLUMNS,
    check_single_choice,
    is_labelstudio_export,
    labelstudio_roles,
    read_json_file,
)
from labelpact.io.limits import DEFAULT_LIMITS, Limits
from labelpact.io.reference import GoldPairs, attach_gold, batch_payloads
from labelpact.io.source import Source, detect_format, no_rows, read_source
from labelpact.io.values import (
    check_line_breaks,
    check_names,
    check_single_values,
    numeric_spellings,
    spelling_warning,
)

__all__ = ["Delivery", "read_annotations", "read_delivery"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one delivered file held, coded, with the counts of what was skipped and why.

    ``n_rows == n_annotations + n_abstentions + n_cancelled + (rows with neither worker nor label)``
    before the duplicate policy; ``tasks_without_labels`` are the tasks with no annotation at all.
    ``warnings`` are one-line findings a person should see (one number spelled several ways, values over
    several lines); ``notes`` say what was inferred (the columns taken from a Label Studio export).
    """

    annotations: Annotations
    gold: Gold | None
    payloads: TaskPayloads | None
    source: Path
    format: str
    n_rows: int
    n_abstentions: int
    n_cancelled: int
    n_duplicates: int
    n_duplicates_dropped: int
    tasks_without_labels: tuple[str, ...]
    columns: Mapping[str, str]
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # gold in task-name order: folds and subsets dealt over it follow names, not the gold file's order
        object.__setattr__(self, "gold", gold_in_name_order(self.gold, self.annotations.tasks))


def _ground_truth(
    source: Source,
    keep: npt.NDArray[np.bool_],
    task: npt.NDArray[Any],
    worker: npt.NDArray[Any],
    label: npt.NDArray[Any],
) -> GoldPairs:
    """A full Label Studio export's ``ground_truth`` annotations among the kept rows, as gold with authors."""
    truth = np.flatnonzero(_flag(source.table, "ground_truth") & keep)
    as_codes = (task[truth].astype(np.intp), label[truth].astype(np.intp), worker[truth].astype(np.intp))
    return as_codes[0], as_codes[1], source, truth, as_codes[2]


def read_annotations(path: str | Path, **options: Any) -> Annotations:
    """The annotations of a delivered file (``read_delivery(path, **options).annotations``)."""
    return read_delivery(path, **options).annotations


def read_delivery(
    path: str | Path,
    *,
    gold: str | Path | None = None,
    tasks: str | Path | None = None,
    task_column: str | None = None,
    worker_column: str | None = None,
    label_column: str | None = None,
    classes: Sequence[str] | None = None,
    duplicates: DuplicatePolicy = "keep",
    strict: bool = False,
    format: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Delivery:
    """Read, check and code a delivered labels file, its gold answers and its task payloads.

    Ids and labels are read as text (``0001`` keeps its zeros); tasks and workers are numbered in order
    of first appearance, classes are ``classes`` when given, else the labels seen in natural order.
    Every problem raises a one-line :class:`InvalidInputError` naming the file, the line and the column.
    Label Studio ``ground_truth`` annotations become gold and also stay as their author's labels: the
    author did give that answer, and dropping it would change the worker's agreement and workload; the
    gold names its author (``Gold.author``), so the author is not scored against their own answer.
    ``strict`` refuses blank labels and one number spelled two ways (``1`` and ``1.0``), which are
    otherwise an abstention and a warning.
    """
    file = Path(path)
    if duplicates not in DUPLICATE_POLICIES:
        raise InvalidInputError(
            f"a duplicate policy in {list(DUPLICATE_POLICIES)}", column="duplicates", got=repr(duplicates)
        )
    fmt = detect_format(file, format)
    if fmt in ("json", "labelstudio-json", "labelstudio-json-min"):
        source = read_json_file(file, label_column=label_column, limits=limits)
        if progress is not None:
            size = file.stat().st_size
            progress(size, size)
    else:
        explicit_names = (task_column, worker_column, label_column)
        names = {*ALIASES["task"], *ALIASES["worker"], *ALIASES["label"], *(c for c in explicit_names if c)}
        source = read_source(file, fmt, progress=progress, limits=limits, name_columns=names)
    return _deliver(
        source,
        gold=None if gold is None else Path(gold),
        tasks=None if tasks is None else Path(tasks),
        explicit={"task": task_column, "worker": worker_column, "label": label_column},
        classes=None if classes is None else tuple(str(c).strip() for c in classes),
        duplicates=duplicates,
        strict=strict,
        limits=limits,
    )


def _deliver(
    source: Source,
    *,
    gold: Path | None,
    tasks: Path | None,
    explicit: Mapping[str, str | None],
    classes: tuple[str, ...] | None,
    duplicates: DuplicatePolicy,
    strict: bool,
    limits: Limits,
) -> Delivery:
    file, table, locate = source.path, source.table, source.locate
    full_ls = source.format == "labelstudio-json"
    columns, names, explicit, notes = _roles(source, explicit)
    n_rows = table.num_rows
    if n_rows == 0:
        raise no_rows(source, "at least one annotation")
    warnings = check_line_breaks(source, columns)
    task, worker, label, decoded = _encoded(source, columns, names, limits)
    if not full_ls:
        blank = {"task": task.codes < 0, "worker": worker.codes < 0, "label": label.codes < 0}
        check_role_spellings(table, names, blank, file=file, locate=locate)
    cancelled = _flag(table, "cancelled") if full_ls else np.zeros(n_rows, dtype=bool)
    keep, abstained = _labelled_rows(source, columns, task, worker, label, cancelled, strict=strict)

    vocabulary, label_codes = _classes(label.names, label.codes, classes, file, columns["label"], locate)
    spellings = numeric_spellings(vocabulary)
    if spellings:
        warnings += spelling_warning(
            spellings,
            vocabulary,
            label_codes,
            strict=strict,
            file=file,
            column=columns["label"],
            locate=locate,
        )
    rows: npt.NDArray[np.intp] | slice = slice(None) if keep.all() else np.flatnonzero(keep)
    optional = {role: values[rows] for role, values in decoded.items()}
    annotations = Annotations(
        task=cast(IntArray, task.codes[rows]),  # int32 here; Annotations stores intp
        worker=cast(IntArray, worker.codes[rows]),  # int32 here; Annotations stores intp
        label=cast(IntArray, label_codes[rows]),
        tasks=tuple(task.names),
        workers=tuple(worker.names),
        classes=vocabulary,
        **optional,
    )
    n_duplicates = count_duplicates(annotations)
    annotations, dropped = apply_duplicate_policy(
        annotations, duplicates, n_duplicates, keep, source, columns
    )

    gold_pairs = _ground_truth(source, keep, task.codes, worker.codes, label_codes) if full_ls else None
    fixed = classes is not None
    annotations, gold_codes = attach_gold(
        annotations, gold, ls_gold=gold_pairs, explicit=explicit, classes_fixed=fixed
    )
    payloads, note = batch_payloads(
        source, columns, task, annotations, tasks, explicit.get("task"), explicit.get("label")
    )
    warnings += [note] if note else []
    empty = np.bincount(annotations.task, minlength=annotations.n_tasks) == 0
    return Delivery(
        annotations=annotations,
        gold=gold_codes,
        payloads=payloads,
        source=file,
        format=source.format,
        n_rows=n_rows,
        n_abstentions=int(abstained.sum()),
        n_cancelled=int(cancelled.sum()),
        n_duplicates=n_duplicates,
        n_duplicates_dropped=dropped,
        tasks_without_labels=tuple(annotations.tasks[i] for i in np.flatnonzero(empty)),
        columns=MappingProxyType(dict(columns)),
        warnings=tuple(warnings),
        notes=tuple(notes),
    )


def _roles(
    source: Source, explicit: Mapping[str, str | None]
) -> tuple[dict[str, str], dict[str, str], Mapping[str, str | None], list[str]]:
    """The file's column for each role as the user names it (``columns``) and as the table holds it
    (``names``), the explicit choices with any Label Studio roles found, and notes on how it was read."""
    table, file = source.table, source.path
    notes: list[str] = []
    if source.format == "labelstudio-json":
        columns = {
            role: LS_COLUMNS[role] for role in ("task", "worker", "label", "duration_s", "submitted_at")
        }
        names = {"task": "id", "worker": "completed_by", "label": "label", "duration_s": "lead_time"}
        names["submitted_at"] = "created_at"
        return columns, names, explicit, notes
    if is_labelstudio_export(source):
        known = (alias for role, aliases in ALIASES.items() if role != "label" for alias in aliases)
        found = labelstudio_roles(source, explicit, known)
        explicit = {**explicit, **found}
    required = ("task", "worker", "label")
    columns = resolve_columns(table.column_names, file=file, explicit=explicit, required=required)
    names = dict(columns)
    if is_labelstudio_export(source):
        taken = ", ".join(f"{role} {columns[role]!r}" for role in ("task", "worker", "label"))
        notes.append(f"read as a Label Studio export: {taken}")
    return columns, names, explicit, notes


def _encoded(
    source: Source, columns: Mapping[str, str], names: Mapping[str, str], limits: Limits
) -> tuple[Coded, Coded, Coded, dict[str, Any]]:
    """Task, worker and label columns coded and their names checked, and the optional columns decoded."""
    file, table, locate = source.path, source.table, source.locate
    # Arrow kernels release the GIL: the task column (the most distinct values) is hashed in a thread
    # while this one codes the other columns and parses durations and times.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(encode, table[names["task"]], file=file, name=columns["task"])
        worker = encode(table[names["worker"]], file=file, name=columns["worker"])
        label = encode(table[names["label"]], file=file, name=columns["label"])
        decoded: dict[str, Any] = {}
        for role in ("duration_s", "started_at", "submitted_at"):
            if role in columns:
                decode = decode_durations if role == "duration_s" else decode_times
                decoded[role] = decode(table[names[role]], file=file, name=columns[role], locate=locate)
        task = pending.result()
    if "started_at" in decoded and "submitted_at" in decoded:
        early = np.flatnonzero(decoded["submitted_at"] < decoded["started_at"])  # NaT compares False
        if len(early):
            i = int(early[0])
            raise fail_at(
                locate, i, f"a time on or after {columns['started_at']!r}", file=file,
                column=columns["submitted_at"],
                got=f"{decoded['submitted_at'][i]} before {decoded['started_at'][i]}",
            )  # fmt: skip
    for role, coded in (("task", task), ("worker", worker), ("label", label)):
        check_names(coded, role, limits=limits, file=file, column=columns[role], locate=locate)
    if is_labelstudio_export(source):  # after the length limit: a label parsed as JSON here is short
        check_single_choice(label, source=source, column=columns["label"])
    check_single_values(source, columns)  # a JSON list or object as a task, worker or label
    return task, worker, label, decoded


def _labelled_rows(
    source: Source,
    columns: Mapping[str, str],
    task: Coded,
    worker: Coded,
    label: Coded,
    cancelled: npt.NDArray[np.bool_],
    *,
    strict: bool,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Rows that hold a label (n_rows,) and rows where a worker abstained; blank task or worker ids raise."""
    file, locate = source.path, source.locate
    no_task = task.codes < 0
    if no_task.any():
        i = int(np.flatnonzero(no_task)[0])
        raise fail_at(locate, i, "a task id", file=file, column=columns["task"], got="a blank cell")
    no_worker, no_label = worker.codes < 0, label.codes < 0
    orphan = no_worker & ~no_label
    if orphan.any():
        i = int(np.flatnonzero(orphan)[0])
        raise fail_at(
            locate, i, "a worker id for this label", file=file, column=columns["worker"], got="a blank cell"
        )
    abstained = no_label & ~no_worker & ~cancelled
    if strict and abstained.any():
        i = int(np.flatnonzero(abstained)[0])
        raise fail_at(
            locate,
            i,
            "a label (strict mode refuses abstentions)",
            file=file,
            column=columns["label"],
            got="a blank cell",
        )
    keep = ~no_label
    if not keep.any():
        raise InvalidInputError(
            "at least one annotation", file=file, got=f"no label in any of its {len(keep)} rows"
        )
    return keep, abstained


def _flag(table: pa.Table, name: str) -> npt.NDArray[np.bool_]:
    return np.asarray(table[name].to_numpy(), dtype=bool)


def _classes(
    names: list[str],
    codes: npt.NDArray[np.int32],
    classes: tuple[str, ...] | None,
    file: Path,
    column: str,
    locate: Callable[[int], Any],
) -> tuple[tuple[str, ...], npt.NDArray[np.int32]]:
    """The class vocabulary and each row's class code (-1 where blank), remapped from first-seen order."""
    vocabulary = classes if classes is not None else natural_order(names)
    if classes is not None and len(set(classes)) != len(classes):
        raise InvalidInputError("a class list without repeats", column="classes", got=repr(list(classes)))
    position = {name: i for i, name in enumerate(vocabulary)}
    unknown = [i for i, name in enumerate(names) if name not in position]
    if unknown:
        i = int(np.flatnonzero(np.isin(codes, unknown))[0])
        raise fail_at(
            locate, i, f"a label in {list(vocabulary)}", file=file, column=column, got=repr(names[codes[i]])
        )
    lookup = np.array([position[name] for name in names] + [-1], dtype=np.int32)
    return vocabulary, lookup[codes]
