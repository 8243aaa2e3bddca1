"""The CLI contract for the foundation: ingest, batches, client, partner, project; exit codes and --json."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest

from labelpact.cli.app import cli as group
from labelpact.io.export import write_annotations, write_gold
from labelpact.simulate import simulate_delivery

RunCli = Callable[..., Any]
Snapshot = Callable[[Path], dict[str, Any]]
BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
LABELSTUDIO = Path(__file__).resolve().parents[3] / "shared" / "samples" / "labelstudio"


@pytest.fixture
def delivery(tmp_path: Path) -> tuple[Path, Path]:
    sim = simulate_delivery(n_tasks=400, n_workers=40, duplicate_rate=0.02, seed=11)
    return write_annotations(sim.annotations, tmp_path / "week1.csv"), write_gold(
        sim.annotations, sim.gold, tmp_path / "gold.csv"
    )


@pytest.fixture
def acme(cli: RunCli) -> RunCli:
    assert cli("partner", "add", "Acme", "--since", "2025-01-01", "--min-spend", "100000").code == 0
    return cli


def test_ingest_stores_a_batch_and_the_same_bytes_twice_is_a_no_op(
    acme: RunCli, delivery: tuple[Path, Path]
) -> None:
    labels, gold = delivery
    first = acme("ingest", labels, "--partner", "Acme", "--project", "sentiment", "--gold", gold, "--json")
    assert first.code == 0, first.stderr
    doc = json.loads(first.stdout)  # stdout is one JSON document and nothing else
    assert doc["created"] is True
    assert (doc["n_tasks"], doc["n_workers"], doc["n_annotations"]) == (400, 40, 1224)
    assert doc["n_duplicates"] == 24
    assert doc["n_gold"] == 20
    second = acme("ingest", labels, "--partner", "Acme", "--project", "sentiment", "--json")
    assert json.loads(second.stdout)["created"] is False
    assert json.loads(second.stdout)["batch"] == doc["batch"]
    human = acme("ingest", labels, "--partner", "Acme", "--project", "sentiment")
    assert "Already ingested" in human.stdout and doc["batch"] in human.stdout

    listed = json.loads(acme("batches", "list", "--json").stdout)["batches"]
    assert [b["id"] for b in listed] == [doc["batch"]]
    shown = acme("batches", "show", doc["sha256"][:8], "--json")
    assert json.loads(shown.stdout)["sha256"] == doc["sha256"]
    projects = json.loads(acme("project", "list", "--json").stdout)["projects"]
    assert [(p["name"], p["n_batches"]) for p in projects] == [("sentiment", 1)]


def test_human_summary_names_the_counts(acme: RunCli, delivery: tuple[Path, Path]) -> None:
    run = acme("ingest", delivery[0], "--partner", "Acme", "--project", "sentiment")
    assert run.code == 0, run.stderr
    for words in ("tasks", "workers", "annotations", "duplicate labels", "median time on task", "1,224"):
        assert words in run.stdout


def test_unknown_partner_names_the_known_ones_and_writes_nothing(
    acme: RunCli, delivery: tuple[Path, Path], workspace: Path, snapshot: Snapshot
) -> None:
    before = snapshot(workspace)
    run = acme("ingest", delivery[0], "--partner", "Acme Corp", "--project", "sentiment")
    assert run.code == 2
    assert run.stderr.count("\n") == 1 and "Acme" in run.stderr
    assert snapshot(workspace) == before


def test_client_and_partner_commands(cli: RunCli) -> None:
    assert cli("client", "set", "--name", "Meta", "--rivals", "Google,OpenAI").code == 0
    assert json.loads(cli("client", "show", "--json").stdout)["rivals"] == ["Google", "OpenAI"]
    assert cli("partner", "add", "Scale", "--equity-stake", "0.49", "--since", "2019-01-01").code == 0
    again = cli("partner", "add", "Scale")
    assert again.code == 2 and "Scale" in again.stderr
    bad_stake = cli("partner", "add", "Surge", "--equity-stake", "1.5")
    assert bad_stake.code == 2 and "equity" in bad_stake.stderr
    partners = json.loads(cli("partner", "list", "--json").stdout)["partners"]
    assert [(p["name"], p["equity_stake"]) for p in partners] == [("Scale", 0.49)]
    assert cli("partner", "show", "Scael").code == 2


def test_bad_contract_file_is_rejected(cli: RunCli, tmp_path: Path) -> None:
    contract = tmp_path / "c.toml"
    contract.write_text("[quality\nmin_gold_accuracy = 0.9\n")
    run = cli("partner", "add", "Acme", "--contract", contract)
    assert run.code == 2 and "c.toml" in run.stderr and "TOML" in run.stderr


def _cases() -> list[dict[str, object]]:
    manifest = BAD / "cases.json"
    return json.loads(manifest.read_text()) if manifest.exists() else []


@pytest.mark.parametrize("case", _cases(), ids=lambda c: str(c["name"]))
def test_bad_input_exits_2_with_one_line_and_leaves_the_store_unchanged(
    acme: RunCli,
    case: dict[str, object],
    workspace: Path,
    delivery: tuple[Path, Path],
    snapshot: Snapshot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a store that already holds a batch, so "unchanged" is checked against real rows and blobs
    assert acme("ingest", delivery[0], "--partner", "Acme", "--project", "seed").code == 0
    before = snapshot(workspace)
    monkeypatch.chdir(BAD)  # the manifest names files relative to the corpus folder
    args = [str(a) for a in case.get("cli_args", [])]  # type: ignore[attr-defined]
    run = acme("ingest", BAD / str(case["file"]), "--partner", "Acme", "--project", "bad", *args)
    assert run.code == 2, run.stderr
    assert run.stderr.endswith("\n") and run.stderr.count("\n") == 1, run.stderr
    for fragment in case["expect"]:  # type: ignore[attr-defined]
        assert str(fragment) in run.stderr, (fragment, run.stderr)
    assert run.stdout == ""
    assert snapshot(workspace) == before


def test_the_corpus_is_large_enough() -> None:
    assert len(_cases()) >= 30


@pytest.mark.skipif(not LABELSTUDIO.exists(), reason="../shared/samples/labelstudio is absent")
def test_ingest_a_real_label_studio_export(acme: RunCli) -> None:
    run = acme("ingest", LABELSTUDIO / "export.json", "--partner", "Acme", "--project", "news", "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert (doc["n_tasks"], doc["n_workers"], doc["n_annotations"], doc["n_cancelled"], doc["n_gold"]) == (
        30,
        4,
        82,
        2,
        2,
    )
    assert doc["n_tasks_without_labels"] == 1
    csv = acme(
        "ingest",
        LABELSTUDIO / "export.csv",
        "--partner",
        "Acme",
        "--project",
        "news",
        "--task-column",
        "id",
        "--label-column",
        "topic",
        "--json",
    )
    assert csv.code == 0, csv.stderr
    assert json.loads(csv.stdout)["n_annotations"] == 82


def _all_commands(
    command: click.Command, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    if isinstance(command, click.Group):
        found = []
        for name, sub in command.commands.items():
            found += _all_commands(sub, (*path, name))
        return found
    return [(path, command)]


@pytest.mark.parametrize(
    ("path", "command"), _all_commands(group), ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_every_command_help_shows_an_example(
    cli: RunCli, path: tuple[str, ...], command: click.Command
) -> None:
    run = cli(*path, "--help")
    assert run.code == 0
    assert "Example: labelpact" in run.stdout


def test_usage_error_exits_2(cli: RunCli) -> None:
    run = cli("ingest")
    assert run.code == 2
    assert "LABELS" in run.stderr


def test_console_script_and_module_entry_points() -> None:
    exe = Path(sys.executable).parent / "labelpact"
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert "labelpact, version" in version.stdout
    module = subprocess.run(
        [sys.executable, "-m", "labelpact", "--help"], capture_output=True, text=True, check=True
    )
    assert "ingest" in module.stdout
