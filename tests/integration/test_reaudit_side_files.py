"""An audit of bytes already stored reads the batch's own task payloads and gold, as ``ingest`` and an audit
of the stored batch do: payloads given now that differ are ignored with a warning (a fix is a new delivery)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .conftest import RunCli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_a_re_audit_keeps_the_batchs_payloads_and_gold(cli: RunCli, tmp_path: Path) -> None:
    """Before: without side files the re-audit found no payloads and no gold ("not scanned", gold unchecked),
    and with scrubbed payloads it found no personal data, and the newest audit rewrote the batch's card."""
    data = EXAMPLES / "data"
    labels, gold, tasks = data / "acme-week1.csv", data / "acme-week1-gold.csv", data / "acme-week1-tasks.csv"
    assert cli("partner", "add", "Acme", "--contract", EXAMPLES / "contracts" / "standard.toml").code == 0
    first = json.loads(
        cli(
            "audit", labels, "--partner", "Acme", "--project", "s", "--gold", gold, "--tasks", tasks, "--json"
        ).stdout
    )
    scrubbed = tmp_path / "scrubbed.csv"
    text = tasks.read_text(encoding="utf-8")
    scrubbed.write_text(
        re.sub(r"[\w.+-]+@[\w-]+\.[\w.]+|\d{4}-\d{4}-\d{4}-\d{4}", "[x]", text), encoding="utf-8"
    )

    def clauses(doc: dict) -> dict[str, str]:  # type: ignore[type-arg]
        return {r["clause"]: r["outcome"] for r in doc["reasons"]}

    for extra in ([], ["--tasks", scrubbed]):
        run = cli("audit", labels, "--partner", "Acme", "--project", "s", *extra, "--json")
        assert run.code == 0, run.stderr
        again = json.loads(run.stdout)
        assert again["batch"] == first["batch"] and again["audit"] != first["audit"]
        assert clauses(again)["data.personal_data"] == clauses(first)["data.personal_data"] == "reject"
        assert again["metrics"]["n_gold"] == first["metrics"]["n_gold"] > 0
        assert ("keeps the task payloads it was delivered with" in run.stderr) is bool(extra)
