"""A workspace for the service's tests: two partners, a user per role, batches, audits, findings, disputes."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from labelpact.config import Settings
from labelpact.services import add_partner, ingest_batch, set_client
from labelpact.services.users import add_user
from labelpact.store import AuditCreate, FindingCreate, Store

ROLES = ("admin", "client", "acme", "other")
CONTRACT = """[labels]
classes = ["a", "b"]
[pay]
price_per_label = 0.08
pay_floor_per_hour = 15.0
[allocation]
max_share = 0.7
"""


def labels_csv(seed: int, n_tasks: int = 30, n_workers: int = 4) -> bytes:
    """A small delivery (``task,worker,label``), different bytes for every ``seed``."""
    rng = random.Random(seed)
    rows = ["task,worker,label"]
    for t in range(n_tasks):
        truth = rng.choice("ab")
        for w in range(n_workers):
            label = truth if rng.random() < 0.8 else ("b" if truth == "a" else "a")
            rows.append(f"t{seed}-{t},w{w},{label}")
    return ("\n".join(rows) + "\n").encode()


def audit_with_findings(batch: str, n: int = 2) -> AuditCreate:
    """An audit of ``batch`` with ``n`` findings, as the audit pipeline would store it."""
    return AuditCreate(
        batch=batch,
        verdict="review",
        reasons=[{"clause": "quality.min_agreement", "measured": 0.5, "threshold": 0.6, "passed": False}],
        metrics={"krippendorff_alpha": {"value": 0.5, "ci": [0.4, 0.6]}},
        sampling_plan={"lot_size": 30, "sample_size": 8, "accept_number": 0, "reject_number": 1},
        sample_tasks=["t0"],
        ethics=None,
        method="mv",
        contract_toml=None,
        contract_sha256=None,
        findings=[
            FindingCreate(
                kind="spammer",
                severity="warning",
                detail=f"Worker w{i} answers at random.",
                clause=None,
                evidence={"workers": [f"w{i}"]},
                action=None,
            )
            for i in range(n)
        ],
    )


@dataclass
class Seeded:
    """Keys per role and, per partner, a batch, an audit, a finding, an open dispute."""

    settings: Settings
    keys: dict[str, str]
    batch: dict[str, str] = field(default_factory=dict)
    audit: dict[str, str] = field(default_factory=dict)
    finding: dict[str, str] = field(default_factory=dict)
    dispute: dict[str, str] = field(default_factory=dict)
    folder: Path = Path()
    counter: int = 100

    def fresh_finding(self, partner: str) -> str:
        """A new audit of ``partner``'s batch, and its first finding (never disputed)."""
        with Store.open(self.settings) as store:
            record = store.add_audit(audit_with_findings(self.batch[partner]), files={})
        return record.findings[0].id

    def fresh_dispute(self, partner: str) -> str:
        finding = self.fresh_finding(partner)
        with Store.open(self.settings) as store:
            return store.open_dispute(finding, text="the worker is fine", opened_by="user:seed").id

    def fresh_bytes(self) -> bytes:
        self.counter += 1
        return labels_csv(self.counter)


def seed(settings: Settings, folder: Path) -> Seeded:
    folder.mkdir(parents=True, exist_ok=True)
    with Store.open(settings) as store:
        set_client(store, "Lab", rivals=["Rival"])
        contract = folder / "contract.toml"
        contract.write_text(CONTRACT, encoding="utf-8")
        add_partner(store, "Acme", contract=contract)
        add_partner(store, "Other", contract=contract)
        keys = {
            "admin": add_user(store, "root", role="admin").key,
            "client": add_user(store, "ada", role="client").key,
            "acme": add_user(store, "acme-bot", role="partner:Acme").key,
            "other": add_user(store, "other-bot", role="partner:Other").key,
        }
        seeded = Seeded(settings=settings, keys=keys, folder=folder)
        for i, partner in enumerate(("Acme", "Other")):
            path = folder / f"{partner}.csv"
            path.write_bytes(labels_csv(i))
            batch = ingest_batch(store, path, partner=partner, project="sentiment").batch
            audit = store.add_audit(audit_with_findings(batch.id, n=3), files={})
            dispute = store.open_dispute(audit.findings[2].id, text="not random", opened_by="user:seed")
            seeded.batch[partner] = batch.id
            seeded.audit[partner] = audit.id
            seeded.finding[partner] = audit.findings[0].id
            seeded.dispute[partner] = dispute.id
    return seeded
