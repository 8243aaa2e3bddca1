"""Use cases of the vendor's channel: dispute a finding, resolve a dispute, list them; all in the audit log."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from labelpact.errors import ConflictError
from labelpact.store import DISPUTE_RESOLUTIONS, AuditRecord, DisputeRecord, FindingRecord, Store

__all__ = [
    "DISPUTE_RESOLUTIONS",
    "RESOLUTION_WORDS",
    "dispute_dict",
    "list_disputes",
    "open_dispute",
    "resolve_dispute",
    "resolved_by",
    "upheld_findings",
]

RESOLUTION_WORDS = ("accepted", *DISPUTE_RESOLUTIONS)  # what `dispute resolve --status` takes


def dispute_dict(record: DisputeRecord) -> dict[str, Any]:
    """A dispute as JSON-ready data (times as ISO text)."""
    out = dataclasses.asdict(record)
    for key in ("opened_at", "resolved_at"):
        out[key] = None if out[key] is None else out[key].isoformat()
    return out


def resolved_by(record: DisputeRecord, day: date) -> bool:
    """Whether ``record`` was resolved by the end of ``day``: a replay as of an earlier day sees it open."""
    return record.resolved_at is not None and record.resolved_at.date() <= day


def upheld_findings(store: Store, audits: Sequence[AuditRecord], day: date) -> frozenset[str]:
    """Ids of the findings of ``audits`` that do not stand on ``day``: a dispute upheld by then on the finding
    itself, or on the same finding (same batch bytes, kind, clause and evidence) of another audit of the
    batch. A re-audit of the same bytes finds it again under a new id; the partner was still right."""
    partners = {a.partner for a in audits}
    upheld = [
        d
        for partner in partners
        for d in store.list_disputes(partner=partner, status="upheld")
        if resolved_by(d, day)
    ]
    if not upheld:
        return frozenset()
    ids = {d.finding for d in upheld}
    given = {a.id: a for a in audits}  # the disputed audits are usually among them: fetch only the others
    disputed = [given.get(d.audit) or store.get_audit(d.audit) for d in {d.audit: d for d in upheld}.values()]
    keys = {_finding_key(audit, f) for audit in disputed for f in audit.findings if f.id in ids}
    return frozenset(f.id for a in audits for f in a.findings if f.id in ids or _finding_key(a, f) in keys)


def _finding_key(audit: AuditRecord, finding: FindingRecord) -> tuple[str, str, str | None, str]:
    """What makes two audits' findings the same finding: the batch's bytes, kind, clause and evidence."""
    evidence = json.dumps(finding.evidence, sort_keys=True, default=str)
    return audit.batch_sha256, finding.kind, finding.clause, evidence


def open_dispute(store: Store, finding: str, *, text: str, by: str | None = None) -> DisputeRecord:
    """A partner disputes finding ``finding`` (``f12``); one open dispute per finding at a time, and none once
    a dispute on it was upheld (the finding no longer stands; after a rejected one a new dispute may argue anew)."""
    ref = str(finding).strip()
    key = ref if ref.startswith("f") else f"f{ref}"
    audit_id, _ = store.finding_owner(key)
    if key in upheld_findings(store, [store.get_audit(audit_id)], date.max):
        raise ConflictError(
            f"finding {key} no longer stands: a dispute on it, or on the same finding of another audit of its "
            "batch, was accepted; nothing to dispute"
        )
    return store.open_dispute(finding, text=text, opened_by=by)


def resolve_dispute(
    store: Store, dispute: str, *, status: str, note: str | None = None, by: str | None = None
) -> DisputeRecord:
    """The client closes dispute ``dispute`` (``d3``) as upheld, rejected or withdrawn, with a note;
    ``accepted`` (DESIGN.md's word: the partner was right) is ``upheld``."""
    status = "upheld" if status == "accepted" else status
    return store.resolve_dispute(dispute, status=status, resolution=note, by=by)


def list_disputes(
    store: Store, *, partner: str | None = None, audit: str | None = None, status: str | None = None
) -> list[DisputeRecord]:
    """Disputes, newest first, of one partner, one audit, or in one status (open, upheld, ...; ``accepted``
    is ``upheld``, as ``resolve_dispute`` and the service's list take it)."""
    status = "upheld" if status == "accepted" else status
    return store.list_disputes(partner=partner, audit=audit, status=status)
