"""Writers that turn in-memory annotations back into the long files users exchange (CSV, Parquet).

Every CSV or TSV cell of text that a spreadsheet would run as a formula (it starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return, and is not a plain number) gets a leading ``'``: the OWASP
rule against CSV injection, since task, worker and label names come from vendors. Parquet keeps every
value exactly. See ``docs/csv-safety.md``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from labelpact.core.annotations import Annotations, FloatArray, Gold
from labelpact.io.outputs import refuse_store_file

__all__ = [
    "UNQUOTE_PATTERN",
    "annotations_table",
    "csv_text",
    "neutralise_formulas",
    "neutralise_reversibly",
    "restore_neutralised",
    "write_annotations",
    "write_consensus",
    "write_csv_table",
    "write_gold",
    "write_rows",
]

# a cell a spreadsheet reads as a formula (OWASP: = + - @ tab CR first) ...
_FORMULA = r"^[=+\-@\t\r]"
# ... unless it is a plain number, which a spreadsheet reads as that number (-1, +2.5, -3e-4)
_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"


def neutralise_formulas(table: pa.Table) -> pa.Table:
    """``table`` with a ``'`` before each text cell a spreadsheet would evaluate (vectorised per column)."""
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            risky = pc.and_not(
                pc.match_substring_regex(column, _FORMULA), pc.match_substring_regex(column, _NUMBER)
            )
            if pc.any(risky).as_py():
                column = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


# the inverse of ``neutralise_reversibly``, as a regex whose first group that matches is the value: one
# leading ' goes when quotes and a formula character follow it ([\s\S]: values may span lines)
UNQUOTE_PATTERN = r"^'('*[=+\-@\t\r][\s\S]*)$|^([\s\S]*)$"
_QUOTED_FORMULA = r"^'+[=+\-@\t\r]"


def neutralise_reversibly(table: pa.Table) -> pa.Table:
    """``neutralise_formulas``, plus a ``'`` before text that already starts with quotes and a formula
    character (``'=x`` is written ``''=x``): then removing one ``'`` where ``UNQUOTE_PATTERN`` says gives
    back every value exactly, which a published data file's readers need."""
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            quoted = pc.match_substring_regex(column, _QUOTED_FORMULA)
            if pc.any(quoted).as_py():
                column = pc.if_else(quoted, pc.binary_join_element_wise("'", column, ""), column)
        columns.append(column)
    return neutralise_formulas(pa.table(columns, names=table.column_names))


def restore_neutralised(value: str) -> str:
    """The vendor's value behind a cell ``neutralise_formulas`` prefixed (``"'=x"`` gives ``"=x"``), so a sheet
    the product wrote reads back; any other text as it is."""
    rest = value[1:]
    if value.startswith("'") and re.match(_FORMULA, rest) and not re.match(_NUMBER, rest):
        return rest
    return value


def write_csv_table(table: pa.Table, path: str | Path, *, delimiter: str = ",") -> Path:
    """Write ``table`` as CSV (or TSV with ``delimiter="\\t"``), formulas neutralised, quoting as needed."""
    target = Path(path)
    pacsv.write_csv(neutralise_formulas(table), target, _options(delimiter))
    return target


def csv_text(table: pa.Table) -> str:
    """``table`` as the CSV text ``write_csv_table`` writes (formulas neutralised), for a download."""
    sink = io.BytesIO()
    pacsv.write_csv(neutralise_formulas(table), sink, _options(","))
    return sink.getvalue().decode("utf-8")


def _options(delimiter: str) -> pacsv.WriteOptions:
    return pacsv.WriteOptions(delimiter=delimiter, quoting_style="needed")


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
        write_csv_table(table, target, delimiter="\t" if target.suffix == ".tsv" else ",")
    return target


def write_gold(a: Annotations, gold: Gold, path: str | Path) -> Path:
    """Write gold answers as CSV ``task,label``."""
    table = pa.table({"task": _names(gold.task, a.tasks), "label": _names(gold.label, a.classes)})
    return write_csv_table(table, path)


def write_consensus(
    tasks: Sequence[str], labels: Sequence[str | None], confidence: FloatArray, path: str | Path
) -> Path:
    """Write the consensus as CSV ``task,label,confidence``, one row per task; a task nobody labelled
    (label None, confidence NaN) has both cells empty. Never over the store's own files (``refuse_store_file``)."""
    refuse_store_file(Path(path))
    table = pa.table(
        {
            "task": pa.array(tasks, type=pa.string()),
            "label": pa.array(labels, type=pa.string()),
            "confidence": pa.array(np.round(confidence, 6), type=pa.float64(), from_pandas=True),
        }
    )
    return write_csv_table(table, path)


def write_rows(rows: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """Write a list of flat records (the same keys in each) as CSV or Parquet by extension; lists become text.
    Never over the store's own files (``refuse_store_file``)."""
    target = Path(path)
    refuse_store_file(target)
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
        write_csv_table(table, target)
    return target
