"""The same work delivered twice: batches whose rows are equal, in whatever order or file format.

Each batch stores an order-free digest of its rows: (task, worker, label) for labels
(``core.keyed.labels_digest``), (task, worker, left, right, choice) for preferences, (task, worker,
criterion, score) for ratings, (task, worker, text) for demonstrations (``deliverable_digest``, each kind
tagged so two kinds never share one). An ingest warns, and an audit adds a ``redelivered`` finding, when
stored batches already hold that digest. A partner never learns another partner's batches from either: the
warning it sees leaves them out, and the finding names them only in evidence the partner's views drop.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import IntArray
from labelpact.core.keyed import KeyArray, labels_digest, name_keys, rows_digest
from labelpact.errors import InvalidInputError
from labelpact.io import read_normalised
from labelpact.io.deliverable import KindDelivery, read_deliverable
from labelpact.io.demonstrations import DemonstrationDelivery
from labelpact.io.preferences import PreferenceDelivery
from labelpact.store import BatchRecord, FindingCreate, Store

__all__ = [
    "OTHER_PARTNERS",
    "deliverable_digest",
    "redelivery_findings",
    "redelivery_note",
    "stored_as",
    "stored_digest",
    "stored_with_labels",
]

OTHER_PARTNERS = "other_partner_batches"  # evidence for the client only: a partner's views drop it


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


def stored_digest(store: Store, batch: BatchRecord) -> str | None:
    """The order-free digest of a stored batch's rows, read from its normalised file, as an ingest of its kind
    computes it (``labels_digest`` for labels, ``deliverable_digest`` for the other kinds); None when it has no
    normalised file. For batches stored before their digest was: it makes their redelivery detectable."""
    normalised = batch.file("normalised")
    if normalised is None:
        return None
    path = store.blob_path(normalised)
    if batch.kind == "labels":
        annotations, _ = read_normalised(path)
        return labels_digest(annotations)
    return deliverable_digest(read_deliverable(path, kind=batch.kind, format="parquet"))


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


def redelivery_note(others: Sequence[BatchRecord], *, viewer: str | None = None) -> list[str]:
    """One warning line per earlier batch that already held these rows (labels, comparisons, ratings, answers);
    for a partner ``viewer``, only its own batches (another partner's are the client's to see)."""
    return [
        f"the {_ROWS.get(b.kind, 'rows')} of this delivery equal those of batch {b.id} ({b.source_name}, partner {b.partner}, "
        f"received {b.received_at:%Y-%m-%d}): the same work delivered again, in another order or format"
        for b in others
        if viewer is None or b.partner == viewer
    ]


def redelivery_findings(same_labels: Sequence[BatchRecord], *, partner: str) -> list[FindingCreate]:
    """One ``redelivered`` finding on a batch of ``partner`` naming the stored batches that already hold exactly
    these rows: its own by id, another partner's only by number in the text (their ids go to the client-only
    evidence ``OTHER_PARTNERS``)."""
    if not same_labels:
        return []
    own = [b for b in same_labels if b.partner == partner]
    others = [b for b in same_labels if b.partner != partner]
    parts = [f"batch {b.id} ({b.source_name}, received {b.received_at:%Y-%m-%d})" for b in own]
    if others:
        parts.append(f"{len(others)} batch{'es' if len(others) > 1 else ''} another partner delivered")
    evidence: dict[str, Any] = {"batches": [b.id for b in own]}
    if others:
        evidence[OTHER_PARTNERS] = [b.id for b in others]
    return [
        FindingCreate(
            "redelivered",
            "warning",
            f"This batch holds exactly the {_ROWS.get(same_labels[0].kind, 'rows')} of {' and of '.join(parts)}, "
            "in another order or format.",
            None,
            evidence,
            "Say whether this repeats work already delivered; the same work is paid for once.",
        )
    ]


def stored_as(
    store: Store, sha256: str, path: Path, *, partner: str, project: str, reveal: bool = True
) -> BatchRecord | None:
    """The stored batch with these bytes, if any; an error when it belongs to another partner or project (the
    other partner named only where ``reveal``: a partner uploading never learns whose batch it is)."""
    existing = store.find_batch_by_sha256(sha256)
    if existing is None or (existing.partner, existing.project) == (partner, project):
        return existing
    if existing.partner == partner:
        expected = f"the project this file was ingested under ({existing.project})"
    elif reveal:
        expected = (
            f"the partner and project this file was ingested under ({existing.partner}, {existing.project})"
        )
    else:
        expected = "a file no other partner has delivered (these bytes are stored under another partner)"
    raise InvalidInputError(expected, file=path, got=f"{partner}, {project}")
