"""The Dask engine reads parts by the in-process reader's rules: typed columns turned into the same text,
names trimmed and whitespace-only cells blank, the documented limits and UTF-8 checked with the same one-line
errors, and a folder's ``_temporary`` / hidden sub-folders skipped. Each case: one Parquet file read
in-process, and the same rows as parts read on the cluster, give the same ``aggregate`` document."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytest.importorskip("distributed")

from labelpact.errors import InvalidInputError
from labelpact.services.engine.consensus import aggregate_parts_file
from labelpact.services.quality import aggregate_file

SKIP = frozenset({"seconds", "engine", "out", "calibration", "mean_confidence"})


def _both(client: Any, tmp_path: Path, parts: list[pa.Table], **options: Any) -> tuple[Any, Any]:
    """The in-process and the Dask ``aggregate`` documents and ``--out`` rows of the same rows."""
    folder = tmp_path / "parts"
    folder.mkdir(parents=True, exist_ok=True)
    for i, part in enumerate(parts):
        pq.write_table(part, folder / f"part-{i}.parquet")
    whole = tmp_path / "all.parquet"
    pq.write_table(pa.concat_tables(parts, promote_options="permissive"), whole)
    local = aggregate_file(whole, method="mv", out=tmp_path / "local.csv", **options)
    dask = aggregate_parts_file(folder, method="mv", out=tmp_path / "dask.csv", client=client, **options)
    documents = [{k: v for k, v in r.document.items() if k not in SKIP} for r in (local, dask)]
    rows = [(tmp_path / f"{e}.csv").read_text(encoding="utf-8") for e in ("local", "dask")]
    return (documents[0], rows[0]), (documents[1], rows[1])


def test_int_labels_with_a_null_and_bool_labels_are_the_in_process_text(client: Any, tmp_path: Path) -> None:
    first = pa.table({"task": ["t1"] * 3 + ["t2"] * 3, "worker": list("abcabc"), "label": [1, 1, 2, 2, 2, 1]})
    second = pa.table(
        {"task": ["t3"] * 3 + ["t4"], "worker": list("abca"), "label": pa.array([1, 1, 2, None], pa.int64())}
    )
    local, dask = _both(client, tmp_path, [first, second])
    assert dask == local and local[0]["n_classes"] == 2 and '"t3","1"' in dask[1]
    flags = pa.table(
        {"task": ["t1", "t1", "t2", "t2"], "worker": list("abab"), "label": [True, False, True, True]}
    )
    local, dask = _both(client, tmp_path / "bool", [flags])
    assert dask == local and '"t2","true"' in dask[1]


def test_names_are_trimmed_and_whitespace_only_cells_are_blank(client: Any, tmp_path: Path) -> None:
    part = pa.table(
        {
            "task": ["t1", " t1", "t1", "t2", "t2 ", "t2", "t3", "t3", "t3"],
            "worker": ["ann", "bob ", "cy", "ann ", "bob", " cy", "ann", "bob", "cy"],
            "label": ["pos", "pos ", "neg", "neg ", "neg", "pos", " pos", "  ", "neg"],
        }
    )
    local, dask = _both(client, tmp_path, [part])
    assert dask == local
    assert (local[0]["n_workers"], local[0]["n_annotations"], local[0]["n_classes"]) == (3, 8, 2)


def _bad_utf8() -> pa.Table:
    offsets = pa.py_buffer(np.array([0, 1, 3, 4, 6], dtype="int32").tobytes())
    worker = pa.Array.from_buffers(pa.string(), 4, [None, offsets, pa.py_buffer(b"ab\xffab\xff")])
    return pa.table({"task": ["t1", "t1", "t2", "t2"], "worker": worker, "label": ["x", "x", "y", "x"]})


def _base(**over: Any) -> pa.Table:
    return pa.table(
        {"task": ["t1", "t1", "t2", "t2"], "worker": ["a", "b", "a", "b"], "label": ["x", "x", "y", "x"]}
        | over
    )


@pytest.mark.parametrize(
    "table",
    [
        _base(worker=["a", "b\nc", "a", "b\nc"]),
        _base(worker=["a", "w" * 5000, "a", "w" * 5000]),
        _base(label=["x", "L" * 300, "y", "x"]),
        pa.table(
            {
                "task": [f"t{i // 2}" for i in range(2400)],
                "worker": ["a", "b"] * 1200,
                "label": [f"c{i}" for i in range(2400)],
            }
        ),
        _bad_utf8(),
    ],
    ids=["line-break", "long-name", "long-label", "too-many-classes", "bad-utf8"],
)
def test_the_readers_refusals_are_the_same_error(client: Any, tmp_path: Path, table: pa.Table) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    pq.write_table(table, folder / "p.parquet")
    with pytest.raises(InvalidInputError) as local:
        aggregate_file(folder / "p.parquet", method="mv")
    with pytest.raises(InvalidInputError) as dask:
        aggregate_parts_file(folder / "p.parquet", method="mv", client=client)
    assert str(dask.value) == str(local.value)


def test_too_many_classes_over_the_parts_is_refused(client: Any, tmp_path: Path) -> None:
    parts = [
        pa.table(
            {
                "task": [f"t{k}-{i // 2}" for i in range(600)],
                "worker": ["a", "b"] * 300,
                "label": [f"c{k}-{i}" for i in range(600)],
            }
        )
        for k in range(4)
    ]
    for k, part in enumerate(parts):
        pq.write_table(part, tmp_path / f"part-{k}.parquet")
    with pytest.raises(InvalidInputError, match=r"at most 1,000 distinct labels .*got 2,400 distinct labels"):
        aggregate_parts_file(tmp_path, method="mv", client=client)


def test_temporary_and_hidden_folders_are_not_parts(client: Any, tmp_path: Path) -> None:
    parts = [_base(), _base(task=["t3", "t3", "t4", "t4"])]
    local, dask = _both(client, tmp_path, parts)
    assert dask == local
    for hidden in ("_temporary/0/task_1", ".ipynb_checkpoints"):
        (tmp_path / "parts" / hidden).mkdir(parents=True)
        shutil.copy(tmp_path / "parts" / "part-1.parquet", tmp_path / "parts" / hidden / "part-1.parquet")
    again = aggregate_parts_file(tmp_path / "parts", method="mv", client=client).document
    assert again["n_annotations"] == local[0]["n_annotations"] == 8


@pytest.mark.parametrize(
    "second", [["item", "worker", "label"], ["task", "worker"]], ids=["alias", "missing"]
)
def test_a_part_without_the_first_parts_columns_is_named_as_such(
    client: Any, tmp_path: Path, second: list[str]
) -> None:
    pq.write_table(_base(), tmp_path / "part-0.parquet")
    other = _base().select(["task", "worker", "label"][: len(second)]).rename_columns(second)
    pq.write_table(other, tmp_path / "part-1.parquet")
    with pytest.raises(
        InvalidInputError, match=r"part-1.parquet, line 1: expected the column '(task|label)' for"
    ):
        aggregate_parts_file(tmp_path, method="mv", client=client)
