"""``ethics`` on the Dask engine reads and checks LABELS as in-process even when neither slices nor pay need
them: a missing LABELS path and a label outside the contract's classes are the in-process errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from labelpact.errors import InvalidInputError
from labelpact.services.engine import ethics_parts_file
from labelpact.services.ethics import ethics_file

pytest.importorskip("distributed")

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "data"


def _files(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The example's tasks as parts, its labels with one label outside the contract's classes, the contract."""
    (tmp_path / "tasks").mkdir()
    options = pacsv.ConvertOptions(strings_can_be_null=False, column_types={"task": pa.string()})
    tasks = pacsv.read_csv(EXAMPLES / "acme-week1-tasks.csv", convert_options=options)
    pq.write_table(tasks, tmp_path / "tasks" / "part-0.parquet")
    labels = pacsv.read_csv(EXAMPLES / "acme-week1.csv", convert_options=options).to_pylist()
    labels[3]["label"] = "sarcastic"
    (tmp_path / "labels").mkdir()
    pq.write_table(pa.Table.from_pylist(labels), tmp_path / "labels" / "part-0.parquet")
    contract = tmp_path / "contract.toml"
    contract.write_text(
        '[labels]\nclasses = ["negative", "neutral", "positive", "mixed"]\n', encoding="utf-8"
    )
    return tmp_path / "tasks", tmp_path / "labels" / "part-0.parquet", contract


def test_missing_labels_and_a_label_outside_the_classes_are_refused(client: Any, tmp_path: Path) -> None:
    tasks, labels, contract = _files(tmp_path)
    with pytest.raises(InvalidInputError, match=r"expected an existing file|nothing there"):
        ethics_parts_file(tmp_path / "missing.parquet", tasks=tasks, client=client)
    with pytest.raises(InvalidInputError) as local:
        ethics_file(labels, tasks=EXAMPLES / "acme-week1-tasks.csv", contract=contract)
    with pytest.raises(InvalidInputError) as dask:
        ethics_parts_file(labels, tasks=tasks, contract=contract, client=client)
    assert str(dask.value) == str(local.value)
    assert "part-0.parquet, row 4, column 'label': expected a label in" in str(dask.value)


def test_pii_findings_are_listed_field_by_field_as_in_process(client: Any, tmp_path: Path) -> None:
    options = pacsv.ConvertOptions(strings_can_be_null=False, column_types={"task": pa.string()})
    tasks = pacsv.read_csv(EXAMPLES / "acme-week1-tasks.csv", convert_options=options)
    note = [""] * tasks.num_rows
    note[3] = "reach me: anna.k@example.org"  # a finding in part 0 of a field after 'text'
    tasks = tasks.append_column("note", pa.array(note))
    pacsv.write_csv(tasks, tmp_path / "tasks.csv")
    (tmp_path / "tasks").mkdir()
    half = tasks.num_rows // 2
    for k, part in enumerate((tasks.slice(0, half), tasks.slice(half))):
        pq.write_table(part, tmp_path / "tasks" / f"part-{k}.parquet")
    labels = pacsv.read_csv(EXAMPLES / "acme-week1.csv", convert_options=options)
    (tmp_path / "labels").mkdir()
    pq.write_table(labels, tmp_path / "labels" / "part-0.parquet")
    local = ethics_file(tmp_path / "labels" / "part-0.parquet", tasks=tmp_path / "tasks.csv")
    dask = ethics_parts_file(tmp_path / "labels", tasks=tmp_path / "tasks", client=client)
    assert [(p["task"], p["field"]) for p in dask["pii"]] == [(p["task"], p["field"]) for p in local["pii"]]
    assert dask["pii"] == local["pii"] and dask["findings"] == local["findings"]
