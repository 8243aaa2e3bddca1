"""The RLHF chapter of ``labelpact demo``: preference pairs rejected for position bias, pasted chatbot answers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.rule import Rule

from labelpact.cli.deliverables import render_kind_audit
from labelpact.services.demo_rlhf import RLHF_VENDOR, rlhf_audits

if TYPE_CHECKING:
    from labelpact.store import Store

__all__ = ["rlhf_story"]


def rlhf_story(console: Console, store: Store, root: Path, seed: int) -> None:
    """Audit the RLHF vendor's preference batch and demonstrations and say what the audit caught."""
    console.print(Rule(f"{RLHF_VENDOR}: preference pairs and written demonstrations for the assistant"))
    console.print(
        f"Northwind also buys RLHF data from [bold]{RLHF_VENDOR}[/]: pairwise preferences between model answers "
        "and written demonstrations, under a contract with \\[preferences] and \\[demonstrations] clauses "
        "(position bias at most 5%, at most 5% of answers LLM-suspect)."
    )
    prefs, demos = rlhf_audits(store, root, seed)
    render_kind_audit(console, prefs.result.document)
    console.print(
        f"The simulation planted {prefs.planted} workers who pick the left answer whatever it says; the "
        f"position-bias finding names {prefs.caught} of them and {prefs.false_alarms} other workers."
    )
    render_kind_audit(console, demos.result.document)
    console.print(
        f"The simulation planted {demos.planted} writers who paste a chatbot's answer; the LLM-use finding names "
        f"{demos.caught} of them and {demos.false_alarms} honest writers. These are signals, not verdicts: "
        "the finding asks for session logs before anyone acts on it."
    )
