"""Parquet parts named by a folder, a glob or a URL, read by Dask one part per task, never into one process.

Each part becomes a frame of ``task``, ``worker`` and ``label`` names (aliases as the file readers accept
them) and a ``key`` per row: ``part << 40 | row``, the row's place in the parts read one after another,
which orders tasks and workers by first appearance exactly as the in-process reader does. The optional
time columns (``duration_s``, ``started_at``, ``submitted_at`` and their aliases) are decoded per row as the
in-process reader decodes them, so worker scorecards get their speed columns.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from labelpact.core.annotations import IntArray
from labelpact.errors import InvalidInputError
from labelpact.io.column import decode_durations, decode_times, resolve_columns
from labelpact.io.source import Location

__all__ = [
    "KEY_SHIFT",
    "OPTIONAL",
    "ROLES",
    "Frame",
    "compact_codes",
    "part_columns",
    "part_files",
    "part_frames",
    "read_gold_names",
    "read_part",
]

ROLES: Final = ("task", "worker", "label")
OPTIONAL: Final = ("duration_s", "started_at", "submitted_at")  # per-row values a frame may carry
KEY_SHIFT: Final = 40  # rows per part below 2**40, parts below 2**23
# role -> its distinct names (object array), f"{role}_code" -> each row's index into them, "key" -> int64 row keys,
# and any of OPTIONAL -> its value per row (float64 seconds, NaN unknown; datetime64[ms] UTC, NaT unknown)
Frame = dict[str, npt.NDArray[Any]]


def part_files(path: str | Path) -> list[str]:
    """The Parquet parts ``path`` names, in name order: a folder's ``*.parquet``, a glob, a file or a URL.

    A URL (``s3://``, ``gs://``, ...) is passed to fsspec through Dask as it is.
    """
    text = str(path)
    if "://" in text:
        return [text]
    local = Path(text)
    if local.is_dir():
        files = sorted(str(p) for p in local.rglob("*") if p.suffix in (".parquet", ".pq") and p.is_file())
    elif any(ch in text for ch in "*?["):
        files = sorted(glob.glob(text, recursive=True))
    elif local.is_file():
        files = [text]
    else:
        raise InvalidInputError(
            "a Parquet file, a folder of Parquet parts or a glob", file=local, got="nothing there"
        )
    if not files:
        raise InvalidInputError("at least one Parquet part", file=local, got="no *.parquet file")
    return files


def part_columns(first: str) -> list[str]:
    """The column names of one Parquet part (its schema; a URL through Dask and fsspec)."""
    if "://" in first:
        import dask.dataframe as dd

        return list(dd.read_parquet(first).columns)
    try:
        return list(pq.read_schema(first).names)
    except OSError as error:
        raise InvalidInputError("a Parquet file", file=Path(first), got=str(error).split("\n")[0]) from None


def part_frames(
    files: list[str], *, explicit: dict[str, str | None] | None = None
) -> tuple[list[Any], dict[str, str]]:
    """One Dask delayed ``Frame`` per part (dask.dataframe's reader, so fsspec URLs work) and the columns used.

    The columns are resolved once, on the first part's schema, with the aliases ``io`` accepts; the optional
    time columns are read where the parts have them.
    """
    import dask.dataframe as dd
    from dask.delayed import delayed

    first = files[0]
    names = part_columns(first)
    chosen = resolve_columns(
        names, file=Path(first), explicit=explicit or {}, required=ROLES, roles=(*ROLES, *OPTIONAL)
    )
    frame = dd.read_parquet(files, columns=list(chosen.values()), split_row_groups=False)
    parts = frame.to_delayed()
    where = files if len(files) == len(parts) else [first] * len(parts)  # one URL may hold many parts
    return [delayed(read_part)(part, i, chosen, where[i]) for i, part in enumerate(parts)], chosen


def compact_codes(names: npt.NDArray[Any], codes: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], IntArray]:
    """Only the names ``codes`` use, in their order, and the codes renumbered into them (one pass, no sort);
    a code of -1 (no name: a blank label or worker) stays -1."""
    used = np.zeros(len(names), dtype=bool)
    used[codes[codes >= 0]] = True
    renumber = np.append(np.cumsum(used, dtype=np.intp) - 1, -1)  # renumber[-1] is -1
    return names[used], renumber[codes]


def read_part(frame: Any, index: int, chosen: dict[str, str], file: str = "") -> Frame:
    """One part's rows, each role coded against the part's own names (``pandas.factorize``: the names are
    turned into text once per distinct value, not per row), each row's key, and the optional time columns
    ``chosen`` names, decoded as ``io`` decodes them (a bad value is an error naming the part's row).

    As the in-process reader: a row without a label (an abstention, or a task nobody labelled) keeps its
    task and worker (label code -1), so the task is listed as unlabelled and the worker is in the
    vocabulary; a blank task is an error, and so is a label without a worker.
    """
    import pandas as pd

    coded = {}
    for role in ROLES:
        codes, names = pd.factorize(frame[chosen[role]])
        text = np.asarray(pd.Index(names).astype(str), dtype=object)
        codes = codes.astype(np.intp)
        if role != "task":  # an empty name is no name
            codes = np.append(np.where(text == "", -1, np.arange(len(text))), -1)[codes]
        coded[role] = (text, codes)
    if (coded["task"][1] < 0).any():
        raise InvalidInputError(
            "a task on every row", column=chosen["task"], got=f"a blank task in part {index + 1}"
        )
    if ((coded["worker"][1] < 0) & (coded["label"][1] >= 0)).any():
        raise InvalidInputError(
            "a worker for every label", column=chosen["worker"], got=f"a blank worker in part {index + 1}"
        )
    out: Frame = {"key": (np.int64(index) << KEY_SHIFT) + np.arange(len(coded["task"][1]), dtype=np.int64)}
    for role in ROLES:
        names, codes = coded[role]
        out[role], out[f"{role}_code"] = compact_codes(names, codes)
    for role in OPTIONAL:
        if role in chosen:
            column = pa.chunked_array([pa.array(frame[chosen[role]], from_pandas=True)])
            decode = decode_durations if role == "duration_s" else decode_times
            out[role] = decode(column, file=Path(file), name=chosen[role], locate=_row)
    return out


def _row(index: int) -> Location:
    return Location("row", index + 1)


def read_gold_names(
    path: str | Path, *, task_column: str | None = None, label_column: str | None = None
) -> Any:
    """Gold answers (a small file: CSV, TSV or Parquet) as a pandas Series task name -> class name."""
    import pandas as pd
    import pyarrow.csv as pacsv

    file = Path(path)
    try:
        if file.suffix in (".parquet", ".pq"):
            table = pq.read_table(file)
        else:
            delimiter = "\t" if file.suffix in (".tsv", ".tab") else ","
            table = pacsv.read_csv(
                file,
                parse_options=pacsv.ParseOptions(delimiter=delimiter),
                convert_options=pacsv.ConvertOptions(
                    strings_can_be_null=False, quoted_strings_can_be_null=False, column_types={}
                ),
            )
    except (OSError, ValueError) as error:
        raise InvalidInputError(
            "a gold file (CSV, TSV or Parquet)", file=file, got=str(error).split("\n")[0]
        ) from None
    explicit = {"task": task_column, "label": label_column}
    chosen = resolve_columns(
        table.column_names, file=file, explicit=explicit, required=("task", "label"), roles=("task", "label")
    )
    task = table[chosen["task"]].cast("string").to_pylist()
    label = table[chosen["label"]].cast("string").to_pylist()
    series = pd.Series(label, index=pd.Index(task, dtype=object), dtype=object)
    series = series[series.notna() & (series != "")]
    if series.index.has_duplicates:
        raise InvalidInputError(
            "one gold label per task",
            file=file,
            column=chosen["task"],
            got=repr(series.index[series.index.duplicated()][0]),
        )
    return series
