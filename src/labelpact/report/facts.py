"""The plain facts a transparency report is built from: frozen dataclasses, filled by ``services.transparency``.

Nothing here reads a store or a file. Every number in a card or a report comes from one of these fields,
so a test can rebuild each published value from the audits it came from. Dates are ``datetime.date``;
moments are aware UTC ``datetime``; rates are fractions in [0, 1].
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "AttestationFacts",
    "AuditFacts",
    "ContractFacts",
    "DisputeFacts",
    "DistributionFile",
    "Edition",
    "Estimate",
    "EventFacts",
    "FieldFacts",
    "HealthFacts",
    "PartnerFacts",
    "ProjectFacts",
]

Edition = Literal["client", "partner"]


@dataclass(frozen=True, slots=True)
class Estimate:
    """A measured value with its interval (``low``, ``high``; None when the method gives none)."""

    value: float
    low: float | None = None
    high: float | None = None

    @classmethod
    def of(cls, document: Any) -> Estimate | None:
        """``{"value", "ci": [lo, hi]}`` (an audit's metrics shape) as an estimate; None when absent."""
        if not isinstance(document, dict) or document.get("value") is None:
            return None
        ci = document.get("ci") or (None, None)
        low, high = (None, None) if len(ci) != 2 else ci
        return cls(
            float(document["value"]),
            None if low is None else float(low),
            None if high is None else float(high),
        )


@dataclass(frozen=True, slots=True)
class ContractFacts:
    """The clauses of a contract, as ``(name, value)`` pairs (``quality.max_error_rate``, 0.05); ``sha256`` is
    the SHA-256 of its text, None for labelpact's defaults (an audit judged with no contract on file)."""

    sha256: str | None
    clauses: tuple[tuple[str, Any], ...]

    def get(self, name: str, default: Any = None) -> Any:
        return next((value for key, value in self.clauses if key == name), default)


@dataclass(frozen=True, slots=True)
class PartnerFacts:
    """A vendor whose batches the report covers, with the contract in force on the report's day (None: none on file).

    Batches are judged by the contract stored with their audits (``AuditFacts.contract``), which may differ."""

    name: str
    since: dt.date | None
    contract: ContractFacts | None
    n_batches: int


@dataclass(frozen=True, slots=True)
class AuditFacts:
    """The latest audit of one delivered batch, reduced to what a report publishes.

    ``included`` says whether the batch's consensus labels are in the published data (a labels batch accepted
    by the audit and not rejected by a reviewer's sample, or accepted by one); ``published`` says the same for a batch
    of any ``kind`` (preferences, ratings and demonstrations publish their audit's own table). Counts are the
    batch's; ``pii`` is ``(entity, count)``.
    """

    audit: str
    batch: str
    batch_sha256: str
    partner: str
    delivered: dt.date
    verdict: str
    review: str | None
    method: str
    method_detail: str | None
    format: str
    n_tasks: int
    n_workers: int
    n_annotations: int
    n_classes: int
    classes: tuple[str, ...]
    n_gold: int
    n_duplicates: int
    n_abstentions: int
    n_cancelled: int
    n_tasks_without_labels: int
    gold_accuracy: Estimate | None
    agreement: Estimate | None
    agreement_by_class: tuple[tuple[str, float], ...]
    error_rate: Estimate | None
    error_source: str | None
    error_verified: bool | None
    label_error_rate: float | None
    n_label_errors: int | None
    label_error_source: str | None
    n_flagged_workers: int | None
    n_scored_workers: int | None
    pii_scanned: bool
    pii: tuple[tuple[str, int], ...]
    pii_tasks: int
    pii_detectors: tuple[tuple[str, str], ...]
    licenses: tuple[tuple[str, int], ...]
    disallowed_tasks: int
    bias: tuple[str, ...]
    pay_floor: float | None
    pay_currency: str | None
    pay_median: float | None
    pay_share_workers_below: float | None
    pay_share_hours_below: float | None
    on_time: bool | None
    findings: tuple[tuple[str, str, str, str], ...]  # (finding id, kind, severity, detail)
    kind: str = "labels"  # the deliverable: labels, preferences, ratings or demonstrations
    # a preferences, ratings or demonstrations audit's own measures: (name, estimate, "percent" or "plain")
    measures: tuple[tuple[str, Estimate | None, str], ...] = ()
    # the SHA-256 of the contract stored with the audit, the one it was judged by (None: labelpact's defaults)
    contract: str | None = None
    # why label-error candidates could not be looked for (labels that cannot measure quality); None: they were
    label_errors_unmeasured: str | None = None

    @property
    def decision(self) -> str:
        """What stands for the batch: a reviewer's sample decides once there is one (it keeps the audit's
        rejects on clauses no sample measures), otherwise the audit's verdict."""
        return self.verdict if self.review is None else self.review

    @property
    def published(self) -> bool:
        """Accepted by its audit and not rejected by a reviewer's sample since, or accepted by a reviewer's
        sample: published, whatever its kind."""
        return self.decision == "accept"

    @property
    def included(self) -> bool:
        """A published labels batch: its consensus labels are in the card's consensus files."""
        return self.published and self.kind == "labels"

    @property
    def n_labelled_tasks(self) -> int:
        """The tasks with at least one label (those with a consensus label): ``n_tasks`` counts the tasks
        delivered without one too, which ``dataCollectionMissingData`` reports instead."""
        return max(self.n_tasks - self.n_tasks_without_labels, 0)

    @property
    def annotations_per_item(self) -> float:
        """Labels per labelled task (a task nobody labelled is no item of the published labels)."""
        n = self.n_labelled_tasks
        return self.n_annotations / n if n else 0.0


@dataclass(frozen=True, slots=True)
class DisputeFacts:
    """A partner's dispute of a finding and how it ended (``status`` open, upheld, rejected, withdrawn)."""

    id: str
    finding: str
    kind: str | None
    audit: str
    partner: str
    opened: dt.date
    status: str
    resolved: dt.date | None
    resolution: str | None


@dataclass(frozen=True, slots=True)
class EventFacts:
    """An event of a partner's ledger with its one-line description (client edition only)."""

    id: str
    partner: str
    kind: str
    date: dt.date
    description: str


@dataclass(frozen=True, slots=True)
class HealthFacts:
    """A partnership's health as of a date (client edition only): p-chart series and the forecast.

    ``chart`` rows are ``(date, defect rate, lower limit, upper limit)``; limits are None before the
    chart's baseline is complete. ``contributions`` are ``(signal, effect on the probability, source)``.
    """

    partner: str
    as_of: dt.date
    probability: float
    interval: tuple[float, float]
    horizon_days: int
    centre: float | None
    chart: tuple[tuple[dt.date, float, float | None, float | None], ...]
    alarms: tuple[tuple[dt.date, str, str], ...]  # (date, chart, reason)
    contributions: tuple[tuple[str, float, str], ...]


@dataclass(frozen=True, slots=True)
class AttestationFacts:
    """Statements somebody filed with ``labelpact attest``: RAI property name (no prefix) to text."""

    id: str
    subject: str  # "partner:Acme Labels" or "project:reviews"
    attested_by: str
    attested_at: dt.datetime
    sha256: str
    statements: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class FieldFacts:
    """One column of a distributed file: its name, Croissant data type (``sc:Text``) and meaning."""

    name: str
    data_type: str
    description: str


@dataclass(frozen=True, slots=True)
class DistributionFile:
    """A file published beside the card, with the SHA-256 of its bytes and the columns it holds."""

    id: str
    name: str
    encoding_format: str
    sha256: str
    size_bytes: int
    description: str
    fields: tuple[FieldFacts, ...]
    key: tuple[str, ...] = ()
    # a regex whose first matching group is a cell's value: how to undo the ' a CSV writer put before a value
    # a spreadsheet would run as a formula, in the columns ``quoted`` (the others hold the values as they are)
    text_regex: str | None = None
    quoted: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProjectFacts:
    """Everything one report or card says about a project (optionally one partner's part of it) on ``as_of``."""

    project: str
    description: str | None
    client: str | None
    partner: str | None
    as_of: dt.date
    generator: str
    partners: tuple[PartnerFacts, ...]
    audits: tuple[AuditFacts, ...]
    files: tuple[DistributionFile, ...] = ()
    disputes: tuple[DisputeFacts, ...] = ()
    events: tuple[EventFacts, ...] = ()
    health: tuple[HealthFacts, ...] = ()
    attestations: tuple[AttestationFacts, ...] = ()
    contracts: tuple[ContractFacts, ...] = ()  # those ``audits`` were judged by, one per SHA-256
    # the card's own file name (its ``url``, beside its files); None: not written
    card_name: str | None = None

    @property
    def included(self) -> tuple[AuditFacts, ...]:
        """The audits whose consensus labels are published."""
        return tuple(a for a in self.audits if a.included)

    @property
    def published_deliverables(self) -> tuple[AuditFacts, ...]:
        """The published audits of preferences, ratings and demonstrations batches."""
        return tuple(a for a in self.audits if a.published and a.kind != "labels")

    def published_by_kind(self) -> dict[str, tuple[AuditFacts, ...]]:
        """``published_deliverables`` by kind, kinds in name order (only those with a published batch)."""
        kinds = sorted({a.kind for a in self.published_deliverables})
        return {k: tuple(a for a in self.published_deliverables if a.kind == k) for k in kinds}

    @property
    def generated_at(self) -> dt.datetime:
        """The card's fixed timestamp: the end of ``as_of`` (UTC), so reruns are byte-identical."""
        return dt.datetime.combine(self.as_of, dt.time(23, 59, 59), tzinfo=dt.UTC)

    def attested(self, name: str) -> list[tuple[AttestationFacts, str]]:
        """The statements on RAI property ``name``: each subject's latest one, project first, then partners."""
        latest: dict[str, tuple[AttestationFacts, str]] = {}
        for a in sorted(self.attestations, key=lambda a: (a.attested_at, a.id)):
            for key, text in a.statements:
                if key == name:
                    latest[a.subject] = (a, text)
        return sorted(
            latest.values(), key=lambda pair: (not pair[0].subject.startswith("project:"), pair[0].subject)
        )
