"""A Label Studio export's task data are its payloads: for ``ethics`` without ``--tasks``, as ``--tasks`` of
``ethics`` and ``audit``, and in a stored batch's re-audit, whichever Choices control held the labels."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from labelpact.config import load_settings
from labelpact.services import add_partner
from labelpact.services.audit import audit_batch, audit_stored_batch
from labelpact.store import Store

RunCli = Callable[..., Any]
SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "labelstudio"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"Label Studio samples not found at {SAMPLES}")
EMAIL = "dana.reyes@example.org"


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample exports, and the full one with an email in task 2's headline and a second Choices control."""
    root = tmp_path_factory.mktemp("ls")
    tasks = json.loads((SAMPLES / "export.json").read_text(encoding="utf-8"))
    tasks[1]["data"]["headline"] += f" (tips: {EMAIL})"
    for task in tasks:
        for annotation in task["annotations"]:
            if annotation["result"]:
                tone = {
                    "from_name": "tone",
                    "to_name": "headline",
                    "type": "choices",
                    "value": {"choices": ["calm"]},
                }
                annotation["result"].append(tone)
    (root / "two_controls.json").write_text(json.dumps(tasks), encoding="utf-8")
    files = {name: SAMPLES / f"export{suffix}" for name, suffix in (("full", ".json"), ("min", "_min.json"))}
    return {**files, "csv": SAMPLES / "export.csv", "two": root / "two_controls.json"}


def _ethics(cli: RunCli, *args: str | Path) -> dict[str, Any]:
    run = cli("ethics", *args, "--json")
    assert run.code == 0, run.stderr
    document: dict[str, Any] = json.loads(run.stdout)
    return document


def _scanned(cli: RunCli, *args: str | Path) -> dict[str, Any]:
    """What the personal-data scan read and found, without its timing."""
    summary = _ethics(cli, *args)["pii_summary"]
    assert summary is not None
    return {k: v for k, v in summary.items() if k != "seconds"}


@pytest.mark.parametrize("name", ["full", "min", "csv"])
def test_ethics_reads_an_exports_payloads_itself_or_as_tasks(
    cli: RunCli, exports: dict[str, Path], name: str
) -> None:
    """Before: "Missing option '--tasks'", and the export as --tasks was "one row per task, got task '1' again"."""
    export = exports[name]
    scans = [
        _scanned(cli, export, *tasks) for tasks in ((), ("--tasks", export), ("--tasks", exports["full"]))
    ]
    assert scans[0]["n_bytes"] > 1000  # the 30 headlines and source ids
    assert scans[0] == scans[1] == scans[2]


def test_the_payloads_of_an_export_with_two_controls_are_scanned(
    cli: RunCli, exports: dict[str, Path]
) -> None:
    two = exports["two"]
    for extra in ((), ("--tasks", two)):
        document = _ethics(cli, two, "--label-column", "topic", *extra)
        assert [(f["task"], f["entity"]) for f in document["pii"]] == [("2", "email")]


def test_a_labels_file_without_payloads_still_needs_tasks(cli: RunCli, tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("task,worker,label\nt1,w1,a\nt1,w2,b\n", encoding="utf-8")
    for engine in ("local", "dask"):
        run = cli("ethics", labels, "--engine", engine)
        lines = [line for line in run.stderr.splitlines() if line.strip()]
        assert run.code == 2 and len(lines) == 1 and "option '--tasks': expected task payloads" in run.stderr


def test_audit_takes_an_export_as_its_tasks(cli: RunCli, exports: dict[str, Path]) -> None:
    assert cli("partner", "add", "Vend").code == 0
    for name in ("full", "csv"):
        run = cli(
            "audit", exports[name], "--tasks", exports[name], "--partner", "Vend", "--project", "x", "--json"
        )
        assert run.code == 0, run.stderr


def test_a_stored_export_with_two_controls_is_reaudited_with_its_payloads(
    tmp_path: Path, exports: dict[str, Path]
) -> None:
    """Its payloads had been read back through its labels, which need --label-column: none were scanned."""
    with Store.open(load_settings({}, workspace=tmp_path / "ws"), create=True) as store:
        add_partner(store, "Vend", since=dt.date(2025, 9, 1))
        first = audit_batch(
            store, exports["two"], partner="Vend", project="x", label_column="topic", n_bootstrap=20
        )
        again = audit_stored_batch(store, first.audit.batch, n_bootstrap=20)
    for result in (first, again):
        assert [(f["task"], f["entity"]) for f in result.document["ethics"]["pii"]] == [("2", "email")]


def test_cli_reads_the_named_control_and_refuses_spans_in_one_line(
    cli: RunCli, exports: dict[str, Path], tmp_path: Path
) -> None:
    two = exports["two"]
    named = cli("aggregate", two, "--label-column", "topic", "--json")
    assert named.code == 0, named.stderr
    assert json.loads(named.stdout)["n_classes"] == 4
    unnamed = cli("aggregate", two)
    assert (
        unnamed.code == 2 and "name it with --label-column), got several: 'topic', 'tone'" in unnamed.stderr
    )
    tasks = json.loads(exports["full"].read_text(encoding="utf-8"))
    for task in tasks:
        for annotation in task["annotations"]:
            if annotation["result"]:
                value = {"start": 0, "end": 3, "text": "The", "labels": ["ORG"]}
                annotation["result"] = [
                    {"from_name": "ner", "to_name": "headline", "type": "labels", "value": value}
                ]
    ner = tmp_path / "ner.json"
    ner.write_text(json.dumps(tasks), encoding="utf-8")
    run = cli("aggregate", ner)
    assert run.code == 2 and len(run.stderr.strip().splitlines()) == 1
    assert "task 1, column 'result'" in run.stderr and "spans or regions (NER)" in run.stderr
