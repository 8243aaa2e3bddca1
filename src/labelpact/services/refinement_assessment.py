"""Measure a preferences, ratings or demonstrations delivery and judge it by the contract (no store involved).

Each ``assess_*`` runs the core methods (Bradley–Terry and worker quality; alpha and rater effects per
criterion; near-duplicates and LLM-use signals), turns them into evidence for ``contracts.refinement_verdict``
and findings from ``contracts.refinement_findings``, and draws the ISO 2859-1 sample of tasks to re-check.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from labelpact.contracts.contract import Contract
from labelpact.contracts.findings import Finding, Reason, Verdict, worst_outcome
from labelpact.contracts.refinement_findings import (
    demonstration_findings,
    demonstration_flags,
    preference_findings,
    preference_flags,
    preference_scored,
    rating_findings,
    rating_flags,
)
from labelpact.contracts.refinement_verdict import (
    DemonstrationEvidence,
    Measure,
    PreferenceEvidence,
    RatingEvidence,
    demonstration_reasons,
    preference_reasons,
    rating_reasons,
)
from labelpact.core.acceptance import SamplingPlan, draw_sample, sampling_plan
from labelpact.core.agreement import Estimate
from labelpact.core.annotations import TaskPayloads
from labelpact.core.demonstrations import demonstration_signals
from labelpact.core.intervals import wilson_interval
from labelpact.core.keyed import name_keys
from labelpact.core.preferences import (
    TIE,
    BradleyTerry,
    choice_agreement,
    comparison_graph,
    group_ranks,
    preference_workers,
)
from labelpact.core.ratings import rater_effects, rating_agreement, straight_lining, straight_lining_counts
from labelpact.ethics.pii import scan_pii
from labelpact.ethics.reasons import GUESS_BELOW
from labelpact.io.deliverable import KindDelivery, delivery_kind
from labelpact.io.demonstrations import DemonstrationDelivery
from labelpact.io.preferences import PreferenceDelivery
from labelpact.io.ratings import RatingDelivery
from labelpact.services.position_bias import position_bias
from labelpact.services.sampling import sample_seed as resolve_sample_seed

__all__ = ["TABLE_ROLE", "KindAssessment", "as_json", "assess_deliverable"]

# the role under which each kind's audit stores its own table (item scores, consensus scores, answer signals)
TABLE_ROLE = {"preferences": "scores", "ratings": "scores", "demonstrations": "signals"}


@dataclass(frozen=True, slots=True)
class KindAssessment:
    """The verdict on one deliverable and what it rests on; ``metrics`` is the stored metrics document,
    ``sample`` the task names of the plan's sample, ``tables`` named columns to keep beside the audit."""

    kind: str
    verdict: Verdict
    reasons: tuple[Reason, ...]
    findings: tuple[Finding, ...]
    metrics: dict[str, Any]
    plan: SamplingPlan
    sample: tuple[str, ...]
    method: str
    tables: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    sample_seed: int = 0  # the seed ``sample`` was drawn with (``services.sampling``)


def _number(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 6)


def _measure(e: Estimate, why: str | None = None) -> Measure:
    """``e`` as evidence; unknown (saying ``why``) when the data cannot measure it at all."""
    if why is not None:
        return Measure(None, why=why)
    return Measure(_number(e.value), None if not all(map(math.isfinite, e.ci)) else (e.ci[0], e.ci[1]))


def _share(k: int, n: int) -> Measure:
    if n == 0:
        return Measure(None)
    lo, hi = wilson_interval(k, n)
    return Measure(k / n, (float(lo), float(hi)))


def _doc(m: Measure) -> dict[str, Any]:
    return {"value": _number(m.value), "ci": None if m.ci is None else [_number(m.ci[0]), _number(m.ci[1])]}


def _worst_first(findings: list[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: -f.rank))


def _common(n: int, flagged_rows: int, alpha: Measure | None, what: str) -> dict[str, Any]:
    """The keys every audit's metrics share, which partner health and reports read: the rows, the share of the
    batch made by flagged workers (or flagged answers) as its defect rate, and the agreement."""
    rate = _share(flagged_rows, n)
    return {
        "n_annotations": n,
        "error_rate": _doc(rate) | {"source": f"share of the batch {what}", "verified": False},
        "agreement": {"krippendorff_alpha": _doc(alpha if alpha is not None else Measure(None))},
    }


def _plan(
    contract: Contract, tasks: tuple[str, ...], random_state: int
) -> tuple[SamplingPlan, tuple[str, ...]]:
    plan = sampling_plan(
        len(tasks), aql=contract.acceptance.aql, inspection_level=contract.acceptance.inspection_level
    )
    drawn = draw_sample(len(tasks), plan, random_state=random_state, keys=name_keys(tasks, random_state))
    return plan, tuple(sorted(tasks[int(i)] for i in drawn))  # by name, as a label audit's sample


def _unjudged(kind: str, reasons: list[Reason], plan: SamplingPlan) -> list[Reason]:
    """``reasons``, or, where the contract sets no clause for ``kind``, one that sends the batch to review of
    its sample: with nothing to judge it by, a batch is not accepted (its findings may be critical)."""
    if reasons:
        return reasons
    return [
        Reason(
            "acceptance.aql",
            "review",
            f"the contract sets no [{kind}] clause, so nothing accepts the batch but a review of its sample "
            f"({plan.sample_size} tasks: labelpact audits sample, then labelpact review)",
            limit=plan.aql / 100.0,  # a fraction, as acceptance.aql on labels and every other clause
        )
    ]


def assess_deliverable(
    delivery: KindDelivery,
    contract: Contract,
    *,
    n_bootstrap: int = 200,
    random_state: int = 0,
    sample_seed: int | None = None,
) -> KindAssessment:
    """Measure ``delivery`` and judge it by ``contract``; the sample is drawn with ``sample_seed``, else a
    secret seed (``services.sampling``)."""
    seed = resolve_sample_seed(sample_seed)
    if isinstance(delivery, PreferenceDelivery):
        a = _preferences(delivery, contract, n_bootstrap, random_state, seed)
    elif isinstance(delivery, RatingDelivery):
        a = _ratings(delivery, contract, n_bootstrap, random_state, seed)
    elif isinstance(delivery, DemonstrationDelivery):
        a = _demonstrations(delivery, contract, random_state, seed)
    else:
        raise TypeError(f"not a deliverable: {delivery_kind(delivery)}")  # pragma: no cover
    return replace(a, sample_seed=seed)


def _preferences(
    p: PreferenceDelivery, contract: Contract, n_bootstrap: int, seed: int, sample_seed: int
) -> KindAssessment:
    c = p.comparisons
    bt = BradleyTerry().fit(c)
    w = preference_workers(c, strengths=bt.strengths_, gold=p.gold)
    alpha = choice_agreement(
        c, level="ordinal", n_bootstrap=n_bootstrap, random_state=seed
    )  # a tie between wins
    graph = comparison_graph(c)
    limit = contract.preferences.max_position_bias
    flags = preference_flags(w, max_bias=0.1 if limit is None else limit)
    if not p.sides_known:  # the reader oriented each pair at random: a lean to one side is noise
        flags["position_bias"] = np.zeros_like(flags["position_bias"])
    flagged = np.logical_or.reduce(list(flags.values()))
    scored = int(preference_scored(w).sum())  # every flag needs its own evidence: these could be flagged
    gold_n = int(w.gold_n.sum())
    gold_hits = round(float(np.nansum(w.gold_agreement * w.gold_n)))
    evidence = PreferenceEvidence(
        n_comparisons=c.n_comparisons,
        n_workers=c.n_workers,
        n_items=c.n_items,
        agreement=_measure(alpha.krippendorff_alpha, alpha.unidentifiable),
        gold_agreement=_share(gold_hits, gold_n),
        position_bias=position_bias(p, bt.strengths_),
        n_flagged_workers=int(flagged.sum()),
        n_scored_workers=scored,
    )
    reasons = preference_reasons(evidence, contract)
    findings = preference_findings(w, flags, graph)
    plan, sample = _plan(contract, c.tasks, sample_seed)
    reasons = _unjudged("preferences", reasons, plan)
    # strongest first within each comparison group, as ``aggregate`` and the scores table rank them: items of
    # groups never compared with each other cannot be ordered against each other
    grouped, group, rank = group_ranks(bt.ranking(), graph.component)
    metrics = {
        "kind": "preferences",
        "n_comparisons": c.n_comparisons,
        "n_tasks": c.n_tasks,
        "n_workers": c.n_workers,
        "n_items": c.n_items,
        "tie_rate": _number(float(np.mean(c.choice == TIE))),
        "krippendorff_alpha": _doc(evidence.agreement),
        "position_bias": _doc(evidence.position_bias),
        "gold_agreement": _doc(evidence.gold_agreement) | {"n": gold_n},
        "graph": {
            "n_components": graph.n_components,
            "n_strong": graph.n_strong,
            "identifiable": graph.identifiable,
        },
        "flagged_workers": {k: int(v.sum()) for k, v in flags.items()},
        "top_items": [c.items[i] for i in grouped[:10]],
        "tie_parameter": _number(bt.tie_parameter_),
    } | _common(
        c.n_comparisons, int(w.n_comparisons[flagged].sum()), evidence.agreement, "by flagged workers"
    )
    tables = {
        TABLE_ROLE["preferences"]: {
            "item": np.array(c.items, dtype=object)[grouped].tolist(),
            "score": bt.strengths_[grouped].tolist(),
            "group": group.tolist(),
            "rank": rank.tolist(),
        },
    }
    return KindAssessment(
        "preferences", worst_outcome(reasons), tuple(reasons), _worst_first(findings), metrics, plan, sample,
        "bradley-terry", tables,
    )  # fmt: skip


def _worst(agreement: Mapping[str, Measure]) -> Measure | None:
    """The criterion with the lowest alpha (the one a minimum-agreement clause would catch first)."""
    known = [m for m in agreement.values() if m.known]
    return min(known, key=lambda m: float(m.value or 0.0)) if known else None


def _straight_share(r: Any) -> Measure:
    """Share of (worker, task) cells rated on 2+ distinct criteria with one score on all of them, Wilson
    interval (``core.ratings.straight_lining_counts``: a repeated row on one criterion is no straight line)."""
    return _share(*straight_lining_counts(r))


def _ratings(
    d: RatingDelivery, contract: Contract, n_bootstrap: int, seed: int, sample_seed: int
) -> KindAssessment:
    r = d.ratings
    level = contract.ratings.agreement_level
    agreement: dict[str, Measure] = {}
    effects = []
    for name in r.criteria:  # a loop over rubric criteria (a handful)
        alpha = rating_agreement(r, name, level=level, n_bootstrap=n_bootstrap, random_state=seed)
        some = bool(np.any(r.criterion == r.criterion_code(name)))
        why = alpha.unidentifiable if some else "no rating of it in the batch"
        agreement[name] = _measure(alpha.krippendorff_alpha, why)
        effects.append(rater_effects(r, name))
    limit = contract.ratings.max_rater_offset
    offsets = [limit if limit is not None else 0.15 * (hi - lo) for lo, hi in r.scales]
    straight = straight_lining(r)
    flags = rating_flags(effects, straight, max_offsets=offsets)
    counts = np.bincount(r.worker, minlength=r.n_workers).astype(np.intp)
    flagged = np.logical_or.reduce(list(flags.values()))
    evidence = RatingEvidence(
        n_ratings=r.n_ratings,
        n_workers=r.n_workers,
        agreement=agreement,
        straight_lining=_straight_share(r),
        n_flagged_workers=int(flagged.sum()),
        n_scored_workers=int((counts >= 1).sum()),
        level=level,
    )
    reasons = rating_reasons(evidence, contract)
    findings = rating_findings(effects, flags, counts, r.workers)
    plan, sample = _plan(contract, r.tasks, sample_seed)
    reasons = _unjudged("ratings", reasons, plan)
    metrics = {
        "kind": "ratings",
        "n_ratings": r.n_ratings,
        "n_tasks": r.n_tasks,
        "n_workers": r.n_workers,
        "criteria": {
            name: {"scale": list(scale), f"krippendorff_alpha_{level}": _doc(agreement[name]),
                   "residual_sd": _number(e.residual_sd)}
            for name, scale, e in zip(r.criteria, r.scales, effects, strict=True)
        },
        "straight_lining": _doc(evidence.straight_lining),
        "flagged_workers": {k: int(v.sum()) for k, v in flags.items()},
    } | _common(r.n_ratings, int(counts[flagged].sum()), _worst(agreement), "by flagged raters")  # fmt: skip
    columns: dict[str, list[Any]] = {"task": [], "criterion": [], "score": [], "low": [], "high": []}
    for e in effects:
        rated = e.raters_per_task > 0
        columns["task"] += [t for t, keep in zip(r.tasks, rated, strict=True) if keep]
        columns["criterion"] += [e.criterion] * int(rated.sum())
        columns["score"] += e.consensus[rated].tolist()
        columns["low"] += e.consensus_interval[rated, 0].tolist()
        columns["high"] += e.consensus_interval[rated, 1].tolist()
    return KindAssessment(
        "ratings", worst_outcome(reasons), tuple(reasons), _worst_first(findings), metrics, plan, sample,
        "rater-effects", {TABLE_ROLE["ratings"]: columns},
    )  # fmt: skip


def _pii(texts: tuple[str, ...]) -> tuple[int, dict[str, int], dict[str, int]]:
    """Answers holding personal data, counts by entity, and counts by entity of the low-confidence guesses
    (confidence below ``GUESS_BELOW``), from the ethics scanner without name lists."""
    payloads = TaskPayloads(tuple(str(i) for i in range(len(texts))), {"text": texts})
    found = scan_pii(payloads, names="off").findings
    entities: dict[str, int] = {}
    guesses: dict[str, int] = {}
    for f in found:
        entities[f.entity] = entities.get(f.entity, 0) + 1
        if f.confidence < GUESS_BELOW:
            guesses[f.entity] = guesses.get(f.entity, 0) + 1
    return len({f.task for f in found}), entities, guesses


def _demonstrations(
    d: DemonstrationDelivery, contract: Contract, seed: int, sample_seed: int
) -> KindAssessment:
    x = d.demonstrations
    k = contract.demonstrations
    s = demonstration_signals(
        x, typing_cps=k.typing_cps, duplicate_threshold=k.duplicate_threshold, min_words=k.min_words,
        min_signals=k.min_signals,
    )  # fmt: skip
    per_worker = np.bincount(x.worker, minlength=x.n_workers).astype(np.intp)
    flags = demonstration_flags(s, per_worker)
    pii_answers, pii, guesses = _pii(x.text)
    n = x.n_answers
    low_quality = sum(1 for q in s.quality if q)
    evidence = DemonstrationEvidence(
        n_answers=n,
        n_workers=x.n_workers,
        near_duplicate_rate=_share(int(s.near_duplicates.duplicated.sum()), s.near_duplicates.n_measured),
        llm_suspect_share=_share(int(s.llm_suspect.sum()), n),
        low_quality_share=_share(low_quality, n),
        pii_answers=pii_answers,
        pii_entities=pii,
        pii_guesses=guesses,
        guess_below=GUESS_BELOW,
    )
    reasons = demonstration_reasons(evidence, contract)
    findings = demonstration_findings(s, x, flags, pii, guesses)
    plan, sample = _plan(contract, x.tasks, sample_seed)
    reasons = _unjudged("demonstrations", reasons, plan)
    metrics = {
        "kind": "demonstrations",
        "n_answers": n,
        "n_tasks": x.n_tasks,
        "n_workers": x.n_workers,
        "near_duplicate_rate": _doc(evidence.near_duplicate_rate),
        "llm_suspect_share": _doc(evidence.llm_suspect_share),
        "low_quality_share": _doc(evidence.low_quality_share),
        "signals": {
            "too_fast": int(s.too_fast.sum()),
            "pasted": int(s.pasted.sum()),
            "chatbot_vocabulary": int((s.tell_rate >= 1.5).sum()),
            "homogeneous": int((s.homogeneity >= 0.5).sum()),
        },
        "pii_answers": pii_answers,
        "flagged_workers": {key: int(v.sum()) for key, v in flags.items()},
        "median_words": _number(float(np.median(s.n_words))) if n else None,
    } | _common(
        n, int((s.llm_suspect | s.near_duplicates.duplicated).sum()), None, "LLM-suspect or near-duplicated"
    )
    table = {
        "task": [x.tasks[i] for i in x.task],
        "worker": [x.workers[i] for i in x.worker],
        "llm_signals": s.llm_signals.tolist(),
        "near_duplicate_cluster": s.near_duplicates.cluster.tolist(),
    }
    return KindAssessment(
        "demonstrations", worst_outcome(reasons), tuple(reasons), _worst_first(findings), metrics, plan, sample,
        "minhash-signals", {TABLE_ROLE["demonstrations"]: table},
    )  # fmt: skip


def as_json(value: Mapping[str, Any]) -> dict[str, Any]:
    """A metrics document with NaN and infinities replaced by None (JSON has neither)."""

    def clean(v: Any) -> Any:
        if isinstance(v, float):
            return v if math.isfinite(v) else None
        if isinstance(v, Mapping):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        if isinstance(v, np.generic):
            return clean(v.item())
        return v

    return clean(dict(value))  # type: ignore[no-any-return]
