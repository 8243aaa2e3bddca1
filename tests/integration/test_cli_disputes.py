"""The vendor's channel: a partner disputes a finding, the client settles it, and the log keeps both."""

from __future__ import annotations

import json
from pathlib import Path

from labelpact.io.export import write_annotations, write_gold
from labelpact.simulate import simulate_delivery

from .conftest import RunCli


def test_a_finding_is_disputed_resolved_once_and_listed(cli: RunCli, tmp_path: Path) -> None:
    assert cli("client", "set", "--name", "Lab").code == 0
    assert cli("partner", "add", "Acme").code == 0
    sim = simulate_delivery(n_tasks=400, n_workers=30, share_random_spammers=0.1, seed=4)
    labels = write_annotations(sim.annotations, tmp_path / "l.csv")
    gold = write_gold(sim.annotations, sim.gold, tmp_path / "g.csv")
    doc = json.loads(
        cli("audit", labels, "--partner", "Acme", "--project", "p", "--gold", gold, "--json").stdout
    )
    finding = doc["findings"][0]["id"]
    opened = cli(
        "dispute", "open", finding, "--text", "These workers were removed on day 2", "--by", "partner:Acme"
    )
    assert opened.code == 0, opened.stderr
    assert cli("dispute", "open", finding, "--text", "again").code == 2  # one open dispute per finding
    listed = json.loads(cli("disputes", "--status", "open", "--json").stdout)["disputes"]
    assert [(d["finding"], d["opened_by"], d["status"]) for d in listed] == [
        (finding, "partner:Acme", "open")
    ]
    dispute_id = listed[0]["id"]
    # DESIGN.md's word for it, as the REST service takes it: accepted is upheld (the partner was right)
    done = cli("dispute", "resolve", dispute_id, "--status", "accepted", "--note", "Checked", "--json")
    assert done.code == 0 and json.loads(done.stdout)["status"] == "upheld"
    assert cli("dispute", "resolve", dispute_id, "--status", "rejected").code == 2  # settled once
    assert json.loads(cli("disputes", "--status", "open", "--json").stdout)["disputes"] == []
    accepted = json.loads(cli("disputes", "--status", "accepted", "--json").stdout)["disputes"]  # was refused
    assert [d["id"] for d in accepted] == [dispute_id]
    shown = json.loads(cli("disputes", "--partner", "Acme", "--json").stdout)["disputes"]
    assert shown[0]["resolution"] == "Checked" and shown[0]["audit"] == doc["audit"]
    assert cli("dispute", "open", "f999999", "--text", "x").code == 2
