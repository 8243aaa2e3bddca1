"""A partner contract an older labelpact accepted (a lower-case currency, an AQL of 15) keeps working after an
upgrade: every command that reads it warns once per refused value, and ``verify`` names it, intact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labelpact.config import load_settings
from labelpact.errors import StoredContractWarning
from labelpact.io.export import write_annotations, write_gold
from labelpact.services.access import Principal
from labelpact.services.dashboard import portfolio_view
from labelpact.simulate import simulate_delivery
from labelpact.store import Store

from .conftest import RunCli

# what v0006 (0d96046) accepted and stored; partners never change, so no upgrade can correct it
LEGACY = '[acceptance]\naql = 15.0\n\n[pay]\nprice_per_label = 0.08\ncurrency = "usd"\n'
pytestmark = pytest.mark.filterwarnings("default::labelpact.errors.StoredContractWarning")


@pytest.fixture
def legacy(cli: RunCli, workspace: Path, tmp_path: Path) -> tuple[RunCli, Path]:
    """A workspace whose partner Legacy holds the contract above (stored as an older version stored it), and
    a delivery file to audit."""
    assert cli("client", "set", "--name", "OpenAI").code == 0
    with Store.open(load_settings({}, workspace=workspace)) as store:
        store.add_partner("Legacy", contract_toml=LEGACY)  # the store keeps text; only services check it
    sim = simulate_delivery(n_tasks=60, n_workers=8, labels_per_task=3, gold_share=0.2, seed=4)
    labels = write_annotations(sim.annotations, tmp_path / "week1.csv")
    gold = write_gold(sim.annotations, sim.gold, tmp_path / "week1-gold.csv")
    run = cli("audit", labels, "--partner", "Legacy", "--project", "w", "--gold", gold, "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["sampling_plan"]["aql"] == 1.0  # the default, for the refused 15
    return cli, tmp_path


def _warned(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("labelpact: warning: contract of Legacy")]


def test_every_reader_of_the_stored_contract_works_and_warns(legacy: tuple[RunCli, Path]) -> None:
    cli, tmp = legacy
    for args in (
        ("health", "Legacy", "--json"),
        ("report", "--partner", "Legacy", "--out", tmp / "r.html"),
        ("transparency", "--project", "w", "--out", tmp / "card.jsonld"),
        ("allocate", "--project", "w", "--labels", "100", "--json"),
    ):
        run = cli(*args)
        assert run.code == 0, (args, run.stderr)
        warned = _warned(run.stderr)
        assert len(warned) == 2, (args, run.stderr)  # one line per refused value, once per command
        assert any("key 'pay.currency'" in w and "stored 'usd'" in w and "read as 'USD'" in w for w in warned)
        assert any("key 'acceptance.aql'" in w and "the default 1.0" in w for w in warned)


def test_a_contract_given_now_stays_strict(legacy: tuple[RunCli, Path]) -> None:
    cli, tmp = legacy
    given = tmp / "given.toml"
    given.write_text(LEGACY, encoding="utf-8")
    run = cli("partner", "add", "Newco", "--contract", given)
    assert run.code == 2 and "acceptance.aql" in run.stderr


def test_verify_names_the_stored_contracts_this_version_refuses(legacy: tuple[RunCli, Path]) -> None:
    cli, _ = legacy
    run = cli("verify", "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["ok"] is True and doc["damage"] == []
    subjects = [r["subject"] for r in doc["refused_contracts"]]
    assert subjects[0] == "partner Legacy" and subjects[1].endswith("(audit a1)")
    assert {r["key"] for r in doc["refused_contracts"][0]["readings"]} == {"acceptance.aql", "pay.currency"}
    human = cli("verify")
    assert human.code == 0 and "note: partner Legacy: stored contract read leniently" in human.stdout
    assert "Workspace intact" in human.stdout


def test_one_legacy_partner_does_not_take_down_the_portfolio(
    legacy: tuple[RunCli, Path], workspace: Path
) -> None:
    settings = load_settings({}, workspace=workspace)
    with Store.open(settings) as store, pytest.warns(StoredContractWarning, match="contract of Legacy"):
        view = portfolio_view(store, Principal(user="ada", role="client"))
    assert "Legacy" in json.dumps(view, default=str)


def test_a_review_rejudges_by_the_audits_stored_contract_read_leniently(legacy: tuple[RunCli, Path]) -> None:
    cli, tmp = legacy
    shown = json.loads(cli("audits", "show", "a1", "--json").stdout)
    results = tmp / "review.csv"
    results.write_text(
        "task,defective\n" + "".join(f"{t},no\n" for t in shown["sample_tasks"]), encoding="utf-8"
    )
    run = cli("review", "a1", "--results", results, "--reviewer", "dana", "--json")
    assert run.code == 0, run.stderr
    warned = [w for w in run.stderr.splitlines() if w.startswith("labelpact: warning: contract of audit a1")]
    assert len(warned) == 2 and all("the audit stands as stored" in w for w in warned)
