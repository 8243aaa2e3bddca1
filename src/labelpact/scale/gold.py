"""Gold answers for the Dask engine: read on the driver by the in-process reader's rules (a small file), sent
to the blocks by task name, and checked against the batch once the blocks say which gold tasks they hold.

The rules are ``io.reference``'s: names coded by ``io.column.encode`` (trimmed), a blank gold task or label
an error, a ``--task-column`` / ``--label-column`` used only where the gold file has that column, one label
per task (a repeat of the same label is kept once), gold for a task outside the batch and a gold label
outside the classes errors naming the gold file's row.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from labelpact.errors import InvalidInputError
from labelpact.io.column import encode, fail_at, resolve_columns
from labelpact.io.source import Source, detect_format, no_rows, read_source

__all__ = ["GoldNames", "check_gold", "read_gold", "read_gold_names"]


@dataclass(frozen=True, slots=True)
class GoldNames:
    """Gold as names: ``names`` a pandas Series task name -> class name (one per task, file order), ``rows``
    (n_gold,) each entry's data row in ``source`` (0-based), ``columns`` the file's task and label columns."""

    names: Any
    rows: npt.NDArray[np.intp]
    source: Source
    columns: dict[str, str]


def read_gold(
    path: str | Path, *, task_column: str | None = None, label_column: str | None = None
) -> GoldNames:
    """A gold file (CSV, TSV, JSON Lines or Parquet) read as the in-process reader reads one."""
    import pandas as pd

    file = Path(path)
    fmt = detect_format(file, None)
    if fmt not in ("csv", "tsv", "jsonl", "parquet"):
        raise InvalidInputError("a gold file (CSV, TSV, JSON Lines or Parquet)", file=file, got=repr(fmt))
    source = read_source(file, fmt)
    table = source.table
    if table.num_rows == 0:
        raise no_rows(source, "at least one gold answer")
    present = {r: c for r, c in (("task", task_column), ("label", label_column)) if c in table.column_names}
    chosen = resolve_columns(
        table.column_names, file=file, explicit=present, required=("task", "label"), roles=("task", "label")
    )
    coded = {role: encode(table[chosen[role]], file=file, name=chosen[role]) for role in ("task", "label")}
    for role, c in coded.items():
        if (c.codes < 0).any():
            i = int(np.flatnonzero(c.codes < 0)[0])
            raise fail_at(
                source.locate, i, f"a gold {role}", file=file, column=chosen[role], got="a blank cell"
            )
    codes = coded["task"].codes  # in order of first appearance: code k's first row is rows[k]
    task = np.asarray(coded["task"].names, dtype=object)
    label = np.asarray(coded["label"].names, dtype=object)[coded["label"].codes]
    rows = np.unique(codes, return_index=True)[1].astype(np.intp)
    clash = label != label[rows[codes]]
    if clash.any():
        j = int(np.flatnonzero(clash)[0])
        before = int(rows[codes[j]])
        where = source.locate(before)
        raise fail_at(
            source.locate, j, "one gold label per task", file=file, column=chosen["label"],
            got=f"{label[j]!r} for task {task[codes[j]]!r} after {label[before]!r} at {where.unit} {where.number}",
        )  # fmt: skip
    names = pd.Series(label[rows], index=pd.Index(task, dtype=object), dtype=object)
    return GoldNames(names, rows, source, chosen)


def read_gold_names(
    path: str | Path, *, task_column: str | None = None, label_column: str | None = None
) -> Any:
    """Gold answers as a pandas Series task name -> class name (``read_gold(...).names``)."""
    return read_gold(path, task_column=task_column, label_column=label_column).names


def check_gold(
    gold: GoldNames, found: Collection[str], classes: tuple[str, ...], *, classes_fixed: bool
) -> None:
    """Refuse, as in-process, gold for a task the blocks did not find in the batch (``found``: the gold tasks
    they hold, labelled or not), then a gold label outside ``classes``; each error names the gold file's row."""
    file, locate = gold.source.path, gold.source.locate
    outside = ~gold.names.index.isin(list(found))
    if outside.any():
        k = int(np.flatnonzero(outside)[0])
        raise fail_at(
            locate, int(gold.rows[k]), "gold for a task of this batch", file=file,
            column=gold.columns["task"], got=repr(gold.names.index[k]),
        )  # fmt: skip
    unknown = ~gold.names.isin(list(classes)).to_numpy()
    if unknown.any():
        k = int(np.flatnonzero(unknown)[0])
        shown = str(list(classes)) if len(classes) <= 20 else (
            "[" + ", ".join(map(repr, classes[:20])) + f", ...] ({len(classes):,} classes)"
        )  # fmt: skip
        hint = (
            ""
            if classes_fixed
            else " (a class no worker chose must be listed with --classes or in the contract)"
        )
        raise fail_at(
            locate, int(gold.rows[k]), f"a gold label in {shown}{hint}", file=file,
            column=gold.columns["label"], got=repr(gold.names.iloc[k]),
        )  # fmt: skip
