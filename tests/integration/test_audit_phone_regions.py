"""``labelpact audit --phone-region`` scans national phone numbers as ``labelpact ethics --phone-region`` does."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from labelpact.config import load_settings
from labelpact.services import add_partner
from labelpact.services.audit import audit_batch, audit_stored_batch
from labelpact.store import Store

from .conftest import RunCli

TASKS = {
    "t1": "Bitte ruf mich an: Tel. 030 1234567",
    "t2": "Meine Telefonnummer ist 0171 2345678",
    "t3": "Schreib an kim@example.com",
    "t4": "Alles gut",
}


def _files(root: Path) -> tuple[Path, Path]:
    labels, tasks = root / "labels.csv", root / "tasks.csv"
    rows = [f"{t},w{w},{'a' if (i + w) % 4 else 'b'}" for i, t in enumerate(TASKS) for w in range(3)]
    labels.write_text("task,worker,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    tasks.write_text("task,text\n" + "".join(f"{t},{x}\n" for t, x in TASKS.items()), encoding="utf-8")
    return labels, tasks


def _phones(document: dict) -> list[str]:
    return sorted(p["task"] for p in document["pii"] if p["entity"] == "phone")


def test_the_stored_audit_scans_the_regions_the_ethics_command_does(cli: RunCli, tmp_path: Path) -> None:
    labels, tasks = _files(tmp_path)
    ethics = cli("ethics", labels, "--tasks", tasks, "--phone-region", "DE", "--json")
    assert ethics.code == 0, ethics.stderr
    assert _phones(json.loads(ethics.stdout)) == ["t1", "t2"]
    assert cli("client", "set", "--name", "Lab").code == 0
    assert cli("partner", "add", "Acme").code == 0
    run = cli(
        "audit",
        labels,
        "--partner",
        "Acme",
        "--project",
        "p",
        "--tasks",
        tasks,
        "--phone-region",
        "de",
        "--json",
    )
    assert run.code == 0, run.stderr
    stored = json.loads(cli("audits", "show", json.loads(run.stdout)["audit"], "--json").stdout)
    assert _phones(stored["ethics"]) == ["t1", "t2"]
    assert "national formats of DE" in stored["ethics"]["pii_summary"]["detectors"]["phone"]


def test_a_stored_batch_reaudited_with_a_region_finds_its_phones(tmp_path: Path) -> None:
    labels, tasks = _files(tmp_path)
    store = Store.open(load_settings({}, workspace=tmp_path / "ws"), create=True)
    try:
        add_partner(store, "Acme", since=dt.date(2025, 9, 1))
        first = audit_batch(store, labels, partner="Acme", project="p", tasks=tasks, n_bootstrap=20)
        again = audit_stored_batch(store, first.audit.batch, phone_regions=("DE",), n_bootstrap=20)
    finally:
        store.close()
    assert _phones(first.document["ethics"]) == []
    assert _phones(again.document["ethics"]) == ["t1", "t2"]


def test_an_unknown_region_is_one_line_naming_the_option(cli: RunCli, tmp_path: Path) -> None:
    labels, tasks = _files(tmp_path)
    assert cli("client", "set", "--name", "Lab").code == 0
    assert cli("partner", "add", "Acme").code == 0
    run = cli(
        "audit", labels, "--partner", "Acme", "--project", "p", "--tasks", tasks, "--phone-region", "XX"
    )
    assert run.code == 2
    assert run.stderr.count("\n") == 1 and "--phone-region" in run.stderr and "'XX'" in run.stderr
