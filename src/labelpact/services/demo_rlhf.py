"""The RLHF chapter of ``labelpact demo``: a vendor of preference pairs and written demonstrations.

Its preference batch comes from a workforce where a third of the workers pick the left answer whatever it
says (position bias), and its demonstrations from writers of whom a quarter paste a chatbot's answer; both
are simulated here with their truth, audited by the same services a user runs, and scored against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from labelpact.core.demonstrations import simulate_demonstrations
from labelpact.core.preferences import simulate_preferences
from labelpact.io.deliverable import Read, write_deliverable
from labelpact.io.demonstrations import DemonstrationDelivery
from labelpact.io.preferences import PreferenceDelivery
from labelpact.services.audit import AuditResult
from labelpact.services.refinement_audit import audit_deliverable
from labelpact.services.workspace import add_partner
from labelpact.store import Store

__all__ = ["RLHF_CONTRACT", "RLHF_VENDOR", "RlhfAudit", "rlhf_audits"]

RLHF_VENDOR: Final = "Halcyon Feedback"
RLHF_CONTRACT: Final = """\
# What the RLHF vendor signs up to: preference pairs and written demonstrations.
[preferences]
min_agreement = 0.10
max_position_bias = 0.05
max_flagged_worker_share = 0.20

[demonstrations]
max_near_duplicate_rate = 0.10
max_llm_suspect_share = 0.05
max_low_quality_share = 0.10

[data]
personal_data = "reject"
"""


@dataclass(frozen=True, slots=True)
class RlhfAudit:
    """One audited deliverable and how its flagged workers compare with the ones the simulation planted."""

    result: AuditResult
    planted: int
    caught: int
    false_alarms: int
    n_workers: int


def _scored(result: AuditResult, finding: str, kinds: dict[str, str], bad: str) -> RlhfAudit:
    flagged = {
        w for f in result.findings if f.kind == finding for w in f.evidence.get("workers", [])
    }  # at most MAX_EXAMPLES names per finding: enough for the demo's workforce
    planted = {w for w, k in kinds.items() if k == bad}
    return RlhfAudit(result, len(planted), len(flagged & planted), len(flagged - planted), len(kinds))


def rlhf_audits(store: Store, root: Path, seed: int) -> tuple[RlhfAudit, RlhfAudit]:
    """Add the RLHF vendor with its contract, simulate its two deliveries and audit them (stored)."""
    root.mkdir(parents=True, exist_ok=True)
    contract = root / "rlhf-contract.toml"
    contract.write_text(RLHF_CONTRACT, encoding="utf-8")
    add_partner(store, RLHF_VENDOR, min_spend_usd=180_000, contract=contract)
    prefs = simulate_preferences(
        n_comparisons=8_000,
        n_items=120,
        n_workers=30,
        spammer_share=0.05,
        left_share=1 / 3,
        random_state=seed,
    )
    pairs = write_deliverable(
        PreferenceDelivery(prefs.comparisons, Read(root, "csv", 0, {})), root / "halcyon-prefs.csv"
    )
    demos = simulate_demonstrations(
        n_tasks=150, n_workers=24, template_share=0.0, llm_share=0.25, random_state=seed
    )
    answers = write_deliverable(
        DemonstrationDelivery(demos.demonstrations, Read(root, "csv", 0, {})), root / "halcyon-sft.csv"
    )
    p = audit_deliverable(store, pairs, partner=RLHF_VENDOR, project="assistant-rlhf", n_bootstrap=100)
    d = audit_deliverable(store, answers, partner=RLHF_VENDOR, project="assistant-sft", random_state=seed)
    pref_kinds = dict(zip(prefs.comparisons.workers, prefs.kinds, strict=True))
    demo_kinds = dict(zip(demos.demonstrations.workers, demos.kinds, strict=True))
    return _scored(p, "position_bias", pref_kinds, "left"), _scored(d, "llm_signals", demo_kinds, "llm")
