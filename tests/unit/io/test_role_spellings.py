"""A role's column named in another case (``Label``, `` worker``) is never read silently: a CSV header that
has only it gets the "names are case-sensitive" hint, and JSON records that spell the key so where the
role's own key is absent are refused at their line (they were read as abstentions, or blank ids)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from labelpact.errors import InvalidInputError
from labelpact.io import read_delivery


def _jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _records(role: str, key: str) -> list[dict[str, Any]]:
    rows = [
        {"task": f"t{t}", "worker": f"w{w}", "label": "ab"[(t + w) % 2]} for t in range(4) for w in range(2)
    ]
    rows[5] = {(key if k == role else k): v for k, v in rows[5].items()}
    return rows


@pytest.mark.parametrize(
    ("role", "key"), [("label", "Label"), ("label", " label "), ("worker", "Worker"), ("task", "ITEM")]
)
def test_a_json_key_in_another_case_is_refused_at_its_line(tmp_path: Path, role: str, key: str) -> None:
    path = _jsonl(tmp_path / "k.jsonl", _records(role, key))
    with pytest.raises(InvalidInputError) as caught:
        read_delivery(path)
    message = str(caught.value)
    assert "line 6" in message and f"column {key!r}" in message and "names are case-sensitive" in message


def test_a_csv_header_label_gets_the_case_hint(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text("task,worker,Label\nt1,w1,a\n", encoding="utf-8")
    with pytest.raises(
        InvalidInputError, match="names are case-sensitive: for 'Label' pass --label-column 'Label'"
    ):
        read_delivery(tmp_path / "h.csv")


def test_a_missing_label_column_is_still_named(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text("task,worker,answer\nt1,w1,a\n", encoding="utf-8")
    with pytest.raises(
        InvalidInputError, match=r"line 1, column 'label': expected a column 'label' \(or name"
    ):
        read_delivery(tmp_path / "h.csv")


def test_an_other_column_only_where_the_role_is_filled_is_read(tmp_path: Path) -> None:
    rows = [{"task": "t1", "worker": "w1", "label": "a", "Label": "shown"}, {"task": "t1", "worker": "w2"}]
    delivery = read_delivery(_jsonl(tmp_path / "k.jsonl", rows))
    assert delivery.n_abstentions == 1 and delivery.annotations.classes == ("a",)


def test_the_chosen_column_may_be_the_other_case(tmp_path: Path) -> None:
    rows = [{"task": "t1", "worker": "w1", "Label": "a"}, {"task": "t1", "worker": "w2", "Label": "b"}]
    delivery = read_delivery(_jsonl(tmp_path / "k.jsonl", rows), label_column="Label")
    assert delivery.annotations.classes == ("a", "b")
