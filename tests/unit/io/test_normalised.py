"""write_normalised / read_normalised give back exactly what was written."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from labelpact.core.annotations import Annotations, Gold
from labelpact.io import read_delivery, read_normalised, write_normalised

GOOD = Path(__file__).resolve().parents[2] / "data" / "good"
names = st.text(min_size=1, max_size=6)


@st.composite
def batches(draw: st.DrawFn) -> tuple[Annotations, Gold | None]:
    tasks = draw(st.lists(names, min_size=1, max_size=8, unique=True))
    workers = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    classes = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    n = draw(st.integers(0, 30))
    codes = st.lists(st.integers(0, 10**6), min_size=n, max_size=n)
    task = np.array(draw(codes), dtype=np.intp) % len(tasks)
    worker = np.array(draw(codes), dtype=np.intp) % len(workers)
    label = np.array(draw(codes), dtype=np.intp) % len(classes)
    optional: dict[str, Any] = {}
    if draw(st.booleans()):
        values = draw(st.lists(st.one_of(st.floats(0, 1e6), st.just(float("nan"))), min_size=n, max_size=n))
        optional["duration_s"] = np.array(values, dtype=np.float64)
    if draw(st.booleans()):
        ms = draw(st.lists(st.one_of(st.integers(0, 2 * 10**12), st.none()), min_size=n, max_size=n))
        stamps = [np.datetime64(v, "ms") if v is not None else np.datetime64("NaT", "ms") for v in ms]
        optional["submitted_at"] = np.array(stamps, dtype="datetime64[ms]")
    a = Annotations(
        task=task,
        worker=worker,
        label=label,
        tasks=tuple(tasks),
        workers=tuple(workers),
        classes=tuple(classes),
        **optional,
    )
    gold = None
    if draw(st.booleans()):
        gold_tasks = draw(st.lists(st.integers(0, len(tasks) - 1), unique=True, max_size=len(tasks)))
        gold_labels = [draw(st.integers(0, len(classes) - 1)) for _ in gold_tasks]
        gold = Gold(task=np.array(gold_tasks, dtype=np.intp), label=np.array(gold_labels, dtype=np.intp))
    return a, gold


def _assert_same(a: Annotations, b: Annotations) -> None:
    assert (a.tasks, a.workers, a.classes) == (b.tasks, b.workers, b.classes)
    for name in ("task", "worker", "label"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        assert getattr(b, name).dtype == np.intp
    for name in ("duration_s", "started_at", "submitted_at"):
        left, right = getattr(a, name), getattr(b, name)
        assert (left is None) == (right is None), name
        if left is not None:
            np.testing.assert_array_equal(left, right)  # NaN == NaN and NaT == NaT here
            assert left.dtype == right.dtype


@settings(max_examples=60, deadline=None)
@given(batches())
def test_round_trip_is_exact(batch: tuple[Annotations, Gold | None]) -> None:
    a, gold = batch
    with tempfile.TemporaryDirectory() as folder:
        path = write_normalised(a, Path(folder) / "n.parquet", gold=gold)
        b, gold_back = read_normalised(path)
    _assert_same(a, b)
    assert (gold is None) == (gold_back is None)
    if gold is not None and gold_back is not None:
        assert (
            gold.task.tolist() == gold_back.task.tolist() and gold.label.tolist() == gold_back.label.tolist()
        )


def test_round_trip_keeps_unlabelled_tasks_and_unchosen_classes(tmp_path: Path) -> None:
    d = read_delivery(GOOD / "basic.csv", gold=GOOD / "gold.csv", classes=("1", "2", "7", "10"))
    b, gold = read_normalised(write_normalised(d.annotations, tmp_path / "n.parquet", gold=d.gold))
    _assert_same(d.annotations, b)
    assert "0003" in b.tasks and "7" in b.classes and b.labels_per_task()[2] == 0
    assert gold is not None and d.gold is not None and gold.label.tolist() == d.gold.label.tolist()
