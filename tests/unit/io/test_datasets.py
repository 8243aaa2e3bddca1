"""The nine public datasets in ../shared/datasets read with the counts of their README table."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from labelpact.io import read_delivery

DATASETS = Path(__file__).resolve().parents[3] / ".." / "shared" / "datasets"
pytestmark = [
    pytest.mark.datasets,
    pytest.mark.skipif(not DATASETS.is_dir(), reason=f"shared datasets not found at {DATASETS}"),
]

# name: classes, items, workers, annotations, gold items (README.md table)
TABLE = {
    "bluebirds": (2, 108, 39, 4_212, 108),
    "zheng_product": (2, 8_315, 176, 24_945, 8_315),
    "zheng_dog": (4, 807, 109, 8_070, 807),
    "snow_wsd": (3, 177, 34, 1_770, 177),
    "gal_adultcontent2": (4, 11_040, 825, 92_721, 333),
    "act_music_genre": (10, 700, 44, 2_945, 700),
    "duchenne": (2, 2_134, 64, 30_319, 159),
    "act_weather_cf": (5, 300, 461, 1_720, 300),
    "act_weather_amt": (5, 300, 110, 6_030, 300),
}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_dataset_counts(name: str) -> None:
    folder = DATASETS / name
    d = read_delivery(folder / "labels.csv", gold=folder / "gold.csv")
    a = d.annotations
    assert (a.n_classes, a.n_tasks, a.n_workers, a.n_annotations, len(d.gold or ())) == TABLE[name]
    assert dict(d.columns)["task"] == "item" and d.n_abstentions == 0 and d.tasks_without_labels == ()


def test_codes_agree_with_the_csv_module() -> None:
    """Row-by-row names equal what Python's csv module reads; first-appearance order; ids keep their text."""
    path = DATASETS / "gal_adultcontent2" / "labels.csv"
    with path.open(newline="") as handle:
        rows = [(r["item"], r["worker"], r["label"]) for r in csv.DictReader(handle)]
    a = read_delivery(path).annotations
    assert a.tasks == tuple(dict.fromkeys(r[0] for r in rows))
    assert a.workers == tuple(dict.fromkeys(r[1] for r in rows))
    names = [
        (a.tasks[t], a.workers[w], a.classes[y]) for t, w, y in zip(a.task, a.worker, a.label, strict=True)
    ]
    assert names == rows


def test_duplicates_counted_and_dropped() -> None:
    """duchenne repeats (item, worker) pairs; the count equals a set-based count from the csv module."""
    path = DATASETS / "duchenne" / "labels.csv"
    with path.open(newline="") as handle:
        pairs = [(r["item"], r["worker"]) for r in csv.DictReader(handle)]
    d = read_delivery(path, duplicates="first")
    assert d.n_duplicates == len(pairs) - len(set(pairs)) == d.n_duplicates_dropped
    assert d.annotations.n_annotations == len(set(pairs))
