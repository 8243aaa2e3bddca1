"""Inter-annotator agreement: Krippendorff's alpha, Fleiss' kappa, Gwet's AC1, Cohen's kappa, with intervals.

Every coefficient except Cohen's kappa is a function of a few sums over tasks of each task's label
counts, so tasks with the same count vector are grouped and the bootstrap over tasks becomes a
multinomial draw over groups followed by one matrix product (no loop over annotations).

Conventions (documented because peers differ):
- a task with fewer than two labels is unpairable: it adds nothing to alpha, Fleiss or AC1's
  observed agreement and is not counted in ``n_tasks_used``;
- repeated labels by one worker on one task are kept as separate pairable values, as crowd-kit's
  ``alpha_krippendorff`` (via NLTK's ``AnnotationTask``) does; apply ``Annotations.deduplicated``
  first to count each worker once. Cohen's kappa needs one label per worker and keeps the first;
- with unequal numbers of labels per task, Fleiss' kappa and Gwet's AC1 use Gwet's generalisation
  (Gwet 2014, *Handbook of Inter-Rater Reliability*, 4th ed., ch. 2 and 5; the irrCAC package):
  observed agreement averages each pairable task's share of agreeing pairs, and the chance class
  shares are the mean over labelled tasks of each task's class proportions. With the same number
  of labels on every task this is exactly Fleiss (1971). AC1's chance term divides by the number
  of classes in ``a.classes`` (irrCAC's ``categ``), so declare the contract's classes when some
  were never chosen;
- a coefficient that is 0/0 (every value the same class, or no pairable task) is NaN, not 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, get_args

import numpy as np
import numpy.typing as npt
from scipy import sparse

from labelpact.core.annotations import Annotations, FloatArray, IntArray
from labelpact.core.identifiability import unidentifiable_quality
from labelpact.core.intervals import check_confidence, multinomial_replicates, percentile_interval
from labelpact.errors import InvalidInputError

__all__ = [
    "Agreement",
    "ClassAgreement",
    "CoLabels",
    "Estimate",
    "Level",
    "PairwiseKappa",
    "agreement",
    "co_labels",
    "unidentifiable_quality",
]

Level: TypeAlias = Literal["nominal", "ordinal", "interval"]
Int64Array: TypeAlias = npt.NDArray[np.int64]


def _number(x: float) -> float | None:
    """A float for JSON: None where it is NaN or infinite."""
    return float(x) if np.isfinite(x) else None


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate and its bootstrap confidence interval (NaN where undefined)."""

    value: float
    ci: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        return {"value": _number(self.value), "ci": [_number(self.ci[0]), _number(self.ci[1])]}


@dataclass(frozen=True, slots=True)
class ClassAgreement:
    """Agreement on one class: alpha of "this class or not" and specific agreement.

    ``specific_agreement`` is the chance that another value of the same task is also this class,
    given a value of this class (the positive specific agreement of Fleiss 1975, over pairable values).
    """

    label: str
    alpha: Estimate
    specific_agreement: Estimate
    n_values: int  # pairable values of this class

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "alpha": self.alpha.to_dict(),
            "specific_agreement": self.specific_agreement.to_dict(),
            "n_values": self.n_values,
        }


@dataclass(frozen=True, slots=True)
class PairwiseKappa:
    """Cohen's kappa (Cohen 1960) for each pair of workers with enough shared tasks, a sparse matrix.

    Arrays share one order, shape (n_pairs,); ``worker_a < worker_b`` are codes into ``Annotations.workers``.
    """

    worker_a: IntArray
    worker_b: IntArray
    n_shared: IntArray
    kappa: FloatArray

    def matrix(self, n_workers: int) -> FloatArray:
        """Dense symmetric (n_workers, n_workers) kappa matrix, NaN where a pair was not scored."""
        out = np.full((n_workers, n_workers), np.nan)
        out[self.worker_a, self.worker_b] = self.kappa
        out[self.worker_b, self.worker_a] = self.kappa
        return out


@dataclass(frozen=True, slots=True)
class Agreement:
    """All agreement coefficients of one batch with bootstrap intervals over tasks."""

    level: Level
    krippendorff_alpha: Estimate
    fleiss_kappa: Estimate
    gwet_ac1: Estimate
    percent_agreement: Estimate
    cohen_kappa_mean: Estimate
    cohen_kappa: PairwiseKappa
    per_class: tuple[ClassAgreement, ...]
    n_tasks_used: int  # tasks with at least two labels
    n_values_used: int  # labels on those tasks
    n_bootstrap: int
    confidence: float
    unidentifiable: str | None = None  # why the data cannot measure quality (see unidentifiable_quality)

    def to_dict(self) -> dict[str, Any]:
        """The ``labelpact agreement --json`` document (the contract keys first, extras after)."""
        return {
            "krippendorff_alpha": self.krippendorff_alpha.to_dict(),
            "fleiss_kappa": self.fleiss_kappa.to_dict(),
            "gwet_ac1": self.gwet_ac1.to_dict(),
            "percent_agreement": self.percent_agreement.to_dict(),
            "n_tasks_used": self.n_tasks_used,
            "cohen_kappa_mean": self.cohen_kappa_mean.to_dict(),
            "n_worker_pairs": len(self.cohen_kappa.kappa),
            "level": self.level,
            "n_values_used": self.n_values_used,
            "n_bootstrap": self.n_bootstrap,
            "confidence": self.confidence,
            "per_class": [c.to_dict() for c in self.per_class],
            "unidentifiable": self.unidentifiable,
        }


@dataclass(frozen=True, slots=True)
class CoLabels:
    """Every unordered pair of labels two different workers gave one task, shape (n_entries,) each.

    ``worker_a < worker_b``; ``label_a`` is ``worker_a``'s label. Built from one label per
    (task, worker) pair (the first), so a pair of workers meets at most once per task.
    """

    task: IntArray
    worker_a: IntArray
    worker_b: IntArray
    label_a: IntArray
    label_b: IntArray


def co_labels(a: Annotations) -> CoLabels:
    """All co-labelled (task, worker pair) entries, vectorised; size is sum over tasks of m*(m-1)/2."""
    first = a.select(~a.duplicate_mask(keep="first")) if a.n_annotations else a
    order = np.argsort(first.task, kind="stable")
    task = first.task[order]
    per_task = np.bincount(task, minlength=a.n_tasks)
    start = np.repeat(np.cumsum(per_task) - per_task, per_task)
    position = np.arange(len(task)) - start
    n_after = np.repeat(per_task, per_task) - 1 - position
    left = np.repeat(np.arange(len(task)), n_after)
    block_start = np.repeat(np.cumsum(n_after) - n_after, n_after)
    right = left + 1 + (np.arange(len(left)) - block_start)
    rows_l, rows_r = order[left], order[right]
    wl, wr = first.worker[rows_l], first.worker[rows_r]
    ll, lr = first.label[rows_l], first.label[rows_r]
    swap = wl > wr
    return CoLabels(
        task=first.task[rows_l],
        worker_a=np.where(swap, wr, wl),
        worker_b=np.where(swap, wl, wr),
        label_a=np.where(swap, lr, ll),
        label_b=np.where(swap, ll, lr),
    )


def agreement(
    a: Annotations,
    *,
    level: Level = "nominal",
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    random_state: int | np.random.Generator | None = 0,
    min_pair_tasks: int = 10,
    pair_bootstrap: int | None = None,
) -> Agreement:
    """Agreement coefficients of ``a`` with percentile bootstrap intervals over tasks.

    ``level`` picks Krippendorff's distance (Krippendorff 2011, "Computing Krippendorff's
    alpha-reliability"): ``ordinal`` and ``interval`` take the classes in ``a.classes`` order, and
    ``interval`` uses the class names as numbers when all are numbers, else their ranks. Fleiss,
    AC1 (Gwet 2008, Br. J. Math. Stat. Psychol. 61) and Cohen's kappa are nominal. Cohen's kappa is
    averaged over worker pairs sharing at least ``min_pair_tasks`` tasks; its interval takes
    ``pair_bootstrap`` replicates (default ``n_bootstrap``), whose cost grows with the number of pairs.
    """
    if level not in get_args(Level):
        raise InvalidInputError(f"a level in {list(get_args(Level))}", got=repr(level))
    if n_bootstrap < 0:
        raise InvalidInputError("a number of bootstrap replicates >= 0", got=repr(n_bootstrap))
    if min_pair_tasks < 1:
        raise InvalidInputError("min_pair_tasks >= 1", got=repr(min_pair_tasks))
    confidence = check_confidence(confidence)
    rng = np.random.default_rng(random_state)
    k = a.n_classes
    counts = a.label_counts()[a.labels_per_task() > 0]
    patterns, sizes = _patterns(counts)
    stats = _pattern_stats(patterns)
    values = _class_values(a.classes)
    point = _coefficients(sizes @ stats, k, level, values)
    boot: dict[str, list[FloatArray]] = {name: [] for name in point}
    for weights in multinomial_replicates(sizes, n_bootstrap, rng):
        for name, replicate in _coefficients(weights @ stats, k, level, values).items():
            boot[name].append(replicate)

    def estimate(name: str, column: int | None = None) -> Estimate:
        value = point[name][0] if column is None else point[name][0, column]
        if not boot[name]:
            return Estimate(float(value), (float("nan"), float("nan")))
        reps = np.concatenate(boot[name])
        reps = reps if column is None else reps[:, column]
        return Estimate(float(value), percentile_interval(reps, confidence=confidence))

    pair_replicates = n_bootstrap if pair_bootstrap is None else pair_bootstrap
    if pair_replicates < 0:
        raise InvalidInputError("a number of pair bootstrap replicates >= 0", got=repr(pair_bootstrap))
    kappas, kappa_mean = _cohen(a, min_pair_tasks, pair_replicates, confidence, rng)
    pairable = patterns.sum(1) >= 2
    class_values = (sizes[pairable] @ patterns[pairable]).astype(np.int64)
    per_class = tuple(
        ClassAgreement(
            label=name,
            alpha=estimate("class_alpha", c),
            specific_agreement=estimate("specific", c),
            n_values=int(class_values[c]),
        )
        for c, name in enumerate(a.classes)
    )
    return Agreement(
        level=level,
        krippendorff_alpha=estimate("alpha"),
        fleiss_kappa=estimate("fleiss"),
        gwet_ac1=estimate("ac1"),
        percent_agreement=estimate("percent"),
        cohen_kappa_mean=kappa_mean,
        cohen_kappa=kappas,
        per_class=per_class,
        n_tasks_used=int(sizes[pairable].sum()),
        n_values_used=int(class_values.sum()),
        n_bootstrap=n_bootstrap,
        confidence=confidence,
        unidentifiable=unidentifiable_quality(a),
    )


def _class_values(classes: tuple[str, ...]) -> FloatArray:
    """Numeric value of each class for the interval metric: the names as numbers, else the ranks."""
    try:
        return np.array([float(c) for c in classes], dtype=np.float64)
    except ValueError:
        return np.arange(len(classes), dtype=np.float64)


def _patterns(counts: FloatArray) -> tuple[Int64Array, Int64Array]:
    """Distinct per-task count vectors (n_patterns, n_classes) and how many tasks have each."""
    rows = counts.astype(np.int64)
    if rows.size == 0:
        return rows.reshape(0, counts.shape[1]), np.zeros(0, dtype=np.int64)
    base = int(rows.max()) + 1
    if rows.shape[1] * np.log2(base) < 62:  # pack each row into one integer key: a 1-D unique is far faster
        key = rows @ (base ** np.arange(rows.shape[1], dtype=np.int64))
        _, first, sizes = np.unique(key, return_index=True, return_counts=True)
        return rows[first], sizes.astype(np.int64)
    uniq, sizes = np.unique(rows, axis=0, return_counts=True)
    return uniq, sizes.astype(np.int64)


def _pattern_stats(patterns: Int64Array) -> FloatArray:
    """Per-pattern sums that every nominal/ordinal/interval coefficient is built from.

    Columns: the K*K coincidence matrix (Krippendorff), the share of agreeing pairs, a pairable
    indicator, the K class proportions, and a 1 (for the labelled-task count).
    """
    n = patterns.astype(np.float64)
    m = n.sum(1)
    pair = m >= 2
    k = n.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(pair, 1.0 / (m - 1.0), 0.0)
        coinc = (n[:, :, None] * n[:, None, :] - n[:, :, None] * np.eye(k)) * inv[:, None, None]
        share = np.where(pair, (n * (n - 1.0)).sum(1) / (m * (m - 1.0)), 0.0)
        props = np.where(m[:, None] > 0, n / m[:, None], 0.0)
    return np.hstack(
        [
            coinc.reshape(len(n), k * k),
            share[:, None],
            pair[:, None].astype(np.float64),
            props,
            np.ones((len(n), 1)),
        ]
    )


def _coefficients(totals: FloatArray, k: int, level: Level, values: FloatArray) -> dict[str, FloatArray]:
    """Every coefficient from summed pattern statistics, vectorised over replicates (rows)."""
    totals = np.atleast_2d(totals)
    coinc = totals[:, : k * k].reshape(-1, k, k)
    share, pairable = totals[:, k * k], totals[:, k * k + 1]
    props, labelled = totals[:, k * k + 2 : k * k + 2 + k], totals[:, -1]
    marg = coinc.sum(2)  # n_c, pairable values per class
    n = marg.sum(1)
    diag = np.diagonal(coinc, axis1=1, axis2=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = _delta(level, marg, values)
        observed = (coinc * delta).sum((1, 2))
        expected = (marg[:, :, None] * marg[:, None, :] * delta).sum((1, 2))
        alpha = 1.0 - (n - 1.0) * observed / expected
        pa = share / pairable
        pi = props / labelled[:, None]
        pe_fleiss = (pi * pi).sum(1)
        pe_ac1 = (pi * (1.0 - pi)).sum(1) / max(k - 1, 1)
        fleiss = (pa - pe_fleiss) / (1.0 - pe_fleiss)
        ac1 = (pa - pe_ac1) / (1.0 - pe_ac1)
        class_alpha = 1.0 - (n[:, None] - 1.0) * (marg - diag) / (marg * (n[:, None] - marg))
        specific = diag / marg
    return {
        "alpha": _clean(alpha),
        "fleiss": _clean(fleiss),
        "ac1": _clean(ac1),
        "percent": _clean(pa),
        "class_alpha": _clean(class_alpha),
        "specific": _clean(specific),
    }


def _clean(x: FloatArray) -> FloatArray:
    return np.where(np.isfinite(x), x, np.nan)


def _delta(level: Level, marg: FloatArray, values: FloatArray) -> FloatArray:
    """Squared difference between classes (Krippendorff 2011), shape (replicates or 1, K, K)."""
    k = marg.shape[1]
    if level == "nominal":
        return (1.0 - np.eye(k))[None]
    if level == "interval":
        return ((values[:, None] - values[None, :]) ** 2)[None]
    # ordinal: (sum of n_g for g between c and k) - (n_c + n_k) / 2, squared
    cum = np.cumsum(marg, axis=1)
    lo = np.minimum.outer(np.arange(k), np.arange(k))
    hi = np.maximum.outer(np.arange(k), np.arange(k))
    between = cum[:, hi] - cum[:, lo] + marg[:, lo]
    return (between - (marg[:, lo] + marg[:, hi]) / 2.0) ** 2


def _cohen(
    a: Annotations, min_pair_tasks: int, n_bootstrap: int, confidence: float, rng: np.random.Generator
) -> tuple[PairwiseKappa, Estimate]:
    """Cohen's kappa per worker pair with enough shared tasks, and their mean with a bootstrap interval.

    Each pair's statistics (shared tasks, agreements, both workers' class counts) are sums over
    tasks, so one sparse (statistics x tasks) matrix times a block of task weights gives a block of
    bootstrap replicates at once.
    """
    co = co_labels(a)
    k, w = a.n_classes, max(a.n_workers, 1)
    keys, pair, n_shared = np.unique(co.worker_a * w + co.worker_b, return_inverse=True, return_counts=True)
    keep = n_shared >= min_pair_tasks
    remap = np.cumsum(keep) - 1
    rows = keep[pair]
    pair, task = remap[pair[rows]], co.task[rows]
    la, lb = co.label_a[rows], co.label_b[rows]
    n_pairs = int(keep.sum())
    # statistic rows: [n (P) | agree (P) | class counts of worker_a (P*K) | of worker_b (P*K)]
    stat = np.concatenate(
        [pair, n_pairs + pair, 2 * n_pairs + pair * k + la, (2 + k) * n_pairs + pair * k + lb]
    )
    ones = np.ones(len(pair))
    value = np.concatenate([ones, (la == lb).astype(np.float64), ones, ones])
    n_stats = (2 + 2 * k) * n_pairs
    sums = sparse.csr_matrix((value, (stat, np.tile(task, 4))), shape=(n_stats, a.n_tasks))

    def kappa(totals: FloatArray) -> FloatArray:  # totals: (n_stats, replicates) -> (replicates, P)
        if n_pairs == 0:
            return np.zeros((totals.shape[1], 0))
        n, agree = totals[:n_pairs].T, totals[n_pairs : 2 * n_pairs].T
        ma = totals[2 * n_pairs : (2 + k) * n_pairs].T.reshape(-1, n_pairs, k)
        mb = totals[(2 + k) * n_pairs :].T.reshape(-1, n_pairs, k)
        with np.errstate(divide="ignore", invalid="ignore"):
            pe = (ma * mb).sum(2) / (n * n)
            return _clean((agree / n - pe) / (1.0 - pe))

    point = kappa(np.asarray(sums.sum(1), dtype=np.float64))[0]
    pairs = PairwiseKappa(
        worker_a=(keys[keep] // w).astype(np.intp),
        worker_b=(keys[keep] % w).astype(np.intp),
        n_shared=n_shared[keep].astype(np.intp),
        kappa=point,
    )
    mean = _nanmean(point)
    if n_pairs == 0 or n_bootstrap == 0:
        return pairs, Estimate(float(mean[0]), (float("nan"), float("nan")))
    # Only tasks that some scored pair shares move the statistics. Resampling all n labelled tasks
    # and keeping those is exactly: Binomial(n, |S|/n) draws land in S, uniformly over S.
    n_labelled = int((a.labels_per_task() > 0).sum())
    relevant = np.unique(task)
    sums = sums[:, relevant].tocsr()
    block = max(1, 4_000_000 // max(len(relevant), n_stats))  # bounds both the weights and the totals
    reps = []
    for done in range(0, n_bootstrap, block):
        size = min(block, n_bootstrap - done)
        hits = rng.binomial(n_labelled, len(relevant) / n_labelled, size=size)
        weights = np.stack(
            [np.bincount(rng.integers(0, len(relevant), h), minlength=len(relevant)) for h in hits]
        )
        reps.append(_nanmean(kappa(np.asarray(sums @ weights.T.astype(np.float64)))))
    return pairs, Estimate(float(mean[0]), percentile_interval(np.concatenate(reps), confidence=confidence))


def _nanmean(values: FloatArray) -> FloatArray:
    """Row means over finite entries, shape (rows,); NaN for a row with none (no warning)."""
    values = np.atleast_2d(values)
    finite = np.isfinite(values)
    count = finite.sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 0, np.where(finite, values, 0.0).sum(1) / count, np.nan)
