"""What the store hands out and takes in: frozen dataclasses, never ORM objects.

Schemas are split by direction (``BatchCreate`` in, ``BatchRecord`` out); datetimes are aware UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from labelpact.errors import InvalidInputError
from labelpact.store.names import check_name

__all__ = [
    "AuditEntry",
    "BatchCreate",
    "BatchFile",
    "BatchRecord",
    "ClientRecord",
    "PartnerRecord",
    "ProjectRecord",
]

SHA256 = re.compile(r"[0-9a-f]{64}")
ROLE = re.compile(r"[a-z][a-z0-9_]{0,49}")
SHORT_ID = 12  # hex digits of the sha256 shown as a batch's id
BATCH_KINDS = ("labels", "preferences", "ratings", "demonstrations")


@dataclass(frozen=True, slots=True)
class ClientRecord:
    """The lab that runs this workspace; an investment by one of ``rivals`` in a partner is a conflict of interest."""

    name: str
    rivals: tuple[str, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PartnerRecord:
    """A labeling vendor; ``equity_stake`` is the client's fraction of it (0..1), ``contract_toml`` its policy file."""

    name: str
    since: date | None
    equity_stake: float | None
    min_spend_usd: float | None
    contract_toml: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    """A body of labeling work; ``n_batches`` counts the deliveries stored for it."""

    name: str
    description: str | None
    created_at: datetime
    n_batches: int


@dataclass(frozen=True, slots=True)
class BatchFile:
    """One stored file of a batch: ``path`` is relative to the blob root (POSIX form)."""

    role: str
    path: str
    sha256: str
    size_bytes: int


@dataclass(frozen=True, slots=True)
class BatchCreate:
    """A delivery to store: the labels file's SHA-256 and what reading it found.

    ``delivered_at`` and ``due_at`` must be timezone-aware; counts are what the reader reported.
    """

    sha256: str
    partner: str
    project: str
    source_name: str
    format: str
    size_bytes: int
    n_rows: int
    n_annotations: int
    n_tasks: int
    n_workers: int
    n_classes: int
    classes: list[str]
    n_duplicates: int
    n_abstentions: int
    n_cancelled: int
    n_tasks_without_labels: int
    n_gold: int
    median_duration_s: float | None
    delivered_at: datetime
    due_at: datetime | None = None
    kind: str = "labels"  # what the batch holds: labels, preferences, ratings or demonstrations
    labels_digest: str | None = None  # order-free fingerprint of a labels batch (core.keyed.labels_digest)

    def validate(self) -> None:
        """Raise ``InvalidInputError`` for values no reader could have produced."""
        if not SHA256.fullmatch(self.sha256):
            raise InvalidInputError(
                "a SHA-256 of 64 lower-case hex digits", column="sha256", got=repr(self.sha256)
            )
        for name in ("partner", "project", "source_name", "format"):
            if not str(getattr(self, name)).strip():
                raise InvalidInputError(f"a non-blank {name}", column=name)
        check_name("partner", self.partner, column="partner")
        check_name("project", self.project, column="project")
        if self.labels_digest is not None and not re.fullmatch(r"[0-9a-f]{16}", self.labels_digest):
            raise InvalidInputError(
                "a digest of 16 lower-case hex digits", column="labels_digest", got=repr(self.labels_digest)
            )
        if self.kind not in BATCH_KINDS:
            raise InvalidInputError(f"a kind among {list(BATCH_KINDS)}", column="kind", got=repr(self.kind))
        counts = [
            "size_bytes",
            "n_rows",
            "n_annotations",
            "n_tasks",
            "n_workers",
            "n_classes",
            "n_duplicates",
            "n_abstentions",
            "n_cancelled",
            "n_tasks_without_labels",
            "n_gold",
        ]
        for name in counts:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidInputError(f"a count >= 0 in {name}", column=name, got=repr(value))
        if len(self.classes) != self.n_classes:
            raise InvalidInputError(
                f"{self.n_classes} class names", column="classes", got=str(len(self.classes))
            )
        for name in ("delivered_at", "due_at"):
            moment = getattr(self, name)
            if moment is not None and moment.utcoffset() is None:
                raise InvalidInputError("a timezone-aware datetime", column=name, got=moment.isoformat())
        if self.median_duration_s is not None and not self.median_duration_s >= 0:
            raise InvalidInputError(
                "a duration >= 0 or None", column="median_duration_s", got=repr(self.median_duration_s)
            )


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """A stored delivery; ``id`` is the first 12 hex digits of ``sha256`` (any unique prefix of >= 6 finds it)."""

    id: str
    sha256: str
    partner: str
    project: str
    source_name: str
    format: str
    size_bytes: int
    n_rows: int
    n_annotations: int
    n_tasks: int
    n_workers: int
    n_classes: int
    classes: tuple[str, ...]
    n_duplicates: int
    n_abstentions: int
    n_cancelled: int
    n_tasks_without_labels: int
    n_gold: int
    median_duration_s: float | None
    delivered_at: datetime
    due_at: datetime | None
    received_at: datetime
    files: tuple[BatchFile, ...] = ()
    kind: str = "labels"
    labels_digest: str | None = None

    def file(self, role: str) -> BatchFile | None:
        """The stored file with this role ("labels", "normalised", "gold", "tasks"), or None."""
        return next((f for f in self.files if f.role == role), None)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the append-only audit log: who did what to which subject, when, with details."""

    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any] = field(default_factory=dict)
