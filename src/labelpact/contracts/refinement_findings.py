"""Findings of the preferences, ratings and demonstrations audits: who is flagged and why, with evidence.

Worker flags are decided here from the core measurements (``*_flags``), so the verdict's flagged share and
the findings agree; each finding names at most ``MAX_EXAMPLES`` workers or tasks, carries their numbers, and
says what the vendor should do. Severity grows with the share of the batch the flagged workers made (info
below 1%, critical from 10%). LLM-use findings are signals with measured false-positive rates, never a
verdict about a person on their own: every such finding says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
from scipy.stats import poisson

from labelpact.contracts.findings import Finding, Severity
from labelpact.contracts.quality_findings import MAX_EXAMPLES
from labelpact.core.annotations import FloatArray, IntArray
from labelpact.core.demonstrations import Demonstrations, DemonstrationSignals
from labelpact.core.preferences import ComparisonGraph, PreferenceWorkers
from labelpact.core.ratings import RaterEffects

__all__ = [
    "demonstration_findings",
    "demonstration_flags",
    "preference_findings",
    "preference_flags",
    "preference_scored",
    "rating_findings",
    "rating_flags",
]

BoolArray = npt.NDArray[np.bool_]
MIN_JUDGEMENTS = 20  # fewer comparisons or ratings than this: a worker is scored but never flagged
CYCLE_P = 0.01  # a worker is intransitive when this unlikely to make so many cycles by the strengths
LLM_NOTE = (
    "These are signals with measured false-positive rates on simulated honest writers, not a verdict about "
    "a person: read the answers before acting."
)


def _severity(share: float) -> Severity:
    return "critical" if share >= 0.10 else ("warning" if share >= 0.01 else "info")


def _worker_finding(
    kind: str, mask: BoolArray, counts: IntArray, names: Sequence[str], what: str, action: str,
    clause: str | None, numbers: Mapping[str, FloatArray],
) -> Finding | None:  # fmt: skip
    idx = np.flatnonzero(mask)
    if not len(idx):
        return None
    share = float(counts[idx].sum()) / max(float(counts.sum()), 1.0)
    shown = idx[np.argsort(-counts[idx], kind="stable")][:MAX_EXAMPLES]
    evidence = {
        "workers": [names[i] for i in shown],
        "n_workers": len(idx),
        "share_of_batch": round(share, 4),
        **{
            key: [None if not np.isfinite(v[i]) else round(float(v[i]), 4) for i in shown]
            for key, v in numbers.items()
        },
    }
    detail = f"{len(idx)} workers {what} ({share:.1%} of the batch)"
    return Finding(kind, _severity(share), detail, clause, evidence, action)


def preference_flags(w: PreferenceWorkers, *, max_bias: float) -> dict[str, BoolArray]:
    """Per worker (n_workers,): ``position_bias`` (the whole interval past ``max_bias`` either way),
    ``spammer`` (spammer score below 0.2 and no better than chance against the others' majority),
    ``intransitive`` (a quarter of the worker's judged triads are cycles, of 5 or more, and more cycles than
    choosing by the strengths would make on them: Poisson tail below ``CYCLE_P``; careful workers judging
    close items make cycles too)."""
    enough = w.n_comparisons >= MIN_JUDGEMENTS
    lo, hi = w.position_bias_interval[:, 0], w.position_bias_interval[:, 1]
    biased = enough & ((lo > max_bias) | (hi < -max_bias))
    chance = np.nan_to_num(w.majority_agreement, nan=0.0) < 0.6
    spammer = enough & ~biased & (np.nan_to_num(w.spammer_score, nan=1.0) < 0.2) & chance
    with np.errstate(divide="ignore", invalid="ignore"):
        cyclic = (w.triads >= 5) & (w.cycles / np.maximum(w.triads, 1) >= 0.25)
    if w.expected_cycles is not None:  # P(X >= cycles) under Poisson(expected): more than closeness explains
        cyclic &= poisson.sf(w.cycles - 1, np.maximum(w.expected_cycles, 1e-12)) < CYCLE_P
    return {"position_bias": biased, "spammer": spammer, "intransitive": cyclic}


def preference_scored(w: PreferenceWorkers) -> BoolArray:
    """Workers (n_workers,) with the evidence some rule of ``preference_flags`` needs to flag them: the
    denominator of the flagged share, so that it counts the workers its numerator could count."""
    return (w.n_comparisons >= MIN_JUDGEMENTS) | (w.triads >= 5)


def preference_findings(
    w: PreferenceWorkers, flags: Mapping[str, BoolArray], graph: ComparisonGraph
) -> list[Finding]:
    """Findings of a preferences audit: position-biased, spamming and intransitive workers; unrankable items."""
    n = w.n_comparisons
    findings = [
        _worker_finding("position_bias", flags["position_bias"], n, w.workers,
                        "pick one side far more often than the strengths of the items explain",
                        "Re-judge these workers' comparisons with the sides shuffled; check their interface.",
                        "preferences.max_position_bias",
                        {"left_rate": w.left_rate, "expected_left_rate": w.expected_left_rate,
                         "bias_low": w.position_bias_interval[:, 0], "bias_high": w.position_bias_interval[:, 1]}),
        _worker_finding("spammer", flags["spammer"], n, w.workers,
                        "choose independently of the items (Raykar & Yu spammer score below 0.2)",
                        "Remove these workers and re-judge their comparisons with other workers.",
                        "preferences.max_flagged_worker_share",
                        {"spammer_score": w.spammer_score, "majority_agreement": w.majority_agreement}),
        _worker_finding("intransitive", flags["intransitive"], n, w.workers,
                        "create preference cycles (a > b > c > a) in a quarter or more of their judged triads, "
                        "more than the items' strengths explain",
                        "Review these workers' guidelines; re-judge the cycles.", None,
                        {"cycles": w.cycles.astype(np.float64), "triads": w.triads.astype(np.float64),
                         **({} if w.expected_cycles is None else {"expected_cycles": w.expected_cycles})}),
    ]  # fmt: skip
    problems = graph.problems()
    if problems:
        findings.append(
            Finding(
                "unrankable",
                "warning" if graph.n_components > 1 else "info",
                "Some items cannot be ranked from these comparisons: " + "; ".join(problems),
                None,
                {"n_components": graph.n_components, "n_strong": graph.n_strong},
                "Add comparisons that connect the groups, or rank each group on its own.",
            )
        )
    return [f for f in findings if f is not None]


def rating_flags(
    effects: Sequence[RaterEffects], straight: FloatArray, *, max_offsets: Sequence[float]
) -> dict[str, BoolArray]:
    """Per worker (n_workers,) over the criteria: ``severe`` / ``lenient`` (an offset interval wholly past
    ``max_offset``), ``central_tendency`` (spread ratio below 0.6, p < 0.01), ``straight_lining`` (one score on
    every criterion on 80% of the worker's multi-criterion tasks), ``drift`` (the drift interval wholly past
    ``max_offset``: the change in scale points from the worker's first rating to their last).
    ``max_offsets`` holds one limit per criterion of ``effects``, in scale points."""
    nw = len(straight)
    out = {k: np.zeros(nw, dtype=bool) for k in ("severe", "lenient", "central_tendency", "drift")}
    for e, max_offset in zip(effects, max_offsets, strict=True):  # a loop over criteria (a handful)
        enough = e.n_ratings >= MIN_JUDGEMENTS
        lo, hi = np.nan_to_num(e.offset_interval[:, 0]), np.nan_to_num(e.offset_interval[:, 1])
        out["severe"] |= enough & (hi < -max_offset)
        out["lenient"] |= enough & (lo > max_offset)
        spread = np.nan_to_num(e.spread_ratio, nan=1.0)
        out["central_tendency"] |= enough & (spread < 0.6) & (np.nan_to_num(e.spread_p, nan=1.0) < 0.01)
        d_lo, d_hi = np.nan_to_num(e.drift_interval[:, 0]), np.nan_to_num(e.drift_interval[:, 1])
        out["drift"] |= enough & ((d_lo > max_offset) | (d_hi < -max_offset))
    out["straight_lining"] = np.nan_to_num(straight, nan=0.0) >= 0.8
    return out


def rating_findings(
    effects: Sequence[RaterEffects], flags: Mapping[str, BoolArray], counts: IntArray, workers: Sequence[str]
) -> list[Finding]:
    """Findings of a ratings audit, one per flag that fired, with each flagged rater's offsets per criterion."""
    offsets = {f"offset_{e.criterion}": e.offset for e in effects}
    spreads = {f"spread_{e.criterion}": e.spread_ratio for e in effects}
    drifts = {f"drift_{e.criterion}": e.drift for e in effects}
    specs = {
        "severe": ("score lower than their co-raters by more than the contract allows", "ratings.max_rater_offset",
                   "Calibrate these raters on anchor examples; re-rate or rescale their scores.", offsets),
        "lenient": ("score higher than their co-raters by more than the contract allows", "ratings.max_rater_offset",
                    "Calibrate these raters on anchor examples; re-rate or rescale their scores.", offsets),
        "central_tendency": ("avoid the ends of the scale (far narrower spread than their co-raters)", None,
                             "Show these raters anchor examples of both ends of the scale.", spreads),
        "straight_lining": ("give one score on every criterion of most tasks", "ratings.max_straight_lining",
                            "Re-rate these raters' tasks; check for automation.", {}),
        "drift": ("drift by more than the contract's offset from their first rating to their last "
                  "(scale points across their span of work)", "ratings.max_rater_offset",
                  "Re-calibrate these raters; re-rate their later tasks.", drifts),
    }  # fmt: skip
    findings = [
        _worker_finding(kind, flags[kind], counts, workers, what, action, clause, numbers)
        for kind, (what, clause, action, numbers) in specs.items()
    ]
    return [f for f in findings if f is not None]


def demonstration_flags(s: DemonstrationSignals, per_worker: IntArray) -> dict[str, BoolArray]:
    """Per worker (n_workers,): ``llm_signals`` (half of 3+ answers LLM-suspect), ``templated`` (half reuse a
    sentence or near-duplicate the worker's own answers)."""
    enough = per_worker >= 3
    return {
        "llm_signals": enough & (np.nan_to_num(s.worker_suspect_share) >= 0.5),
        "templated": enough & (np.nan_to_num(s.worker_template_share) >= 0.5),
    }


def demonstration_findings(
    s: DemonstrationSignals,
    d: Demonstrations,
    flags: Mapping[str, BoolArray],
    pii: Mapping[str, int],
    pii_guesses: Mapping[str, int] | None = None,
) -> list[Finding]:
    """Findings of a demonstrations audit: LLM-use signals, templates, near-duplicates across workers, answers
    too fast to have been typed, quality rules, personal data (a warning when every value is a low-confidence
    guess, ``pii_guesses`` by entity: guesses alone send to review, as for payloads)."""
    counts = np.bincount(d.worker, minlength=d.n_workers).astype(np.intp)
    findings = [
        _worker_finding("llm_signals", flags["llm_signals"], counts, d.workers,
                        "carry LLM-use signals (speed, pastes, chatbot vocabulary, sameness) on half their answers",
                        "Ask the vendor for these writers' session logs. " + LLM_NOTE,
                        "demonstrations.max_llm_suspect_share",
                        {"suspect_share": s.worker_suspect_share}),
        _worker_finding("templated", flags["templated"], counts, d.workers,
                        "reuse their own sentences or answers across tasks",
                        "Have these writers' answers rewritten; brief them on originality.",
                        "demonstrations.max_near_duplicate_rate", {"template_share": s.worker_template_share}),
    ]  # fmt: skip
    out = [f for f in findings if f is not None]
    n = max(d.n_answers, 1)
    across = np.flatnonzero(s.across_worker_duplicate)
    if len(across):
        tasks = [d.tasks[d.task[i]] for i in across[:MAX_EXAMPLES]]
        out.append(Finding(
            "near_duplicates", _severity(len(across) / n),
            f"{len(across)} answers near-duplicate another worker's answer (estimated Jaccard >= "
            f"{s.near_duplicates.threshold:g}): a shared source, or a copied one",
            "demonstrations.max_near_duplicate_rate",
            {"tasks": tasks, "workers": [d.workers[d.worker[i]] for i in across[:MAX_EXAMPLES]],
             "clusters": s.near_duplicates.n_clusters},
            "Have the duplicated answers rewritten independently.",
        ))  # fmt: skip
    out += _unmeasured_duplicates(s, d)
    fast = np.flatnonzero(s.too_fast)
    if len(fast):
        out.append(Finding(
            "too_fast", _severity(len(fast) / n),
            f"{len(fast)} answers were submitted faster than anyone types (chars per second). {LLM_NOTE}",
            "demonstrations.max_llm_suspect_share",
            {"tasks": [d.tasks[d.task[i]] for i in fast[:MAX_EXAMPLES]],
             "chars_per_second": [round(float(s.chars_per_second[i]), 1) if np.isfinite(s.chars_per_second[i])
                                  else None for i in fast[:MAX_EXAMPLES]]},  # None: 0 seconds
            "Check these answers' session logs for pasting.",
        ))  # fmt: skip
    failing = [i for i, q in enumerate(s.quality) if q]
    if failing:
        reasons: dict[str, int] = {}
        for i in failing:
            for r in s.quality[i]:
                reasons[r] = reasons.get(r, 0) + 1
        out.append(Finding(
            "low_quality", _severity(len(failing) / n),
            f"{len(failing)} answers fail a quality rule (Gopher-style: length, symbols, repetition)",
            "demonstrations.max_low_quality_share",
            {"rules": reasons, "tasks": [d.tasks[d.task[i]] for i in failing[:MAX_EXAMPLES]]},
            "Have these answers rewritten to the guidelines.",
        ))  # fmt: skip
    if pii:
        guesses = dict(pii_guesses or {})
        only_guesses = 0 < sum(guesses.values()) >= sum(pii.values())
        out.append(Finding(
            "pii", "warning" if only_guesses else "critical",
            f"Answers hold personal data: {', '.join(f'{k} ({v})' for k, v in sorted(pii.items()))}"
            + (f"; {sum(guesses.values())} low-confidence guesses" if guesses else ""),
            "data.personal_data", {"entities": dict(pii), "guesses": guesses},
            "Remove the personal data and re-deliver.",
        ))  # fmt: skip
    return out


def _unmeasured_duplicates(s: DemonstrationSignals, d: Demonstrations) -> list[Finding]:
    """A finding when answers are too short to compare ("Yes", "42", blank): their near-duplicate rate is no
    measurement, so the batch's 0% near-duplicates does not cover them (none measured: it covers nothing)."""
    short = np.flatnonzero(~s.near_duplicates.measured)
    if not len(short):
        return []
    detail = (
        f"{len(short)} answers are too short to compare (under 5 characters once normalised): "
        + ("near-duplicates cannot be measured on this batch" if s.near_duplicates.n_measured == 0
           else "whether they near-duplicate other answers cannot be measured")
    )  # fmt: skip
    return [Finding(
        "near_duplicates_unmeasured", "warning" if s.near_duplicates.n_measured == 0 else "info", detail,
        "demonstrations.max_near_duplicate_rate",
        {"tasks": [d.tasks[d.task[i]] for i in short[:MAX_EXAMPLES]], "n_answers": len(short)},
        "Check the short answers by hand; near-duplicate detection needs a few words.",
    )]  # fmt: skip
