"""Every bad input is one clear line: contracts, file names, --out, dates, warnings, closed pipes, --json errors.

Issue 10, items 6, 7, 8, 10 and 16 (names). Workspaces (item 9) are in ``test_cli_workspaces.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest

from labelpact.cli.exits import BROKEN_PIPE, run
from labelpact.errors import ConvergenceWarning
from labelpact.io.export import write_annotations, write_gold
from labelpact.simulate import simulate_delivery

RunCli = Callable[..., Any]
Snapshot = Callable[[Path], dict[str, Any]]


def one_line(text: str) -> str:
    """The single line of ``text``; fails when there are more (or none)."""
    lines = text.splitlines()
    assert len(lines) == 1, text
    return lines[0]


@pytest.fixture
def delivery(tmp_path: Path) -> tuple[Path, Path]:
    sim = simulate_delivery(n_tasks=120, n_workers=12, seed=3)
    return write_annotations(sim.annotations, tmp_path / "week1.csv"), write_gold(
        sim.annotations, sim.gold, tmp_path / "gold.csv"
    )


@pytest.fixture
def acme(cli: RunCli) -> RunCli:
    assert cli("partner", "add", "Acme").code == 0
    return cli


# -- item 6: a contract is validated in full when it is filed ------------------------------------
@pytest.mark.parametrize("aql", ["3.3", "0.5", "7"])
def test_a_contract_whose_aql_is_not_in_iso_2859_is_refused_at_partner_add(
    cli: RunCli, tmp_path: Path, workspace: Path, aql: str
) -> None:
    contract = tmp_path / "contract.toml"
    contract.write_text(f"[quality]\nmin_agreement = 0.6\n\n[acceptance]\naql = {aql}\n", encoding="utf-8")
    run_ = cli("partner", "add", "Acme", "--contract", contract)
    assert run_.code == 2
    line = one_line(run_.stderr)
    assert (
        "contract.toml, line 5, key 'acceptance.aql': expected an AQL in percent defective, a column of ISO 2859-1"
        in line
    )
    assert line.endswith(f"got {float(aql)!r}")
    assert not workspace.exists()  # the refused command created nothing


def test_a_standard_aql_in_another_spelling_is_accepted(cli: RunCli, tmp_path: Path) -> None:
    contract = tmp_path / "contract.toml"
    contract.write_text("[acceptance]\naql = 0.650\n", encoding="utf-8")
    assert cli("partner", "add", "Acme", "--contract", contract).code == 0


# -- item 7: file names that are not UTF-8 --------------------------------------------------------
@pytest.mark.skipif(
    sys.platform != "linux", reason="file names of arbitrary bytes are a Linux (ext4/tmpfs) thing"
)
def test_a_file_name_that_is_not_utf8_is_read_stored_and_shown_escaped(
    acme: RunCli, delivery: tuple[Path, Path], tmp_path: Path
) -> None:
    labels, _ = delivery
    odd = Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9-week1.csv"))
    labels.rename(odd)
    aggregated = acme("aggregate", odd)
    assert aggregated.code == 0, aggregated.stderr
    ingested = acme("ingest", odd, "--partner", "Acme", "--project", "p", "--json")
    assert ingested.code == 0, ingested.stderr
    assert json.loads(ingested.stdout)["source_name"] == "caf\\xe9-week1.csv"
    listed = acme("batches", "list")
    assert listed.code == 0 and "caf\\xe9-week1.csv" in listed.stdout
    missing = acme("ingest", Path(os.fsdecode(b"/nowhere/\xff.csv")), "--partner", "Acme", "--project", "p")
    assert missing.code == 2
    assert one_line(missing.stderr) == (
        "labelpact: error: /nowhere/\\xff.csv: expected an existing annotations file, got no such file"
    )


# -- item 8: --out, dates, warnings, pipes, --json errors ----------------------------------------
def test_out_into_a_missing_folder_or_onto_a_folder_is_one_line_exit_2(
    cli: RunCli, delivery: tuple[Path, Path], tmp_path: Path
) -> None:
    labels, _ = delivery
    missing = cli("aggregate", labels, "--out", tmp_path / "no" / "such" / "dir" / "out.csv")
    assert missing.code == 2
    assert "No such file or directory" in one_line(missing.stderr)
    onto = cli("aggregate", labels, "--out", tmp_path)
    assert onto.code == 2
    assert one_line(onto.stderr).startswith("labelpact: error: ")
    assert "internal error" not in onto.stderr


def test_a_bad_date_is_one_line_naming_the_option(acme: RunCli, delivery: tuple[Path, Path]) -> None:
    labels, _ = delivery
    bad = acme("ingest", labels, "--partner", "Acme", "--project", "p", "--delivered-at", "last tuesday")
    assert bad.code == 2
    line = one_line(bad.stderr)
    assert line.startswith("labelpact: error: Invalid value for '--delivered-at': expected an ISO-8601 date")
    assert line.endswith("see 'labelpact ingest --help'")


def test_with_json_an_error_is_one_json_document_on_stderr(acme: RunCli, delivery: tuple[Path, Path]) -> None:
    labels, _ = delivery
    labels.write_text("task,worker,label\nt1,w1,a\nt1,,b\n", encoding="utf-8")
    bad = acme("ingest", labels, "--partner", "Acme", "--project", "p", "--json")
    assert bad.code == 2
    assert bad.stdout == ""
    error = json.loads(one_line(bad.stderr))["error"]
    assert error["type"] == "InvalidInputError"
    assert error["exit_code"] == 2
    assert error["file"] == str(labels) and error["row"] == 3 and error["column"] == "worker"
    assert error["message"].startswith(f"{labels}, line 3, column 'worker'")
    usage = acme("ingest", labels, "--partner", "Acme", "--project", "p", "--due-at", "soon", "--json")
    assert json.loads(one_line(usage.stderr))["error"]["command"] == "labelpact ingest"
    unknown = acme("partner", "show", "Acm", "--json")
    assert json.loads(one_line(unknown.stderr))["error"] == {
        "type": "NotFoundError",
        "message": "unknown partner 'Acm'; known partners: Acme; did you mean 'Acme'?",
        "exit_code": 2,
    }


def test_a_convergence_warning_is_one_tidy_line(capsys: pytest.CaptureFixture[str]) -> None:
    @click.command()
    def warns() -> None:
        warnings.warn(
            "GLAD stopped at max_iter=5 before its tolerance was met", ConvergenceWarning, stacklevel=1
        )

    with warnings.catch_warnings():
        warnings.simplefilter("always")  # what the installed command does (pytest turns warnings into errors)
        assert run(warns, []) == 0
    err = capsys.readouterr().err
    assert err == "labelpact: warning: GLAD stopped at max_iter=5 before its tolerance was met\n"


PIPE_CHILD = r"""
import sys, click
from labelpact.cli.exits import run

@click.command()
def chatty() -> None:
    for i in range(200_000):
        click.echo(f"row {i} " + "x" * 60)

sys.exit(run(chatty, []))
"""


@pytest.mark.parametrize("attempt", range(3))
def test_a_closed_stdout_ends_quietly_with_the_sigpipe_status(attempt: int) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", PIPE_CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.read(100)  # what `| head -c 100` does
    child.stdout.close()
    err = child.stderr.read()
    child.stderr.close()
    assert child.wait(timeout=60) == BROKEN_PIPE
    assert err == b""


def test_the_real_command_piped_to_head_exits_quietly(tmp_path: Path) -> None:
    """``labelpact ... --help | head -c 10`` through a shell, like a user's pipeline."""
    env = os.environ | {"LABELPACT_WORKSPACE": str(tmp_path / "ws")}
    command = f"{sys.executable} -m labelpact ingest --help | head -c 10 >/dev/null; echo ${{PIPESTATUS[0]}}"
    done = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert done.stdout.strip() in {"0", str(BROKEN_PIPE)}
    assert done.stderr == ""


def test_a_rich_table_to_a_closed_pipe_ends_with_the_sigpipe_status(tmp_path: Path) -> None:
    """Before: Rich's own broken-pipe handler exited 1 (an internal error by the CLI contract), silently, when
    a table went to a reader that had gone (``labelpact agreement labels.csv | true``); ``--json`` gave 141."""
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "task,worker,label\n"
        + "".join(f"t{i},w{j},{'ab'[(i + j) % 2]}\n" for i in range(50) for j in range(3))
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "labelpact", "agreement", str(labels), "--bootstrap", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ | {"LABELPACT_WORKSPACE": str(tmp_path / "ws")},
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # the reader is gone before the table is written
    err = child.stderr.read()
    child.stderr.close()
    assert child.wait(timeout=120) == BROKEN_PIPE
    assert err == b""


# -- item 10: re-ingesting the same bytes with other options --------------------------------------
def test_a_re_ingest_names_every_option_it_ignored(acme: RunCli, delivery: tuple[Path, Path]) -> None:
    labels, gold = delivery
    first = acme("ingest", labels, "--partner", "Acme", "--project", "p", "--delivered-at", "2026-03-01")
    assert first.code == 0
    same = acme(
        "ingest", labels, "--partner", "Acme", "--project", "p", "--delivered-at", "2026-03-01", "--json"
    )
    assert json.loads(same.stdout)["ignored"] == []
    again = acme(
        "ingest",
        labels,
        "--partner",
        "Acme",
        "--project",
        "p",
        "--gold",
        gold,
        "--delivered-at",
        "2026-03-02",
        "--duplicates",
        "error",
        "--strict",
    )
    assert again.code == 0
    warning = one_line(again.stderr)
    assert warning.startswith("warning: these bytes were ingested before; ignored ")
    assert "--gold 'gold.csv' (the batch was stored without gold; nothing is attached)" in warning
    assert "--delivered-at 2026-03-02T00:00:00+00:00 (the batch keeps 2026-03-01T00:00:00+00:00)" in warning
    assert "--duplicates error (the stored batch is not read again)" in warning and "--strict (" in warning
    doc = json.loads(
        acme("ingest", labels, "--partner", "Acme", "--project", "p", "--gold", gold, "--json").stdout
    )
    assert doc["created"] is False
    assert [item.split(" ")[0] for item in doc["ignored"]] == ["--gold"]
    elsewhere = acme("ingest", labels, "--partner", "Acme", "--project", "q")  # a delivery has one project
    assert elsewhere.code == 2 and "the project this file was ingested under (p)" in elsewhere.stderr


# -- item 16: names -------------------------------------------------------------------------------
def test_a_name_over_200_characters_is_one_line_exit_2(
    cli: RunCli, delivery: tuple[Path, Path], workspace: Path, snapshot: Snapshot
) -> None:
    long = cli("partner", "add", "A" * 201)
    assert long.code == 2
    assert "expected a partner name of at most 200 characters, got 201 characters" in one_line(long.stderr)
    assert not workspace.exists()
    assert cli("partner", "add", "A" * 200).code == 0
    labels, _ = delivery
    before = snapshot(workspace)
    project = cli("ingest", labels, "--partner", "A" * 200, "--project", "p" * 300)
    assert project.code == 2
    assert "expected a project name of at most 200 characters" in one_line(project.stderr)
    assert snapshot(workspace) == before


@pytest.mark.parametrize("name", ["Evil\x1b[2J\x1b[31mCorp", "Bell\x07", "Zero\u200bWidth", "Line\nBreak"])
def test_control_characters_in_a_name_are_refused_and_never_printed_raw(cli: RunCli, name: str) -> None:
    added = cli("partner", "add", name)
    assert added.code == 2
    line = one_line(added.stderr)
    assert "expected a partner name without control or invisible characters" in line
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in line)


def test_a_partner_name_with_a_slash_is_refused_for_it_could_never_be_reached_on_the_service(
    cli: RunCli, workspace: Path
) -> None:
    """Before, ``Acme/EU`` was stored, and its pages and API routes answered 404 (the slash splits the path)."""
    for name in ("Acme/EU", "<script>alert(1)</script>"):
        refused = cli("partner", "add", name)
        assert refused.code == 2
        assert "expected a partner name without '/'" in one_line(refused.stderr)
    assert json.loads(cli("partner", "list", "--json").stdout)["partners"] == []
    assert cli("partner", "add", 'Acme EU (<b> & "quotes")').code == 0


def test_a_partner_named_dot_or_dot_dot_is_refused_for_browsers_resolve_its_address_away(
    cli: RunCli,
) -> None:
    """Before, ``..`` was stored: its home ``/partners/..`` is ``/`` to a browser, a redirect loop."""
    for name in (".", "..", " .. "):
        refused = cli("partner", "add", name)
        assert refused.code == 2
        assert "column 'name': expected a partner name other than '.' or '..'" in one_line(refused.stderr)
    assert json.loads(cli("partner", "list", "--json").stdout)["partners"] == []
    assert cli("partner", "add", "...").code == 0


@pytest.mark.parametrize(
    "twin", ["scale", "SCALE", "Sсale", "Ѕcale", "Scalе", "Scale.", "S c a l e", "Scäle"]
)
def test_a_partner_name_that_looks_like_another_is_refused_unless_allowed(
    cli: RunCli, twin: str, workspace: Path, snapshot: Snapshot
) -> None:
    assert cli("partner", "add", "Scale").code == 0
    before = snapshot(workspace)
    refused = cli("partner", "add", twin)
    assert refused.code == 2
    assert f"partner {twin!r} looks like the existing partner 'Scale'" in one_line(refused.stderr)
    assert snapshot(workspace) == before
    assert cli("partner", "add", twin, "--allow-lookalike").code == 0


def test_clearly_different_partner_names_are_not_look_alikes(cli: RunCli) -> None:
    for name in ("Scale", "Scale AI", "Surge", "Sama", "Appen", "Scale 2"):
        assert cli("partner", "add", name).code == 0, name


def test_control_characters_in_delivered_labels_are_shown_escaped(acme: RunCli, tmp_path: Path) -> None:
    labels = tmp_path / "esc.csv"
    rows = ["t1,w1,\x1b[2Jevil", "t1,w2,ok", "t2,w1,ok", "t2,w2,\x1b[2Jevil", "t3,w1,ok", "t3,w2,ok"]
    labels.write_text("task,worker,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    run = acme("ingest", labels, "--partner", "Acme", "--project", "p")
    assert run.code == 0, run.stderr
    assert "\x1b" not in run.stdout + run.stderr
    assert "\\x1b[2Jevil" in run.stdout


def test_an_out_path_that_is_a_folder_is_named_in_the_one_line(
    cli: RunCli, delivery: tuple[Path, Path], tmp_path: Path
) -> None:
    """Before: 'labelpact: error: OSError' (pyarrow's error carries its text but no strerror)."""
    labels, _ = delivery
    run = cli("aggregate", labels, "--out", tmp_path)
    assert run.code == 2 and str(tmp_path) in one_line(run.stderr) and "directory" in run.stderr
