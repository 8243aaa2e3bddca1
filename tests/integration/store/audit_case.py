"""An audit to store in tests: a batch added first, a consensus file, two findings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from labelpact.store import AuditCreate, BatchRecord, FindingCreate, Store

from .conftest import make_delivery

CONTRACT = '[quality]\nmin_gold_accuracy = 0.90\n# "ünïcode"\n'


def add_batch(
    store: Store, folder: Path, content: bytes = b"task,worker,label\nt1,w1,pos\n", **kw: Any
) -> BatchRecord:
    d = make_delivery(folder, content, **kw)
    return store.add_batch(d.new, files=d.files)


def audit_of(batch: BatchRecord, **changes: Any) -> AuditCreate:
    new = AuditCreate(
        batch=batch.id,
        verdict="review",
        reasons=[
            {
                "clause": "quality.min_gold_accuracy",
                "measured": 0.875,
                "threshold": 0.9,
                "passed": False,
                "text": "gold accuracy 87.5% < 90%",
            }
        ],
        metrics={
            "krippendorff_alpha": {"value": 0.71, "ci": [0.64, 0.78]},
            "n_tasks": 2,
            "flags": ("a", "b"),
        },
        sampling_plan={"lot_size": 2, "sample_size": 2, "accept_number": 0, "reject_number": 1, "aql": 1.0},
        sample_tasks=["t2", "t1"],
        ethics={"pii": [], "pay": {"hourly": 16.5}},
        method="ds",
        contract_toml=CONTRACT,
        contract_sha256=None,
        findings=[
            FindingCreate(
                kind="spammer",
                severity="critical",
                detail="Worker w2 answers at random.",
                clause="quality.max_flagged_workers",
                evidence={"workers": ["w2"], "spammer_score": 0.02},
                action="Remove w2 and relabel its tasks.",
            ),
            FindingCreate(
                kind="late_delivery",
                severity="info",
                detail="Delivered 2 h late.",
                clause=None,
                evidence={},
                action=None,
            ),
        ],
    )
    return replace(new, **changes)


def consensus_file(folder: Path, content: bytes = b"PAR1 consensus PAR1") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "consensus.parquet"
    path.write_bytes(content)
    return path
