"""A Label Studio full export's labels come from one Choices control; other result types are refused by name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from labelpact.errors import InvalidInputError
from labelpact.io import read_delivery
from labelpact.io.labelstudio import read_json_file

TOPICS = [("1", "2", "World"), ("1", "3", "World"), ("2", "2", "Tech"), ("2", "3", "Sports")]


def _choice(control: str, value: list[str]) -> dict[str, Any]:
    return {"from_name": control, "to_name": "headline", "type": "choices", "value": {"choices": value}}


def _export(tmp_path: Path, results: Any, name: str = "export.json") -> Path:
    """A full export of two tasks, two annotators each; ``results(task, worker, topic)`` gives each result list."""
    tasks: dict[str, dict[str, Any]] = {}
    for n, (task, worker, topic) in enumerate(TOPICS, start=1):
        entry = tasks.setdefault(
            task, {"id": int(task), "data": {"headline": f"news {task}"}, "annotations": []}
        )
        entry["annotations"].append(
            {"id": n, "completed_by": int(worker), "result": results(task, worker, topic)}
        )
    path = tmp_path / name
    path.write_text(json.dumps(list(tasks.values())), encoding="utf-8")
    return path


def _two_controls(task: str, worker: str, topic: str) -> list[dict[str, Any]]:
    return [_choice("topic", [topic]), _choice("tone", ["neutral" if worker == "2" else "negative"])]


def _labels(path: Path, **options: Any) -> list[tuple[str, str, str]]:
    a = read_delivery(path, **options).annotations
    return [
        (a.tasks[t], a.workers[w], a.classes[y]) for t, w, y in zip(a.task, a.worker, a.label, strict=True)
    ]


def test_label_column_picks_one_of_several_choices_controls(tmp_path: Path) -> None:
    """Before: every Choices result of an annotation was one answer, refused as multi-choice."""
    path = _export(tmp_path, _two_controls)
    assert _labels(path, label_column="topic") == TOPICS
    tones = {label for _, _, label in _labels(path, label_column="tone")}
    assert tones == {"neutral", "negative"}


def test_several_choices_controls_without_label_column_name_them(tmp_path: Path) -> None:
    path = _export(tmp_path, _two_controls)
    with pytest.raises(InvalidInputError) as error:
        read_delivery(path)
    message = str(error.value)
    assert "multi-choice" not in message and "--label-column" in message
    assert (
        "'topic', 'tone'" in message
        and "export.json, task 1, column 'result': expected annotation 1:" in message
    )
    with pytest.raises(InvalidInputError, match=r"got 'mood'; its Choices controls are 'topic', 'tone'"):
        read_delivery(path, label_column="mood")


def test_one_control_is_read_whatever_label_column_says(tmp_path: Path) -> None:
    """A full export never read --label-column: naming another column still reads its only control."""
    path = _export(tmp_path, lambda task, worker, topic: [_choice("topic", [topic])])
    assert (
        _labels(path) == _labels(path, label_column="topic") == _labels(path, label_column="label") == TOPICS
    )


def test_several_choices_in_one_control_stay_multi_choice(tmp_path: Path) -> None:
    path = _export(
        tmp_path, lambda task, worker, topic: [_choice("topic", [topic, "Tech"]), _choice("tone", ["x"])]
    )
    with pytest.raises(
        InvalidInputError, match=r"multi-choice is not supported yet\), got \['World', 'Tech'\]"
    ):
        read_delivery(path, label_column="topic")


def _span(task: str, worker: str, topic: str) -> list[dict[str, Any]]:
    value = {"start": 0, "end": 4, "text": "news", "labels": ["ORG"]}
    return [{"from_name": "label", "to_name": "headline", "type": "labels", "value": value}]


def test_span_results_are_refused_as_ner_not_as_no_labels(tmp_path: Path) -> None:
    """Before: "expected at least one annotation, got no label in any of its 4 rows"."""
    with pytest.raises(InvalidInputError) as error:
        read_delivery(_export(tmp_path, _span))
    message = str(error.value)
    assert "export.json, task 1, column 'result': expected annotation 1: Label Studio Choices" in message
    assert "got only 'labels' results: spans or regions (NER)" in message and "not supported" in message


def test_spans_beside_choices_leave_the_choices_read(tmp_path: Path) -> None:
    path = _export(
        tmp_path, lambda task, worker, topic: [*_span(task, worker, topic), _choice("topic", [topic])]
    )
    assert _labels(path) == TOPICS


@pytest.mark.parametrize(
    ("kind", "value", "reader"),
    [
        ("pairwise", {"selected": "left"}, "preferences"),
        ("rating", {"rating": 4}, "ratings"),
        ("textarea", {"text": ["an answer"]}, "demonstrations"),
    ],
)
def test_another_kinds_results_point_to_its_reader(
    tmp_path: Path, kind: str, value: Any, reader: str
) -> None:
    result = {"from_name": "x", "to_name": "headline", "type": kind, "value": value}
    with pytest.raises(
        InvalidInputError, match=f"this export holds {reader}: --kind {reader}\\), got only '{kind}'"
    ):
        read_delivery(_export(tmp_path, lambda task, worker, topic: [result]))


def test_other_result_types_are_named(tmp_path: Path) -> None:
    result = {"from_name": "x", "to_name": "headline", "type": "taxonomy", "value": {"taxonomy": [["a"]]}}
    with pytest.raises(InvalidInputError, match="got only 'taxonomy' results, which are not read as labels"):
        read_delivery(_export(tmp_path, lambda task, worker, topic: [result]))


def test_a_tasks_read_takes_the_data_whatever_the_results(tmp_path: Path) -> None:
    """``labels=False`` (a tasks file) reads the tasks' data of an export whose labels it could not read."""
    for results in (_span, _two_controls):
        source = read_json_file(_export(tmp_path, results), labels=False)
        assert source.extra["payload_tasks"] == ["1", "2"]
        assert source.extra["payloads"].column("headline").to_pylist() == ["news 1", "news 2"]
