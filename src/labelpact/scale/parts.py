"""Parquet parts named by a folder, a glob or a URL, read on the Dask workers (a few consecutive parts per
task, ``scale.cluster``), never into one process.

Each part becomes a frame of ``task``, ``worker`` and ``label`` names (aliases as the file readers accept
them) and a ``key`` per row: ``part << 40 | row``, the row's place in the parts read one after another,
which orders tasks and workers by first appearance exactly as the in-process reader does. The optional
time columns (``duration_s``, ``started_at``, ``submitted_at`` and their aliases) are decoded per row as the
in-process reader decodes them, so worker scorecards get their speed columns.
"""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from labelpact.core.annotations import IntArray
from labelpact.errors import InvalidInputError
from labelpact.io.column import Coded, decode_durations, decode_times, encode, fail_at
from labelpact.io.limits import DEFAULT_LIMITS, Limits
from labelpact.io.source import Location
from labelpact.io.values import check_names
from labelpact.scale.gold import read_gold_names

__all__ = [
    "KEY_SHIFT",
    "OPTIONAL",
    "ROLES",
    "Frame",
    "compact_codes",
    "part_columns",
    "part_files",
    "part_sources",
    "read_gold_names",
    "read_group",
    "read_part",
    "read_part_file",
]

ROLES: Final = ("task", "worker", "label")
_TEXT_SUFFIXES: Final = frozenset(
    {".csv", ".tsv", ".tab", ".jsonl", ".ndjson", ".json", ".csv.gz", ".tsv.gz", ".jsonl.gz"}
)
OPTIONAL: Final = ("duration_s", "started_at", "submitted_at")  # per-row values a frame may carry
KEY_SHIFT: Final = 40  # rows per part below 2**40, parts below 2**23
# role -> its distinct names (object array), f"{role}_code" -> each row's index into them, "key" -> int64 row keys,
# and any of OPTIONAL -> its value per row (float64 seconds, NaN unknown; datetime64[ms] UTC, NaT unknown)
Frame = dict[str, npt.NDArray[Any]]


def part_files(path: str | Path) -> list[str]:
    """The Parquet parts ``path`` names, in name order: a folder's ``*.parquet`` (none under a name starting
    with ``_`` or ``.``, as pyarrow and Dask read a dataset), a glob, a file or a URL.

    A URL (``s3://``, ``gs://``, ...) is passed to fsspec through Dask as it is.
    """
    text = str(path)
    if "://" in text:
        return [text]
    local = Path(text)
    if local.is_dir():
        files = sorted(
            str(p)
            for p in local.rglob("*")
            if p.suffix in (".parquet", ".pq") and p.is_file() and not _hidden(p.relative_to(local).parts)
        )
    elif any(ch in text for ch in "*?["):
        files = sorted(glob.glob(text, recursive=True))
    elif local.is_file():
        suffix = "".join(local.suffixes[-2:]) if local.suffix.lower() == ".gz" else local.suffix
        if suffix.lower() in _TEXT_SUFFIXES:  # the in-process readers take these; the cluster reads Parquet
            raise InvalidInputError(
                "Parquet parts for the Dask engine (a .parquet file, a folder of them or a glob)",
                file=local,
                got=f"a {suffix} file (the in-process engine reads it; or write it as Parquet)",
            )
        files = [text]
    else:
        raise InvalidInputError(
            "a Parquet file, a folder of Parquet parts or a glob", file=local, got="nothing there"
        )
    if not files:
        raise InvalidInputError("at least one Parquet part", file=local, got="no *.parquet file")
    return files


def _hidden(names: Sequence[str]) -> bool:
    """Whether a path inside a folder of parts passes through a name starting with ``_`` or ``.``: Spark's
    ``_temporary`` attempts, ``_SUCCESS``, ``.ipynb_checkpoints``, which Spark, Hive, pyarrow and Dask skip."""
    return any(name.startswith(("_", ".")) for name in names)


def part_columns(source: str) -> list[str]:
    """The column names of one Parquet part, from its footer (a URL through fsspec)."""
    filesystem, path = _opened(source)
    try:
        return list(pq.read_schema(path, filesystem=filesystem).names)
    except (OSError, ValueError) as error:  # Arrow's ArrowInvalid (not Parquet) is a ValueError
        raise InvalidInputError("a Parquet file", file=Path(source), got=str(error).split("\n")[0]) from None


def _opened(source: str) -> tuple[Any, str]:
    """The fsspec filesystem and path of a URL, or (None, the path) for a local file."""
    if "://" not in source:
        return None, source
    import fsspec  # type: ignore[import-untyped]

    filesystem, path = fsspec.core.url_to_fs(source)
    return filesystem, path


def part_sources(files: list[str]) -> list[str]:
    """Every Parquet part ``files`` names, a URL (a folder or glob in an object store) expanded through fsspec
    into its parts, in name order; local files as they are."""
    sources = []
    for file in files:
        if "://" not in file:
            sources.append(file)
            continue
        fs, path = _opened(file)
        if any(ch in path for ch in "*?["):
            found = fs.glob(path)
        elif fs.isdir(path):
            root = path.rstrip("/")
            found = [
                f
                for f in fs.find(path)
                if f.endswith((".parquet", ".pq")) and not _hidden(f[len(root) :].strip("/").split("/"))
            ]
        else:
            found = [path]
        sources.extend(fs.unstrip_protocol(f) for f in sorted(found))
    return sources


def read_table(source: str, **options: Any) -> pa.Table:
    """One Parquet part as an Arrow table, from its file or URL (through fsspec); ``options`` go to
    ``pyarrow.parquet.read_table``. A file that is not Parquet is an InvalidInputError naming it."""
    filesystem, path = _opened(source)
    try:
        return pq.read_table(path, filesystem=filesystem, **options)
    except (OSError, ValueError) as error:  # Arrow's ArrowInvalid (not Parquet) is a ValueError
        raise InvalidInputError("a Parquet file", file=Path(source), got=str(error).split("\n")[0]) from None


def read_frame(source: str) -> Any:
    """One Parquet part, every column, as a pandas frame (parts of one dataset may differ in their columns)."""
    import pandas as pd

    return read_table(source).to_pandas(types_mapper=pd.ArrowDtype)  # texts as Arrow holds them


def read_part_file(
    source: str,
    index: int,
    chosen: dict[str, str],
    limits: Limits = DEFAULT_LIMITS,
    classes: Sequence[str] | None = None,
) -> Frame:
    """One part read by Arrow from its file (or URL, through fsspec), its names coded by the in-process
    reader's own rules (``io.column.encode``, ``io.values.check_names``), the time columns decoded as the
    in-process reader decodes them. With ``classes`` (a contract's), a label outside them is an error naming
    the part's row, as in-process."""
    names = part_columns(source)
    absent = [(role, name) for role, name in chosen.items() if name not in names]
    if absent:  # the columns are resolved on the first part; a part that names them otherwise is refused
        raise InvalidInputError(
            f"the column {absent[0][1]!r} for the {absent[0][0]} (the first part's name for it)",
            file=Path(source),
            row=1,
            got=f"only the columns {', '.join(map(repr, names))}",
        )
    table = read_table(source, columns=list(dict.fromkeys(chosen.values())))
    columns = {role: table.column(name) for role, name in chosen.items()}
    return _frame(columns, index, chosen, source, limits, classes)


def read_group(
    sources: list[str], indices: list[int], chosen: dict[str, str], classes: list[str] | None = None
) -> list[Frame]:
    """Consecutive parts (their files, their places in the part order), read; labels held to ``classes``."""
    return [read_part_file(s, i, chosen, classes=classes) for s, i in zip(sources, indices, strict=True)]


def compact_codes(names: npt.NDArray[Any], codes: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], IntArray]:
    """Only the names ``codes`` use, in their order, and the codes renumbered into them (one pass, no sort);
    a code of -1 (no name: a blank label or worker) stays -1."""
    used = np.zeros(len(names), dtype=bool)
    used[codes[codes >= 0]] = True
    renumber = np.append(np.cumsum(used, dtype=np.intp) - 1, -1)  # renumber[-1] is -1
    return names[used], renumber[codes]


def read_part(
    frame: Any, index: int, chosen: dict[str, str], file: str = "", limits: Limits = DEFAULT_LIMITS
) -> Frame:
    """One part's rows from a pandas frame, coded as ``read_part_file`` codes a file's: each role against the
    part's own names, each row's key, and the optional time columns ``chosen`` names.

    As the in-process reader: a row without a label (an abstention, or a task nobody labelled) keeps its
    task and worker (label code -1), so the task is listed as unlabelled and the worker is in the
    vocabulary; a blank task is an error, and so is a label without a worker.
    """
    columns = {
        role: pa.chunked_array([pa.array(frame[name], from_pandas=True)]) for role, name in chosen.items()
    }
    return _frame(columns, index, chosen, file, limits)


def _frame(
    columns: dict[str, pa.ChunkedArray],
    index: int,
    chosen: dict[str, str],
    file: str,
    limits: Limits,
    classes: Sequence[str] | None = None,
) -> Frame:
    """A part's ``Frame`` from its Arrow columns by role: task, worker and label coded as the in-process reader
    codes them (text as ``as_text`` writes it, trimmed, a whitespace-only cell blank; UTF-8, line breaks and
    the documented limits checked, an error naming the part and its row), unused names dropped, the time
    columns decoded."""
    path = Path(file) if file else None
    where = Path(file or f"part {index + 1}")
    coded: dict[str, Coded] = {}
    for role in ROLES:
        coded[role] = encode(columns[role], file=where, name=chosen[role])
        check_names(coded[role], role, limits=limits, file=where, column=chosen[role], locate=_row)
    for role, expected, bad in (
        ("task", "a task on every row", coded["task"].codes < 0),
        ("worker", "a worker for every label", (coded["worker"].codes < 0) & (coded["label"].codes >= 0)),
    ):
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise fail_at(_row, i, expected, file=path or where, column=chosen[role], got="a blank cell")
    label, allowed = coded["label"], list(classes or ())
    unknown = (
        np.flatnonzero(~np.isin(np.asarray(label.names, dtype=object), allowed)) if classes else np.empty(0)
    )
    if len(unknown):
        i = int(np.flatnonzero(np.isin(label.codes, unknown))[0])
        got = repr(label.names[label.codes[i]])
        raise fail_at(_row, i, f"a label in {allowed}", file=where, column=chosen["label"], got=got)
    out: Frame = {"key": (np.int64(index) << KEY_SHIFT) + np.arange(len(coded["task"].codes), dtype=np.int64)}
    for role in ROLES:
        names = np.asarray(coded[role].names, dtype=object)
        out[role], codes = compact_codes(names, coded[role].codes.astype(np.intp))
        out[f"{role}_code"] = codes.astype(np.int32) if len(names) < 2**31 else codes  # 4 bytes a row
    for role in OPTIONAL:
        if role in chosen:
            decode = decode_durations if role == "duration_s" else decode_times
            out[role] = decode(columns[role], file=where, name=chosen[role], locate=_row)
    return out


def _row(index: int) -> Location:
    return Location("row", index + 1)
