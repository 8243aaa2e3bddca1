"""The verdict on model-refinement deliverables: each ``[preferences]``, ``[ratings]`` or ``[demonstrations]``
clause checked against what the audit measured, in the same three outcomes as labels.

A minimum (``min_agreement``) or maximum (``max_position_bias``, ``max_llm_suspect_share``...) is ``met`` when
the point estimate is on the right side of the limit, sends the batch to ``review`` when it is not but the 95%
interval still reaches the limit, and ``reject``s it when the whole interval misses. Personal data in written
answers follows ``data.personal_data`` as it does for payloads: under ``"reject"``, low-confidence guesses alone
(a phone-shaped number outside its numbering plan) send the batch to review, not to rejection.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from labelpact.contracts.contract import Contract
from labelpact.contracts.findings import Outcome, Reason

__all__ = [
    "DemonstrationEvidence",
    "Measure",
    "PreferenceEvidence",
    "RatingEvidence",
    "demonstration_reasons",
    "preference_reasons",
    "rating_reasons",
]


@dataclass(frozen=True, slots=True)
class Measure:
    """A measured value and its 95% interval; ``value`` None (or NaN) when the batch cannot measure it, and
    then ``why`` says why in a few words (the clause's generic reason when None)."""

    value: float | None
    ci: tuple[float, float] | None = None
    why: str | None = None

    @property
    def known(self) -> bool:
        return self.value is not None and math.isfinite(self.value)


@dataclass(frozen=True, slots=True)
class PreferenceEvidence:
    """What a preferences audit measured: alpha on the choices, agreement with gold pairs, the batch's
    position bias (decisive left picks above what the strengths predict) and the flagged workers."""

    n_comparisons: int
    n_workers: int
    n_items: int
    agreement: Measure
    gold_agreement: Measure
    position_bias: Measure
    n_flagged_workers: int
    n_scored_workers: int


@dataclass(frozen=True, slots=True)
class RatingEvidence:
    """What a ratings audit measured: alpha per criterion, the share of straight-lined tasks, flagged raters."""

    n_ratings: int
    n_workers: int
    agreement: Mapping[str, Measure]
    straight_lining: Measure
    n_flagged_workers: int
    n_scored_workers: int
    level: str = "ordinal"


@dataclass(frozen=True, slots=True)
class DemonstrationEvidence:
    """What a demonstrations audit measured: shares of answers near-duplicated, LLM-suspect (signals, never a
    verdict on a person), failing a quality rule, and the answers holding personal data: ``pii_entities`` counts
    every personal value by entity, ``pii_guesses`` those of confidence below ``guess_below`` (low-confidence
    guesses, which alone send to review rather than reject)."""

    n_answers: int
    n_workers: int
    near_duplicate_rate: Measure
    llm_suspect_share: Measure
    low_quality_share: Measure
    pii_answers: int = 0
    pii_entities: Mapping[str, int] = field(default_factory=dict)
    pii_guesses: Mapping[str, int] = field(default_factory=dict)
    guess_below: float = 0.8


def _pct(x: float) -> str:
    return f"{x:.1%}"


def _num(x: float) -> str:
    return f"{x:.3f}"


def _check(
    clause: str, what: str, m: Measure, limit: float | None, *, at_most: bool, pct: bool, missing: str
) -> Reason | None:
    """One limit clause: reject when the whole interval misses ``limit``, review when the point does."""
    if limit is None:
        return None
    shown = _pct if pct else _num
    if not m.known or m.value is None:
        return Reason(clause, "unchecked", f"{what}: {m.why or missing}", None, limit)
    value = float(m.value)
    ci = "" if m.ci is None else f" (95% CI {shown(m.ci[0])} to {shown(m.ci[1])})"
    text = f"{what} {shown(value)}{ci}"
    word = "above" if at_most else "below"
    misses = value > limit if at_most else value < limit
    whole = m.ci is not None and (m.ci[0] > limit if at_most else m.ci[1] < limit)
    outcome: Outcome = "reject" if misses and whole else ("review" if misses else "met")
    if outcome == "met":
        detail = f"{text} meets the contract's {shown(limit)}"
    elif outcome == "review":
        detail = f"{text} is {word} the contract's {shown(limit)}, but the interval reaches it"
    else:
        detail = f"{text} is {word} the contract's {shown(limit)}"
    return Reason(clause, outcome, detail, value, limit, m.ci)


def _flagged(clause: str, flagged: int, scored: int, limit: float | None, who: str) -> Reason | None:
    """The share of the ``scored`` workers (those a flag rule could judge) that a rule flagged."""
    if limit is None:
        return None
    if scored == 0:
        return Reason(
            clause, "unchecked", f"no {who} judged enough to be scored by a flag rule, so no share to check", None,
            limit,
        )  # fmt: skip
    share = flagged / scored
    outcome: Outcome = "review" if share > limit else "met"
    verb = "exceeds" if outcome == "review" else "within"
    return Reason(
        clause, outcome, f"{flagged} of {scored} {who} flagged ({_pct(share)}), {verb} the contract's {_pct(limit)}",
        share, limit,
    )  # fmt: skip


def _size(m: Measure) -> tuple[str, Measure]:
    """The side a signed bias (positive: left) leans to, and its size: |value| with the interval of |bias|
    over the signed interval (its distance from 0 to its farthest end), so a limit binds either way."""
    if not m.known or m.value is None:
        return "left", m
    side = "left" if m.value >= 0 else "right"
    if m.ci is None:
        return side, Measure(abs(m.value))
    lo, hi = m.ci
    near = 0.0 if lo <= 0.0 <= hi else min(abs(lo), abs(hi))
    return side, Measure(abs(m.value), (near, max(abs(lo), abs(hi))))


def _measurable(kind: str, what: str, limit: float | None, whys: list[str]) -> Reason | None:
    """A review reason when a minimum agreement is set but the batch cannot measure it (``whys``, one per
    unmeasured agreement): an unmeasured minimum passes nothing, as ``quality.measurable`` says for labels."""
    if limit is None or not whys:
        return None
    return Reason(
        f"{kind}.measurable",
        "review",
        f"{what} cannot be measured on this batch: {'; '.join(whys)}. No agreement clause can pass on it; "
        "inspect the sample (labelpact audits sample, then labelpact review)",
    )


def preference_reasons(e: PreferenceEvidence, contract: Contract) -> list[Reason]:
    """One reason per ``[preferences]`` clause the contract sets (items that cannot be ranked are a finding:
    no clause asks for one connected ranking, and comparisons grouped by topic by design are not a miss).
    Position bias is limited either way: a lean to the right breaks ``max_position_bias`` as one to the left."""
    p = contract.preferences
    side, bias = _size(e.position_bias)
    reasons = [
        _check("preferences.min_agreement", "Krippendorff's alpha (ordinal) on the choices", e.agreement, p.min_agreement,
               at_most=False, pct=False, missing="no pair was judged by two workers"),
        _check("preferences.min_gold_agreement", "Agreement with the gold pairs", e.gold_agreement,
               p.min_gold_agreement, at_most=False, pct=True, missing="the batch has no gold pairs"),
        _check("preferences.max_position_bias", f"Position bias toward the {side} (decisive {side} picks above "
               "what the strengths predict)" if bias.known else "Position bias", bias, p.max_position_bias,
               at_most=True, pct=True, missing="no decisive choice to measure it on"),
        _flagged("preferences.max_flagged_worker_share", e.n_flagged_workers, e.n_scored_workers,
                 p.max_flagged_worker_share, "workers"),
    ]  # fmt: skip
    unknown = [] if e.agreement.known else [e.agreement.why or "no pair was judged by two workers"]
    reasons.append(_measurable("preferences", "Agreement on the choices", p.min_agreement, unknown))
    return [r for r in reasons if r is not None]


def rating_reasons(e: RatingEvidence, contract: Contract) -> list[Reason]:
    """One reason per criterion for ``ratings.min_agreement``, and one per other ``[ratings]`` clause set."""
    r = contract.ratings
    reasons: list[Reason | None] = [
        _check("ratings.min_agreement", f"Krippendorff's alpha ({e.level}) on {name!r}", m, r.min_agreement,
               at_most=False, pct=False, missing="no task was rated by two raters")
        for name, m in e.agreement.items()
    ]  # fmt: skip
    reasons += [
        _check("ratings.max_straight_lining", "Tasks given one score on every criterion", e.straight_lining,
               r.max_straight_lining, at_most=True, pct=True, missing="no task was rated on two criteria"),
        _flagged("ratings.max_flagged_worker_share", e.n_flagged_workers, e.n_scored_workers,
                 r.max_flagged_worker_share, "raters"),
    ]  # fmt: skip
    unknown = [
        f"{k!r}: {m.why or 'no task was rated by two raters'}" for k, m in e.agreement.items() if not m.known
    ]
    reasons.append(_measurable("ratings", "Agreement on the ratings", r.min_agreement, unknown))
    return [x for x in reasons if x is not None]


def demonstration_reasons(e: DemonstrationEvidence, contract: Contract) -> list[Reason]:
    """One reason per ``[demonstrations]`` limit set, and ``data.personal_data`` when answers hold personal data."""
    d = contract.demonstrations
    reasons = [
        _check("demonstrations.max_near_duplicate_rate", "Answers near-duplicating another answer",
               e.near_duplicate_rate, d.max_near_duplicate_rate, at_most=True, pct=True, missing="no answers"),
        _check("demonstrations.max_llm_suspect_share", f"Answers carrying {d.min_signals}+ LLM-use signals "
               "(signals, not a verdict on a person)", e.llm_suspect_share, d.max_llm_suspect_share,
               at_most=True, pct=True, missing="no answers"),
        _check("demonstrations.max_low_quality_share", "Answers failing a quality rule", e.low_quality_share,
               d.max_low_quality_share, at_most=True, pct=True, missing="no answers"),
    ]  # fmt: skip
    reasons.append(_personal_data(e, contract.data.personal_data))
    return [r for r in reasons if r is not None]


def _personal_data(e: DemonstrationEvidence, policy: str) -> Reason | None:
    """``data.personal_data`` on the answers, as for payloads: under ``"reject"``, findings that are all
    low-confidence guesses send the batch to review; one finding that is not a guess still rejects."""
    if not e.pii_answers or policy == "allow":
        return None
    kinds = ", ".join(f"{k} ({n})" for k, n in sorted(e.pii_entities.items()))
    n = sum(e.pii_entities.values())
    n_guesses = sum(e.pii_guesses.values())
    only_guesses = 0 < n_guesses >= n
    outcome: Outcome = "reject" if policy == "reject" and not only_guesses else "review"
    said = ", ".join(f"{k} {entity}" for entity, k in sorted(e.pii_guesses.items()))
    detail = f"{e.pii_answers} answers hold personal data ({kinds}); the contract says {policy!r}"
    if n_guesses:
        detail += (
            f"; {n_guesses} of them are low-confidence guesses (confidence below {e.guess_below}: {said})"
        )
    if only_guesses and policy == "reject":
        detail += "; guesses alone send the batch to review, not to rejection"
    return Reason("data.personal_data", outcome, detail, e.pii_answers, 0)
