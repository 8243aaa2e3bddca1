"""Use cases behind ``aggregate``, ``agreement`` and ``workers`` for preferences, ratings and demonstrations.

``aggregate`` ranks preference items by Bradley–Terry strength (``item, score, rank``) or scores each task
per rubric criterion with an interval (``task, criterion, score, low, high``); ``agreement`` gives
Krippendorff's alpha on the choices or per criterion; ``workers`` gives one row per worker with the flags
the audit would raise. No store is involved.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from labelpact.contracts.contract import Contract
from labelpact.contracts.refinement_findings import (
    demonstration_flags,
    preference_flags,
    rating_flags,
)
from labelpact.core.demonstrations import demonstration_signals
from labelpact.core.preferences import (
    CHOICES,
    BradleyTerry,
    choice_agreement,
    comparison_graph,
    gold_ranking,
    group_ranks,
    preference_workers,
    ranking_stability,
)
from labelpact.core.ratings import rater_effects, rating_agreement, straight_lining
from labelpact.errors import InvalidInputError
from labelpact.io.deliverable import KindDelivery, read_deliverable
from labelpact.io.demonstrations import DemonstrationDelivery
from labelpact.io.export import write_csv_table
from labelpact.io.outputs import refuse_store_file
from labelpact.io.preferences import PreferenceDelivery
from labelpact.io.ratings import RatingDelivery
from labelpact.services.refinement_assessment import as_json

__all__ = ["deliverable_aggregate", "deliverable_agreement", "deliverable_workers"]


def _read(
    path: str | Path,
    kind: str,
    gold: str | Path | None,
    task: str | None,
    worker: str | None,
    text: str | None = None,
) -> KindDelivery:
    return read_deliverable(
        path, kind=kind, gold=gold, task_column=task, worker_column=worker, text_column=text
    )


def _write(columns: dict[str, Any], out: str | Path | None) -> None:
    if out is not None:
        refuse_store_file(Path(out))
        write_csv_table(pa.table(columns), out)


def deliverable_aggregate(
    path: str | Path,
    *,
    kind: str,
    out: str | Path | None = None,
    gold: str | Path | None = None,
    task_column: str | None = None,
    worker_column: str | None = None,
    text_column: str | None = None,
) -> dict[str, Any]:
    """Bradley–Terry strengths of preference items, or consensus scores of rated tasks; ``out`` gets the CSV."""
    started = time.perf_counter()
    d = _read(path, kind, gold, task_column, worker_column, text_column)
    if isinstance(d, PreferenceDelivery):
        c = d.comparisons
        bt = BradleyTerry().fit(c)
        graph = comparison_graph(c)
        order, group, rank = group_ranks(bt.ranking(), graph.component)  # strongest first in each group
        items = np.array(c.items, dtype=object)[order].tolist()
        _write({"item": items, "score": bt.strengths_[order], "group": group, "rank": rank}, out)
        checked = None if d.gold is None else gold_ranking(c.items, bt.strengths_, d.gold)
        return as_json({
            "kind": "preferences", "method": "bradley-terry", "n_tasks": c.n_tasks, "n_workers": c.n_workers,
            "n_annotations": c.n_comparisons, "n_classes": len(CHOICES),  # a judgement; left, right or tie
            "accuracy": None if checked is None else checked.accuracy,
            "n_gold": 0 if checked is None else checked.n_gold,
            "accuracy_of": "share of the gold pairs with a known winner (both items in the batch) whose winner "
            "the Bradley-Terry scores rank higher, an equal score counting half; gold ties are left out",
            "n_items": c.n_items, "n_comparisons": c.n_comparisons, "tie_parameter": bt.tie_parameter_,
            "identifiable": graph.identifiable, "unrankable": graph.problems(),
            "top_items": [c.items[i] for i in order[:10]], "seconds": round(time.perf_counter() - started, 4),
        })  # fmt: skip
    if isinstance(d, RatingDelivery):
        r = d.ratings
        cols: dict[str, list[Any]] = {"task": [], "criterion": [], "score": [], "low": [], "high": []}
        for name in r.criteria:  # a loop over rubric criteria (a handful)
            e = rater_effects(r, name)
            rated = e.raters_per_task > 0
            cols["task"] += [t for t, keep in zip(r.tasks, rated, strict=True) if keep]
            cols["criterion"] += [name] * int(rated.sum())
            cols["score"] += e.consensus[rated].tolist()
            for side, bound in (("low", 0), ("high", 1)):  # no interval (one rating a task): an empty cell
                cols[side] += [
                    None if np.isnan(v) else v for v in e.consensus_interval[rated, bound].tolist()
                ]
        _write(cols, out)
        return as_json({
            "kind": "ratings", "method": "rater-effects", "n_tasks": r.n_tasks, "n_workers": r.n_workers,
            "n_annotations": r.n_ratings, "n_classes": None, "accuracy": None,
            "notes": ["n_classes is null: a rating is a score on the criterion's scale, not a class",
                      "accuracy is null: ratings take no gold file"],
            "n_ratings": r.n_ratings, "criteria": list(r.criteria),
            "n_without_interval": sum(v is None for v in cols["low"]),
            "seconds": round(time.perf_counter() - started, 4),
        })  # fmt: skip
    raise InvalidInputError(
        "a kind with a consensus to infer (labels, preferences or ratings)",
        column="kind",
        column_kind="field",
        got="'demonstrations'",
    )


def deliverable_agreement(
    path: str | Path,
    *,
    kind: str,
    level: str | None = None,
    n_bootstrap: int = 1000,
    task_column: str | None = None,
    worker_column: str | None = None,
    text_column: str | None = None,
) -> dict[str, Any]:
    """Krippendorff's alpha (and the other coefficients) on preference choices, with the bootstrap Kendall tau
    of the Bradley–Terry ranking (at most 100 refits), or per rubric criterion (``level`` None: ordinal, as
    the audit's default ``ratings.agreement_level``)."""
    level = level or "ordinal"
    d = _read(path, kind, None, task_column, worker_column, text_column)
    if isinstance(d, PreferenceDelivery):
        a = choice_agreement(d.comparisons, level=level, n_bootstrap=n_bootstrap)  # type: ignore[arg-type]
        stability = None  # --bootstrap 0: no replicate, so no stability (as no interval)
        if n_bootstrap:
            stable = ranking_stability(d.comparisons, n_bootstrap=min(n_bootstrap, 100))
            widest = float(np.max(stable.rank_interval[:, 1] - stable.rank_interval[:, 0]))
            stability = {
                "kendall_tau": stable.kendall_tau.to_dict(),
                "n_bootstrap": stable.n_bootstrap,
                "widest_rank_interval": widest,
            }
        return as_json(
            {"kind": "preferences", "level": level} | a.to_dict() | {"ranking_stability": stability}
        )
    if isinstance(d, RatingDelivery):
        criteria = {
            name: rating_agreement(d.ratings, name, level=level, n_bootstrap=n_bootstrap).to_dict()  # type: ignore[arg-type]
            for name in d.ratings.criteria
        }
        return as_json({"kind": "ratings", "level": level, "criteria": criteria})
    raise InvalidInputError(
        "a kind whose agreement is measured (labels, preferences or ratings)",
        column="kind",
        column_kind="field",
        got="'demonstrations'",
    )


def deliverable_workers(
    path: str | Path,
    *,
    kind: str,
    gold: str | Path | None = None,
    out: str | Path | None = None,
    task_column: str | None = None,
    worker_column: str | None = None,
    text_column: str | None = None,
) -> dict[str, Any]:
    """One row per worker with the measures and flags the audit of ``kind`` uses (default contract)."""
    d = _read(path, kind, gold, task_column, worker_column, text_column)
    contract = Contract.default()
    rows: dict[str, Any]
    if isinstance(d, PreferenceDelivery):
        c = d.comparisons
        w = preference_workers(c, strengths=BradleyTerry().fit(c).strengths_, gold=d.gold)
        flags = preference_flags(w, max_bias=0.1)
        sides: list[np.ndarray] = [w.left_rate, w.position_bias, w.position_bias_p]
        if not d.sides_known:  # chosen/rejected pairs oriented at random: no side was measured
            sides = [np.full(c.n_workers, np.nan) for _ in sides]
            flags["position_bias"] = np.zeros(c.n_workers, dtype=bool)
        rows = {
            "worker": list(c.workers), "n_comparisons": w.n_comparisons, "majority_agreement": w.majority_agreement,
            "gold_agreement": w.gold_agreement, "left_rate": sides[0], "position_bias": sides[1],
            "position_bias_p": sides[2], "spammer_score": w.spammer_score, "cycles": w.cycles,
            "median_duration_s": w.median_duration_s,
        }  # fmt: skip
    elif isinstance(d, RatingDelivery):
        r = d.ratings
        effects = [rater_effects(r, name) for name in r.criteria]
        flags = rating_flags(
            effects, straight_lining(r), max_offsets=[0.15 * (hi - lo) for lo, hi in r.scales]
        )
        rows = {"worker": list(r.workers), "n_ratings": np.bincount(r.worker, minlength=r.n_workers)}
        rows |= {f"offset_{e.criterion}": e.offset for e in effects}
        rows["straight_lining"] = straight_lining(r)
    elif isinstance(d, DemonstrationDelivery):
        x = d.demonstrations
        k = contract.demonstrations
        s = demonstration_signals(x, typing_cps=k.typing_cps, duplicate_threshold=k.duplicate_threshold)
        per_worker = np.bincount(x.worker, minlength=x.n_workers).astype(np.intp)
        flags = demonstration_flags(s, per_worker)
        rows = {
            "worker": list(x.workers), "n_answers": per_worker, "llm_suspect_share": s.worker_suspect_share,
            "template_share": s.worker_template_share,
        }  # fmt: skip
    names = list(flags)
    rows["flags"] = [";".join(n for n in names if flags[n][i]) for i in range(len(rows["worker"]))]
    table = {key: (v.tolist() if isinstance(v, np.ndarray) else v) for key, v in rows.items()}
    _write(table, out)
    records = [dict(zip(table, values, strict=True)) for values in zip(*table.values(), strict=True)]
    for record in records:
        record["flags"] = [f for f in record["flags"].split(";") if f]
    return as_json({"kind": kind, "workers": records})
