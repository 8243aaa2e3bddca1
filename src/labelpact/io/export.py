"""Writers that turn in-memory annotations back into the long files users exchange (CSV, Parquet)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from labelpact.core.annotations import Annotations, FloatArray, Gold

__all__ = ["annotations_table", "write_annotations", "write_consensus", "write_gold", "write_rows"]


def _names(codes: np.ndarray, vocabulary: tuple[str, ...]) -> pa.Array:
    """Strings for integer codes, built through a dictionary array (no Python loop over rows)."""
    dictionary = pa.array(vocabulary, type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()), dictionary).cast(pa.string())


def annotations_table(a: Annotations) -> pa.Table:
    """The long table ``task, worker, label[, duration_s, started_at, submitted_at]`` of ``a``."""
    columns: dict[str, pa.Array] = {
        "task": _names(a.task, a.tasks),
        "worker": _names(a.worker, a.workers),
        "label": _names(a.label, a.classes),
    }
    if a.duration_s is not None:
        columns["duration_s"] = pa.array(a.duration_s, type=pa.float64(), from_pandas=True)
    for name in ("started_at", "submitted_at"):
        values = getattr(a, name)
        if values is not None:
            columns[name] = pa.array(values, type=pa.timestamp("ms", tz="UTC"))
    return pa.table(columns)


def write_annotations(a: Annotations, path: str | Path) -> Path:
    """Write ``a`` as CSV (``.csv``, ``.tsv``) or Parquet (``.parquet``), chosen by the file's extension."""
    target = Path(path)
    table = annotations_table(a)
    if target.suffix == ".parquet":
        pq.write_table(table, target)
    else:
        delimiter = "\t" if target.suffix == ".tsv" else ","
        pacsv.write_csv(table, target, pacsv.WriteOptions(delimiter=delimiter, quoting_style="needed"))
    return target


def write_gold(a: Annotations, gold: Gold, path: str | Path) -> Path:
    """Write gold answers as CSV ``task,label``."""
    table = pa.table({"task": _names(gold.task, a.tasks), "label": _names(gold.label, a.classes)})
    pacsv.write_csv(table, Path(path), pacsv.WriteOptions(quoting_style="needed"))
    return Path(path)


def write_consensus(
    tasks: Sequence[str], labels: Sequence[str], confidence: FloatArray, path: str | Path
) -> Path:
    """Write the consensus as CSV ``task,label,confidence``, one row per task."""
    table = pa.table(
        {
            "task": pa.array(tasks, type=pa.string()),
            "label": pa.array(labels, type=pa.string()),
            "confidence": pa.array(np.round(confidence, 6), type=pa.float64()),
        }
    )
    pacsv.write_csv(table, Path(path), pacsv.WriteOptions(quoting_style="needed"))
    return Path(path)


def write_rows(rows: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """Write a list of flat records (the same keys in each) as CSV or Parquet by extension; lists become text."""
    target = Path(path)
    columns = list(rows[0]) if rows else []
    data = {
        name: [
            ",".join(map(str, v)) if isinstance(v, list | tuple) else v for v in (row[name] for row in rows)
        ]
        for name in columns
    }
    table = pa.table(data)
    if target.suffix == ".parquet":
        pq.write_table(table, target)
    else:
        pacsv.write_csv(table, target, pacsv.WriteOptions(quoting_style="needed"))
    return target
