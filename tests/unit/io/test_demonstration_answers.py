"""A written answer is one text: a JSON list or object in the answer column is bad input named by file, line
and column (finding 3 of the deliverable-kinds hunt), and short answers are read as they are."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labelpact.errors import InvalidInputError
from labelpact.io.demonstrations import read_demonstrations


def _jsonl(tmp_path: Path, name: str, *texts: object) -> Path:
    path = tmp_path / name
    rows = [{"task": f"q{i}", "worker": "w1", "text": t} for i, t in enumerate(texts)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("texts", "line", "kind"),
    [((["a", "b"],), 1, "list"), (({"a": 1},), 1, "object"), (("fine answer", ["a"]), 2, "list")],
)
def test_a_list_or_object_answer_is_refused_at_its_line(
    tmp_path: Path, texts: tuple[object, ...], line: int, kind: str
) -> None:
    path = _jsonl(tmp_path, "answers.jsonl", *texts)
    with pytest.raises(InvalidInputError) as caught:
        read_demonstrations(path)
    message = str(caught.value)
    assert "\n" not in message and "answers.jsonl" in message
    assert f"line {line}" in message and "column 'text'" in message and f"got a JSON {kind}" in message


def test_a_json_list_of_records_and_parquet_refuse_nested_answers_too(tmp_path: Path) -> None:
    records = tmp_path / "answers.json"
    records.write_text(json.dumps([{"task": "q", "worker": "w", "text": "ok"}, {"task": "r", "worker": "w",
                                   "text": ["x"]}]), encoding="utf-8")  # fmt: skip
    with pytest.raises(InvalidInputError, match=r"record 2, column 'text'.*JSON list"):
        read_demonstrations(records)
    parquet = tmp_path / "answers.parquet"
    pq.write_table(pa.table({"task": ["q"], "worker": ["w"], "text": [["x", "y"]]}), parquet)
    with pytest.raises(InvalidInputError, match=r"column 'text'.*JSON list"):
        read_demonstrations(parquet)


def test_short_and_blank_answers_are_read_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("task,worker,text\nq1,w1,Yes\nq1,w2,\nq2,w1,42\n", encoding="utf-8")
    assert read_demonstrations(path).demonstrations.text == ("Yes", "", "42")
