"""The same labels delivered twice: batches whose rows are equal, in whatever order or file format.

Each labels batch stores an order-free digest of its (task, worker, label) rows (``core.keyed.labels_digest``);
an ingest warns, and an audit adds a ``redelivered`` finding, when stored batches already hold that digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from labelpact.store import BatchRecord, FindingCreate, Store

__all__ = ["redelivery_findings", "redelivery_note", "stored_with_labels"]


def stored_with_labels(
    store: Store, digest: str | None, *, other_than: str, before: datetime | None = None
) -> list[BatchRecord]:
    """The stored batches, other than the one with sha256 ``other_than`` (and, given ``before``, received
    before it), whose labels have ``digest``: the first delivery of a redelivered batch names none."""
    if digest is None:
        return []
    found = store.find_batches_with_labels(digest)
    return [b for b in found if b.sha256 != other_than and (before is None or b.received_at < before)]


def redelivery_note(others: Sequence[BatchRecord]) -> list[str]:
    """One warning line per earlier batch that already held these labels."""
    return [
        f"the labels of this delivery equal those of batch {b.id} ({b.source_name}, partner {b.partner}, "
        f"received {b.received_at:%Y-%m-%d}): the same work delivered again, in another order or format"
        for b in others
    ]


def redelivery_findings(same_labels: Sequence[BatchRecord]) -> list[FindingCreate]:
    """One ``redelivered`` finding naming the stored batches that already hold exactly these labels."""
    if not same_labels:
        return []
    names = ", ".join(f"{b.id} ({b.source_name}, received {b.received_at:%Y-%m-%d})" for b in same_labels)
    return [
        FindingCreate(
            "redelivered",
            "warning",
            f"This batch holds exactly the labels of batch {names}, in another order or format.",
            None,
            {"batches": [b.id for b in same_labels]},
            "Say whether this repeats work already delivered; the same work is paid for once.",
        )
    ]
