"""Label bias across slices (language, region, a demographic attribute): distribution, agreement, accuracy.

Per slice: the consensus label distribution against the rest (chi-square test of independence with
bias-corrected Cramér's V, Bergsma 2013, J. Korean Stat. Soc. 42), then pairwise percent agreement and the
accuracy of the labels on gold tasks. Labels on one task are correlated (a hard task is hard for
everyone), so both are ratio estimators with tasks as clusters (Cochran 1977, Sampling Techniques, 6.4):
the difference from the rest is a z-test whose variance takes the residuals about the pooled ratio (the
null's), and the interval is Wilson's on the effective sample size r(1-r)/var, floored at the number of
tasks when every task agrees (never a zero-width [1, 1]). p-values are corrected across the slices of a
column by Benjamini–Hochberg; every test reports its effect size beside its p-value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtr
from scipy.stats import chi2_contingency

from labelpact.core.annotations import Annotations, Gold, IntArray, TaskPayloads
from labelpact.core.intervals import benjamini_hochberg, check_confidence, wilson_interval
from labelpact.errors import InvalidInputError

__all__ = [
    "BiasReport",
    "SliceStats",
    "SliceTables",
    "bias_of_tables",
    "cramers_v",
    "label_bias",
    "slice_tables",
    "slices_from_payloads",
]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def _json(value: Any) -> Any:
    """NaN (anywhere in tuples, lists and dicts) as None, tuples as lists: what JSON can hold."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (tuple, list)):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


def cramers_v(table: FloatArray, *, corrected: bool = True) -> tuple[float, float, float]:
    """(chi2, p-value, Cramér's V) of a contingency table; all-zero rows and columns are dropped first.

    ``corrected`` uses Bergsma's bias correction (phi² shrunk by (r-1)(c-1)/(n-1), r and c shrunk
    likewise), which keeps V near 0 for independent small samples; NaN when the table is degenerate.
    """
    t = np.asarray(table, dtype=np.float64)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    n = t.sum()
    if t.shape[0] < 2 or t.shape[1] < 2 or n < 2:
        return math.nan, math.nan, math.nan
    chi2, p, _, _ = chi2_contingency(t, correction=False)
    r, c = t.shape
    phi2 = chi2 / n
    if corrected:
        phi2 = max(0.0, phi2 - (r - 1) * (c - 1) / (n - 1))
        r = r - (r - 1) ** 2 / (n - 1)
        c = c - (c - 1) ** 2 / (n - 1)
    denom = min(r - 1, c - 1)
    return float(chi2), float(p), float(math.sqrt(phi2 / denom)) if denom > 0 else math.nan


@dataclass(frozen=True, slots=True)
class SliceStats:
    """One slice against the rest of its column: sizes, estimates with intervals, effects, tests, flags."""

    slice: str
    n_tasks: int
    n_annotations: int
    label_counts: Mapping[str, int]  # consensus labels of the slice's tasks, per class
    distribution_v: float  # Cramér's V (corrected), slice vs rest x classes
    distribution_p: float
    distribution_q: float
    agreement: float  # pairwise percent agreement among the slice's labels
    agreement_ci: tuple[float, float]
    agreement_diff: float  # slice minus rest
    agreement_p: float
    agreement_q: float
    n_gold_labels: int
    n_gold_tasks: int
    gold_accuracy: float
    gold_accuracy_ci: tuple[float, float]
    accuracy_diff: float  # slice minus rest
    accuracy_p: float
    accuracy_q: float
    flags: tuple[str, ...]  # "label_distribution", "agreement", "gold_accuracy" where q <= fdr

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__slots__}
        out["label_counts"] = dict(self.label_counts)
        return {k: _json(v) for k, v in out.items()}


@dataclass(frozen=True, slots=True)
class BiasReport:
    """Slices of one column: the overall slices x classes test and the per-slice statistics."""

    column: str
    classes: tuple[str, ...]
    chi2: float
    p_value: float
    cramers_v: float  # bias-corrected
    n_tasks_used: int  # tasks with a slice value and a consensus label
    n_tasks_unsliced: int
    fdr: float
    slices: tuple[SliceStats, ...]

    @property
    def flagged(self) -> tuple[SliceStats, ...]:
        return tuple(s for s in self.slices if s.flags)

    def to_dict(self) -> dict[str, Any]:
        head = {
            "column": self.column,
            "classes": list(self.classes),
            "chi2": self.chi2,
            "p_value": self.p_value,
            "cramers_v": self.cramers_v,
            "n_tasks_used": self.n_tasks_used,
            "n_tasks_unsliced": self.n_tasks_unsliced,
            "fdr": self.fdr,
        }
        out: dict[str, Any] = _json(head)
        return out | {"slices": [s.to_dict() for s in self.slices]}


def slices_from_payloads(
    annotations: Annotations, payloads: TaskPayloads, column: str
) -> tuple[str | None, ...]:
    """The value of payload field ``column`` per task of ``annotations`` (None where absent)."""
    if column not in payloads.fields:
        raise InvalidInputError(f"a payload field among {list(payloads.fields)}", column=column)
    lookup = dict(zip(payloads.task, payloads.fields[column], strict=True))
    return tuple(lookup.get(task) for task in annotations.tasks)


def _ratio(sums: FloatArray, about: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
    """Ratio estimate sum(a)/sum(p) and its variance with tasks as clusters, per row of ``sums``.

    ``sums`` has columns (n, sum a, sum p, sum a², sum ap, sum p²); variance is NaN below two tasks. The
    residuals are a - R p about the row's own ratio, or about ``about`` (a pooled ratio per row) when given.
    """
    n, sa, sp, saa, sap, spp = sums.T
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = sa / sp
        centre = ratio if about is None else about
        resid = saa - 2 * centre * sap + centre**2 * spp
        var = np.where(n > 1, n / (n - 1) * resid / sp**2, np.nan)
    return np.where(sp > 0, ratio, np.nan), np.maximum(var, 0.0)


def _ratio_interval(sums: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    """Wilson interval of each row's ratio on its effective sample size r(1-r)/var (Kish's design effect),
    at most the pairs or labels it counts and, when the variance is 0 (every task agrees), the number of
    tasks: so a few unanimous tasks give [0.84, 1] for 20 tasks, not a zero-width [1, 1]. NaN below two tasks."""
    n, _, sp, *_ = sums.T
    ratio, var = _ratio(sums)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(var > 0, ratio * (1 - ratio) / var, n)
    n_eff = np.where(np.isfinite(n_eff) & (n_eff > 0), np.minimum(np.maximum(n_eff, 1.0), sp), n)
    ok = (n > 1) & np.isfinite(ratio)
    lo, hi = wilson_interval(
        np.where(ok, ratio * n_eff, 0.0).clip(0.0, None), np.where(ok, n_eff, 1.0), confidence=confidence
    )
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


@dataclass(frozen=True, slots=True)
class SliceTables:
    """Sums over the tasks of each slice of one column, additive over disjoint sets of tasks (so blocks of a
    cluster sum theirs): consensus labels (n_slices, K), tasks and annotations (n_slices,), the ratio sums
    of gold tasks (n_slices, 6: n, sum a, sum p, sum a², sum ap, sum p², where a is a task's labels that
    match its gold and p all its labels), the agreement sums of pairable tasks (n_slices, 6, a the agreeing
    ordered pairs, p all of them), tasks with a slice and a consensus, and tasks without a slice."""

    labels: IntArray
    n_tasks: IntArray
    n_annotations: IntArray
    gold: FloatArray
    agreement: FloatArray
    n_used: int
    n_unsliced: int

    def __add__(self, other: SliceTables) -> SliceTables:
        return SliceTables(
            self.labels + other.labels,
            self.n_tasks + other.n_tasks,
            self.n_annotations + other.n_annotations,
            self.gold + other.gold,
            self.agreement + other.agreement,
            self.n_used + other.n_used,
            self.n_unsliced + other.n_unsliced,
        )


def label_bias(
    annotations: Annotations,
    consensus: IntArray,
    slices: Sequence[str | None],
    *,
    column: str = "slice",
    gold: Gold | None = None,
    fdr: float = 0.05,
    confidence: float = 0.95,
) -> BiasReport:
    """Compare each slice of ``column`` with the rest; ``consensus`` (n_tasks,) is -1 where none.

    ``slices[i]`` is the slice of task ``annotations.tasks[i]`` (None: left out of every test).
    """
    consensus = np.asarray(consensus, dtype=np.intp)
    if consensus.shape != (annotations.n_tasks,) or len(slices) != annotations.n_tasks:
        raise InvalidInputError(f"one consensus code and one slice value per task ({annotations.n_tasks})")
    check_confidence(confidence)
    names = tuple(sorted({s for s in slices if s is not None}))
    code = {name: i for i, name in enumerate(names)}
    task_slice = np.array([-1 if s is None else code[s] for s in slices], dtype=np.intp)
    tables = slice_tables(annotations, consensus, task_slice, len(names), gold)
    return bias_of_tables(tables, names, annotations.classes, column=column, fdr=fdr, confidence=confidence)


def slice_tables(
    annotations: Annotations,
    consensus: IntArray,
    task_slice: IntArray,
    n_slices: int,
    gold: Gold | None = None,
) -> SliceTables:
    """The sums :func:`bias_of_tables` tests, over the tasks of ``annotations``: ``consensus`` (n_tasks,) is -1
    where none, ``task_slice`` (n_tasks,) each task's slice code in [0, n_slices) or -1."""
    k = annotations.n_classes
    used = (task_slice >= 0) & (consensus >= 0)
    labels = np.bincount(task_slice[used] * k + consensus[used], minlength=n_slices * k).reshape(n_slices, k)
    ann_slice = task_slice[annotations.task]
    return SliceTables(
        labels=labels,
        n_tasks=np.bincount(task_slice[task_slice >= 0], minlength=n_slices),
        n_annotations=np.bincount(ann_slice[ann_slice >= 0], minlength=n_slices),
        gold=_gold_sums(annotations, task_slice, gold, n_slices),
        agreement=_agreement_sums(annotations, task_slice, n_slices),
        n_used=int(used.sum()),
        n_unsliced=int((task_slice < 0).sum()),
    )


def bias_of_tables(
    tables: SliceTables,
    names: Sequence[str],
    classes: tuple[str, ...],
    *,
    column: str = "slice",
    fdr: float = 0.05,
    confidence: float = 0.95,
) -> BiasReport:
    """The report of :func:`label_bias` from the slices' sums (``names`` in code order): the same tests on
    the same counts, wherever they were summed."""
    check_confidence(confidence)
    n_slices, k = len(names), len(classes)
    # label distribution: slices x classes over tasks with a slice and a consensus label
    table = tables.labels.astype(np.float64)
    chi2, p_all, v_all = cramers_v(table)
    acc_in, diff_acc, p_acc = _ratio_tests(tables.gold)
    acc_lo, acc_hi = _ratio_interval(tables.gold, confidence)
    n_ann = tables.n_annotations
    ratio_in, diff_agree, p_agree = _ratio_tests(tables.agreement)
    agree_lo, agree_hi = _ratio_interval(tables.agreement, confidence)
    n_tasks = tables.n_tasks

    raw: list[dict[str, Any]] = []
    for s in range(n_slices):
        _, p_dist, v_dist = cramers_v(np.vstack([table[s], table.sum(axis=0) - table[s]]))
        raw.append(
            {
                "slice": names[s],
                "n_tasks": int(n_tasks[s]),
                "n_annotations": int(n_ann[s]),
                "label_counts": {classes[c]: int(table[s, c]) for c in range(k)},
                "distribution_v": v_dist,
                "distribution_p": p_dist,
                "agreement": float(ratio_in[s]),
                "agreement_ci": (float(agree_lo[s]), float(agree_hi[s])),
                "agreement_diff": float(diff_agree[s]),
                "agreement_p": float(p_agree[s]),
                "n_gold_labels": int(tables.gold[s, 2]),
                "n_gold_tasks": int(tables.gold[s, 0]),
                "gold_accuracy": float(acc_in[s]),
                "gold_accuracy_ci": (float(acc_lo[s]), float(acc_hi[s])),
                "accuracy_diff": float(diff_acc[s]),
                "accuracy_p": float(p_acc[s]),
            }
        )
    return BiasReport(
        column=column,
        classes=classes,
        chi2=chi2,
        p_value=p_all,
        cramers_v=v_all,
        n_tasks_used=tables.n_used,
        n_tasks_unsliced=tables.n_unsliced,
        fdr=fdr,
        slices=_corrected(raw, fdr),
    )


def _gold_sums(
    annotations: Annotations, task_slice: IntArray, gold: Gold | None, n_slices: int
) -> FloatArray:
    """Per slice (n_slices, 6), over its labelled gold tasks: their number and the sums of labels matching
    the gold a, labels p, a², ap and p² (the ratio estimator's sums, tasks as clusters)."""
    n_t = annotations.n_tasks
    gold_dense = gold.as_dense(n_t) if gold is not None else np.full(n_t, -1)
    correct = annotations.label == gold_dense[annotations.task]
    a = np.bincount(annotations.task, weights=correct, minlength=n_t)
    p = np.asarray(annotations.labels_per_task(), dtype=np.float64)
    on = (task_slice >= 0) & (gold_dense >= 0) & (p > 0)
    ts, a, p = task_slice[on], a[on], p[on]
    columns = [np.bincount(ts, w, minlength=n_slices) for w in (np.ones_like(a), a, p, a * a, a * p, p * p)]
    return np.asarray(np.column_stack(columns), dtype=np.float64).reshape(n_slices, 6)


def _agreement_sums(annotations: Annotations, task_slice: IntArray, n_slices: int) -> FloatArray:
    """Per slice (n_slices, 6): over its tasks with a pair of labels, their number and the sums of agreeing
    ordered pairs a, all ordered pairs p, a², ap and p² (the ratio estimator's sums)."""
    counts = annotations.label_counts()
    n_t = counts.sum(axis=1)
    agree = np.asarray((counts * (counts - 1)).sum(axis=1), dtype=np.float64)
    pairs = np.asarray(n_t * (n_t - 1), dtype=np.float64)
    pairable = (task_slice >= 0) & (pairs > 0)
    ts, a, p = task_slice[pairable], agree[pairable], pairs[pairable]
    columns = [np.bincount(ts, w, minlength=n_slices) for w in (np.ones_like(a), a, p, a * a, a * p, p * p)]
    return np.asarray(np.column_stack(columns), dtype=np.float64).reshape(n_slices, 6)


def _ratio_tests(sums: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per slice (n_slices,) from its ratio sums (agreement or gold accuracy): the ratio over its tasks, its
    difference from the rest's, and the z-test p-value of that difference, whose variance takes each side's
    residuals about the pooled ratio (the null's: a side whose tasks all agree still has a variance). NaN
    when either side has fewer than two tasks."""
    rest = np.asarray(sums.sum(axis=0) - sums, dtype=np.float64)
    total = sums.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = np.full(len(sums), total[1] / total[2] if total[2] > 0 else np.nan)
    ratio_in, var_in = _ratio(sums, pooled)
    ratio_out, var_out = _ratio(rest, pooled)
    diff = ratio_in - ratio_out
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(var_in + var_out > 0, 2 * ndtr(-np.abs(diff) / np.sqrt(var_in + var_out)), np.nan)
    return ratio_in, diff, p


def _corrected(raw: list[dict[str, Any]], fdr: float) -> tuple[SliceStats, ...]:
    """Slice statistics with Benjamini–Hochberg q-values over the slices, and the flags they raise at ``fdr``."""
    q = {m: benjamini_hochberg([r[f"{m}_p"] for r in raw]) for m in ("distribution", "agreement", "accuracy")}
    flag_names = {"distribution": "label_distribution", "agreement": "agreement", "accuracy": "gold_accuracy"}
    stats = []
    for i, r in enumerate(raw):
        qs = {m: float(q[m][i]) for m in q}
        flags = tuple(flag_names[m] for m in q if qs[m] <= fdr)
        stats.append(
            SliceStats(
                **r,
                distribution_q=qs["distribution"],
                agreement_q=qs["agreement"],
                accuracy_q=qs["accuracy"],
                flags=flags,
            )
        )
    return tuple(stats)
