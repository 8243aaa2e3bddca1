"""JSON Lines names are the file's text, whichever of pyarrow's reader or the line-by-line parse reads it:
date-like strings stay strings (pyarrow would make one timestamp of two ids), and a number keeps its
spelling (``1`` and ``1.0`` are a warning, and an error under ``strict``, as in a CSV)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from labelpact.errors import InvalidInputError
from labelpact.io import read_delivery
from labelpact.io.jsonl import parse_json, read_jsonl
from labelpact.io.limits import DEFAULT_LIMITS
from labelpact.io.source import json_text, read_source


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path.write_text("task,worker,label\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


DATES = [("2024-05-01", "w1", "a"), ("2024-05-01", "w2", "a"), ("2024-05-01T00:00:00", "w1", "b")]


def test_date_like_ids_keep_their_text_and_stay_distinct(tmp_path: Path) -> None:
    rows = [*DATES, ("2024-05-01T00:00:00", "w2", "b")]
    jsonl = _write(tmp_path / "d.jsonl", [{"task": t, "worker": w, "label": x} for t, w, x in rows])
    csv = _csv(tmp_path / "d.csv", rows)
    assert read_delivery(jsonl).annotations.tasks == read_delivery(csv).annotations.tasks
    assert read_delivery(jsonl).annotations.tasks == ("2024-05-01", "2024-05-01T00:00:00")


@pytest.mark.parametrize("field", ["worker", "label"])
def test_date_like_workers_and_labels_keep_their_text(tmp_path: Path, field: str) -> None:
    records = [{"task": f"t{i}", "worker": "w", "label": "x", field: f"2024-05-0{i + 1}"} for i in range(3)]
    table = read_source(_write(tmp_path / "d.jsonl", records), "jsonl").table
    assert table.column(field).to_pylist() == ["2024-05-01", "2024-05-02", "2024-05-03"]


def test_a_date_only_time_is_refused_as_in_a_csv(tmp_path: Path) -> None:
    rows = [{"task": "t1", "worker": "w1", "label": "a", "started_at": "2026-01-10"}] * 2
    path = _write(tmp_path / "d.jsonl", [dict(r, worker=f"w{i}") for i, r in enumerate(rows)])
    csv = tmp_path / "d.csv"
    csv.write_text("task,worker,label,started_at\nt1,w0,a,2026-01-10\nt1,w1,a,2026-01-10\n", encoding="utf-8")
    with pytest.raises(InvalidInputError) as from_csv:
        read_delivery(csv)
    with pytest.raises(InvalidInputError) as from_jsonl:
        read_delivery(path)
    assert str(from_jsonl.value).split(": ", 1)[1] == str(from_csv.value).split(": ", 1)[1]


def _numbers(nested: bool) -> list[dict[str, Any]]:
    labels = [1, 1, 1.0, 2, 2, 2]
    extra: dict[str, Any] = {"meta": {"k": 1}} if nested else {}
    return [{"task": f"t{i // 2}", "worker": f"w{i % 2}", "label": x, **extra} for i, x in enumerate(labels)]


def _as_rows(records: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(r["task"], r["worker"], json.dumps(r["label"])) for r in records]


@pytest.mark.parametrize("nested", [False, True], ids=["fast", "slow"])
def test_one_and_one_point_zero_warn_as_in_a_csv(tmp_path: Path, nested: bool) -> None:
    path = _write(tmp_path / "n.jsonl", _numbers(nested))
    delivery = read_delivery(path)
    assert delivery.warnings == read_delivery(_csv(tmp_path / "n.csv", _as_rows(_numbers(False)))).warnings
    assert "'1' (2 rows), '1.0' (1 row)" in delivery.warnings[0]
    assert delivery.annotations.classes == ("1", "1.0", "2")
    with pytest.raises(InvalidInputError, match=r"'1\.0' where '1' is the same number"):
        read_delivery(path, strict=True)


@pytest.mark.parametrize("nested", [False, True], ids=["fast", "slow"])
def test_numbers_keep_the_files_spelling(tmp_path: Path, nested: bool) -> None:
    extra: dict[str, Any] = {"meta": [1]} if nested else {}
    text = "".join(
        json.dumps({"task": t, "worker": "w", "label": "a", **extra}).replace(f'"{t}"', t) + "\n"
        for t in ["7", "2.0", "1e3", "0.50", "12"]
    )
    (tmp_path / "n.jsonl").write_text(text, encoding="utf-8")
    table = read_source(tmp_path / "n.jsonl", "jsonl").table
    assert table.column("task").to_pylist() == ["7", "2.0", "1e3", "0.50", "12"]


def test_whole_number_ids_read_as_a_csv_reads_them(tmp_path: Path) -> None:
    records = [
        {"task": t, "worker": w, "label": x} for t, w, x in [(1, 10, 0), (1, 11, 1), (2, 10, 1), (2, 11, 1)]
    ]
    csv = _csv(tmp_path / "i.csv", [(str(r["task"]), str(r["worker"]), str(r["label"])) for r in records])
    jsonl, text = (
        read_delivery(_write(tmp_path / "i.jsonl", records)).annotations,
        read_delivery(csv).annotations,
    )
    assert (jsonl.tasks, jsonl.workers, jsonl.classes) == (text.tasks, text.workers, text.classes)


def test_a_parsed_fraction_is_a_float_that_keeps_its_text() -> None:
    value = parse_json('{"x": 2.50}')["x"]
    assert value == 2.5 and isinstance(value, float) and json_text(value) == "2.50"
    assert json.dumps(parse_json('{"x": [1.0]}')) == '{"x": [1.0]}'


def test_whole_numbers_outside_the_name_columns_keep_the_fast_read(tmp_path: Path) -> None:
    """A duration of 12.0 is no name: it does not send the file to the row-by-row reader (7x slower on 200k
    rows), which keeps numbers' text; a name column's whole number still does."""
    path = tmp_path / "d.jsonl"
    path.write_text(
        '{"task": "a", "worker": "w", "label": "x", "duration_s": 12.0}\n'
        '{"task": "b", "worker": "w", "label": "y", "duration_s": 3.5}\n',
        encoding="utf-8",
    )
    fast, _ = read_jsonl(path, DEFAULT_LIMITS, {"task", "worker", "label"})
    assert fast.schema.field("duration_s").type == pa.float64()
    slow, _ = read_jsonl(path, DEFAULT_LIMITS, None)  # any column may be a name: its text is kept
    assert slow.schema.field("duration_s").type == pa.string()
    assert read_delivery(path).annotations.duration_s.tolist() == [12.0, 3.5]
