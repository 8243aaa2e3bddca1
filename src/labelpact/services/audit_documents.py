"""The JSON documents of stored audits: ``audit --json``, ``audits show --json`` and ``audits list --json``."""

from __future__ import annotations

from typing import Any

from labelpact.store import AuditRecord, Store

__all__ = ["audit_document", "audit_rows", "stored_audit_document"]


def stored_audit_document(store: Store, record: AuditRecord) -> dict[str, Any]:
    """``labelpact audits show --json``: the stored audit's document and the reviews of its sample."""
    return audit_document(record) | {
        "reviews": [
            {
                "review": r.id,
                "created_at": r.created_at.isoformat(),
                "reviewer": r.reviewer,
                "n_inspected": r.n_inspected,
                "n_defective": r.n_defective,
                "decision": r.decision,
            }
            for r in store.list_reviews(record.id)
        ]
    }


def audit_document(record: AuditRecord) -> dict[str, Any]:
    """The ``labelpact audit --json`` document of a stored audit (DESIGN.md keys first)."""
    return {
        "batch": record.batch,
        "verdict": record.verdict,
        "reasons": list(record.reasons),
        "metrics": dict(record.metrics),
        "sampling_plan": record.sampling_plan,
        "findings": [
            {
                "kind": f.kind,
                "severity": f.severity,
                "detail": f.detail,
                "id": f.id,
                "clause": f.clause,
                "evidence": f.evidence,
                "action": f.action,
            }
            for f in record.findings
        ],
        "ethics": record.ethics,
        "audit": record.id,
        "partner": record.partner,
        "project": record.project,
        "method": record.method,
        "contract_sha256": record.contract_sha256,
        "sample_tasks": list(record.sample_tasks),
        "created_at": record.created_at.isoformat(),
    }


def audit_rows(
    store: Store, *, batch: str | None = None, partner: str | None = None, project: str | None = None
) -> list[dict[str, Any]]:
    """The rows of ``labelpact audits list --json``, newest first: each audit with its latest review decision."""
    records = store.list_audits(batch=batch, partner=partner, project=project)
    decisions = store.latest_review_decisions([r.id for r in records])
    rows = []
    for r in records:
        rows.append(
            {
                "audit": r.id,
                "batch": r.batch,
                "partner": r.partner,
                "project": r.project,
                "created_at": r.created_at.isoformat(),
                "verdict": r.verdict,
                "method": r.method,
                "n_findings": len(r.findings),
                "review_decision": decisions.get(r.id),
                "contract_sha256": r.contract_sha256,
            }
        )
    return rows
