"""The ethics audit of one delivery: personal data, licences, slice bias and pay, judged by a contract."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from labelpact.contracts.contract import Contract
from labelpact.contracts.findings import worst_outcome
from labelpact.core.annotations import IntArray
from labelpact.core.consensus import Consensus, consensus_codes
from labelpact.errors import InvalidInputError
from labelpact.ethics import EthicsReport, audit_ethics
from labelpact.ethics.findings import ethics_findings, ethics_reasons
from labelpact.io import Delivery
from labelpact.io.contract import read_contract
from labelpact.services.progress import Progress, Warn, stage
from labelpact.services.quality import consensus_of, read_labels

__all__ = [
    "check_phone_regions",
    "check_slice_columns",
    "contract_or_default",
    "ethics_document",
    "ethics_file",
    "ethics_of",
    "pay_per_label",
]


def contract_or_default(path: str | Path | None) -> Contract:
    """The contract in the TOML file ``path`` (``io.contract.read_contract``), or the defaults (no thresholds)."""
    return Contract.default() if path is None else read_contract(path)[0]


def check_phone_regions(regions: Sequence[str]) -> tuple[str, ...]:
    """Region codes upper-cased (default ``("US",)``); an unknown one is an error naming the field."""
    import phonenumbers  # the personal-data scan's own dependency, loaded when it runs

    chosen = tuple(r.strip().upper() for r in regions) or ("US",)
    unknown = [r for r in chosen if r not in phonenumbers.SUPPORTED_REGIONS]
    if unknown:
        raise InvalidInputError(
            "ISO 3166 region codes such as US, GB, DE", column="phone_region", got=repr(unknown[0]),
            column_kind="field",
        )  # fmt: skip
    return chosen


def ethics_file(
    labels: str | Path,
    *,
    tasks: str | Path | None = None,
    contract: str | Path | None = None,
    gold: str | Path | None = None,
    slice_columns: Sequence[str] = (),
    phone_regions: Sequence[str] = (),
    task_column: str | None = None,
    worker_column: str | None = None,
    label_column: str | None = None,
    progress: Progress | None = None,
    warn: Warn | None = None,
) -> dict[str, Any]:
    """The ethics audit of a labels file and its task payloads, judged by the contract file (or defaults):
    the ``labelpact ethics --json`` document (:func:`ethics_document`).

    The payloads are the ``tasks`` file's, else those the labels file carries (a Label Studio export's task
    data, as ``audit`` reads them); a labels file without any and no ``tasks`` is an error, not an audit
    that scanned nothing.
    """
    regions = check_phone_regions(phone_regions)
    terms = contract_or_default(contract)
    delivery = read_labels(
        labels,
        gold=gold,
        tasks=tasks,
        task_column=task_column,
        worker_column=worker_column,
        label_column=label_column,
        classes=terms.classes,
        progress=progress,
        warn=warn,
    )
    if delivery.payloads is None:
        raise InvalidInputError(
            "task payloads: a tasks file, or a Label Studio export whose tasks carry their data",
            file=labels,
            column="tasks",
            column_kind="field",
            got="no tasks file, and no task fields in the labels file",
        )
    check_slice_columns(slice_columns, delivery.payloads.fields, file=tasks or labels)
    stage(progress, "scanning for personal data, licences, bias and pay")
    report = ethics_of(delivery, terms, slice_columns=slice_columns, phone_regions=regions)
    return ethics_document(report, terms)


def check_slice_columns(
    slice_columns: Sequence[str], fields: Collection[str] | None, *, file: str | Path | None = None
) -> None:
    """Every slice column a field of the task payloads (``fields``; None: no tasks file), or an error naming
    it (and the tasks ``file`` when given)."""
    if not slice_columns:
        return
    if fields is None:
        raise InvalidInputError(
            "task payloads (a tasks file) that hold the slice column",
            column=slice_columns[0],
            column_kind="slice column",
            got="no tasks file",
        )
    missing = [c for c in slice_columns if c not in fields]
    if missing:
        raise InvalidInputError(
            f"a field of the tasks file among {sorted(fields)}",
            file=file,
            column=missing[0],
            column_kind="slice column",
        )


def pay_per_label(contract: Contract) -> float | None:
    """What reaches an annotator per label: the contract's price times its annotator share (None: no price)."""
    price = contract.pay.price_per_label
    return None if price is None else float(price) * float(contract.pay.annotator_share)


def ethics_of(
    delivery: Delivery,
    contract: Contract | None = None,
    *,
    consensus: Consensus | IntArray | None = None,
    slice_columns: Sequence[str] = (),
    phone_regions: Sequence[str] = ("US",),
    pii_fields: Sequence[str] | None = None,
    text_field: str | None = "text",
    method: str | None = None,
) -> EthicsReport:
    """Run the ethics audit of ``delivery`` with what its contract sets.

    Payloads (the tasks file) feed the PII scan (``pii_fields``, default all), licence vetting
    (``data.allowed_licenses``) and the slices; pay uses the labels' time on task and the price per label
    times ``pay.annotator_share`` against ``pay.pay_floor_per_hour``; ``text_field`` (when the tasks have
    it) sets the reading time below which a label is too fast. ``consensus`` (a :class:`Consensus` or
    codes per task, -1 none) is inferred with ``method`` (default the contract's) only when slices need it.
    """
    contract = contract if contract is not None else Contract.default()
    check_slice_columns(slice_columns, None if delivery.payloads is None else delivery.payloads.fields)
    payloads = delivery.payloads
    codes: IntArray | None = None
    if slice_columns:
        if consensus is None:
            consensus = consensus_of(delivery, method=method or contract.method).consensus
        codes = (
            consensus_codes(delivery.annotations, consensus.probas)
            if isinstance(consensus, Consensus)
            else np.asarray(consensus, dtype=np.intp)
        )
    floor = contract.pay.pay_floor_per_hour
    allowed = contract.data.allowed_licenses
    return audit_ethics(
        delivery.annotations,
        payloads,
        consensus=codes,
        gold=delivery.gold,
        pii_fields=pii_fields,
        phone_regions=phone_regions,
        allowed_licenses=None if allowed is None else tuple(allowed),
        slice_columns=tuple(slice_columns),
        price_per_label=pay_per_label(contract),
        pay_floor_per_hour=None if floor is None else float(floor),
        currency=str(contract.pay.currency),
        text_field=text_field if payloads is not None and text_field in payloads.fields else None,
    )


def ethics_document(report: EthicsReport, contract: Contract | None = None) -> dict[str, Any]:
    """The ``ethics`` JSON: DESIGN.md's ``pii``, ``provenance``, ``bias``, ``pay``, plus ``verdict``,
    ``findings``, ``reasons`` and the summaries; ``pay`` also states the contract's price and the share
    of it that reaches annotators (its ``pay_per_label`` is what the hourly pay is computed from)."""
    contract = contract if contract is not None else Contract.default()
    findings = ethics_findings(report, contract)
    reasons = ethics_reasons(report, contract)
    document = report.to_dict()
    if document["pay"] is not None:
        pay = dict(document["pay"])
        pay["pay_per_label"] = pay["price_per_label"]
        pay["price_per_label"] = contract.pay.price_per_label
        pay["annotator_share"] = contract.pay.annotator_share
        document["pay"] = pay
    return {
        "verdict": worst_outcome(reasons),
        **document,
        "findings": [f.to_dict() for f in findings],
        "reasons": [r.to_dict() for r in reasons],
    }
