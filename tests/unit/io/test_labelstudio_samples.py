"""The real Label Studio 1.23.2 exports in ../shared/samples/labelstudio, checked against their README."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from labelpact.errors import InvalidInputError
from labelpact.io import Delivery, read_delivery

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "samples" / "labelstudio"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"Label Studio samples not found at {SAMPLES}")


def _labels(d: Delivery) -> set[tuple[str, str, str]]:
    a = d.annotations
    return {
        (a.tasks[t], a.workers[w], a.classes[y]) for t, w, y in zip(a.task, a.worker, a.label, strict=True)
    }


@pytest.fixture(scope="module")
def full() -> Delivery:
    return read_delivery(SAMPLES / "export.json")


def test_full_export_counts(full: Delivery) -> None:
    a = full.annotations
    assert full.format == "labelstudio-json"
    assert (a.n_tasks, a.n_annotations, a.n_workers) == (30, 82, 4)
    assert (full.n_cancelled, full.n_abstentions, full.n_rows) == (
        2,
        0,
        85,
    )  # 84 records + task 30's empty row
    assert a.classes == ("Business", "Sports", "Tech", "World")
    assert sorted(a.workers) == ["2", "3", "4", "5"]
    assert full.tasks_without_labels == ("30",)
    assert Counter(a.classes[y] for y in a.label) == {"Business": 26, "Sports": 20, "World": 18, "Tech": 18}
    counts = dict(zip(a.tasks, a.labels_per_task().tolist(), strict=True))
    assert counts["7"] == counts["19"] == 2 and counts["13"] == counts["14"] == counts["21"] == 4


def test_full_export_gold_and_payloads(full: Delivery) -> None:
    a = full.annotations
    assert full.gold is not None
    assert sorted(
        (a.tasks[t], a.classes[y]) for t, y in zip(full.gold.task, full.gold.label, strict=True)
    ) == [
        ("13", "Tech"),
        ("3", "Business"),
    ]
    # ground truth stays as its author's label too: task 3 by user 2 said Business
    assert ("3", "2", "Business") in _labels(full)
    # and the gold names its author (annotation 38 of task 13 is user 3's), who is not scored on it
    assert full.gold.author is not None
    authors = {a.tasks[t]: a.workers[w] for t, w in zip(full.gold.task, full.gold.author, strict=True)}
    assert authors == {"13": "3", "3": "2"}
    assert full.payloads is not None and len(full.payloads) == 30
    assert full.payloads.fields["source_id"][29] == "hl-030"


def test_full_export_durations_match_the_raw_json(full: Delivery) -> None:
    tasks = json.loads((SAMPLES / "export.json").read_text())
    lead = [x["lead_time"] for t in tasks for x in t["annotations"] if not x["was_cancelled"]]
    assert full.annotations.duration_s is not None
    assert full.annotations.duration_s.tolist() == lead
    assert min(lead) == 0.947 and max(lead) == 184.213


@pytest.mark.parametrize("name", ["export_min.json", "export.csv"])
def test_min_and_csv_give_the_same_labels(full: Delivery, name: str) -> None:
    d = read_delivery(SAMPLES / name, task_column="id", label_column="topic")
    assert d.format == ("labelstudio-json-min" if name.endswith(".json") else "csv")
    assert d.n_rows == 83 and d.annotations.n_annotations == 82 and d.gold is None
    assert d.tasks_without_labels == ("30",)
    assert _labels(d) == _labels(full)
    assert dict(d.columns)["worker"] == "annotator" and dict(d.columns)["duration_s"] == "lead_time"
    assert d.payloads is not None and set(d.payloads.fields) == {"headline", "source_id"}
    assert d.payloads.fields["source_id"][:2] == ("hl-001", "hl-002")
    # task 20's answer was changed by its author from World to Business; every format has the final one
    assert ("20", "4", "Business") in _labels(d)


def test_a_json_min_label_without_an_annotator_names_its_record(tmp_path: Path) -> None:
    """Before: a label whose annotator is null (a deleted user) made the answers' column look like task data,
    and the error said the export had no choice column at all, at line 1."""
    records = json.loads((SAMPLES / "export_min.json").read_text(encoding="utf-8"))
    records[3]["annotator"] = None
    path = tmp_path / "min.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        read_delivery(path)
    message = str(caught.value)
    assert (
        "record 4" in message and "'annotator'" in message and "worker id for this label ('topic')" in message
    )
