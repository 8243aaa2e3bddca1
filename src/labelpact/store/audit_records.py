"""What the store takes in and hands out for audits: findings, reviews, and the plain JSON they carry.

Public ids are a letter and the row number, so users can type them: audit ``a7``, finding ``f12``,
review ``r3``, dispute ``d4``, event ``e9``; ``parse_id`` also takes the bare number (``7``, ``"7"``)
and zero-padded or upper-case forms (``"A0007"``).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from labelpact.errors import InvalidInputError, missing_file
from labelpact.store.records import SHA256, SHORT_ID, BatchFile

__all__ = [
    "DECISIONS",
    "SEVERITIES",
    "VERDICTS",
    "AuditCreate",
    "AuditRecord",
    "FindingCreate",
    "FindingRecord",
    "ReviewRecord",
    "contract_sha256",
    "parse_id",
    "plain_json",
    "review_counts",
]

VERDICTS = ("accept", "review", "reject")
SEVERITIES = ("info", "warning", "critical")
DECISIONS = ("accept", "reject")
_KIND = re.compile(r"[a-z][a-z0-9_]{0,99}")
_PLAN_COUNTS = ("lot_size", "sample_size", "accept_number", "reject_number")


def parse_id(prefix: str, ref: str | int, kind: str) -> int:
    """The row number in a public id: ``parse_id("a", "a7", "audit") == 7``; ``InvalidInputError`` otherwise."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        number = ref
    elif isinstance(ref, str):
        text = ref.strip().lower()
        text = text.removeprefix(prefix)
        number = int(text) if text.isascii() and text.isdigit() else 0
    else:
        number = 0
    if not 0 < number < 2**63:
        raise InvalidInputError(f"{kind} id like {prefix}12", column=kind, got=repr(ref))
    return number


def plain_json(value: Any, where: str, *, non_finite: Literal["reject", "null"] = "reject") -> Any:
    """``value`` as plain JSON (dict with str keys, list, str, int, float, bool, None), or ``InvalidInputError``.

    Tuples become lists, numpy scalars and arrays Python numbers and lists, dates ISO text. NaN and
    infinity are not JSON (PostgreSQL refuses them): ``non_finite="reject"`` raises naming the path
    (``metrics.alpha.ci[1]``); ``"null"`` stores them as null, for callers that mean "undefined".
    """
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, np.generic | np.ndarray):
        return plain_json(value.tolist(), where, non_finite=non_finite)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return float(value)
        if non_finite == "null":
            return None
        raise InvalidInputError(
            "a finite number or null (NaN and infinity are not JSON)",
            column=where,
            got=repr(value),
            column_kind="field",
        )
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInputError("text keys", column=where, got=repr(key), column_kind="field")
            out[key] = plain_json(item, f"{where}.{key}", non_finite=non_finite)
        return out
    if isinstance(value, list | tuple):
        return [plain_json(item, f"{where}[{i}]", non_finite=non_finite) for i, item in enumerate(value)]
    raise InvalidInputError(
        "a JSON value (dict, list, str, number, bool or None)",
        column=where,
        got=type(value).__name__,
        column_kind="field",
    )


def contract_sha256(toml: str) -> str:
    """The SHA-256 a contract is known by: of its text encoded as UTF-8."""
    return hashlib.sha256(toml.encode("utf-8")).hexdigest()


def _text(value: Any, where: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError("a non-blank text", column=where, got=repr(value), column_kind="field")
    return value


MAX_METHOD_CHARS = 50  # the audits.method column: a method's name; its description goes in metrics


def _bounded(value: str | None, where: str, limit: int) -> str | None:
    """``value`` when it fits its column (SQLite would keep a longer one, PostgreSQL refuses it)."""
    if value is not None and len(value) > limit:
        raise InvalidInputError(
            f"at most {limit} characters",
            column=where,
            got=f"{len(value)} ({value[:30]!r}...)",
            column_kind="field",
        )
    return value


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInputError(
            "an object (mapping)", column=where, got=type(value).__name__, column_kind="field"
        )
    converted: dict[str, Any] = plain_json(value, where)
    return converted


@dataclass(frozen=True, slots=True)
class FindingCreate:
    """Something an audit found: ``kind`` (``spammer``, ``copy_ring``...), severity, one sentence, evidence."""

    kind: str
    severity: str
    detail: str
    clause: str | None
    evidence: Mapping[str, Any]
    action: str | None

    def checked(self, where: str) -> dict[str, Any]:
        """The finding's columns, validated (``InvalidInputError`` names ``findings[i].field``)."""
        if not isinstance(self.kind, str) or not _KIND.fullmatch(self.kind):
            raise InvalidInputError(
                "a kind of lower-case letters, digits and _",
                column=f"{where}.kind",
                got=repr(self.kind),
                column_kind="field",
            )
        if self.severity not in SEVERITIES:
            raise InvalidInputError(
                "one of info, warning, critical",
                column=f"{where}.severity",
                got=repr(self.severity),
                column_kind="field",
            )
        return {
            "kind": self.kind,
            "severity": self.severity,
            "detail": _text(self.detail, f"{where}.detail"),
            "clause": _text(self.clause, f"{where}.clause", optional=True),
            "evidence": _mapping(self.evidence, f"{where}.evidence"),
            "action": _text(self.action, f"{where}.action", optional=True),
        }


@dataclass(frozen=True, slots=True)
class AuditCreate:
    """An audit to store: the verdict and everything it rests on (see DESIGN.md, ``labelpact audit --json``).

    ``contract_sha256``, when given with ``contract_toml``, must be the SHA-256 of its UTF-8 text; given
    alone, it must name a contract already stored. ``sample_tasks`` are the tasks drawn, in draw order.
    """

    batch: str
    verdict: str
    reasons: Sequence[Mapping[str, Any]]
    metrics: Mapping[str, Any]
    sampling_plan: Mapping[str, Any] | None
    sample_tasks: Sequence[str]
    ethics: Mapping[str, Any] | None
    method: str
    contract_toml: str | None
    contract_sha256: str | None
    findings: Sequence[FindingCreate]

    def checked(self) -> dict[str, Any]:
        """The audit's columns as plain JSON, validated; ``InvalidInputError`` names the field at fault."""
        if self.verdict not in VERDICTS:
            raise InvalidInputError(
                "a verdict of accept, review or reject",
                column="verdict",
                got=repr(self.verdict),
                column_kind="field",
            )
        if isinstance(self.reasons, str | Mapping) or not isinstance(self.reasons, Sequence):
            raise InvalidInputError("a list of reasons", column="reasons", got=type(self.reasons).__name__)
        reasons = [_mapping(reason, f"reasons[{i}]") for i, reason in enumerate(self.reasons)]
        plan = None if self.sampling_plan is None else _mapping(self.sampling_plan, "sampling_plan")
        if plan is not None:
            for key in _PLAN_COUNTS:
                count = plan.get(key)
                if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                    raise InvalidInputError(
                        "a count >= 0", column=f"sampling_plan.{key}", got=repr(count), column_kind="field"
                    )
            if plan["accept_number"] >= plan["reject_number"]:
                raise InvalidInputError(
                    "accept_number < reject_number",
                    column="sampling_plan",
                    got=f"{plan['accept_number']} and {plan['reject_number']}",
                    column_kind="field",
                )
        if isinstance(self.sample_tasks, str) or not all(isinstance(t, str) for t in self.sample_tasks):
            raise InvalidInputError("a list of task names", column="sample_tasks", column_kind="field")
        tasks = list(self.sample_tasks)
        if len(set(tasks)) != len(tasks):
            twice = next(t for i, t in enumerate(tasks) if t in tasks[:i])
            raise InvalidInputError(
                "each task drawn once", column="sample_tasks", got=f"{twice!r} twice", column_kind="field"
            )
        sha = self.contract_sha256.lower() if self.contract_sha256 is not None else None
        if sha is not None and not SHA256.fullmatch(sha):
            raise InvalidInputError(
                "a SHA-256 of 64 hex digits", column="contract_sha256", got=repr(sha), column_kind="field"
            )
        if self.contract_toml is not None:
            actual = contract_sha256(self.contract_toml)
            if sha is not None and sha != actual:
                raise InvalidInputError(
                    "contract_sha256 to be the SHA-256 of contract_toml's UTF-8 text",
                    column="contract_sha256",
                    got=f"{sha[:SHORT_ID]}..., the text hashes to {actual[:SHORT_ID]}...",
                    column_kind="field",
                )
            sha = actual
        return {
            "batch": _text(self.batch, "batch"),
            "verdict": self.verdict,
            "method": _bounded(_text(self.method, "method"), "method", MAX_METHOD_CHARS),
            "reasons": reasons,
            "metrics": _mapping(self.metrics, "metrics"),
            "sampling_plan": plan,
            "sample_tasks": tasks,
            "ethics": None if self.ethics is None else _mapping(self.ethics, "ethics"),
            "contract_sha256": sha,
            "findings": [f.checked(f"findings[{i}]") for i, f in enumerate(self.findings)],
        }


@dataclass(frozen=True, slots=True)
class FindingRecord:
    """A stored finding; ``id`` (``f12``) is what a dispute names."""

    id: str
    audit: str
    kind: str
    severity: str
    detail: str
    clause: str | None
    evidence: dict[str, Any]
    action: str | None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """A stored audit of batch ``batch`` (its 12-hex id); ``id`` is ``a`` and a number (``a7``)."""

    id: str
    batch: str
    batch_sha256: str
    partner: str
    project: str
    created_at: datetime
    verdict: str
    reasons: tuple[dict[str, Any], ...]
    metrics: dict[str, Any]
    sampling_plan: dict[str, Any] | None
    sample_tasks: tuple[str, ...]
    ethics: dict[str, Any] | None
    method: str
    contract_sha256: str | None
    findings: tuple[FindingRecord, ...]
    files: tuple[BatchFile, ...] = ()

    def file(self, role: str) -> BatchFile | None:
        """The stored file with this role (``consensus``...), or None."""
        return next((f for f in self.files if f.role == role), None)


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    """A reviewer's answers for an audit's sample (``file``, role ``results``) and the plan's decision;
    ``reviewed_at`` is when the review was done (``created_at``, when it was entered, unless told)."""

    id: str
    audit: str
    created_at: datetime
    reviewer: str | None
    n_inspected: int
    n_defective: int
    decision: str
    file: BatchFile
    reviewed_at: datetime


def review_counts(n_inspected: int, n_defective: int, decision: str, results: Path) -> None:
    """``InvalidInputError`` unless 0 <= n_defective <= n_inspected and decision is accept or reject."""
    for name, count in (("n_inspected", n_inspected), ("n_defective", n_defective)):
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidInputError("a count >= 0", column=name, got=repr(count), column_kind="field")
    if n_defective > n_inspected:
        raise InvalidInputError(
            f"at most n_inspected={n_inspected} defective items",
            column="n_defective",
            got=str(n_defective),
            column_kind="field",
        )
    if decision not in DECISIONS:
        raise InvalidInputError(
            "a decision of accept or reject", column="decision", got=repr(decision), column_kind="field"
        )
    if not Path(results).is_file():
        raise InvalidInputError("an existing file", file=results, got=missing_file(results))
