"""``labelpact partner contract``: a renegotiated contract judges the audits after it, while an earlier audit
still cites the contract it was judged by; bad input writes nothing (on SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from labelpact.io.export import write_annotations, write_gold
from labelpact.simulate import simulate_delivery

RunCli = Callable[..., Any]

LOOSE = '[quality]\nmethod = "ds"\nmin_gold_accuracy = 0.50\nmin_agreement = 0.10\n[acceptance]\naql = 10\n'
STRICTER = LOOSE.replace("[acceptance]", "max_error_rate = 0.001\n[acceptance]")


@pytest.fixture(scope="module")
def delivery(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("delivery")
    sim = simulate_delivery(
        n_tasks=600, n_workers=40, n_classes=3, labels_per_task=3, gold_share=0.1, seed=11
    )
    return write_annotations(sim.annotations, root / "labels.csv"), write_gold(
        sim.annotations, sim.gold, root / "gold.csv"
    )


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _audit(store_cli: RunCli, labels: Path, gold: Path) -> dict[str, Any]:
    run = store_cli("audit", labels, "--gold", gold, "--partner", "Acme", "--project", "p", "--json")
    assert run.code == 0, run.stderr
    return dict(json.loads(run.stdout))


def test_a_new_contract_judges_later_audits_and_the_earlier_one_keeps_its_own(
    store_cli: RunCli, delivery: tuple[Path, Path], tmp_path: Path
) -> None:
    labels, gold = delivery
    assert store_cli("partner", "add", "Acme", "--contract", _file(tmp_path, "loose.toml", LOOSE)).code == 0
    first = _audit(store_cli, labels, gold)
    assert (first["verdict"], first["contract_sha256"]) == ("accept", _sha(LOOSE))

    run = store_cli(
        "partner", "contract", "Acme", "--contract", _file(tmp_path, "strict.toml", STRICTER), "--json"
    )
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert (doc["name"], doc["contract_toml"]) == ("Acme", STRICTER)
    assert (doc["previous_contract_sha256"], doc["contract_sha256"]) == (_sha(LOOSE), _sha(STRICTER))

    second = _audit(store_cli, labels, gold)
    assert (second["verdict"], second["contract_sha256"]) == ("reject", _sha(STRICTER))
    assert ("quality.max_error_rate", "reject") in [(r["clause"], r["outcome"]) for r in second["reasons"]]
    shown = json.loads(store_cli("audits", "show", first["audit"], "--json").stdout)
    assert (shown["verdict"], shown["contract_sha256"]) == ("accept", _sha(LOOSE))
    listed = json.loads(store_cli("partner", "list", "--json").stdout)["partners"]
    assert [p["contract_toml"] for p in listed] == [STRICTER]

    said = store_cli("partner", "contract", "Acme", "--contract", tmp_path / "strict.toml")
    assert said.code == 0 and "already in force" in said.stdout


def test_an_unknown_partner_is_one_line_and_writes_nothing(
    store_cli: RunCli, take_snapshot: Callable[[], object], tmp_path: Path
) -> None:
    assert store_cli("partner", "add", "Acme").code == 0
    before = take_snapshot()
    run = store_cli("partner", "contract", "Acem", "--contract", _file(tmp_path, "c.toml", LOOSE))
    assert run.code == 2
    assert run.stderr.startswith("labelpact: error: unknown partner 'Acem'; known partners: Acme")
    assert len(run.stderr.splitlines()) == 1
    assert take_snapshot() == before


def test_a_contract_that_is_not_toml_is_bad_input_and_writes_nothing(
    store_cli: RunCli, take_snapshot: Callable[[], object], tmp_path: Path
) -> None:
    assert store_cli("partner", "add", "Acme", "--contract", _file(tmp_path, "loose.toml", LOOSE)).code == 0
    before = take_snapshot()
    bad = _file(tmp_path, "bad.toml", "[quality\nmax_error_rate = 0.01\n")
    run = store_cli("partner", "contract", "Acme", "--contract", bad)
    assert run.code == 2
    assert str(bad) in run.stderr and len(run.stderr.splitlines()) == 1
    assert take_snapshot() == before
    shown = json.loads(store_cli("partner", "show", "Acme", "--json").stdout)
    assert shown["contract_toml"] == LOOSE
