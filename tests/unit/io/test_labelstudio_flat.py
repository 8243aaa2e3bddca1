"""Label Studio's flat exports (JSON_MIN, CSV) of Pairwise and Rating projects read as the full export is.

The flat files are made from a full export the way Label Studio's converter (label-studio-sdk 2.x,
``converter.py`` and ``exports/csv2.py``) makes them: one record per submitted annotation, the task's data,
each control's results under its name (a list of result values with the ``type`` removed), ``annotator``
as the user id, and in CSV every column sorted, nested values as compact JSON, non-numbers quoted.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from labelpact.core.preferences import LEFT, RIGHT, TIE
from labelpact.errors import InvalidInputError
from labelpact.io.deliverable_table import detect_kind
from labelpact.io.delivery import read_delivery
from labelpact.io.demonstrations import read_demonstrations
from labelpact.io.preferences import read_preferences
from labelpact.io.ratings import read_ratings


def _pairwise(selected: str) -> list[dict[str, Any]]:
    return [{"from_name": "pw", "to_name": "left,right", "type": "pairwise", "value": {"selected": selected}}]


def _ratings(**scores: int) -> list[dict[str, Any]]:
    return [
        {"from_name": n, "to_name": "answer", "type": "rating", "value": {"rating": v}}
        for n, v in scores.items()
    ]


def _task(
    i: int, data: dict[str, Any], annotations: list[tuple[int, list[dict[str, Any]], bool]]
) -> dict[str, Any]:
    return {
        "id": i,
        "data": data,
        "annotations": [
            {"id": 100 * i + j, "completed_by": who, "lead_time": 1.5 + j, "was_cancelled": cancelled,
             "created_at": f"2026-11-25T20:0{j}:00Z", "updated_at": f"2026-11-25T20:0{j}:00Z", "result": result}
            for j, (who, result, cancelled) in enumerate(annotations)
        ],
    }  # fmt: skip


def _min_records(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What JSON_MIN holds: per submitted annotation, data + id + each control's values + annotation fields."""
    records = []
    for task in tasks:
        for ann in task["annotations"]:
            if ann["was_cancelled"]:
                continue
            record: dict[str, Any] = {**task["data"], "id": task["id"]}
            grouped: dict[str, list[dict[str, Any]]] = {}
            for r in ann["result"]:
                grouped.setdefault(r["from_name"], []).append(r)
            record |= {name: _pretty(results) for name, results in grouped.items()}
            record |= {"annotator": ann["completed_by"], "annotation_id": ann["id"]}
            record |= {k: ann[k] for k in ("created_at", "updated_at", "lead_time")}
            records.append(record)
        if not task["annotations"]:
            records.append({**task["data"], "id": task["id"], "annotator": "", "annotation_id": None})
    return records


def _pretty(results: list[dict[str, Any]]) -> Any:
    """The converter's ``prettify_result``: one Choices or TextArea value as its string, else the values."""
    out: list[Any] = []
    for r in results:
        value, kind = r["value"], r["type"]
        if kind in ("choices", "textarea") and len(value[kind if kind == "choices" else "text"]) == 1:
            out.append(value["choices" if kind == "choices" else "text"][0])
        else:
            out.append(dict(value))
    return out[0] if results[-1]["type"] in ("choices", "textarea") and len(out) == 1 else out


def _write_flat(tmp_path: Path, tasks: list[dict[str, Any]]) -> tuple[Path, Path, Path]:
    full = tmp_path / "full.json"
    full.write_text(json.dumps(tasks), encoding="utf-8")
    records = _min_records(tasks)
    json_min = tmp_path / "export_min.json"
    json_min.write_text(json.dumps(records, indent=2), encoding="utf-8")
    keys = sorted({k for r in records for k in r})
    table = tmp_path / "export.csv"
    with table.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=keys, quoting=csv.QUOTE_NONNUMERIC)
        writer.writeheader()
        for r in records:
            cells = {
                k: json.dumps(v, separators=(",", ":")) if isinstance(v, list | dict) else v
                for k, v in r.items()
            }
            writer.writerow({**cells, "annotator": str(r["annotator"])})
    return full, json_min, table


PAIRWISE = [
    _task(1, {"prompt": "Say hi", "left": "hi", "right": "hello"}, [(2, _pairwise("left"), False),
                                                                   (3, [], True), (3, _pairwise("right"), False)]),
    _task(2, {"prompt": "Add", "left": "4", "right": "5", "left_id": "r4", "right_id": "r5"},
          [(2, _pairwise("right"), False), (4, _pairwise("left"), False)]),
    _task(3, {"prompt": "Unlabelled", "left": "a", "right": "b"}, []),
]  # fmt: skip


def test_pairwise_json_min_and_csv_read_as_the_full_export(tmp_path: Path) -> None:
    full, json_min, table = _write_flat(tmp_path, PAIRWISE)
    expected = read_preferences(full).comparisons
    assert expected.n_comparisons == 4 and set(expected.items) == {"1/left", "1/right", "r4", "r5"}
    for path in (json_min, table):
        assert detect_kind(path) == "preferences"
        got = read_preferences(path)
        c = got.comparisons
        assert c.tasks == expected.tasks and c.workers == expected.workers and c.items == expected.items
        for field in ("task", "worker", "left", "right", "choice"):
            assert np.array_equal(getattr(c, field), getattr(expected, field)), (path.name, field)
        assert c.choice.tolist() == [LEFT, RIGHT, RIGHT, LEFT]
        assert c.duration_s is not None and c.duration_s.tolist() == [1.5, 3.5, 1.5, 2.5]
        assert got.read.columns["choice"] == "choice" and got.read.n_rows == 4


def test_rating_json_min_and_csv_read_as_the_full_export(tmp_path: Path) -> None:
    tasks = [
        _task(1, {"prompt": "p1", "answer": "a1"}, [(5, _ratings(helpfulness=4, harmlessness=5), False)]),
        _task(2, {"prompt": "p2", "answer": "a2"}, [(5, _ratings(helpfulness=2), False),
                                                    (6, _ratings(helpfulness=3, harmlessness=1), False)]),
    ]  # fmt: skip
    full, json_min, table = _write_flat(tmp_path, tasks)
    expected = read_ratings(full).ratings
    for path in (json_min, table):
        assert detect_kind(path) == "ratings"
        r = read_ratings(path).ratings
        assert r.n_ratings == expected.n_ratings == 5
        assert set(r.criteria) == set(expected.criteria) == {"helpfulness", "harmlessness"}
        pairs = sorted(
            zip(np.asarray(r.workers)[r.worker], np.asarray(r.criteria)[r.criterion], r.score, strict=True)
        )
        want = sorted(
            zip(
                np.asarray(expected.workers)[expected.worker],
                np.asarray(expected.criteria)[expected.criterion],
                expected.score,
                strict=True,
            )
        )
        assert pairs == want


def test_a_pairwise_export_is_never_read_as_labels(tmp_path: Path) -> None:
    """Before, the Pairwise column was taken as the labels: each JSON cell a class."""
    _, json_min, table = _write_flat(tmp_path, PAIRWISE)
    for path in (json_min, table):
        with pytest.raises(InvalidInputError) as caught:
            read_delivery(path)
        message = str(caught.value)
        assert "--kind preferences" in message and "'pw'" in message and path.name in message


def test_a_bad_pairwise_cell_names_its_record_and_column(tmp_path: Path) -> None:
    records = _min_records(PAIRWISE)
    records[2]["pw"] = "left"  # not a result list
    path = tmp_path / "export_min.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        read_preferences(path)
    message = str(caught.value)
    assert "record 3" in message and "'pw'" in message and '[{"selected": ...}]' in message


def test_ties_and_a_flat_export_without_pairwise_results(tmp_path: Path) -> None:
    tied = [_task(1, {"left": "x", "right": "y"}, [(2, _pairwise("tie"), False)])]
    _, json_min, _ = _write_flat(tmp_path, tied)
    assert read_preferences(json_min).comparisons.choice.tolist() == [TIE]
    labels = (
        Path(__file__).resolve().parents[3] / ".." / "shared" / "samples" / "labelstudio" / "export_min.json"
    )
    if not labels.is_file():
        pytest.skip("../shared/samples/labelstudio is absent")
    assert detect_kind(labels) == "labels"
    with pytest.raises(InvalidInputError, match="Pairwise column"):
        read_preferences(labels)


def _textarea(*texts: str) -> list[dict[str, Any]]:
    return [{"from_name": "answer", "to_name": "prompt", "type": "textarea", "value": {"text": list(texts)}}]


def test_textarea_json_min_and_csv_read_as_the_full_export(tmp_path: Path) -> None:
    """One text is written as is; several become a JSON result list, read back as lines."""
    tasks = [
        _task(
            1,
            {"prompt": "Greet"},
            [(2, _textarea("Hi there"), False), (3, _textarea("Hello,", "friend"), False)],
        ),
        _task(2, {"prompt": "Add 2+2"}, [(2, _textarea("4"), False)]),
    ]
    full, json_min, table = _write_flat(tmp_path, tasks)
    expected = read_demonstrations(full).demonstrations
    assert expected.text == ("Hi there", "Hello,\nfriend", "4")
    for path in (json_min, table):
        d = read_demonstrations(path).demonstrations
        assert d.text == expected.text and d.tasks == expected.tasks and d.workers == expected.workers
        assert np.array_equal(d.task, expected.task) and np.array_equal(d.worker, expected.worker)


def test_a_textarea_export_is_detected_by_its_free_text(tmp_path: Path) -> None:
    """Written answers are nearly all different; a Choices column named the same repeats a few classes."""
    written = [
        _task(i, {"prompt": f"p{i}"}, [(2, _textarea(f"answer number {i}"), False)]) for i in range(30)
    ]
    _, json_min, table = _write_flat(tmp_path, written)
    for path in (json_min, table):
        assert detect_kind(path) == "demonstrations"
        assert read_demonstrations(path).demonstrations.text[3] == "answer number 3"
    chosen = [
        _task(i, {"prompt": f"p{i}"}, [(2, [{"from_name": "answer", "to_name": "prompt", "type": "choices",
                                             "value": {"choices": ["yes" if i % 3 else "no"]}}], False)])
        for i in range(30)
    ]  # fmt: skip
    other = tmp_path / "choices"
    other.mkdir()
    _, json_min, table = _write_flat(other, chosen)
    for path in (json_min, table):
        assert detect_kind(path) == "labels"
