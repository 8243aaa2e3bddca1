"""Health counts personal data as a ``pii_leak`` signal only when the contract does not allow it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import RunCli
from .email_batch import email_batch


@pytest.mark.parametrize(("policy", "signals"), [("allow", []), ("review", ["pii_leak"])])
def test_personal_data_the_contract_allows_is_no_pii_leak(
    cli: RunCli, tmp_path: Path, policy: str, signals: list[str]
) -> None:
    labels, tasks, gold = email_batch(tmp_path)
    contract = tmp_path / "c.toml"
    contract.write_text(f'[data]\npersonal_data = "{policy}"\n', encoding="utf-8")
    assert cli("client", "set", "--name", "Lab").code == 0
    assert cli("partner", "add", "Acme", "--contract", contract).code == 0
    run = cli(
        "audit", labels, "--partner", "Acme", "--project", "p", "--tasks", tasks, "--gold", gold, "--json"
    )
    assert run.code == 0, run.stderr
    assert [f["kind"] for f in json.loads(run.stdout)["findings"] if f["kind"] == "pii"] == ["pii"]
    health = cli("health", "Acme", "--json")
    assert health.code == 0, health.stderr
    contributions = json.loads(health.stdout)["risk"]["contributions"]
    assert [c["signal"] for c in contributions if c["event_id"] is not None] == signals
