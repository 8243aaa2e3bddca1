"""Model predictions for a batch (``task`` plus one probability column per class) and a reviewer's answers.

Predictions feed confident learning (``labelpact issues``, ``audit --pred-probs``): they must be
out-of-sample probabilities, one row per task, a column per class (``neutral`` or ``p_neutral``).
Review results (``labelpact review --results``) say, per sampled task, the correct label or whether
the consensus label was defective.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from labelpact.core.annotations import FloatArray, IntArray
from labelpact.errors import InvalidInputError, missing_file
from labelpact.io.column import encode, fail_at, task_column_of
from labelpact.io.export import restore_neutralised
from labelpact.io.source import Source, as_text, detect_format, read_source

__all__ = ["Predictions", "ReviewAnswers", "read_pred_probs", "read_review_results"]

_ROW_SUM_TOLERANCE = 1e-3
_TRUE = ("1", "1.0", "true", "yes", "y", "t", "defective", "wrong")  # 1.0: a spreadsheet's number
_FALSE = ("0", "0.0", "false", "no", "n", "f", "ok", "correct")


@dataclass(frozen=True, slots=True)
class Predictions:
    """Predicted class probabilities for some tasks of a batch: ``task`` (n,) codes into the batch's tasks,
    ``probs`` (n, n_classes + len(extra_classes)) in the batch's class order, then the classes the model
    knows and no worker chose (``extra_classes``, codes from n_classes on), rows summing to 1."""

    task: IntArray
    probs: FloatArray
    extra_classes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.task)


@dataclass(frozen=True, slots=True)
class ReviewAnswers:
    """A reviewer's verdict per inspected task: ``task`` (n,) codes; ``defective`` (n,) bools, or the
    correct class codes ``label`` (n,) from which ``defective`` was derived against the consensus."""

    task: IntArray
    defective: np.ndarray
    label: IntArray | None


def _table(path: Path) -> Source:
    if not path.is_file():
        raise InvalidInputError("an existing file", file=path, got=missing_file(path))
    fmt = detect_format(path, None)
    if fmt not in ("csv", "tsv", "parquet", "jsonl"):
        raise InvalidInputError("a CSV, TSV, Parquet or JSON Lines file", file=path, got=repr(fmt))
    return read_source(path, fmt)


def _known(lookup: dict[str, int], name: str) -> int:
    """``name``'s code, or that of the vendor's value behind a cell a sheet of ours neutralised; -1 if neither."""
    return lookup.get(name, lookup.get(restore_neutralised(name), -1))


def _task_codes(source: Source, tasks: Sequence[str], task_column: str | None) -> tuple[str, IntArray]:
    """The task column's values as codes into ``tasks``; unknown tasks and repeats name their row."""
    names = source.table.column_names
    column = task_column_of(names, task_column, file=source.path)
    coded = encode(source.table[column], file=source.path, name=column)
    if (coded.codes < 0).any():
        i = int(np.flatnonzero(coded.codes < 0)[0])
        raise fail_at(source.locate, i, "a task id", file=source.path, column=column, got="a blank cell")
    lookup = {name: k for k, name in enumerate(tasks)}
    mapped = np.array([_known(lookup, name) for name in coded.names], dtype=np.intp)
    codes = mapped[coded.codes]
    if (codes < 0).any():
        i = int(np.flatnonzero(codes < 0)[0])
        raise fail_at(
            source.locate,
            i,
            "a task of the batch",
            file=source.path,
            column=column,
            got=repr(coded.names[coded.codes[i]]),
        )
    _, first = np.unique(codes, return_index=True)  # by task, so '=A1 and =A1 (one task) are one
    if len(first) != len(codes):
        repeat = np.ones(len(codes), dtype=bool)
        repeat[first] = False
        i = int(np.flatnonzero(repeat)[0])
        raise fail_at(
            source.locate,
            i,
            "one row per task",
            file=source.path,
            column=column,
            got=f"task {coded.names[coded.codes[i]]!r} again",
        )
    return column, codes


def read_pred_probs(
    path: str | Path,
    *,
    tasks: Sequence[str],
    classes: Sequence[str],
    task_column: str | None = None,
    extra_classes: bool = False,
) -> Predictions:
    """Read ``task,<class>...`` (or ``task,p_<class>...``) predicted probabilities for a batch.

    Every class of the batch needs a column; values must be numbers in [0, 1] whose row sums are 1 within
    1e-3 (then renormalised). Tasks outside the batch, repeats and bad cells are errors naming the row. Other
    columns are refused, or with ``extra_classes`` read as classes the model knows and the batch does not
    (a model trained on the full label set); their names lose the ``p_`` the class columns have.
    """
    file = Path(path)
    source = _table(file)
    column, task = _task_codes(source, tasks, task_column)
    chosen, extra = _class_columns(source.table.column_names, column, classes, file, extra_classes)
    probs = _probabilities(source, chosen + extra, file)
    sums = probs.sum(axis=1)
    off = np.abs(sums - 1.0) > _ROW_SUM_TOLERANCE
    if off.any():
        row = int(np.flatnonzero(off)[0])
        raise fail_at(
            source.locate,
            row,
            "probabilities that sum to 1 across the class columns",
            file=file,
            column=None,
            got=f"a sum of {sums[row]:.6g}",
        )
    prefixed = bool(chosen) and all(c.startswith("p_") and c[2:] in classes for c in chosen)
    names = tuple(c[2:] if prefixed and c.startswith("p_") else c for c in extra)
    return Predictions(task=task, probs=probs / sums[:, None], extra_classes=names)


def _class_columns(
    names: Sequence[str], column: str, classes: Sequence[str], file: Path, extra_classes: bool
) -> tuple[list[str], list[str]]:
    """The column of each class (``<class>`` or ``p_<class>``), and the other columns (refused unless
    ``extra_classes``)."""
    chosen: list[str] = []
    for name in classes:
        found = next((c for c in (name, f"p_{name}") if c in names), None)
        if found is None:
            raise InvalidInputError(
                f"a probability column per class ({', '.join(map(repr, classes))}, or p_<class>)",
                file=file,
                row=1,
                column=name,
                got=f"only the columns {', '.join(map(repr, names))}",
            )
        chosen.append(found)
    unknown = [c for c in names if c not in (column, *chosen)]
    if unknown and not extra_classes:
        raise InvalidInputError(
            f"only the task column and the classes {list(classes)}",
            file=file,
            row=1,
            column=unknown[0],
            got="a column for a class the batch does not have",
        )
    return chosen, unknown


def _probabilities(source: Source, columns: Sequence[str], file: Path) -> FloatArray:
    """The ``columns`` as probabilities (n_rows, len(columns)); a cell that is no number in [0, 1] names its row."""
    table = source.table
    probs = np.empty((table.num_rows, len(columns)), dtype=np.float64)
    for k, name in enumerate(columns):
        values = table[name]
        if not (pa.types.is_floating(values.type) or pa.types.is_integer(values.type)):
            text = as_text(values, file=file, name=name)
            try:
                values = pc.cast(text, pa.float64())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                bad = next(i for i, v in enumerate(text.to_pylist()) if not _is_number(v))
                raise fail_at(
                    source.locate,
                    bad,
                    "a probability in [0, 1]",
                    file=file,
                    column=name,
                    got=repr(text[bad].as_py()),
                ) from None
        probs[:, k] = values.to_numpy(zero_copy_only=False).astype(np.float64)
    ok = np.isfinite(probs) & (probs >= 0.0) & (probs <= 1.0)
    if not ok.all():
        row, k = (int(x[0]) for x in np.nonzero(~ok))
        raise fail_at(
            source.locate,
            row,
            "a probability in [0, 1]",
            file=file,
            column=columns[k],
            got=repr(float(probs[row, k])) if np.isfinite(probs[row, k]) else "a blank or non-finite cell",
        )
    return probs


def _is_number(value: object) -> bool:
    try:
        float(str(value))
    except ValueError:
        return False
    return value is not None


def read_review_results(
    path: str | Path,
    *,
    tasks: Sequence[str],
    classes: Sequence[str],
    consensus: IntArray,
    task_column: str | None = None,
) -> ReviewAnswers:
    """Read a reviewer's answers: ``task`` plus ``label`` (the correct class) or ``defective`` (yes/no).

    ``consensus`` (len(tasks),) holds the batch's consensus class codes: with ``label``, a task is
    defective when its correct class differs from the consensus.
    """
    file = Path(path)
    source = _table(file)
    table = source.table
    _, task = _task_codes(source, tasks, task_column)
    names = table.column_names
    if "defective" in names and "label" in names:  # which one decides? corrected labels were ignored
        raise InvalidInputError(
            "one answer column, 'label' (the correct class) or 'defective' (yes/no), not both",
            file=file,
            row=1,
            column="defective",
        )
    if "defective" in names:
        text = as_text(table["defective"], file=file, name="defective").to_pylist()
        lowered = np.array([("" if v is None else str(v)).strip().lower() for v in text], dtype=object)
        yes = np.isin(lowered, _TRUE)
        no = np.isin(lowered, _FALSE)
        if not (yes | no).all():
            i = int(np.flatnonzero(~(yes | no))[0])
            raise fail_at(
                source.locate,
                i,
                "yes or no (also 1/0, true/false)",
                file=file,
                column="defective",
                got=repr(text[i]),
            )
        return ReviewAnswers(task=task, defective=yes, label=None)
    if "label" not in names:
        raise InvalidInputError(
            "a column 'label' (the correct class) or 'defective' (yes/no)",
            file=file,
            row=1,
            got=f"only the columns {', '.join(map(repr, names))}",
        )
    coded = encode(table["label"], file=file, name="label")
    lookup = {name: k for k, name in enumerate(classes)}
    mapped = np.array([_known(lookup, name) for name in coded.names], dtype=np.intp)
    picked = mapped[np.maximum(coded.codes, 0)] if len(mapped) else np.full(len(coded.codes), -1, np.intp)
    labels = np.where(coded.codes >= 0, picked, -1)  # a sheet left blank has no names at all
    if (labels < 0).any():
        i = int(np.flatnonzero(labels < 0)[0])
        got = "a blank cell" if coded.codes[i] < 0 else repr(coded.names[coded.codes[i]])
        raise fail_at(source.locate, i, f"a class among {list(classes)}", file=file, column="label", got=got)
    labels = labels.astype(np.intp)
    return ReviewAnswers(task=task, defective=labels != consensus[task], label=labels)
