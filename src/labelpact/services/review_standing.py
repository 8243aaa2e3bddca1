"""Which review stands for a batch: the decision every view of a project's history reads a batch by."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from labelpact.store import AuditRecord, ReviewRecord, Store

__all__ = ["standing_reviews"]


def standing_reviews(
    store: Store, audits: Sequence[AuditRecord], *, as_of: dt.date | None = None
) -> dict[str, tuple[AuditRecord, ReviewRecord]]:
    """The review that stands for each batch of ``audits`` (newest first, as ``Store.list_audits`` gives
    them), with the audit it reviewed: the latest review of the batch's latest audit; else the latest review
    of an earlier audit of the batch when it rejected the batch. A re-audit of the same bytes cannot lift
    a reviewer's rejection (the labels it found wrong are still there); a review of its own sample can.
    With ``as_of``, only reviews done by the end of that day (UTC) count, as disputes are read on a day."""
    before = None if as_of is None else dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), dt.UTC)
    decided = store.latest_review_decisions([a.id for a in audits], before=before)
    latest: dict[str, str] = {}
    met: set[str] = set()  # batches whose newest reviewed audit has been met
    standing: dict[str, tuple[AuditRecord, ReviewRecord]] = {}
    for audit in audits:
        latest.setdefault(audit.batch, audit.id)
        if audit.batch in met or audit.id not in decided:
            continue
        met.add(audit.batch)
        if latest[audit.batch] == audit.id or decided[audit.id] == "reject":
            made = (r for r in store.list_reviews(audit.id) if before is None or r.reviewed_at < before)
            standing[audit.batch] = (audit, next(made))
    return standing
