"""The Licences table of ``labelpact ethics`` takes each licence's status from the vetting, expressions included."""

from __future__ import annotations

from rich.console import Console

from labelpact.cli.ethics import render_ethics
from labelpact.core.annotations import TaskPayloads
from labelpact.ethics import EthicsReport, vet_provenance
from labelpact.services.ethics import ethics_document


def test_an_allowed_expression_reads_allowed_and_an_and_with_a_disallowed_part_not_allowed() -> None:
    payloads = TaskPayloads(
        task=("s1", "s2"),
        fields={"source": ("a", "b"), "license": ("MIT OR Apache-2.0", "CC-BY-NC-4.0 AND MIT")},
    )
    report = EthicsReport(provenance=vet_provenance(payloads, allowed=["MIT", "Apache-2.0"]))
    console = Console(record=True, width=200)
    render_ethics(console, ethics_document(report), title="Ethics")
    licences = console.export_text().partition("Licences")[2].partition("Findings")[0]
    rows = {cells[1].strip(): cells[2].strip() for cells in (line.split("│") for line in licences.splitlines())
            if len(cells) == 6}  # fmt: skip
    assert rows == {"MIT OR Apache-2.0": "allowed", "CC-BY-NC-4.0 AND MIT": "not allowed"}
