"""Hand-made report facts: two partners, four audited batches, one attestation, one dispute."""

from __future__ import annotations

import datetime as dt

from labelpact.report import (
    AttestationFacts,
    AuditFacts,
    ContractFacts,
    DisputeFacts,
    DistributionFile,
    Estimate,
    EventFacts,
    FieldFacts,
    HealthFacts,
    PartnerFacts,
    ProjectFacts,
)

AS_OF = dt.date(2025, 12, 31)
CONTRACT = ContractFacts(
    "ab" * 32,
    (
        ("acceptance.aql", 2.5),
        ("data.personal_data", "reject"),
        ("labels.classes", ["neg", "pos"]),
        ("labels.ordered", False),
        ("pay.currency", "USD"),
        ("pay.pay_floor_per_hour", 15.0),
        ("quality.max_error_rate", 0.08),
        ("quality.method", "ds"),
        ("quality.min_agreement", 0.4),
        ("quality.min_gold_accuracy", 0.85),
    ),
)


def audit(
    number: int,
    partner: str,
    day: dt.date,
    verdict: str,
    *,
    error: float = 0.03,
    alpha: float = 0.7,
    pii: tuple[tuple[str, int], ...] = (),
    n_tasks: int = 1000,
    n_annotations: int = 3000,
    n_tasks_without_labels: int = 0,
) -> AuditFacts:
    return AuditFacts(
        audit=f"a{number}",
        batch=f"{number:012x}",
        batch_sha256=f"{number:064x}",
        partner=partner,
        delivered=day,
        verdict=verdict,
        review=None,
        method="ds",
        method_detail="Dawid-Skene",
        format="csv",
        n_tasks=n_tasks,
        n_workers=40,
        n_annotations=n_annotations,
        n_classes=2,
        classes=("neg", "pos"),
        n_gold=100,
        n_duplicates=3,
        n_abstentions=2,
        n_cancelled=0,
        n_tasks_without_labels=n_tasks_without_labels,
        gold_accuracy=Estimate(1 - error, 0.9, 0.99),
        agreement=Estimate(alpha, alpha - 0.02, alpha + 0.02),
        agreement_by_class=(("neg", alpha + 0.05), ("pos", alpha - 0.05)),
        error_rate=Estimate(error, error / 2, error * 2),
        error_source="100 gold tasks",
        error_verified=True,
        label_error_rate=0.05,
        n_label_errors=50,
        label_error_source="weak or contradicted consensus",
        n_flagged_workers=2,
        n_scored_workers=40,
        pii_scanned=bool(pii),
        pii=pii,
        pii_tasks=sum(n for _, n in pii),
        pii_detectors=(("phone", "libphonenumber"),) if pii else (),
        licenses=(("CC-BY-4.0", 990), ("CC-BY-NC-4.0", 10)) if pii else (),
        disallowed_tasks=10 if pii else 0,
        bias=(),
        pay_floor=15.0,
        pay_currency="USD",
        pay_median=31.5,
        pay_share_workers_below=0.1,
        pay_share_hours_below=0.05,
        on_time=True,
        findings=((f"f{number}", "label_errors", "warning", "50 tasks are label-error candidates."),),
    )


def project(*, attested: bool = True, files: tuple[DistributionFile, ...] = ()) -> ProjectFacts:
    audits = (
        audit(1, "Acme", dt.date(2025, 2, 1), "accept", error=0.02, alpha=0.71),
        audit(2, "Borealis", dt.date(2025, 3, 1), "reject", error=0.2, alpha=0.4, pii=(("email", 3),)),
        audit(3, "Acme", dt.date(2025, 4, 1), "accept", error=0.04, alpha=0.69, n_annotations=5000),
        audit(4, "Borealis", dt.date(2025, 5, 1), "review", error=0.06, alpha=0.6),
    )
    attestation = AttestationFacts(
        "t1",
        "project:reviews",
        "Dana Ortiz, Head of Data",
        dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC),
        "cd" * 32,
        (
            ("dataUseCases", "Fine-tuning the support sentiment model."),
            ("license", "https://spdx.org/licenses/CC-BY-4.0"),
        ),
    )
    health = HealthFacts(
        "Acme",
        AS_OF,
        0.12,
        (0.05, 0.25),
        180,
        0.03,
        ((dt.date(2025, 2, 1), 0.02, 0.0, 0.08), (dt.date(2025, 4, 1), 0.04, 0.0, 0.08)),
        (),
        (("quality trend", 0.04, "audits"), ("tenure", -0.02, "since")),
    )
    return ProjectFacts(
        project="reviews",
        description=None,
        client="Northwind AI",
        partner=None,
        as_of=AS_OF,
        generator="labelpact 0.1.0",
        partners=(PartnerFacts("Acme", None, CONTRACT, 2), PartnerFacts("Borealis", None, None, 2)),
        audits=audits,
        files=files,
        disputes=(
            DisputeFacts(
                "d1",
                "f2",
                "label_errors",
                "a2",
                "Borealis",
                dt.date(2025, 3, 5),
                "rejected",
                dt.date(2025, 3, 9),
                "The finding stands.",
            ),
        ),
        events=(
            EventFacts("e1", "Acme", "executive_departure", dt.date(2025, 6, 1), "executive departure: CEO"),
        ),
        health=(health,),
        attestations=(attestation,) if attested else (),
    )


def consensus_file() -> DistributionFile:
    return DistributionFile(
        id="consensus-csv",
        name="card.consensus.csv",
        encoding_format="text/csv",
        sha256="ef" * 32,
        size_bytes=1234,
        description="The published label of each task.",
        fields=(
            FieldFacts("batch", "sc:Text", "The batch."),
            FieldFacts("task", "sc:Text", "The task."),
            FieldFacts("label", "sc:Text", "The consensus class."),
            FieldFacts("confidence", "sc:Float", "Its probability."),
        ),
        key=("batch", "task"),
    )
