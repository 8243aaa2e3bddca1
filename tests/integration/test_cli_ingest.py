"""The CLI contract for the foundation: ingest, batches, client, partner, project; exit codes and --json."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelpact.cli.app import cli as group
from labelpact.config import load_settings
from labelpact.io.export import write_annotations, write_gold
from labelpact.services.access import Principal
from labelpact.services.dashboard import sample_csv
from labelpact.simulate import simulate_delivery
from labelpact.store import Store

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


def test_the_same_bytes_under_another_partner_or_project_are_refused_naming_where_they_are(
    acme: RunCli, delivery: tuple[Path, Path]
) -> None:
    """A delivery belongs to one partner and project: before, the second ingest answered "already ingested"
    with the first batch, and the second partner's delivery was recorded nowhere."""
    labels, _ = delivery
    assert acme("partner", "add", "Beta").code == 0
    assert acme("ingest", labels, "--partner", "Acme", "--project", "sentiment").code == 0
    other_partner = acme("ingest", labels, "--partner", "Beta", "--project", "sentiment")
    other_project = acme("ingest", labels, "--partner", "Acme", "--project", "intent")
    assert other_partner.code == 2 and other_partner.stderr.count("\n") == 1
    assert "(Acme, sentiment)" in other_partner.stderr and "got Beta, sentiment" in other_partner.stderr
    assert (
        other_project.code == 2 and "project this file was ingested under (sentiment)" in other_project.stderr
    )
    listed = json.loads(acme("batches", "list", "--json").stdout)["batches"]
    assert [(b["partner"], b["project"]) for b in listed] == [("Acme", "sentiment")]


def test_the_same_labels_in_another_file_are_recognised_as_a_redelivery(
    acme: RunCli, delivery: tuple[Path, Path], tmp_path: Path
) -> None:
    """Other bytes (the rows reversed, columns reordered, extra time columns gone) but the same labels: stored
    as a new batch, with a warning naming the first; one label changed is another delivery."""
    labels, _ = delivery
    first = json.loads(acme("ingest", labels, "--partner", "Acme", "--project", "p", "--json").stdout)
    with labels.open(newline="") as f:
        rows = list(csv.DictReader(f))
    again = tmp_path / "again.csv"
    with again.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["label", "worker", "task"])
        writer.writerows([r["label"], r["worker"], r["task"]] for r in reversed(rows))
    run = acme("ingest", again, "--partner", "Acme", "--project", "p", "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["created"] is True and doc["labels_digest"] == first["labels_digest"]
    assert [w for w in doc["warnings"] if first["batch"] in w and "delivered again" in w]
    human = acme("ingest", again, "--partner", "Acme", "--project", "p")  # stored already: no second warning
    assert "Already ingested" in human.stdout
    changed = tmp_path / "changed.csv"
    rows[0]["label"] = next(r["label"] for r in rows if r["label"] != rows[0]["label"])
    with changed.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["task", "worker", "label"])
        writer.writerows([r["task"], r["worker"], r["label"]] for r in rows)
    other = json.loads(acme("ingest", changed, "--partner", "Acme", "--project", "p", "--json").stdout)
    assert other["labels_digest"] != first["labels_digest"]
    assert not [w for w in other["warnings"] if "delivered again" in w]


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
    assert len(_cases()) >= 79


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
        ctx = click.Context(command)
        for name in command.list_commands(ctx):  # the lazy group loads each command
            sub = command.get_command(ctx, name)
            if sub is not None:
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


# -- issue 10: input you can trust ---------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_ingest_checks_labels_against_the_partner_contract_classes(
    cli: RunCli, tmp_path: Path, workspace: Path, snapshot: Snapshot
) -> None:
    contract = tmp_path / "contract.toml"
    contract.write_text('[labels]\nclasses = ["pos", "neg"]\n', encoding="utf-8")
    assert cli("partner", "add", "Acme", "--contract", contract).code == 0
    good = tmp_path / "good.csv"
    good.write_text("task,worker,label\n1,a,pos\n1,b,neg\n2,a,pos\n")
    ok = cli("ingest", good, "--partner", "Acme", "--project", "p", "--json")
    assert ok.code == 0, ok.stderr
    assert json.loads(ok.stdout)["classes"] == ["pos", "neg"]
    before = snapshot(workspace)
    bad = tmp_path / "bad.csv"
    bad.write_text("task,worker,label\n1,a,pos\n1,b,maybe\n")
    run = cli("ingest", bad, "--partner", "Acme", "--project", "p")
    assert run.code == 2 and run.stderr.count("\n") == 1
    assert "bad.csv, line 3, column 'label'" in run.stderr and "'maybe'" in run.stderr
    assert snapshot(workspace) == before


def test_ingest_warns_of_one_number_spelled_two_ways_and_strict_refuses(
    acme: RunCli, tmp_path: Path, workspace: Path, snapshot: Snapshot
) -> None:
    labels = tmp_path / "n.csv"
    labels.write_text("task,worker,label\n1,a,1\n1,b,1.0\n2,a,2\n2,b,2\n")
    before = snapshot(workspace)
    strict = acme("ingest", labels, "--partner", "Acme", "--project", "p", "--strict")
    assert strict.code == 2 and "one spelling per number" in strict.stderr and strict.stderr.count("\n") == 1
    assert snapshot(workspace) == before
    audited = acme("audit", labels, "--partner", "Acme", "--project", "p", "--strict")
    assert audited.code == 2 and "one spelling per number" in audited.stderr
    assert snapshot(workspace) == before
    human = acme("ingest", labels, "--partner", "Acme", "--project", "p")
    assert human.code == 0
    assert "warning: labels '1' (1 row), '1.0' (1 row)" in human.stderr.replace("\n", " ")
    # every command that reads the file says so, on stderr with or without --json (before: ingest alone)
    for args in (
        ("audit", labels, "--partner", "Acme", "--project", "p", "--json"),
        ("aggregate", labels, "--json"),
        ("agreement", labels),
        ("workers", labels, "--json"),
    ):
        run = acme(*args)
        assert run.code == 0, run.stderr
        assert "warning: labels '1' (1 row), '1.0' (1 row)" in run.stderr.replace("\n", " "), args
        if "--json" in args:
            json.loads(run.stdout)


@pytest.mark.skipif(not LABELSTUDIO.exists(), reason="../shared/samples/labelstudio is absent")
def test_a_label_studio_csv_needs_no_column_options_and_says_what_it_took(acme: RunCli) -> None:
    run = acme("ingest", LABELSTUDIO / "export.csv", "--partner", "Acme", "--project", "news")
    assert run.code == 0, run.stderr
    assert "note: read as a Label Studio export: task 'id', worker 'annotator', label 'topic'" in run.stderr
    doc = json.loads(
        acme(
            "ingest", LABELSTUDIO / "export_min.json", "--partner", "Acme", "--project", "news", "--json"
        ).stdout
    )
    assert doc["n_annotations"] == 82 and doc["columns"]["label"] == "topic" and doc["notes"]


def test_every_csv_the_product_writes_neutralises_formulas(
    acme: RunCli, tmp_path: Path, workspace: Path
) -> None:
    """OWASP: a vendor's task, worker or label that starts with = + - @ tab or CR reaches no spreadsheet raw."""
    sim = simulate_delivery(
        n_tasks=120, n_workers=12, n_classes=3, class_names=("=cmd|'/C calc'!A0", "-neg", "@pos"), seed=3
    )
    a = sim.annotations
    labels = tmp_path / "hostile.csv"
    with labels.open("w", newline="") as out:  # written raw, as a hostile vendor would
        out.write("task,worker,label\n")
        for t, w, y in zip(a.task, a.worker, a.label, strict=True):
            out.write(f'"+{a.tasks[t]}","@{a.workers[w]}","{a.classes[y]}"\n')
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(3), size=a.n_tasks)
    pred = tmp_path / "pred.csv"
    pred.write_text(
        '"task","=cmd|\'/C calc\'!A0","-neg","@pos"\n'
        + "".join(
            f'"+{t}",' + ",".join(f"{p:.4f}" for p in row) + "\n"
            for t, row in zip(a.tasks, probs, strict=True)
        )
    )
    names = ("aggregate", "workers", "issues", "consensus", "sample", "download")
    outputs = {name: tmp_path / f"{name}.csv" for name in names}
    assert acme("aggregate", labels, "--out", outputs["aggregate"]).code == 0
    assert acme("workers", labels, "--out", outputs["workers"]).code == 0
    run = acme("issues", labels, "--pred-probs", pred, "--out", outputs["issues"])
    assert run.code == 0, run.stderr
    audit = acme("audit", labels, "--partner", "Acme", "--project", "p", "--json")
    assert audit.code in (0, 2), audit.stderr
    batch = json.loads(acme("batches", "list", "--json").stdout)["batches"][0]["id"]
    assert acme("consensus", "export", batch, "--out", outputs["consensus"]).code == 0
    assert acme("audits", "sample", batch, "--out", outputs["sample"]).code == 0
    with Store.open(load_settings(workspace=workspace, db=None)) as store:  # the dashboard's download
        latest = json.loads(acme("audits", "list", "--json").stdout)["audits"][0]["audit"]
        _, text = sample_csv(store, Principal(user="ada", role="client"), latest)
    outputs["download"].write_text(text, encoding="utf-8")
    for sheet in ("sample", "download"):  # the neutralised names and classes read back as the vendor's
        review = acme("review", batch, "--results", outputs[sheet], "--json")
        assert review.code == 0, review.stderr
        assert json.loads(review.stdout)["n_defective"] == 0  # the sheet starts as the consensus
    for name, path in outputs.items():
        with path.open(newline="") as handle:
            cells = [cell for row in csv.reader(handle) for cell in row]
        assert cells, name
        risky = [c for c in cells if c.startswith(_FORMULA_START) and not _is_number(c)]
        assert risky == [], (name, risky[:3])
        assert any(c.startswith(("'+", "'@", "'=", "'-")) for c in cells), (
            name
        )  # the hostile values are there


def _load_fuzz() -> Any:
    import importlib.util
    import sys

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "fuzz.py"
    spec = importlib.util.spec_from_file_location("labelpact_fuzz", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_fuzz = _load_fuzz()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.sampled_from([s for s in _fuzz.SEEDS if s.kind != "contract"]), rng_seed=st.integers(0, 10**6))
def test_fuzzed_ingest_exits_0_or_2_and_a_refusal_writes_nothing(
    acme: RunCli, workspace: Path, snapshot: Snapshot, tmp_path: Path, seed: Any, rng_seed: int
) -> None:
    import random

    data = _fuzz.mutate(seed.data, _fuzz.random_ops(random.Random(rng_seed)))
    path = tmp_path / seed.name
    path.write_bytes(data)
    if (workspace / "labelpact.db").exists():
        before = snapshot(workspace)
    else:
        before = None
    run = acme("ingest", path, "--partner", "Acme", "--project", "fuzz", "--json")
    assert run.code in (0, 2), run.stderr
    if run.code == 2:
        assert run.stderr.endswith("\n") and run.stderr.count("\n") == 1, run.stderr
        assert run.stdout == ""
        if before is not None:
            assert snapshot(workspace) == before
    else:
        doc = json.loads(run.stdout)
        want = _fuzz.expected_rows(seed, data)
        assert want is None or not doc["created"] or doc["n_rows"] == want
