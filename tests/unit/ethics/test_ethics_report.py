from __future__ import annotations

import importlib
import json
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import labelpact.ethics.pii.scan as pii_module
from labelpact.core.annotations import Annotations, TaskPayloads
from labelpact.ethics import EthicsReport, audit_ethics, scan_pii


def batch() -> tuple[Annotations, TaskPayloads]:
    a = Annotations.from_columns(
        task=["t1", "t1", "t2", "t2", "t3", "t3"],
        worker=["A", "B", "A", "B", "A", "B"],
        label=["pos", "pos", "neg", "pos", "neg", "neg"],
        duration_s=[60.0, 5.0, 60.0, 5.0, np.nan, 5.0],
    )
    payloads = TaskPayloads(
        task=("t1", "t2", "t3"),
        fields={
            "text": (
                "Great product, mail me at kim@example.com",
                "Card 4111 1111 1111 1111 got charged",
                "meh",
            ),
            "language": ("en", "en", "de"),
            "source": ("reviews", "reviews", "forum"),
            "license": ("CC-BY-4.0", "CC BY 4.0", "CC-BY-NC-4.0"),
        },
    )
    return a, payloads


def test_audit_ethics_runs_every_part_and_renders_json() -> None:
    a, payloads = batch()
    consensus = np.argmax(a.label_counts(), axis=1)
    report = audit_ethics(
        a,
        payloads,
        consensus=consensus,
        pii_fields=["text"],
        allowed_licenses=["CC-BY-4.0"],
        slice_columns=["language"],
        price_per_label=0.05,
        pay_floor_per_hour=15.0,
        text_field="text",
    )
    out = report.to_dict()
    json.dumps(out, allow_nan=False)
    assert [(f["task"], f["entity"], f["masked"]) for f in out["pii"]] == [
        ("t1", "email", "k***@e***.com"),
        ("t2", "card", "**** **** **** 1111"),
    ]
    assert set(out["pii"][0]) == {"task", "field", "entity", "start", "end", "masked", "confidence"}
    assert out["pii_summary"]["not_scanned"] in ({"name": "no spaCy model installed"}, {})
    assert [(f["kind"], f["source"]) for f in out["provenance"]] == [("disallowed", "forum")]
    assert out["bias"][0]["column"] == "language"
    assert [s["slice"] for s in out["bias"][0]["slices"]] == ["de", "en"]
    # A: 2 timed labels in 120 s -> 0.1 / (1/30 h) = 3 per hour; B: 3 labels in 15 s -> 36
    assert out["pay"]["workers_below_floor"] == ["A"]
    assert "kim@example.com" not in json.dumps(out)


def test_parts_without_inputs_are_empty() -> None:
    empty = audit_ethics()
    assert empty == EthicsReport()
    assert empty.to_dict() == {
        "pii": [], "pii_summary": None, "provenance": [], "provenance_summary": None, "bias": [], "pay": None
    }  # fmt: skip


def test_names_come_from_an_installed_model_when_there_is_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The spaCy path, with a stand-in pipeline: PERSON entities become masked ``name`` findings."""

    def pipe(texts: list[str]) -> Any:
        for text in texts:
            start = text.find("Ada Lovelace")
            ents = (
                [] if start < 0 else [SimpleNamespace(label_="PERSON", start_char=start, end_char=start + 12)]
            )
            yield SimpleNamespace(ents=ents)

    fake_spacy = SimpleNamespace(load=lambda name, exclude: SimpleNamespace(pipe=pipe))
    monkeypatch.setattr(pii_module, "installed_name_model", lambda: "en_fake_sm")
    real_import = importlib.import_module
    monkeypatch.setattr(
        importlib, "import_module", lambda name: fake_spacy if name == "spacy" else real_import(name)
    )
    payloads = TaskPayloads(task=("t1", "t2"), fields={"text": ("hello", "signed, Ada Lovelace")})
    report = scan_pii(payloads)
    assert [(f.task, f.entity, f.start, f.end, f.masked) for f in report.findings] == [
        ("t2", "name", 8, 20, "A*** L***")
    ]
    assert report.not_scanned == {} and "name" in report.scanned


def test_the_ethics_package_stays_light() -> None:
    """Importing and running the scan never loads spaCy, pandas or an interface module."""
    code = (
        "import sys; from labelpact.ethics import scan_pii; from labelpact.core import TaskPayloads;"
        "scan_pii(TaskPayloads(task=('a',), fields={'text': ('x@example.com',)}));"
        "print(','.join(sorted(m for m in ('spacy', 'pandas', 'pyarrow', 'presidio_analyzer', 'click') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""
