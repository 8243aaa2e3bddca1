"""Which files the Dask engine reads: Parquet parts by folder, glob or file; a text file is named as such."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labelpact.errors import InvalidInputError
from labelpact.scale.parts import part_files


def test_parts_by_folder_glob_and_file_in_name_order(tmp_path: Path) -> None:
    table = pa.table({"task": ["t1"], "worker": ["w1"], "label": ["a"]})
    for name in ("b.parquet", "a.parquet", "sub/c.parquet"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        pq.write_table(table, tmp_path / name)
    (tmp_path / "notes.txt").write_text("not a part", encoding="utf-8")
    assert [Path(f).name for f in part_files(tmp_path)] == ["a.parquet", "b.parquet", "c.parquet"]
    assert [Path(f).name for f in part_files(tmp_path / "*.parquet")] == ["a.parquet", "b.parquet"]
    assert part_files(tmp_path / "a.parquet") == [str(tmp_path / "a.parquet")]


@pytest.mark.parametrize("name", ["labels.csv", "labels.tsv", "labels.jsonl", "labels.csv.gz"])
def test_a_text_file_is_named_with_the_way_out(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"task,worker,label\nt1,w1,a\n")
    with pytest.raises(
        InvalidInputError,
        match=rf"{name}: expected Parquet parts for the Dask engine .*in-process engine reads it",
    ):
        part_files(tmp_path / name)
    with pytest.raises(InvalidInputError, match=r"nothing there"):
        part_files(tmp_path / "missing.parquet")
