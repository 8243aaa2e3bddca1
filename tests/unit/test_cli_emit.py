"""``--json`` output (``cli.common.Output.emit``): small documents indented as always, large ones compact.

Guards the size of the ``labelpact workers --json`` document of ``core.workers`` at a million workers.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from labelpact.cli.common import make_output


def emitted(document: object, capsys: pytest.CaptureFixture[str]) -> str:
    make_output(True).emit(document, lambda: None)
    return capsys.readouterr().out


def test_small_documents_are_byte_identical_to_indented_json(capsys: pytest.CaptureFixture[str]) -> None:
    document = {"workers": [{"worker": "w1", "score": 0.5, "flags": []}], "when": date(2026, 12, 4)}
    out = emitted(document, capsys)
    assert out == json.dumps({**document, "when": "2026-12-04"}, indent=2) + "\n"


def test_large_documents_are_one_compact_line_of_the_same_json(capsys: pytest.CaptureFixture[str]) -> None:
    document = {"workers": [{"worker": f"w{i}", "score": i / 7, "ci": None} for i in range(30_000)]}
    out = emitted(document, capsys)
    assert len(json.dumps(document, separators=(",", ":"))) > 1 << 20  # over the indent limit
    assert out.count("\n") == 1 and json.loads(out) == document
