"""Gold on the Dask engine is read and checked as in-process: names trimmed, the labels' ``--task-column``
used only where the gold file has it, gold for a task outside the batch and a gold label outside the classes
refused naming the gold file's line, and ``n_gold`` counting every gold task (one nobody labelled too)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labelpact.errors import InvalidInputError
from labelpact.services.engine.consensus import aggregate_parts_file
from labelpact.services.engine.quality import workers_parts_file
from labelpact.services.quality import aggregate_file

pytest.importorskip("distributed")

SAME = ("n_tasks", "n_workers", "n_annotations", "n_classes", "n_gold", "accuracy", "accuracy_interval")


def _labels(tmp_path: Path, names: dict[str, str] | None = None) -> Path:
    """12 tasks x 3 workers of two classes, and a task whose only row has no label; one Parquet file."""
    task = [f"t{i}" for i in range(12) for _ in range(3)] + ["t_unl"]
    worker = ["a", "b", "c"] * 12 + ["a"]
    label = [("x" if (i + w) % 4 else "y") for i in range(12) for w in range(3)] + [None]
    table = pa.table({"task": task, "worker": worker, "label": label})
    if names:
        table = table.rename_columns([names.get(n, n) for n in table.column_names])
    (tmp_path / "parts").mkdir(exist_ok=True)
    pq.write_table(table, tmp_path / "parts" / "p.parquet")
    return tmp_path / "parts" / "p.parquet"


def _gold(tmp_path: Path, text: str) -> Path:
    (tmp_path / "gold.csv").write_text(text, encoding="utf-8")
    return tmp_path / "gold.csv"


@pytest.mark.parametrize(
    ("gold", "options", "n_gold"),
    [
        ("task,label\nt1 , x\n t2,x \nt3,y\nt3, y\n", {}, 3),  # trimmed; one answer twice is kept once
        ("task,label\nt_unl,x\nt1,x\nt2,y\nt3,x\n", {}, 4),  # gold on a task nobody labelled counts
        ("task,label\nt1,x\nt2,y\n", {"task_column": "qid", "label_column": "answer"}, 2),  # standard header
    ],
    ids=["trimmed", "unlabelled-task", "standard-gold-columns"],
)
def test_gold_is_read_and_counted_as_in_process(
    client: Any, tmp_path: Path, gold: str, options: dict[str, str], n_gold: int
) -> None:
    names = {"task": options["task_column"], "label": options["label_column"]} if options else None
    labels, file = _labels(tmp_path, names), _gold(tmp_path, gold)
    local = aggregate_file(labels, gold=file, method="ds", **options).document
    dask = aggregate_parts_file(labels.parent, gold=file, method="ds", client=client, **options).document
    assert {k: dask[k] for k in SAME} == {k: local[k] for k in SAME}
    assert dask["n_gold"] == n_gold


@pytest.mark.parametrize(
    "gold",
    ["task,label\nt1,x\nno-such-task,x\n", "task,label\nt1,x\nt2,z\n", "task,label\nt1,x\nt1,y\n"],
    ids=["task-outside-the-batch", "label-outside-the-classes", "two-answers"],
)
def test_bad_gold_is_the_in_process_error(client: Any, tmp_path: Path, gold: str) -> None:
    labels, file = _labels(tmp_path), _gold(tmp_path, gold)
    with pytest.raises(InvalidInputError) as local:
        aggregate_file(labels, gold=file, method="ds")
    with pytest.raises(InvalidInputError) as dask:
        aggregate_parts_file(labels.parent, gold=file, method="ds", client=client)
    assert str(dask.value) == str(local.value) and "gold.csv, line 3" in str(dask.value)
    with pytest.raises(InvalidInputError) as workers:
        workers_parts_file(labels.parent, gold=file, method="ds", client=client)
    assert str(workers.value) == str(local.value)
