"""The quality half of an audit's verdict: each contract clause checked against what was measured.

A clause is ``met``, sends the batch to ``review`` (the point estimate misses the limit but the interval
still reaches it, so a sampling inspection decides) or ``reject``s it (the whole 95% interval misses the
limit). The verdict is the worst outcome over all clauses (``findings.worst_outcome``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from labelpact.partners.contract import Contract
from labelpact.partners.findings import Outcome, Reason

__all__ = ["QualityEvidence", "quality_reasons"]


@dataclass(frozen=True, slots=True)
class QualityEvidence:
    """What a quality audit measured, in the units the contract speaks (shares in [0, 1]).

    ``error_rate`` is the estimated share of wrong consensus labels, from held-out gold when
    ``error_source == "gold"`` else from the consensus posteriors; ``acceptance_probability`` is the
    sampling plan's chance to accept a lot with that error rate (its OC curve).
    """

    n_tasks: int
    n_workers: int
    gold_accuracy: float | None
    gold_accuracy_ci: tuple[float, float] | None
    n_gold: int
    agreement: float | None
    agreement_ci: tuple[float, float] | None
    error_rate: float
    error_rate_ci: tuple[float, float]
    error_source: str
    n_flagged_workers: int
    n_scored_workers: int
    acceptance_probability: float | None = None
    delivered_at: datetime | None = None
    due_at: datetime | None = None

    @property
    def flagged_worker_share(self) -> float:
        return self.n_flagged_workers / self.n_scored_workers if self.n_scored_workers else 0.0

    @property
    def late_by_days(self) -> float | None:
        """Days after the due time the batch arrived (negative: early); None without both times."""
        if self.delivered_at is None or self.due_at is None:
            return None
        return (self.delivered_at - self.due_at).total_seconds() / 86_400.0


def _pct(x: float) -> str:
    return f"{x:.1%}"


def _ci(ci: tuple[float, float] | None, fmt: str = "pct") -> str:
    if ci is None:
        return ""
    lo, hi = ci
    return f" (95% CI {_pct(lo)} to {_pct(hi)})" if fmt == "pct" else f" (95% CI {lo:.3f} to {hi:.3f})"


def _at_least(
    clause: str,
    what: str,
    value: float | None,
    ci: tuple[float, float] | None,
    limit: float | None,
    fmt: str,
    missing: str,
) -> Reason | None:
    """A "value >= limit" clause: reject when the interval's top is below, review when the point is."""
    if limit is None:
        return None
    shown = _pct if fmt == "pct" else (lambda x: f"{x:.3f}")
    if value is None:
        return Reason(clause, "unchecked", f"{what}: {missing}", None, limit)
    text = f"{what} {shown(value)}{_ci(ci, fmt)}"
    if ci is not None and ci[1] < limit:
        return Reason(clause, "reject", f"{text} is below the contract's {shown(limit)}", value, limit, ci)
    if value < limit:
        return Reason(
            clause,
            "review",
            f"{text} is below the contract's {shown(limit)}, but the interval reaches it",
            value,
            limit,
            ci,
        )
    return Reason(clause, "met", f"{text} meets the contract's {shown(limit)}", value, limit, ci)


def quality_reasons(evidence: QualityEvidence, contract: Contract) -> list[Reason]:
    """One reason per quality clause the contract sets (and the AQL, which it always has)."""
    e = evidence
    reasons = [
        _at_least(
            "quality.min_gold_accuracy",
            "Consensus accuracy on held-out gold",
            e.gold_accuracy,
            e.gold_accuracy_ci,
            contract["quality.min_gold_accuracy"],
            "pct",
            "the batch has no gold tasks",
        ),
        _at_least(
            "quality.min_agreement",
            "Krippendorff's alpha",
            e.agreement,
            e.agreement_ci,
            contract["quality.min_agreement"],
            "num",
            "undefined (no task has two labels)",
        ),
    ]
    limit = contract["quality.max_error_rate"]
    if limit is not None:
        lo, hi = e.error_rate_ci
        text = f"Estimated error rate of the consensus {_pct(e.error_rate)}{_ci(e.error_rate_ci)}, from {e.error_source}"
        if lo > limit:
            reasons.append(
                Reason(
                    "quality.max_error_rate",
                    "reject",
                    f"{text}, exceeds the contract's {_pct(limit)}",
                    e.error_rate,
                    limit,
                    (lo, hi),
                )
            )
        elif e.error_rate > limit:
            reasons.append(
                Reason(
                    "quality.max_error_rate",
                    "review",
                    f"{text}, exceeds the contract's {_pct(limit)}, but the interval reaches it",
                    e.error_rate,
                    limit,
                    (lo, hi),
                )
            )
        else:
            reasons.append(
                Reason(
                    "quality.max_error_rate",
                    "met",
                    f"{text}, within the contract's {_pct(limit)}",
                    e.error_rate,
                    limit,
                    (lo, hi),
                )
            )
    share_limit = contract["quality.max_flagged_worker_share"]
    if share_limit is not None:
        share = e.flagged_worker_share
        text = f"{e.n_flagged_workers} of {e.n_scored_workers} workers flagged ({_pct(share)})"
        outcome: Outcome = "review" if share > share_limit else "met"
        verb = "exceeds" if outcome == "review" else "within"
        reasons.append(
            Reason(
                "quality.max_flagged_worker_share",
                outcome,
                f"{text}, {verb} the contract's {_pct(share_limit)}",
                share,
                share_limit,
            )
        )
    aql = float(contract["acceptance.aql"])
    odds = (
        ""
        if e.acceptance_probability is None
        else f"; the sampling plan would accept such a lot with probability {_pct(e.acceptance_probability)}"
    )
    if e.error_rate * 100.0 > aql:
        reasons.append(
            Reason(
                "acceptance.aql",
                "review",
                f"Estimated error rate {_pct(e.error_rate)} is above the AQL of {aql:g}%{odds}: "
                "inspect the sample before accepting",
                e.error_rate,
                aql / 100.0,
                e.error_rate_ci,
            )
        )
    else:
        reasons.append(
            Reason(
                "acceptance.aql",
                "met",
                f"Estimated error rate {_pct(e.error_rate)} is within the AQL of {aql:g}%{odds}",
                e.error_rate,
                aql / 100.0,
                e.error_rate_ci,
            )
        )
    return [r for r in reasons if r is not None]
