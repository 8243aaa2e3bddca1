"""Redelivered preferences, ratings and demonstrations: the same rows in another order and file format are
recognised at ingest (a warning naming the first batch) and in the audit (a ``redelivered`` finding naming
only earlier batches); one changed row is another delivery."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from labelpact.config import load_settings
from labelpact.services.audit import audit_stored_batch
from labelpact.store import Store

RunCli = Callable[..., Any]


def _doc(cli: RunCli, *args: str | Path) -> dict[str, Any]:
    run = cli(*args, "--json")
    assert run.code == 0, run.stderr
    return dict(json.loads(run.stdout))


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    return header, rows


def _as_jsonl(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """The rows written as JSON Lines, columns in reverse order: other bytes, format and column order."""
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            record = {
                name: value for name, value in reversed(list(zip(header, row, strict=True))) if value != ""
            }
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


@pytest.mark.parametrize(
    ("kind", "column", "size"),
    [("preferences", "choice", 3000), ("ratings", "score", 200), ("demonstrations", "text", 60)],
)
def test_the_same_rows_in_another_file_are_a_redelivery(
    cli: RunCli, tmp_path: Path, workspace: Path, kind: str, column: str, size: int
) -> None:
    assert cli("partner", "add", "Tagwell").code == 0
    first_file = tmp_path / f"{kind}.csv"
    assert cli("simulate", "--kind", kind, "--out", first_file, "--size", str(size)).code == 0
    header, rows = _rows(first_file)
    assert column in header, header
    first = _doc(cli, "ingest", first_file, "--partner", "Tagwell", "--project", "rlhf")
    assert first["created"] is True and not [w for w in first["warnings"] if "equal those of batch" in w]

    again_file = tmp_path / f"{kind}-again.jsonl"
    _as_jsonl(again_file, header, rows[::-1])
    again = _doc(cli, "ingest", again_file, "--partner", "Tagwell", "--project", "rlhf")
    assert again["created"] is True and again["labels_digest"] == first["labels_digest"]
    assert [w for w in again["warnings"] if first["batch"] in w and "delivered again" in w]

    audited = _doc(cli, "audit", again_file, "--partner", "Tagwell", "--project", "rlhf")
    found = [f for f in audited["findings"] if f["kind"] == "redelivered"]
    assert [f["evidence"]["batches"] for f in found] == [[first["batch"]]]
    original = _doc(cli, "audit", first_file, "--partner", "Tagwell", "--project", "rlhf")
    assert not [f for f in original["findings"] if f["kind"] == "redelivered"]  # the first names no later one
    with Store.open(load_settings({}, workspace=workspace)) as store:  # the REST re-audit's path
        stored = audit_stored_batch(store, again["batch"]).document
    assert [f["evidence"]["batches"] for f in stored["findings"] if f["kind"] == "redelivered"] == [
        [first["batch"]]
    ]

    at = header.index(column)
    changed_rows = [list(r) for r in rows]
    changed_rows[0][at] = next(r[at] for r in rows if r[at] != rows[0][at])
    changed_file = tmp_path / f"{kind}-changed.jsonl"
    _as_jsonl(changed_file, header, changed_rows)
    other = _doc(cli, "ingest", changed_file, "--partner", "Tagwell", "--project", "rlhf")
    assert other["labels_digest"] != first["labels_digest"]
    assert not [w for w in other["warnings"] if "delivered again" in w]


def test_kinds_never_share_a_digest_with_labels(cli: RunCli, tmp_path: Path) -> None:
    """A demonstrations file and a labels file of the same (task, worker, value) rows are different work."""
    assert cli("partner", "add", "Tagwell").code == 0
    labels, demos = tmp_path / "labels.csv", tmp_path / "demos.csv"
    labels.write_text("task,worker,label\nt1,w1,yes\nt1,w2,no\n", encoding="utf-8")
    demos.write_text("task,worker,text\nt1,w1,yes\nt1,w2,no\n", encoding="utf-8")
    one = _doc(cli, "ingest", labels, "--partner", "Tagwell", "--project", "p")
    two = _doc(cli, "ingest", demos, "--partner", "Tagwell", "--project", "p", "--kind", "demonstrations")
    assert two["kind"] == "demonstrations" and one["labels_digest"] != two["labels_digest"]


def test_a_stored_labels_batch_audited_again_names_the_earlier_batch(
    cli: RunCli, tmp_path: Path, workspace: Path
) -> None:
    """The re-audit of a stored batch (the REST service's path) finds a redelivery as the file's audit does."""
    assert cli("partner", "add", "Acme").code == 0
    first_file, again_file = tmp_path / "week1.csv", tmp_path / "week1-again.jsonl"
    assert cli("simulate", "--out", first_file, "--size", "300").code == 0
    header, rows = _rows(first_file)
    _as_jsonl(again_file, header, rows[::-1])
    first = _doc(cli, "ingest", first_file, "--partner", "Acme", "--project", "p")
    again = _doc(cli, "ingest", again_file, "--partner", "Acme", "--project", "p")
    with Store.open(load_settings({}, workspace=workspace)) as store:
        later = audit_stored_batch(store, again["batch"]).document
        earlier = audit_stored_batch(store, first["batch"]).document
    assert [f["evidence"]["batches"] for f in later["findings"] if f["kind"] == "redelivered"] == [
        [first["batch"]]
    ]
    assert not [f for f in earlier["findings"] if f["kind"] == "redelivered"]
