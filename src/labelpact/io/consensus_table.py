"""The consensus an audit stores: one Arrow table per audit (Parquet in the blob store), read back by reviews.

Columns: ``task``, ``label`` (null when nobody labelled the task), ``confidence`` (calibrated), ``gold``
(whether the audit was given the task's true class), one calibrated ``p_<class>`` per class, then the
method's raw posterior ``raw_p_<class>`` beside it. Audits stored before ``gold`` was kept lack that column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from labelpact.core.annotations import FloatArray, IntArray

__all__ = ["consensus_table", "read_consensus_table", "write_consensus_table"]


def consensus_table(
    tasks: tuple[str, ...],
    classes: tuple[str, ...],
    labels: IntArray,
    confidence: FloatArray,
    probas: FloatArray,
    raw: FloatArray,
    gold: IntArray | None = None,
) -> pa.Table:
    """The table of a consensus: ``labels`` (n_tasks,) codes (-1 unlabelled), ``confidence`` (n_tasks,),
    ``probas`` (calibrated) and ``raw`` both (n_tasks, n_classes), ``gold`` the codes of the gold tasks."""
    is_gold = np.zeros(len(tasks), dtype=bool)
    if gold is not None:
        is_gold[np.asarray(gold, dtype=np.intp)] = True
    names = np.asarray(classes, dtype=object)
    label = names[np.maximum(labels, 0)]
    label[labels < 0] = None
    columns: dict[str, Any] = {
        "task": pa.array(tasks, type=pa.string()),
        "label": pa.array(label.tolist(), type=pa.string()),
        "confidence": pa.array(np.where(labels >= 0, confidence, np.nan)),
        "gold": pa.array(is_gold),
    }
    for k, name in enumerate(classes):
        columns[f"p_{name}"] = pa.array(probas[:, k])
    for k, name in enumerate(classes):
        columns[f"raw_p_{name}"] = pa.array(raw[:, k])
    return pa.table(columns)


def write_consensus_table(table: pa.Table, path: str | Path) -> Path:
    """Write the table as Parquet at ``path``."""
    target = Path(path)
    pq.write_table(table, target)
    return target


def read_consensus_table(path: str | Path) -> pa.Table:
    """The table :func:`write_consensus_table` wrote."""
    return pq.read_table(Path(path))
