"""Inter-annotator agreement: Krippendorff's alpha, Fleiss' kappa, Gwet's AC1, Cohen's kappa, with intervals.

Every coefficient except Cohen's kappa is a function of a few sums over tasks of each task's label
counts, so tasks with the same count vector are grouped and the bootstrap over tasks becomes a
multinomial draw over groups followed by sparse matrix products (``core.label_patterns``: cost per
replicate O(non-zero counts + classes), no loop over annotations). Cohen's kappa
needs worker pairs: ``core.worker_pairs`` computes it, and its names are re-exported here.

Conventions (documented because peers differ):
- a task with fewer than two labels is unpairable: it adds nothing to alpha, Fleiss or AC1's
  observed agreement and is not counted in ``n_tasks_used``;
- repeated labels by one worker on one task are kept as separate pairable values, as crowd-kit's
  ``alpha_krippendorff`` (via NLTK's ``AnnotationTask``) does; apply ``Annotations.deduplicated``
  first to count each worker once. Cohen's kappa needs one label per worker and takes the worker's
  most frequent one there (``Annotations.one_per_pair``);
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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, get_args

import numpy as np
import numpy.typing as npt
from scipy import sparse

from labelpact.core.annotations import Annotations, FloatArray
from labelpact.core.identifiability import unidentifiable_quality
from labelpact.core.intervals import check_confidence, multinomial_replicates, percentile_interval
from labelpact.core.label_patterns import Level, coefficients, label_patterns, pattern_sums
from labelpact.core.label_patterns import count_patterns as count_patterns
from labelpact.core.worker_pairs import CoLabels, PairwiseKappa, co_labels, cohen_kappas
from labelpact.errors import InvalidInputError

__all__ = [
    "Agreement",
    "ClassAgreement",
    "CoLabels",
    "Estimate",
    "Level",
    "PairwiseKappa",
    "agreement",
    "agreement_of_patterns",
    "co_labels",
    "numeric_classes",
    "unidentifiable_quality",
]

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
    n_pair_bootstrap: (
        int  # replicates of Cohen's kappa's interval (fewer on an audit: their cost grows with pairs)
    )
    confidence: float
    unidentifiable: str | None = None  # why the data cannot measure quality (see unidentifiable_quality)
    scale: tuple[str, ...] | None = None  # ordinal and interval levels: the classes, lowest first

    def to_dict(self) -> dict[str, Any]:
        """The ``labelpact agreement --json`` document (the contract keys first, extras after)."""
        return {
            "krippendorff_alpha": self.krippendorff_alpha.to_dict(),
            "fleiss_kappa": self.fleiss_kappa.to_dict(),
            "gwet_ac1": self.gwet_ac1.to_dict(),
            "percent_agreement": self.percent_agreement.to_dict(),
            "n_tasks_used": self.n_tasks_used,
            "cohen_kappa_mean": self.cohen_kappa_mean.to_dict(),
            "n_worker_pairs": len(self.cohen_kappa.kappa),  # pairs with enough shared tasks
            "n_worker_pairs_defined": int(np.isfinite(self.cohen_kappa.kappa).sum()),  # the mean's pairs
            "level": self.level,
            "n_values_used": self.n_values_used,
            "n_bootstrap": self.n_bootstrap,
            "n_pair_bootstrap": self.n_pair_bootstrap,
            "confidence": self.confidence,
            "per_class": [c.to_dict() for c in self.per_class],
            "unidentifiable": self.unidentifiable,
            "scale": None if self.scale is None else list(self.scale),
        }


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
    if not isinstance(a, Annotations):
        raise InvalidInputError("an Annotations object", column="a", got=type(a).__name__)
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, int | np.integer) or n_bootstrap < 0:
        raise InvalidInputError(
            "a number of bootstrap replicates >= 0", column="n_bootstrap", got=repr(n_bootstrap)
        )
    if min_pair_tasks < 1:
        raise InvalidInputError("min_pair_tasks >= 1", got=repr(min_pair_tasks))
    confidence = check_confidence(confidence)
    if a.n_classes == 0:  # no labels and no vocabulary (with classes, no labels gives NaN coefficients)
        raise InvalidInputError("annotations with at least one class", column="annotations", got="none")
    rng = np.random.default_rng(random_state)
    patterns, sizes = label_patterns(a)
    return agreement_of_patterns(
        patterns,
        sizes,
        a.classes,
        level=level,
        n_bootstrap=n_bootstrap,
        confidence=confidence,
        rng=rng,
        pair_bootstrap=pair_bootstrap,
        cohen=lambda replicates, draws: cohen_kappas(a, min_pair_tasks, replicates, confidence, draws),
        unidentifiable=unidentifiable_quality(a),
    )


CohenKappas: TypeAlias = tuple[PairwiseKappa, float, tuple[float, float]]  # per pair, mean, interval


def agreement_of_patterns(
    patterns: Int64Array | Any,
    sizes: Int64Array,
    classes: tuple[str, ...],
    *,
    level: Level,
    n_bootstrap: int,
    confidence: float,
    rng: np.random.Generator,
    pair_bootstrap: int | None,
    cohen: Callable[[int, np.random.Generator], CohenKappas],
    unidentifiable: str | None,
    mirror: tuple[int, ...] | None = None,
) -> Agreement:
    """The coefficients from the distinct label-count patterns of the tasks (``patterns`` (P, K), dense or
    scipy sparse; how many tasks show each: ``sizes`` (P,)), bootstrapped by multinomial weights over patterns, then Cohen's kappa
    from ``cohen(replicates, rng)``; in-process and on Dask alike, so both draw the same replicates.

    ``mirror``, a permutation of the classes, says each task's coding could as well have been mirrored by it
    (a pair's "first" item is arbitrary): every task then counts half as coded and half mirrored, so the
    class marginals, chance agreement and alpha do not depend on the orientation (observed agreement does not).
    """
    patterns = sparse.csr_matrix(patterns, shape=(len(sizes), len(classes)), dtype=np.int64)
    values = ordered_class_values(classes)
    sums = pattern_sums(patterns, values, mirror)
    point = coefficients(sums, np.asarray(sizes, dtype=np.float64)[None], level, values)
    boot: dict[str, list[FloatArray]] = {name: [] for name in point}
    for weights in multinomial_replicates(sizes, n_bootstrap, rng):
        for name, replicate in coefficients(sums, weights.astype(np.float64), level, values).items():
            boot[name].append(replicate)

    replicates = {name: np.concatenate(found) for name, found in boot.items() if found}

    def estimate(name: str, column: int | None = None) -> Estimate:
        value = point[name][0] if column is None else point[name][0, column]
        if name not in replicates:
            return Estimate(float(value), (float("nan"), float("nan")))
        reps = replicates[name] if column is None else replicates[name][:, column]
        return Estimate(float(value), percentile_interval(reps, confidence=confidence))

    pair_replicates = n_bootstrap if pair_bootstrap is None else pair_bootstrap
    if pair_replicates < 0:
        raise InvalidInputError("a number of pair bootstrap replicates >= 0", got=repr(pair_bootstrap))
    kappas, kappa_mean, kappa_ci = cohen(pair_replicates, rng)
    pairable = np.asarray(patterns.sum(1)).reshape(-1) >= 2
    class_values = np.asarray(patterns[pairable].T @ sizes[pairable], dtype=np.int64).reshape(-1)
    per_class = tuple(
        ClassAgreement(
            label=name,
            alpha=estimate("class_alpha", c),
            specific_agreement=estimate("specific", c),
            n_values=int(class_values[c]),
        )
        for c, name in enumerate(classes)
    )
    return Agreement(
        level=level,
        krippendorff_alpha=estimate("alpha"),
        fleiss_kappa=estimate("fleiss"),
        gwet_ac1=estimate("ac1"),
        percent_agreement=estimate("percent"),
        cohen_kappa_mean=Estimate(kappa_mean, kappa_ci),
        cohen_kappa=kappas,
        per_class=per_class,
        n_tasks_used=int(sizes[pairable].sum()),
        n_values_used=int(class_values.sum()),
        n_bootstrap=n_bootstrap,
        n_pair_bootstrap=pair_replicates,
        confidence=confidence,
        unidentifiable=unidentifiable,
        scale=None if level == "nominal" else classes,
    )


def numeric_classes(classes: Sequence[str]) -> bool:
    """Whether every class name is a number (then the scale is the numbers', not the names' order)."""
    try:
        [float(c) for c in classes]
    except ValueError:
        return False
    return True


def ordered_class_values(classes: tuple[str, ...]) -> FloatArray:
    """Numeric value of each class for the interval metric: the names as numbers, else the ranks."""
    if numeric_classes(classes):
        return np.array([float(c) for c in classes], dtype=np.float64)
    return np.arange(len(classes), dtype=np.float64)
