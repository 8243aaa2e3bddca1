"""One entry for the model-refinement deliverables: read a file of a kind (given, or detected from its columns),
and write the normalised Parquet the store keeps, which reads back through the same readers.

The normalised forms are the canonical long shapes: ``task, worker, left, right, choice[, duration_s]`` (or
``task, worker, chosen, rejected[, duration_s]`` when the display sides are unknown);
``task, worker, criterion, score[, submitted_at]``; ``task, worker, text[, duration_s, paste_events, keystrokes]``.
Copies written before they kept the chosen/rejected shape and ``submitted_at`` still read, as they were.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from labelpact.core.preferences import CHOICES, LEFT, TIE
from labelpact.core.ratings import Ratings
from labelpact.errors import InvalidInputError
from labelpact.io.deliverable_table import KINDS, DeliverableKind, Read, detect_kind, fitting_kinds
from labelpact.io.demonstrations import DemonstrationDelivery, read_demonstrations
from labelpact.io.export import write_csv_table
from labelpact.io.preferences import PreferenceDelivery, read_preferences
from labelpact.io.ratings import RatingDelivery, read_ratings

__all__ = [
    "KINDS",
    "DeliverableKind",
    "KindDelivery",
    "Read",
    "count_kind_duplicates",
    "delivery_kind",
    "detect_kind",
    "fitting_kinds",
    "read_deliverable",
    "write_deliverable",
]

KindDelivery: TypeAlias = PreferenceDelivery | RatingDelivery | DemonstrationDelivery


def delivery_kind(delivery: KindDelivery) -> DeliverableKind:
    """``preferences``, ``ratings`` or ``demonstrations``."""
    if isinstance(delivery, PreferenceDelivery):
        return "preferences"
    return "ratings" if isinstance(delivery, RatingDelivery) else "demonstrations"


def count_kind_duplicates(delivery: KindDelivery) -> int:
    """Rows repeating an earlier unit of one worker: the same (task, worker, pair of items) for preferences,
    (task, worker, criterion) for ratings, (task, worker) for demonstrations; as ``n_duplicates`` of labels."""
    if isinstance(delivery, PreferenceDelivery):
        c = delivery.comparisons
        key = [c.task, c.worker, np.minimum(c.left, c.right), np.maximum(c.left, c.right)]
    elif isinstance(delivery, RatingDelivery):
        r = delivery.ratings
        key = [r.task, r.worker, r.criterion]
    else:
        d = delivery.demonstrations
        key = [d.task, d.worker]
    rows = np.stack(key, axis=1)
    return len(rows) - len(np.unique(rows, axis=0)) if len(rows) else 0


def read_deliverable(
    path: str | Path,
    *,
    kind: str | None = None,
    gold: str | Path | None = None,
    scales: Mapping[str, tuple[float, float]] | None = None,
    task_column: str | None = None,
    worker_column: str | None = None,
    text_column: str | None = None,
    format: str | None = None,
) -> KindDelivery:
    """Read a preferences, ratings or demonstrations file; ``kind`` None detects it from the columns.
    ``text_column`` names the answers' column of demonstrations (by default ``text``, ``answer``...)."""
    chosen = detect_kind(path, format=format) if kind is None else kind
    if chosen not in KINDS or chosen == "labels":
        raise InvalidInputError(
            "a kind among preferences, ratings, demonstrations", column="kind", got=repr(chosen)
        )
    if text_column is not None and chosen != "demonstrations":
        raise InvalidInputError(
            "an answers' column only for demonstrations",
            column="text_column",
            column_kind="field",
            got=chosen,
        )
    t, w = task_column, worker_column
    if chosen == "preferences":
        return read_preferences(path, gold=gold, task_column=t, worker_column=w, format=format)
    if gold is not None:
        raise InvalidInputError(f"no gold file for {chosen} (gold pairs are for preferences)", column="gold")
    if chosen == "ratings":
        return read_ratings(path, scales=scales, task_column=t, worker_column=w, format=format)
    return read_demonstrations(path, task_column=t, worker_column=w, text_column=text_column, format=format)


def write_deliverable(delivery: KindDelivery, path: Path) -> Path:
    """Write the canonical long form of ``delivery`` at ``path``: CSV for ``.csv``, JSON Lines for ``.jsonl``,
    else Parquet (zstd); returns ``path``. It keeps what an audit reads, so a stored batch audits as its file
    did: pairs whose display side is unknown stay ``chosen, rejected``, ratings keep ``submitted_at``."""
    columns: dict[str, pa.Array]
    if isinstance(delivery, PreferenceDelivery):
        columns = _preference_columns(delivery)
    elif isinstance(delivery, RatingDelivery):
        columns = _rating_columns(delivery.ratings)
    else:
        d = delivery.demonstrations
        columns = {
            "task": pa.array(np.array(d.tasks, dtype=object)[d.task], pa.string()),
            "worker": pa.array(np.array(d.workers, dtype=object)[d.worker], pa.string()),
            "text": pa.array(list(d.text), pa.string()),
        }
        for name in ("duration_s", "paste_events", "keystrokes"):
            values = getattr(d, name)
            if values is not None:
                columns[name] = pa.array(values, pa.float64())
    table = pa.table(columns)
    if path.suffix == ".csv":
        write_csv_table(table, path)
    elif path.suffix == ".jsonl":
        with path.open("w", encoding="utf-8") as out:
            for row in table.to_pylist():  # text output, one record per row; NaN (unknown) is null
                clean = {k: _json_value(v) for k, v in row.items()}
                out.write(json.dumps(clean, ensure_ascii=False, allow_nan=False) + "\n")
    else:
        pq.write_table(table, path, compression="zstd")
    return path


def _json_value(value: object) -> object:
    """A cell as JSON holds it: NaN (unknown) as null, a time as ISO-8601."""
    if isinstance(value, float) and value != value:
        return None
    return value.isoformat() if isinstance(value, datetime) else value


def _preference_columns(delivery: PreferenceDelivery) -> dict[str, pa.Array]:
    """``task, worker, left, right, choice[, duration_s]``; ``task, worker, chosen, rejected[, duration_s]`` when
    the sides are unknown, so that reading the copy orients the pairs at random again, as reading the file did."""
    c = delivery.comparisons
    items = np.array(c.items, dtype=object)
    columns = {
        "task": pa.array(np.array(c.tasks, dtype=object)[c.task], pa.string()),
        "worker": pa.array(np.array(c.workers, dtype=object)[c.worker], pa.string()),
    }
    if not delivery.sides_known and not np.any(c.choice == TIE):
        won = c.choice == LEFT
        columns["chosen"] = pa.array(items[np.where(won, c.left, c.right)], pa.string())
        columns["rejected"] = pa.array(items[np.where(won, c.right, c.left)], pa.string())
    else:
        columns["left"] = pa.array(items[c.left], pa.string())
        columns["right"] = pa.array(items[c.right], pa.string())
        columns["choice"] = pa.array(np.array(CHOICES, dtype=object)[c.choice], pa.string())
    if c.duration_s is not None:
        columns["duration_s"] = pa.array(c.duration_s, pa.float64())
    return columns


def _rating_columns(r: Ratings) -> dict[str, pa.Array]:
    """``task, worker, criterion, score[, submitted_at]``: the time (UTC, to the millisecond, as the reader
    keeps it) dates each rating for drift, so it must survive the store."""
    columns = {
        "task": pa.array(np.array(r.tasks, dtype=object)[r.task], pa.string()),
        "worker": pa.array(np.array(r.workers, dtype=object)[r.worker], pa.string()),
        "criterion": pa.array(np.array(r.criteria, dtype=object)[r.criterion], pa.string()),
        "score": pa.array(r.score, pa.float64()),
    }
    if r.order is not None:
        known = np.isfinite(r.order)
        ms = np.where(known, np.rint(r.order * 1000.0), 0).astype(np.int64)
        columns["submitted_at"] = pa.array(ms, pa.timestamp("ms", tz="UTC"), mask=~known)
    return columns
