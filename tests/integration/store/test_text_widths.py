"""Text longer than its column is bad input on SQLite and on PostgreSQL alike (one line naming the option or
field, exit 2, nothing written): PostgreSQL's varchar(n) had failed with an internal DataError where SQLite
stored the value. A file name that is not UTF-8 is stored escaped, within the same width."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.integration.store.conftest import snapshot

from labelpact.config import Settings
from labelpact.io.export import write_annotations
from labelpact.simulate import simulate_delivery
from labelpact.store import Store

RunCli = Callable[..., Any]
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
LONG = "R" * 250


@pytest.fixture
def audited(store_cli: RunCli, settings: Settings, tmp_path: Path) -> Path:
    """Partner Acme with audit a1 (with findings) of the example delivery; returns a filled review sheet."""
    assert (
        store_cli("partner", "add", "Acme", "--contract", EXAMPLES / "contracts" / "standard.toml").code == 0
    )
    data = EXAMPLES / "data"
    run = store_cli(
        "audit",
        data / "acme-week1.csv",
        "--partner",
        "Acme",
        "--project",
        "p",
        "--gold",
        data / "acme-week1-gold.csv",
    )
    assert run.code == 0, run.stderr
    sheet = tmp_path / "sheet.csv"
    assert store_cli("audits", "sample", "a1", "--out", sheet).code == 0
    return sheet


def _refused(run: Any, where: str) -> None:
    assert run.code == 2, run.stderr
    assert run.stderr.count("\n") == 1 and where in run.stderr and "at most" in run.stderr, run.stderr
    assert "internal error" not in run.stderr


def test_over_long_who_fields_are_refused_on_both_stores(
    store_cli: RunCli, settings: Settings, audited: Path, tmp_path: Path
) -> None:
    before = snapshot(settings)
    _refused(store_cli("review", "a1", "--results", audited, "--reviewer", LONG), "option '--reviewer'")
    _refused(store_cli("dispute", "open", "f1", "--text", "hi", "--by", LONG), "option '--by'")
    statement = tmp_path / "attest.toml"
    statement.write_text(
        f'attested_by = "{"B" * 300}"\n[rai]\ndataUseCases = "Fine-tuning."\n', encoding="utf-8"
    )
    _refused(store_cli("attest", "Acme", "--file", statement), "attested_by")
    assert snapshot(settings) == before
    assert (
        store_cli("dispute", "open", "f1", "--text", "hi", "--by", "R" * 200).code == 0
    )  # the width itself fits


def test_a_file_name_that_is_not_utf8_is_kept_escaped_or_refused_when_too_long(
    store_cli: RunCli, settings: Settings, audited: Path, tmp_path: Path
) -> None:
    source = write_annotations(
        simulate_delivery(n_tasks=30, n_workers=4, seed=8).annotations, tmp_path / "a.csv"
    )
    assert store_cli("partner", "add", "Beta").code == 0  # no contract: the simulated classes are its own
    short = Path(os.fsdecode(bytes(tmp_path) + b"/week\xe9.csv"))
    short.write_bytes(source.read_bytes())
    assert store_cli("ingest", short, "--partner", "Beta", "--project", "p").code == 0
    with Store.open(settings) as store:
        assert [b.source_name for b in store.list_batches(partner="Beta")] == ["week\\xe9.csv"]
    before = snapshot(settings)
    long = Path(os.fsdecode(bytes(tmp_path) + b"/" + b"\xe9" * 200 + b".csv"))
    long.write_bytes(source.read_bytes().replace(b"\n", b"\r\n"))
    _refused(store_cli("ingest", long, "--partner", "Beta", "--project", "p"), "argument 'LABELS'")
    assert snapshot(settings) == before
