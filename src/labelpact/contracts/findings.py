"""What an audit concludes: findings (facts with evidence and a remedy) and reasons (clause checks).

Pure value types shared by the quality audit (``contracts.verdict``) and the ethics audit
(``ethics.findings``); the store keeps them as JSON and the CLI renders them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["OUTCOMES", "Finding", "Outcome", "Reason", "Severity", "Verdict", "worst_outcome"]

Severity = Literal["info", "warning", "critical"]
Verdict = Literal["accept", "review", "reject"]
Outcome = Literal["met", "review", "reject", "unchecked"]
OUTCOMES: tuple[Outcome, ...] = ("met", "unchecked", "review", "reject")
_SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """Something the audit found: a ``kind`` (``spammer``, ``pii``...), how bad, one sentence, the
    evidence (tasks, workers, numbers), the contract clause it bears on and what the vendor should do."""

    kind: str
    severity: Severity
    detail: str
    clause: str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    action: str | None = None

    @property
    def rank(self) -> int:
        """0 info, 1 warning, 2 critical: findings sort worst first by ``-rank``."""
        return _SEVERITY_RANK[self.severity]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "detail": self.detail,
            "clause": self.clause,
            "evidence": dict(self.evidence),
            "action": self.action,
        }


@dataclass(frozen=True, slots=True)
class Reason:
    """One contract clause checked against its measured value: ``outcome`` says what it does to the verdict.

    ``met`` passes, ``review`` sends the batch to sampling inspection, ``reject`` rejects it;
    ``unchecked`` says the clause is set but the batch lacks what it needs (no gold, no durations).
    """

    clause: str
    outcome: Outcome
    detail: str
    measured: Any = None
    limit: Any = None
    interval: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "clause": self.clause,
            "outcome": self.outcome,
            "measured": self.measured,
            "limit": self.limit,
            "interval": None if self.interval is None else list(self.interval),
            "detail": self.detail,
        }


def worst_outcome(reasons: Iterable[Reason]) -> Verdict:
    """The verdict the reasons add up to: any ``reject`` rejects, else any ``review`` reviews, else accept."""
    outcomes = {r.outcome for r in reasons}
    if "reject" in outcomes:
        return "reject"
    if "review" in outcomes:
        return "review"
    return "accept"
