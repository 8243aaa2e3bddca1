"""The normalised form of a batch: one Parquet file of integer codes, its vocabularies in the schema metadata.

The store keeps it beside each delivered file, so that an audit reads three integer columns instead of
re-parsing the vendor's file; ``read_normalised(write_normalised(a, p))`` gives back ``a`` exactly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from labelpact.core.annotations import Annotations, Gold
from labelpact.errors import InvalidInputError

__all__ = ["read_normalised", "write_normalised"]

_KEY: Final = b"labelpact"
_VERSION: Final = 1


def write_normalised(annotations: Annotations, path: str | Path, *, gold: Gold | None = None) -> Path:
    """Write ``annotations`` (and ``gold``) as Parquet: columns ``task, worker, label`` (int32) and the optional
    ``duration_s``, ``started_at``, ``submitted_at``; vocabularies and gold live in the metadata."""
    a = annotations
    target = Path(path)
    columns: dict[str, pa.Array] = {
        "task": pa.array(a.task.astype(np.int32)),
        "worker": pa.array(a.worker.astype(np.int32)),
        "label": pa.array(a.label.astype(np.int32)),
    }
    if a.duration_s is not None:
        columns["duration_s"] = pa.array(a.duration_s, type=pa.float64())  # NaN stays NaN, not null
    for name in ("started_at", "submitted_at"):
        values = getattr(a, name)
        if values is not None:
            columns[name] = pa.array(values, type=pa.timestamp("ms"), from_pandas=True)  # NaT -> null
    meta: dict[str, Any] = {
        "version": _VERSION,
        "tasks": list(a.tasks),
        "workers": list(a.workers),
        "classes": list(a.classes),
        "gold": None if gold is None else {"task": gold.task.tolist(), "label": gold.label.tolist()},
    }
    table = pa.table(columns)
    table = table.replace_schema_metadata({_KEY: json.dumps(meta, ensure_ascii=False).encode()})
    pq.write_table(table, target)
    return target


def read_normalised(path: str | Path) -> tuple[Annotations, Gold | None]:
    """Read what :func:`write_normalised` wrote."""
    file = Path(path)
    try:
        table = pq.read_table(file)
    except (pa.ArrowInvalid, OSError) as error:
        raise InvalidInputError(
            "a normalised Parquet file", file=file, got=str(error).split("\n")[0]
        ) from None
    raw = (table.schema.metadata or {}).get(_KEY)
    if raw is None:
        raise InvalidInputError(
            "a normalised Parquet file written by labelpact", file=file, got="no labelpact metadata"
        )
    meta = json.loads(raw)
    if meta.get("version") != _VERSION:
        raise InvalidInputError(
            f"normalised format version {_VERSION}", file=file, got=repr(meta.get("version"))
        )
    optional: dict[str, Any] = {}
    if "duration_s" in table.column_names:
        optional["duration_s"] = np.asarray(table["duration_s"].to_numpy(), dtype=np.float64)
    for name in ("started_at", "submitted_at"):
        if name in table.column_names:
            optional[name] = np.asarray(table[name].to_numpy(), dtype="datetime64[ms]")
    annotations = Annotations(
        task=table["task"].to_numpy().astype(np.intp),
        worker=table["worker"].to_numpy().astype(np.intp),
        label=table["label"].to_numpy().astype(np.intp),
        tasks=tuple(meta["tasks"]),
        workers=tuple(meta["workers"]),
        classes=tuple(meta["classes"]),
        **optional,
    )
    gold_meta = meta["gold"]
    gold = (
        None
        if gold_meta is None
        else Gold(
            task=np.array(gold_meta["task"], dtype=np.intp), label=np.array(gold_meta["label"], dtype=np.intp)
        )
    )
    return annotations, gold
