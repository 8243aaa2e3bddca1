"""The quality half of an audit's verdict: each contract clause checked against what was measured.

A clause is ``met``, sends the batch to ``review`` (the point estimate misses the limit but the interval
still reaches it, so a sampling inspection decides) or ``reject``s it (the whole 95% interval misses the
limit). The verdict is the worst outcome over all clauses (``findings.worst_outcome``).

The error rate is held to the consumer's side: ``quality.max_error_rate`` is met only when the whole
interval is within the limit. An estimate resting on the consensus model alone is *unverified*: it can
reject (even its optimistic bound misses the limit) or send to review (the sampling plan verifies it),
but meets ``quality.max_error_rate`` or the AQL only where ``quality.error_evidence = "model"``.
A batch whose data cannot measure quality at all (``unidentifiable``) is never accepted on quality.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from labelpact.contracts.contract import Contract
from labelpact.contracts.findings import Outcome, Reason
from labelpact.contracts.timeliness import due_time, late_by_days, turnaround_reason

__all__ = ["QualityEvidence", "error_rate_reasons", "quality_reasons"]


@dataclass(frozen=True, slots=True)
class QualityEvidence:
    """What a quality audit measured, in the units the contract speaks (shares in [0, 1]).

    ``error_rate`` is the estimated share of wrong consensus labels; ``error_verified`` says whether
    checked tasks (gold scored out of fold, a reviewed sample) back it, ``error_source`` what it rests
    on; ``acceptance_probability`` is the sampling plan's chance to accept a lot with that error rate
    (its OC curve). ``unidentifiable`` says why the data cannot measure quality (None when it can);
    ``sample_size`` and ``accept_number`` are the plan's, quoted as the way to verify; ``limiting_quality``
    is the defect rate the plan accepts only one time in ten (its LQ10), which a met AQL must rule out.
    ``n_scored_workers`` counts the workers a flag rule could judge (``min_labels`` labels, gold enough, or
    flagged); none makes ``quality.max_flagged_worker_share`` unchecked, never met. ``first_start`` is when
    the first label was started, from which ``delivery.turnaround_days`` counts when no ``due_at`` was given.
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
    error_verified: bool = False
    unidentifiable: str | None = None
    sample_size: int | None = None
    accept_number: int | None = None
    limiting_quality: float | None = None
    min_labels: int | None = None
    first_start: datetime | None = None

    @property
    def unmeasured(self) -> bool:
        """The labels cannot measure quality and no checked task (gold, a reviewed sample) measures it instead."""
        return self.unidentifiable is not None and not self.error_verified

    @property
    def flagged_worker_share(self) -> float | None:
        """The flagged share of the scored workers; None when no worker could be scored."""
        return self.n_flagged_workers / self.n_scored_workers if self.n_scored_workers else None

    @property
    def late_by_days(self) -> float | None:
        """Days after the due time the batch arrived (negative: early); None without both times."""
        return late_by_days(self.delivered_at, self.due_at)

    def late_against(self, contract: Contract) -> float | None:
        """Days after the due time the contract's clauses set (``due_at``, else the first label's start plus
        ``delivery.turnaround_days``) the batch arrived; None when no due time can be set."""
        due, _ = due_time(self.due_at, self.first_start, contract.delivery.turnaround_days)
        return late_by_days(self.delivered_at, due)


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
            contract.quality.min_gold_accuracy,
            "pct",
            "the batch has no gold tasks",
        ),
        _at_least(
            "quality.min_agreement",
            "Krippendorff's alpha",
            e.agreement,
            e.agreement_ci,
            contract.quality.min_agreement,
            "num",
            f"undefined ({e.unidentifiable or 'no task has labels from two workers'})",
        ),
    ]
    rate_reasons = error_rate_reasons(e, contract)
    reasons.extend(r for r in rate_reasons if r.clause == "quality.max_error_rate")
    reasons.append(_flagged_reason(e, contract.quality.max_flagged_worker_share))
    reasons.extend(r for r in rate_reasons if r.clause == "acceptance.aql")
    days = contract.delivery.turnaround_days
    reasons.append(turnaround_reason(days, e.delivered_at, e.due_at, e.first_start))
    if e.unidentifiable is not None:
        reasons.append(_measurable_reason(e))
    return [r for r in reasons if r is not None]


def _flagged_reason(e: QualityEvidence, limit: float | None) -> Reason | None:
    """``quality.max_flagged_worker_share``: the flagged share of the workers a flag rule could judge;
    unchecked when no worker could be judged (a share of nobody measures nothing)."""
    if limit is None:
        return None
    share = e.flagged_worker_share
    clause = "quality.max_flagged_worker_share"
    if share is None:
        need = "enough labels" if e.min_labels is None else f"the {e.min_labels} labels (or the gold labels)"
        detail = (
            f"none of the {e.n_workers} workers has {need} a flag rule needs, so no flagged share to check"
        )
        return Reason(clause, "unchecked", detail, None, limit)
    text = f"{e.n_flagged_workers} of {e.n_scored_workers} workers flagged ({_pct(share)})"
    outcome: Outcome = "review" if share > limit else "met"
    verb = "exceeds" if outcome == "review" else "within"
    return Reason(clause, outcome, f"{text}, {verb} the contract's {_pct(limit)}", share, limit)


def _measurable_reason(e: QualityEvidence) -> Reason:
    """``quality.measurable`` on a batch whose labels cannot identify quality: review, unless checked tasks
    (gold, a reviewed sample) verify the error rate, which measures it without the labels' model."""
    if not e.unmeasured:
        return Reason(
            "quality.measurable",
            "met",
            f"Label quality cannot be measured from the labels alone ({e.unidentifiable}); the error rate "
            f"rests on {e.error_source} instead",
        )
    return Reason(
        "quality.measurable",
        "review",
        f"Label quality cannot be measured on this batch: {e.unidentifiable}. No quality clause "
        "can pass on it; inspect the sample or add gold tasks",
    )


def error_rate_reasons(evidence: QualityEvidence, contract: Contract) -> list[Reason]:
    """The clauses the error rate decides: ``quality.max_error_rate`` (when set) and ``acceptance.aql``.

    Evidence may meet them when it is verified (checked tasks back it) or the contract says
    ``quality.error_evidence = "model"``; otherwise they can reject or send to review, never pass.
    """
    may_meet = evidence.error_verified or contract.quality.error_evidence == "model"
    limit = contract.quality.max_error_rate
    reasons = [] if limit is None else [_error_rate_reason(evidence, float(limit), may_meet=may_meet)]
    reasons.append(_aql_reason(evidence, contract.acceptance.aql, may_meet))
    return reasons


def _verify(e: QualityEvidence) -> str:
    """How to verify an estimate the model alone gave: the plan's sample, or gold."""
    if e.sample_size is not None and e.accept_number is not None:
        return (
            f"have the sampling plan's {e.sample_size} tasks reviewed (accept with at most {e.accept_number} "
            "wrong) or add gold tasks to verify it"
        )
    return "have the sampling plan's sample reviewed or add gold tasks to verify it"


def _error_rate_reason(e: QualityEvidence, limit: float, *, may_meet: bool) -> Reason:
    """``quality.max_error_rate``: reject when even the interval's low end exceeds the limit; met only when
    the whole interval is within it and the evidence may meet (verified, or the contract trusts the model)."""
    lo, hi = e.error_rate_ci
    kind = "" if e.error_verified else " (unverified)"
    text = (
        f"Estimated error rate of the consensus {_pct(e.error_rate)}{_ci(e.error_rate_ci)}, "
        f"from {e.error_source}{kind}"
    )
    clause = "quality.max_error_rate"
    if e.unmeasured:  # checked tasks measure it without the model
        detail = f"{text}; quality cannot be measured on this batch (see quality.measurable): {_verify(e)}"
        return Reason(clause, "review", detail, e.error_rate, limit, (lo, hi))
    if lo > limit:
        detail = f"{text}, exceeds the contract's {_pct(limit)} even at the optimistic end of its interval"
        return Reason(clause, "reject", detail, e.error_rate, limit, (lo, hi))
    if not may_meet:
        detail = (
            f"{text}: an estimate resting on the model alone cannot meet the contract's {_pct(limit)} "
            f'(quality.error_evidence = "gold-or-sample"); {_verify(e)}'
        )
        return Reason(clause, "review", detail, e.error_rate, limit, (lo, hi))
    if hi > limit:
        if e.error_rate > limit:  # the optimistic end is what keeps it from a rejection
            where = f"exceeds the contract's {_pct(limit)}, but the interval reaches down to {_pct(lo)}"
        else:
            where = f"is within the contract's {_pct(limit)}, but the interval reaches {_pct(hi)}"
        detail = f"{text}, {where}: the sampling inspection decides"
        return Reason(clause, "review", detail, e.error_rate, limit, (lo, hi))
    detail = f"{text}, within the contract's {_pct(limit)} across its whole interval"
    return Reason(clause, "met", detail, e.error_rate, limit, (lo, hi))


def _aql_reason(e: QualityEvidence, aql: float, may_meet: bool) -> Reason:
    """``acceptance.aql``: the process average the plan is built for; met only by evidence that may meet."""
    odds = (
        ""
        if e.acceptance_probability is None
        else f"; the sampling plan would accept such a lot with probability {_pct(e.acceptance_probability)}"
    )
    kind = "" if e.error_verified else " (unverified: the consensus model alone)"
    head = f"Estimated error rate {_pct(e.error_rate)}{kind}"
    if e.error_rate * 100.0 > aql:
        detail = f"{head} is above the AQL of {aql:g}%{odds}: inspect the sample before accepting"
        return Reason("acceptance.aql", "review", detail, e.error_rate, aql / 100.0, e.error_rate_ci)
    if not may_meet or e.unmeasured:
        detail = (
            f"{head}: quality cannot be measured on this batch (see quality.measurable): {_verify(e)}"
            if e.unmeasured
            else f"{head} is within the AQL of {aql:g}%{odds}, but it rests on the model alone, which cannot "
            f'meet the AQL (quality.error_evidence = "gold-or-sample"): {_verify(e)}'
        )
        return Reason("acceptance.aql", "review", detail, e.error_rate, aql / 100.0, e.error_rate_ci)
    hi, lq = e.error_rate_ci[1], e.limiting_quality
    if lq is not None and hi > lq:  # the evidence does not rule out a lot the plan itself would reject
        detail = (
            f"{head} is within the AQL of {aql:g}%{odds}, but its 95% interval reaches {_pct(hi)}, beyond "
            f"the {_pct(lq)} the sampling plan accepts only one time in ten: {_verify(e)}"
        )
        return Reason("acceptance.aql", "review", detail, e.error_rate, aql / 100.0, e.error_rate_ci)
    detail = f"{head} is within the AQL of {aql:g}%{odds}"
    return Reason("acceptance.aql", "met", detail, e.error_rate, aql / 100.0, e.error_rate_ci)
