"""A small workspace for the transparency tests: two partners, six audited batches, a dispute, an event,
attestations; built once through the services the CLI calls, the way ``labelpact demo`` builds its story."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from labelpact.config import load_settings
from labelpact.io.export import write_annotations, write_gold
from labelpact.services import add_partner, set_client
from labelpact.services.attest import attest
from labelpact.services.audit import audit_batch
from labelpact.services.disputes import open_dispute, resolve_dispute
from labelpact.services.events import record_event
from labelpact.services.review import review_sample
from labelpact.simulate import simulate_delivery
from labelpact.simulate.payloads import simulate_payloads, write_tasks
from labelpact.store import Store

PROJECT = "reviews"
AS_OF = dt.date(2025, 6, 30)
CONTRACT = """\
[labels]
classes = ["negative", "neutral", "positive", "mixed"]
[quality]
method = "mv"
min_gold_accuracy = 0.80
max_error_rate = 0.15
[acceptance]
aql = 10
[pay]
price_per_label = 0.25
pay_floor_per_hour = 15.0
[data]
allowed_licenses = ["CC-BY-4.0", "CC0-1.0"]
personal_data = "reject"
"""
PROJECT_ATTESTATION = """\
attested_by = "Dana Ortiz, Head of Data, Northwind AI"
license = "https://creativecommons.org/licenses/by/4.0/"
[rai]
dataUseCases = "Fine-tuning and evaluating the support-ticket sentiment model; not for decisions about people."
dataReleaseMaintenancePlan = "Quarterly releases; errata within 30 days of a confirmed label error."
"""
ACME_ATTESTATION = """\
attested_by = "Lee Park, VP Operations, Acme Labels"
[rai]
annotatorDemographics = "Annotators in Kenya (60%) and the Philippines (40%); 55% women; all adults with secondary education."
dataAnnotationPlatform = "Label Studio 1.23 (self-hosted)"
"""
# (partner, delivered, mediocre share, payloads with personal data)
BATCHES = (
    ("Acme Labels", dt.date(2025, 1, 15), 0.05, False),
    ("Borealis Data", dt.date(2025, 2, 1), 0.05, True),
    ("Acme Labels", dt.date(2025, 3, 15), 0.05, False),
    ("Borealis Data", dt.date(2025, 4, 1), 0.7, False),
    ("Acme Labels", dt.date(2025, 5, 15), 0.05, False),
    ("Acme Labels", dt.date(2025, 8, 15), 0.05, False),  # after AS_OF: invisible on it
)


def build(root: Path) -> Path:
    """Create the workspace under ``root`` and return its folder."""
    root.mkdir(parents=True, exist_ok=True)
    contract = root / "contract.toml"
    contract.write_text(CONTRACT, encoding="utf-8")
    workspace = root / "ws"
    with Store.open(load_settings({}, workspace=workspace), create=True) as store:
        set_client(store, "Northwind AI", rivals=["Globex Research"])
        for name in ("Acme Labels", "Borealis Data"):
            add_partner(store, name, since=dt.date(2024, 6, 1), contract=contract)
        for i, (partner, day, mediocre, leaky) in enumerate(BATCHES):
            sim = simulate_delivery(
                n_tasks=400,
                n_workers=40,
                labels_per_task=4 if i % 2 == 0 else 3,
                share_mediocre=mediocre,
                share_random_spammers=0.0,
                share_fixed_spammers=0.0,
                share_adversarial=0.0,
                gold_share=0.15,
                class_names=("negative", "neutral", "positive", "mixed"),
                seed=100 + i,
            )
            labels = write_annotations(sim.annotations, root / f"b{i}.csv")
            gold = write_gold(sim.annotations, sim.gold, root / f"b{i}-gold.csv")
            tasks = None
            if leaky:
                payloads = simulate_payloads(
                    sim.annotations.tasks, seed=i, email_share=0.02, disallowed_share=0.02
                )
                tasks = write_tasks(payloads, root / f"b{i}-tasks.csv")
            moment = dt.datetime.combine(day, dt.time(17), tzinfo=dt.UTC)
            result = audit_batch(
                store,
                labels,
                partner=partner,
                project=PROJECT,
                gold=gold,
                tasks=tasks,
                contract=contract,
                delivered_at=moment,
                due_at=moment,
                n_bootstrap=100,
            )
            if i == 4:  # a reviewer re-labels the sample of a "review" verdict with the truth
                truth = dict(
                    zip(sim.annotations.tasks, [sim.annotations.classes[k] for k in sim.truth], strict=True)
                )
                sample = result.document["sample_tasks"]
                answers = root / "review.csv"
                answers.write_text(
                    "task,label\n" + "".join(f"{t},{truth[t]}\n" for t in sample), encoding="utf-8"
                )
                outcome = review_sample(
                    store, result.audit.id, answers, reviewer="qa", reviewed_at=moment + dt.timedelta(days=2)
                )
                # what labelpact review printed: the reference for the estimate a card publishes
                (root / "review.json").write_text(json.dumps(outcome.document), encoding="utf-8")
        record_event(store, "Acme Labels", kind="executive_departure", date=dt.date(2025, 4, 20), actor="CEO")
        rejected = next(a for a in store.list_audits(partner="Borealis Data") if a.findings)
        dispute = open_dispute(
            store, rejected.findings[0].id, text="These tasks were checked twice.", by="partner:Borealis Data"
        )
        resolve_dispute(store, dispute.id, status="rejected", note="The finding stands.", by="client")
        (root / "project.toml").write_text(PROJECT_ATTESTATION, encoding="utf-8")
        (root / "acme.toml").write_text(ACME_ATTESTATION, encoding="utf-8")
        attest(store, root / "project.toml", project=PROJECT)
        attest(store, root / "acme.toml", partner="Acme Labels")
    return workspace
