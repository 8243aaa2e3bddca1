"""The ethics audit: personal data, provenance and licences, label bias across slices, annotator pay.

PURE: stdlib, numpy, scipy, ``phonenumbers`` (offline metadata) and ``labelpact.core``. Each part is
usable alone; :func:`audit_ethics` runs those whose inputs are given and :class:`EthicsReport`
renders the ``ethics`` JSON of ``labelpact ethics`` / ``labelpact audit``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy.typing as npt

from labelpact.core.annotations import Annotations, Gold, IntArray, TaskPayloads
from labelpact.ethics.bias import BiasReport, SliceStats, cramers_v, label_bias, slices_from_payloads
from labelpact.ethics.pay import PayReport, WorkerPay, durations_s, pay_audit, word_counts
from labelpact.ethics.pii import (
    ENTITIES,
    Entity,
    PiiFinding,
    PiiReport,
    find_pii,
    installed_name_model,
    scan_pii,
)
from labelpact.ethics.provenance import (
    KNOWN_SPDX,
    ProvenanceFinding,
    ProvenanceKind,
    ProvenanceReport,
    normalize_license,
    vet_provenance,
)

__all__ = [
    "ENTITIES",
    "KNOWN_SPDX",
    "BiasReport",
    "Entity",
    "EthicsReport",
    "PayReport",
    "PiiFinding",
    "PiiReport",
    "ProvenanceFinding",
    "ProvenanceKind",
    "ProvenanceReport",
    "SliceStats",
    "WorkerPay",
    "audit_ethics",
    "cramers_v",
    "durations_s",
    "find_pii",
    "installed_name_model",
    "label_bias",
    "normalize_license",
    "pay_audit",
    "scan_pii",
    "slices_from_payloads",
    "vet_provenance",
    "word_counts",
]


@dataclass(frozen=True, slots=True)
class EthicsReport:
    """The four parts of the ethics audit; a part is None (or empty) when its inputs were not given."""

    pii: PiiReport | None = None
    provenance: ProvenanceReport | None = None
    bias: tuple[BiasReport, ...] = ()
    pay: PayReport | None = None
    n_unscanned: int = 0  # the batch's tasks without payloads: never scanned for personal data or licences

    def to_dict(self) -> dict[str, Any]:
        """``{"pii": [...], "provenance": [...], "bias": [...], "pay": {...}}`` as in DESIGN.md, plus
        ``pii_summary`` (counts, what was not scanned) and ``provenance_summary`` (sources by licence)."""
        return {
            "pii": self.pii.findings_list() if self.pii else [],
            "pii_summary": (
                {k: v for k, v in self.pii.to_dict().items() if k != "findings"} if self.pii else None
            ),
            "provenance": [f.to_dict() for f in self.provenance.findings] if self.provenance else [],
            "provenance_summary": (
                {k: v for k, v in self.provenance.to_dict().items() if k != "findings"}
                if self.provenance
                else None
            ),
            "bias": [b.to_dict() for b in self.bias],
            "pay": self.pay.to_dict() if self.pay else None,
        }


def audit_ethics(
    annotations: Annotations | None = None,
    payloads: TaskPayloads | None = None,
    *,
    consensus: IntArray | None = None,
    gold: Gold | None = None,
    pii_fields: Sequence[str] | None = None,
    phone_regions: Sequence[str] = ("US",),
    allowed_licenses: Collection[str] | None = None,
    sources_manifest: Mapping[str, str | None] | None = None,
    slice_columns: Sequence[str] = (),
    price_per_label: float | None = None,
    pay_floor_per_hour: float | None = None,
    currency: str = "USD",
    text_field: str | None = None,
    durations: npt.ArrayLike | None = None,
) -> EthicsReport:
    """Run every part whose inputs are present: PII and provenance need payloads (provenance also an
    allow-list), bias needs annotations, consensus and slice columns, pay needs price and floor."""
    pii = scan_pii(payloads, fields=pii_fields, phone_regions=phone_regions) if payloads is not None else None
    provenance = None
    if allowed_licenses is not None and (payloads is not None or sources_manifest):
        provenance = vet_provenance(payloads, allowed=allowed_licenses, manifest=sources_manifest)
    bias: tuple[BiasReport, ...] = ()
    if annotations is not None and consensus is not None and payloads is not None:
        bias = tuple(
            label_bias(
                annotations,
                consensus,
                slices_from_payloads(annotations, payloads, column),
                column=column,
                gold=gold,
            )
            for column in slice_columns
        )
    pay = None
    if annotations is not None and price_per_label is not None and pay_floor_per_hour is not None:
        words = (
            word_counts(annotations, payloads, text_field)
            if payloads is not None and text_field is not None
            else None
        )
        pay = pay_audit(
            annotations,
            price_per_label=price_per_label,
            pay_floor_per_hour=pay_floor_per_hour,
            currency=currency,
            durations=durations,
            words=words,
        )
    unscanned = 0
    if annotations is not None and payloads is not None:
        unscanned = annotations.n_tasks - len(set(annotations.tasks).intersection(payloads.task))
    return EthicsReport(pii=pii, provenance=provenance, bias=bias, pay=pay, n_unscanned=unscanned)
