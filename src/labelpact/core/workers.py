"""Worker scorecards: gold accuracy, agreement with the consensus, spammer score, speed, copying, flags.

Every score is a column over workers computed with bincounts and sparse products over the
integer-coded annotations, so 2,000 workers or 200,000 cost the same few passes over the labels.
Copy detection lives in ``core.copying``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from labelpact.core.aggregators.base import MAX_DENSE_CELLS
from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.core.copying import (
    CopyTests,
    confusion_counts,
    copy_tests,
    label_matrix,
    shrunk_confusions,
    task_log_likelihood,
)
from labelpact.core.intervals import wilson_interval
from labelpact.core.worker_speed import annotation_durations, median_durations, speed_scores
from labelpact.errors import InvalidInputError

__all__ = [
    "WorkerReport",
    "WorkerThresholds",
    "score_workers",
    "spammer_of",
    "spammer_scores",
]

REFERENCE_EM_STEPS = 10  # Dawid–Skene refinements of the reference before scoring confusions


@dataclass(frozen=True, slots=True)
class WorkerThresholds:
    """When a score becomes a flag; every flag also needs ``min_labels`` labels (or gold labels)."""

    min_labels: int = 20
    max_spammer_score: float = 0.95  # flag `spammer` at or above (Raykar & Yu S <= 0.05)
    min_gold: int = 5
    min_gold_accuracy: float = 0.8  # flag `low_gold_accuracy` when the Wilson upper bound is below
    agreement_margin: float = 0.2  # flag `low_agreement` when the Wilson upper bound < crowd median - margin
    too_fast_z: float = -3.5  # flag `too_fast` at or below (modified z of the log median duration)
    too_fast_ratio: float = 0.5  # ... and only when the median time is at most this share of the crowd median
    copy_min_shared: int = 20
    copy_fdr: float = 0.05
    copy_min_excess: float = 0.1


@dataclass(frozen=True, slots=True)
class WorkerReport:
    """Scores per worker, arrays of shape (n_workers,) in ``workers`` order, and the copy tests."""

    workers: tuple[str, ...]
    classes: tuple[str, ...]
    n_labels: IntArray
    n_gold: IntArray  # labels on gold tasks
    gold_accuracy: FloatArray  # NaN without gold labels
    gold_accuracy_ci: FloatArray  # (n_workers, 2), Wilson
    consensus_agreement: FloatArray  # share of labels equal to the consensus, NaN when none comparable
    consensus_agreement_ci: FloatArray  # (n_workers, 2), Wilson
    confusion: FloatArray  # (n_workers, n_classes, n_classes) label counts [worker, reference, observed]
    spammer_score: FloatArray  # 1 - Raykar & Yu's S: 0 informative, 1 labels independent of the truth
    median_duration_s: FloatArray  # NaN when unknown
    speed_z: FloatArray  # modified z of log median duration against all workers; negative is fast
    flags: tuple[tuple[str, ...], ...]
    copying: CopyTests
    thresholds: WorkerThresholds = field(default_factory=WorkerThresholds)

    def flag_counts(self) -> dict[str, int]:
        """Workers per flag kind, first seen first (``copying:<x>`` and ``copying:<y>``: one worker, once)."""
        kinds = chain.from_iterable(dict.fromkeys(f.split(":", 1)[0] for f in fs) for fs in self.flags)
        return dict(Counter(kinds))

    def to_dict(self) -> dict[str, Any]:
        """The ``labelpact workers --json`` document: contract keys per worker, then extras."""

        # columns become Python lists in one pass each (a per-worker numpy scalar costs seconds at 1M workers)
        def num(x: FloatArray) -> list[float | None]:
            column = np.asarray(x, dtype=np.float64).astype(object)
            column[~np.isfinite(x)] = None
            values: list[float | None] = column.tolist()
            return values

        def pair(x: FloatArray) -> list[list[float] | None]:
            rows: list[list[float] | None] = [None] * len(x)
            finite = np.flatnonzero(np.isfinite(x).all(axis=1))  # rows without a score stay None
            for i, value in zip(
                finite.tolist(), np.asarray(x, dtype=np.float64)[finite].tolist(), strict=True
            ):
                rows[i] = value
            return rows

        columns = zip(
            self.workers,
            self.n_labels.tolist(),
            num(self.gold_accuracy),
            pair(self.gold_accuracy_ci),
            num(self.consensus_agreement),
            num(self.spammer_score),
            self.flags,
            self.n_gold.tolist(),
            pair(self.consensus_agreement_ci),
            num(self.median_duration_s),
            num(self.speed_z),
            strict=True,
        )
        rows = [
            {
                "worker": name,
                "n_labels": int(n_labels),
                "gold_accuracy": gold_accuracy,
                "gold_accuracy_ci": gold_ci,
                "consensus_agreement": agreement,
                "spammer_score": spammer,
                "flags": list(flags),
                "n_gold": int(n_gold),
                "consensus_agreement_ci": agreement_ci,
                "median_duration_s": duration,
                "speed_z": speed_z,
            }
            for (
                name,
                n_labels,
                gold_accuracy,
                gold_ci,
                agreement,
                spammer,
                flags,
                n_gold,
                agreement_ci,
                duration,
                speed_z,
            ) in columns
        ]
        return {
            "workers": rows,
            "copy_pairs": self.copying.rows(self.workers),
            "n_pairs_tested": len(self.copying),
            "thresholds": asdict(self.thresholds),
        }


def score_workers(
    a: Annotations,
    *,
    consensus: IntArray,
    probas: FloatArray | None = None,
    gold: Gold | None = None,
    thresholds: WorkerThresholds | None = None,
    random_state: int | None = 0,
) -> WorkerReport:
    """Score every worker of ``a`` against gold (where known) and the consensus, and flag the suspicious.

    ``consensus`` (n_tasks,): class codes, -1 none; ``probas`` (n_tasks, K): its posterior, if any. ``confusion``
    counts labels against gold, else the posterior, else the consensus class; spammer scores, labels (one per
    task) against the class shown (gold, else the consensus; ``spammer_of``); copy tests, the reference refined
    by a few Dawid–Skene EM steps (gold fixed), so a noisy majority vote does not make good workers look alike.
    Deterministic (``random_state`` for a uniform API); InvalidInputError past ``MAX_DENSE_CELLS`` (2 GiB).
    """
    del random_state
    consensus, probas, gold_dense = _checked(a, consensus, probas, gold)
    limits = thresholds or WorkerThresholds()
    n_labels = a.labels_per_worker()
    own = gold.authors_dense(a.n_tasks) if gold is not None else None  # nobody is scored on their own gold
    n_gold, correct = label_matches(a, gold_dense, own)
    n_cons, agree = label_matches(a, consensus)
    with np.errstate(divide="ignore", invalid="ignore"):
        gold_accuracy = np.where(n_gold > 0, correct / n_gold, np.nan)
        consensus_agreement = np.where(n_cons > 0, agree / n_cons, np.nan)
    first = a.one_per_pair()
    gold_ci = task_wilson(correct, n_gold, label_matches(first, gold_dense, own)[0])
    cons_ci = task_wilson(agree, n_cons, label_matches(first, consensus)[0])

    reference = worker_reference(a, consensus, probas, gold_dense)
    confusion = confusion_counts(a, reference)
    posterior = _refined_posterior(first, reference, gold_dense)
    shown = worker_reference(a, consensus, None, gold_dense)  # what the scorecard shows, as whole labels
    spammer, looks_spammer = spammer_of(confusion_counts(first, shown), limits)
    copying = copy_tests(
        a,
        posterior,
        min_shared=limits.copy_min_shared,
        fdr=limits.copy_fdr,
        min_excess=limits.copy_min_excess,
    )
    durations = annotation_durations(a)
    median_duration, n_timed = (
        (np.full(a.n_workers, np.nan), np.zeros(a.n_workers, dtype=np.intp))
        if durations is None
        else median_durations(a.worker, durations, a.n_workers)
    )
    speed_z, too_fast = speed_scores(median_duration, n_timed, limits)
    enough = n_labels >= limits.min_labels
    crowd = consensus_agreement[enough & (n_cons > 0)]
    crowd_median = float(np.median(crowd)) if len(crowd) else np.nan
    rules = {
        "spammer": enough & looks_spammer,
        "low_gold_accuracy": (n_gold >= limits.min_gold) & (gold_ci[:, 1] < limits.min_gold_accuracy),
        "too_fast": too_fast,
        "low_agreement": (n_cons >= limits.min_labels)
        & (cons_ci[:, 1] < crowd_median - limits.agreement_margin),
    }
    return WorkerReport(
        workers=a.workers,
        classes=a.classes,
        n_labels=n_labels,
        n_gold=n_gold.astype(np.intp),
        gold_accuracy=gold_accuracy,
        gold_accuracy_ci=gold_ci,
        consensus_agreement=consensus_agreement,
        consensus_agreement_ci=cons_ci,
        confusion=confusion,
        spammer_score=spammer,
        median_duration_s=median_duration,
        speed_z=speed_z,
        flags=_flags(a, rules, copying),
        copying=copying,
        thresholds=limits,
    )


def _flags(
    a: Annotations, rules: dict[str, npt.NDArray[np.bool_]], copying: CopyTests
) -> tuple[tuple[str, ...], ...]:
    """Each worker's flags: the rules it breaks (name -> mask over workers), then ``copying:<other>``."""
    flags: list[list[str]] = [[] for _ in range(a.n_workers)]
    for name, mask in rules.items():  # a loop over flag kinds, then over flagged workers only
        for i in np.flatnonzero(mask):
            flags[i].append(name)
    for i in np.flatnonzero(copying.flagged):
        x, y = copying.worker_a[i], copying.worker_b[i]
        flags[x].append(f"copying:{a.workers[y]}")
        flags[y].append(f"copying:{a.workers[x]}")
    return tuple(tuple(f) for f in flags)


def _checked(
    a: Annotations, consensus: IntArray, probas: FloatArray | None, gold: Gold | None
) -> tuple[IntArray, FloatArray | None, IntArray]:
    """``score_workers``' inputs checked against ``a``: consensus codes, probas, and the gold per task (-1 none)."""
    if not isinstance(a, Annotations):
        raise InvalidInputError("an Annotations object", column="a", got=type(a).__name__)
    if gold is not None and not isinstance(gold, Gold):
        raise InvalidInputError("a Gold object or None", column="gold", got=type(gold).__name__)
    cells = a.n_workers * a.n_classes * a.n_classes
    if cells > MAX_DENSE_CELLS:  # ``confusion`` and the spammer scores hold (n_workers, K, K) arrays
        raise InvalidInputError(
            f"at most {MAX_DENSE_CELLS:,} worker x class x class cells for worker scorecards (MAX_DENSE_CELLS)",
            got=f"{cells:,} for {a.n_workers:,} workers and {a.n_classes:,} classes",
        )
    given = np.asarray(consensus)
    # class names (an estimator's labels_) or floats would be cast to codes silently
    if given.dtype.kind not in "iu" and given.size:
        raise InvalidInputError(
            "consensus as integer class codes (an estimator's probas_.argmax(axis=1), not its labels_)",
            column="consensus",
            got=f"an array of {given.dtype}",
        )
    consensus = given.astype(np.intp, copy=False)
    if consensus.shape != (a.n_tasks,) or (
        len(consensus) and (consensus.min() < -1 or consensus.max() >= a.n_classes)
    ):
        raise InvalidInputError(f"consensus: one class code in [-1, {a.n_classes}) per task ({a.n_tasks})")
    if probas is not None:
        probas = np.asarray(probas, dtype=np.float64)
        if probas.shape != (a.n_tasks, a.n_classes) or not np.isfinite(probas).all():
            raise InvalidInputError(f"probas: finite values of shape ({a.n_tasks}, {a.n_classes})")
    gold_dense = np.full(a.n_tasks, -1, dtype=np.intp)
    if gold is not None:
        if len(gold) and (
            gold.task.max() >= a.n_tasks
            or gold.label.max() >= a.n_classes
            or min(gold.task.min(), gold.label.min()) < 0
        ):
            raise InvalidInputError("gold coded into this batch's tasks and classes")
        gold_dense = gold.as_dense(a.n_tasks)
    return consensus, probas, gold_dense


def label_matches(
    a: Annotations, reference: IntArray, own: IntArray | None = None
) -> tuple[IntArray, FloatArray]:
    """Per worker (n_workers,): labels on tasks with a ``reference`` class (n_tasks,; -1 none), and how many match
    it; ``own`` (n_tasks,): the worker whose answer the task's reference is (-1 none), whose label is left out."""
    known = reference[a.task] >= 0
    if own is not None:
        known &= a.worker != own[a.task]
    n = np.bincount(a.worker[known], minlength=a.n_workers)
    hits = np.bincount(a.worker[known], a.label[known] == reference[a.task[known]], minlength=a.n_workers)
    return n, np.asarray(hits, dtype=np.float64)


def task_wilson(hits: FloatArray, n_labels: npt.ArrayLike, n_tasks: npt.ArrayLike) -> FloatArray:
    """Wilson intervals (n, 2) of ``hits / n_labels`` over the ``n_tasks`` distinct tasks those labels are on: a
    worker's repeated labels on one task are not independent trials, so the share's interval is as wide as
    the tasks allow (repeats taken as fully correlated; with no repeats it is the plain Wilson interval)."""
    n = np.asarray(n_labels, dtype=np.float64)
    m = np.asarray(n_tasks, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n > 0, hits / n, 0.0)
    return np.column_stack(wilson_interval(share * m, m))


def spammer_scores(confusions: FloatArray, *, seen: npt.NDArray[np.bool_] | None = None) -> FloatArray:
    """Raykar & Yu's S per worker from row-stochastic confusions (n_workers, K, K): 0 spammer, 1 perfect.

    Raykar & Yu (2012), "Eliminating spammers and ranking annotators for crowdsourced labeling tasks",
    JMLR 13: S = ||A - e v^T||_F^2 / (K - 1), the distance to the nearest rank-one matrix (every row the
    same: labels independent of the truth), v the mean row. Rows of classes a worker never met (``seen``
    False) are left out, K counting the rows kept; NaN below two rows.
    """
    mask = np.ones(confusions.shape[:2], dtype=bool) if seen is None else np.asarray(seen, dtype=bool)
    rows = mask.sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_row = (confusions * mask[:, :, None]).sum(1) / rows[:, None]
        spread = (((confusions - mean_row[:, None, :]) ** 2).sum(2) * mask).sum(1)
        return np.where(rows >= 2, np.clip(spread / (rows - 1), 0.0, 1.0), np.nan)


def worker_reference(
    a: Annotations, consensus: IntArray, probas: FloatArray | None, gold: IntArray
) -> FloatArray:
    """What each task's labels are scored against, (n_tasks, K): gold, else posterior, else consensus."""
    reference = np.zeros((a.n_tasks, a.n_classes))
    if probas is not None:
        reference[:] = probas / np.maximum(probas.sum(1, keepdims=True), 1e-300)
    else:
        has = np.flatnonzero(consensus >= 0)
        reference[has, consensus[has]] = 1.0
    has_gold = np.flatnonzero(gold >= 0)
    reference[has_gold] = 0.0
    reference[has_gold, gold[has_gold]] = 1.0
    return reference


def _refined_posterior(
    first: Annotations, reference: FloatArray, gold: IntArray, *, n_iter: int = REFERENCE_EM_STEPS
) -> FloatArray:
    """Task posteriors (n_tasks, K) after a few Dawid & Skene (1979, Applied Statistics 28) EM steps.

    Scoring workers against a hard consensus that is itself wrong at times makes every good worker
    look worse and good workers' agreement look suspicious; EM steps from the given reference, with
    gold rows held fixed, correct for that. ``first`` holds one label per (task, worker).
    """
    matrix = label_matrix(first)
    has_gold, unlabelled = gold >= 0, first.labels_per_task() == 0
    posterior = reference
    for _ in range(n_iter):
        log_conf = np.log(shrunk_confusions(confusion_counts(first, posterior, matrix=matrix)))
        priors = posterior.sum(0) + 1.0
        log_post = np.log(priors / priors.sum()) + task_log_likelihood(first, log_conf, matrix=matrix)
        posterior = np.exp(log_post - log_post.max(1, keepdims=True))
        posterior /= posterior.sum(1, keepdims=True)
        posterior[has_gold] = reference[has_gold]
        posterior[unlabelled] = 0.0
    return posterior


def spammer_of(counts: FloatArray, limits: WorkerThresholds) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Spammer scores (n_workers,) from whole-label counts (n_workers, K, K) [worker, reference, observed], and
    who looks like one: a score of at least ``max_spammer_score`` (never NaN), unless the worker agrees with
    the reference beyond the sum_k pi_k v_k <= max_k pi_k that labels blind to the truth (every confusion
    row v) reach on tasks of class shares pi: a Wilson lower bound above that share rules them out.
    """
    spammer = 1.0 - unbiased_spammer_scores(counts)
    n = counts.sum((1, 2))
    hits = np.minimum(np.trace(counts, axis1=1, axis2=2), n)  # float sums may exceed n by an ulp
    with np.errstate(divide="ignore", invalid="ignore"):
        best = counts.sum(2).max(1, initial=0.0) / n
    beyond_chance = wilson_interval(hits, n)[0] > best  # NaN (no labels) compares False
    return spammer, (spammer >= limits.max_spammer_score) & ~beyond_chance


def unbiased_spammer_scores(counts: FloatArray) -> FloatArray:
    """Raykar & Yu's S from whole-label confusion counts (n_workers, K, K), corrected for sampling noise.

    Rows estimated from few labels scatter by chance, which alone would make a spammer with 20 labels look
    informative (S about 0.15 at K = 4). Replacing each row's squared norm by its unbiased multinomial
    estimate (n ||a||^2 - 1) / (n - 1) removes that floor; it holds for whole labels only (posterior-weighted
    counts would pass fractional rows off as evidence). Rows under two labels are left out; NaN below two.
    """
    n = counts.sum(2)
    seen = n >= 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        rows = np.where(seen[:, :, None], counts / n[:, :, None], 0.0)
        norms = np.where(seen, (n * (rows**2).sum(2) - 1.0) / (n - 1.0), 0.0)
        k = seen.sum(1)
        cross = (rows.sum(1) ** 2).sum(1) - (rows**2).sum((1, 2))  # sum over c != c' of a_c . a_c'
        spread = norms.sum(1) * (1.0 - 1.0 / k) - cross / k  # sum_c ||a_c - mean row||^2, unbiased
        return np.where(k >= 2, np.clip(spread / (k - 1.0), 0.0, 1.0), np.nan)
