"""Licence and source texts are echoed masked: no raw personal value or URL password leaves provenance."""

from __future__ import annotations

import json

from labelpact.contracts.contract import parse_contract
from labelpact.core.annotations import TaskPayloads
from labelpact.ethics import EthicsReport
from labelpact.ethics.findings import ethics_findings
from labelpact.ethics.pii import redact_pii
from labelpact.ethics.provenance import vet_provenance

URL = "https://alice:S3cretPass@data.example.com/dump.csv"
LICENCE = "For reuse ask jane.doe@corp.example"
RAW = ("S3cretPass", "alice", "jane.doe", "corp.example")


def leaky() -> TaskPayloads:
    return TaskPayloads(
        task=("k1", "k2", "k3", "k4"),
        fields={
            "source": (URL, "forum", "forum", "blog"),
            "license": ("", LICENCE, "CC-BY-4.0", "CC BY 4.0"),
        },
    )


def test_redact_masks_each_value_and_keeps_the_rest() -> None:
    assert redact_pii(LICENCE) == "For reuse ask j***@c***.example"
    assert redact_pii(URL) == "https://***:***@data.example.com/dump.csv"
    assert redact_pii("CC-BY-4.0") == "CC-BY-4.0"


def test_provenance_report_and_findings_hold_no_raw_personal_value() -> None:
    report = vet_provenance(leaky(), allowed=["CC-BY-4.0"])
    findings = ethics_findings(EthicsReport(provenance=report), parse_contract(""))
    shown = json.dumps([report.to_dict(), [f.to_dict() for f in findings]])
    assert [raw for raw in RAW if raw in shown] == []
    assert report.tasks_by_license == {
        "missing": 1,
        "unknown:For reuse ask j***@c***.example": 1,
        "CC-BY-4.0": 2,
    }
    assert report.by_license["missing"] == ("https://***:***@data.example.com/dump.csv",)
    kinds = {f.kind: f for f in report.findings}
    assert kinds["unknown"].license == "For reuse ask j***@c***.example"
    assert kinds["missing"].source == "https://***:***@data.example.com/dump.csv"


def test_a_conflict_shows_the_masked_texts_and_source() -> None:
    payloads = TaskPayloads(
        task=("a", "b"),
        fields={"source": (URL, URL), "license": ("MIT", "ask jane.doe@corp.example")},
    )
    report = vet_provenance(payloads, allowed=["MIT"])
    (conflict,) = [f for f in report.findings if f.kind == "conflicting"]
    assert conflict.source == "https://***:***@data.example.com/dump.csv"
    assert conflict.license == "MIT; ask j***@c***.example"


def test_full_width_values_are_masked_as_their_plain_spelling() -> None:
    # the scan reads the folded text; the mask must too, or a full-width value came back whole
    from labelpact.ethics.pii.redact import redact_pii

    ip = redact_pii("source host １９２．１６８．１０．２３ x")
    url = redact_pii("see ｈｔｔｐｓ：／／alice：s3cret＠host.example/x.csv")
    assert "１６８" not in ip and "168" not in ip
    assert "s3cret" not in url and "alice" not in url and "***:***@host.example" in url
