"""The same work delivered twice: batches whose rows are equal, in whatever order or file format.

Each batch stores an order-free digest of its rows: (task, worker, label) for labels
(``core.keyed.labels_digest``), (task, worker, left, right, choice) for preferences, (task, worker,
criterion, score) for ratings, (task, worker, text) for demonstrations (``deliverable_digest``, each kind
tagged so two kinds never share one). An ingest warns, and an audit adds a ``redelivered`` finding, when
stored batches already hold that digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import IntArray
from labelpact.core.keyed import KeyArray, name_keys, rows_digest
from labelpact.io.deliverable import KindDelivery
from labelpact.io.demonstrations import DemonstrationDelivery
from labelpact.io.preferences import PreferenceDelivery
from labelpact.store import BatchRecord, FindingCreate, Store

__all__ = ["deliverable_digest", "redelivery_findings", "redelivery_note", "stored_with_labels"]


def deliverable_digest(delivery: KindDelivery) -> str:
    """The order-free digest of a preferences, ratings or demonstrations batch's rows, by names (and a
    rating's score by its value: 4 and 4.0 are one score), tagged with the kind."""
    if isinstance(delivery, PreferenceDelivery):
        c = delivery.comparisons
        items = name_keys(c.items, 0)
        return _tagged("preferences", _keys(c.tasks, c.task), _keys(c.workers, c.worker), items[c.left],
                       items[c.right], c.choice)  # fmt: skip
    if isinstance(delivery, DemonstrationDelivery):
        d = delivery.demonstrations
        return _tagged(
            "demonstrations", _keys(d.tasks, d.task), _keys(d.workers, d.worker), name_keys(d.text, 0)
        )
    r = delivery.ratings
    score = np.where(np.isnan(r.score), np.nan, r.score + 0.0)  # -0.0 as 0.0; every NaN one bit pattern
    return _tagged("ratings", _keys(r.tasks, r.task), _keys(r.workers, r.worker), _keys(r.criteria, r.criterion),
                   np.ascontiguousarray(score, dtype=np.float64).view(np.uint64))  # fmt: skip


def _keys(names: tuple[str, ...], codes: IntArray) -> KeyArray:
    keys: KeyArray = name_keys(names, 0)[codes]
    return keys


def _tagged(kind: str, *parts: npt.NDArray[np.integer[Any]]) -> str:
    tag = np.full(len(parts[0]), name_keys((kind,), 0)[0], dtype=np.uint64)
    return rows_digest(tag, *parts)


def stored_with_labels(
    store: Store, digest: str | None, *, other_than: str, before: datetime | None = None
) -> list[BatchRecord]:
    """The stored batches, other than the one with sha256 ``other_than`` (and, given ``before``, received
    before it), whose labels have ``digest``: the first delivery of a redelivered batch names none."""
    if digest is None:
        return []
    found = store.find_batches_with_labels(digest)
    return [b for b in found if b.sha256 != other_than and (before is None or b.received_at < before)]


_ROWS = {"labels": "labels", "preferences": "comparisons", "ratings": "ratings", "demonstrations": "answers"}


def redelivery_note(others: Sequence[BatchRecord]) -> list[str]:
    """One warning line per earlier batch that already held these rows (labels, comparisons, ratings, answers)."""
    return [
        f"the {_ROWS.get(b.kind, 'rows')} of this delivery equal those of batch {b.id} ({b.source_name}, partner {b.partner}, "
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
            f"This batch holds exactly the {_ROWS.get(same_labels[0].kind, 'rows')} of batch {names}, in another "
            "order or format.",
            None,
            {"batches": [b.id for b in same_labels]},
            "Say whether this repeats work already delivered; the same work is paid for once.",
        )
    ]
