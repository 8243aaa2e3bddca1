"""``ethics --engine dask`` scans and vets only the payload rows of the batch's tasks, counts the batch's tasks
without a payload as not scanned, and refuses payloads of none of its tasks: the local document, on a real
LocalCluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labelpact.errors import InvalidInputError
from labelpact.services.ethics import ethics_file

pytest.importorskip("distributed")

from labelpact.services.engine import ethics_parts_file

CONTRACT = """
[pay]
price_per_label = 0.1
pay_floor_per_hour = 15.0
[data]
allowed_licenses = ["CC-BY-4.0"]
personal_data = "reject"
"""
LABELS = {
    "task": ["t1", "t2", "t1", "t2"],
    "worker": ["w1", "w1", "w2", "w2"],
    "label": ["a", "b", "a", "b"],
    "duration_s": [30.0, 30.0, 20.0, 20.0],
}


def _write(root: Path, tasks: dict[str, list[str]]) -> None:
    """The batch as one file each (local) and as a folder of one part each (dask), with the contract."""
    for name, columns in (("labels", LABELS), ("tasks", tasks)):
        (root / name).mkdir(parents=True)
        pq.write_table(pa.table(columns), root / f"{name}.parquet")
        pq.write_table(pa.table(columns), root / name / "part-0.parquet")
    (root / "c.toml").write_text(CONTRACT, encoding="utf-8")


def _both(client: Any, root: Path, warned: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    contract = root / "c.toml"
    local = ethics_file(root / "labels.parquet", tasks=root / "tasks.parquet", contract=contract)
    dask = ethics_parts_file(
        root / "labels", tasks=root / "tasks", contract=contract, client=client, warn=warned.append
    )
    return local, dask


def _summary(document: dict[str, Any]) -> tuple[Any, ...]:
    reasons = [(r["clause"], r["outcome"], r["detail"]) for r in document["reasons"]]
    return document["verdict"], document["pii"], document["provenance"], document["findings"], reasons


def test_a_payload_row_of_a_task_outside_the_batch_is_not_scanned(client: Any, tmp_path: Path) -> None:
    text = ["nothing here", "nothing either", "mail bob@example.com, card 4111 1111 1111 1111"]
    _write(
        tmp_path,
        {"task": ["t1", "t2", "t99"], "text": text, "license": ["CC-BY-4.0", "CC-BY-4.0", "GPL-3.0"]},
    )
    warned: list[str] = []
    local, dask = _both(client, tmp_path, warned)
    assert dask["pii"] == [] and dask["provenance"] == []
    assert _summary(dask) == _summary(local)
    assert warned == ["tasks: 1 payload rows name tasks not in the batch and are ignored"]


def test_tasks_without_a_payload_leave_the_pii_and_licence_clauses_unchecked(
    client: Any, tmp_path: Path
) -> None:
    _write(tmp_path, {"task": ["t1"], "text": ["nothing here"], "license": ["CC-BY-4.0"]})
    warned: list[str] = []
    local, dask = _both(client, tmp_path, warned)
    outcomes = {r["clause"]: r["outcome"] for r in dask["reasons"] if r["clause"].startswith("data")}
    assert set(outcomes.values()) == {"unchecked"}
    assert _summary(dask) == _summary(local)
    assert len(warned) == 1 and "payloads cover 1 of the batch's 2 tasks" in warned[0]


def test_payloads_of_none_of_the_batch_tasks_are_refused(client: Any, tmp_path: Path) -> None:
    _write(tmp_path, {"task": ["x1", "x2"], "text": ["a", "b"], "license": ["MIT", "MIT"]})
    contract = tmp_path / "c.toml"
    with pytest.raises(InvalidInputError) as local:
        ethics_file(tmp_path / "labels.parquet", tasks=tmp_path / "tasks.parquet", contract=contract)
    with pytest.raises(InvalidInputError) as dask:
        ethics_parts_file(tmp_path / "labels", tasks=tmp_path / "tasks", contract=contract, client=client)
    assert "none of them a task of the batch (such as 'x1')" in str(dask.value)
    assert str(dask.value) == str(local.value).replace("tasks.parquet", "tasks")
