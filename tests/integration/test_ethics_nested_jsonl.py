"""A JSON Lines tasks file whose field holds an object (or list) on every row is read as that field's JSON
text, as when its types vary from row to row, so nested payloads are scanned for personal data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labelpact.errors import InvalidInputError
from labelpact.ethics.pii import scan_pii
from labelpact.io.reference import read_tasks
from labelpact.services.quality import read_labels

ROWS = [
    {"task": "t1", "text": "hello", "meta": {"author": {"email": "nested@example.org"}}, "tags": ["a", "b"]},
    {"task": "t2", "text": "plain", "meta": {"note": "call +1 415 555 2671"}, "tags": []},
]


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_field_nested_on_every_row_is_its_json_text(tmp_path: Path) -> None:
    payloads = read_tasks(_write(tmp_path / "tasks.jsonl", ROWS))
    assert payloads.fields["meta"] == (
        '{"author": {"email": "nested@example.org"}}',
        '{"note": "call +1 415 555 2671"}',
    )
    assert payloads.fields["tags"] == ('["a", "b"]', "[]")
    report = scan_pii(payloads, names="off")
    assert [(f.task, f.field, f.entity) for f in report.findings] == [
        ("t1", "meta", "email"),
        ("t2", "meta", "phone"),
    ]


def test_uniform_and_mixed_nesting_read_the_same(tmp_path: Path) -> None:
    mixed = [*ROWS, {"task": "t3", "text": "x", "meta": "a string", "tags": "none"}]
    uniform = read_tasks(_write(tmp_path / "uniform.jsonl", ROWS))
    both = read_tasks(_write(tmp_path / "mixed.jsonl", mixed))
    assert {k: v[:2] for k, v in both.fields.items()} == uniform.fields


def test_a_nested_label_on_every_row_is_still_refused(tmp_path: Path) -> None:
    rows = [{"task": f"t{i}", "worker": "w1", "label": {"choice": "a"}} for i in range(3)]
    with pytest.raises(InvalidInputError, match="label"):
        read_labels(_write(tmp_path / "labels.jsonl", rows))
