"""The share of wrong consensus labels in a batch, with an interval that says what it rests on.

Three kinds of evidence, combined in one estimator:

- *checked tasks*, whose truth is known: gold tasks scored by a consensus that did not see their gold
  (cross-fitted, :func:`cross_fitted_gold`), and a reviewer's sample (``labelpact review``);
- *the model*: the (calibrated) posterior probability that each consensus label is wrong.

With checked tasks the estimate is prediction-powered inference (Angelopoulos et al. 2023, "Prediction-
powered inference", Science 382; power-tuned as in PPI++, Angelopoulos, Duchi & Zrnic 2023): the model's
mean error over the batch, corrected by the mean difference between the truth and the model on the
checked tasks. Its interval is valid whatever the model's calibration (only the checked tasks must be a
random sample), so it carries the model's own error. Below ``SMALL_CHECKS`` checked tasks the normal
approximation is not trusted: the interval is the exact Clopper-Pearson interval of the checked tasks
alone and the point is the corrected model number inside it. Checked tasks known only by their counts
(an audit's gold, scored out of fold by the consensus itself) give that exact interval at any size, and
so do 30 or more checks of which fewer than ``NORMAL_MIN_COUNT`` are wrong (or right), where the normal
interval under-covers (0 wrong of 80 gave 0-2.4% against the exact 0-4.5%), or whose model does not help;
its point is the model's number kept inside it below ``SMALL_CHECKS``, the checked share above (or always
when every task was checked).
Without checked tasks the estimate rests on the model alone and is *unverified*: its interval spans the
raw and calibrated posteriors' sampling intervals (the calibration's own uncertainty) and the model's
miss on real data: the estimate moved by ``MODEL_SPREAD`` on the log-odds scale, the widest miss of any
registry method on nine public crowdsourcing datasets with gold (a conformal bound: a new dataset like
them falls within the widest of nine misses with probability at least 9/10). Sampling intervals alone
held the truth on 4 of those 9 with ``auto``; errors the model does not know about (correlated workers)
are why a contract can only reject on it, never accept (``contracts.verdict``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats
from scipy.special import expit, ndtri

from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.core.intervals import check_confidence
from labelpact.core.keyed import name_keys
from labelpact.errors import InvalidInputError

__all__ = [
    "MODEL_SPREAD",
    "SMALL_CHECKS",
    "Checks",
    "ErrorRate",
    "GoldCheck",
    "clopper_pearson",
    "cross_fitted_gold",
    "estimate_error_rate",
    "model_error_rate",
]

SMALL_CHECKS = 30  # below this many checked tasks the interval is exact (Clopper-Pearson), not normal
NORMAL_MIN_COUNT = 5  # fewer wrong (or right) checks than this: the normal interval keeps the exact bounds
# How far a model-only error rate has missed the truth on real data, in log-odds: the widest miss of any
# registry method without gold on nine public datasets with gold (one-coin DS on gal_adultcontent2, 1.25;
# 1.23 when re-measured with name-keyed draws; auto's widest is 1.13, on zheng_product). With each dataset
# left out in turn, the others' widest covered 80 of 81 method x dataset pairs (mmce included;
# ``benchmarks/error_rate.py --spread``). Read at call time.
MODEL_SPREAD = 1.25
BoolArray = npt.NDArray[np.bool_]
Fit = Callable[[Annotations, Gold], FloatArray]


def clopper_pearson(k: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Exact binomial interval for ``k`` successes in ``n`` trials (Clopper & Pearson 1934, Biometrika 26)."""
    if n < 0 or not 0 <= k <= n:
        raise InvalidInputError("0 <= k <= n", got=f"k={k}, n={n}")
    if n == 0:
        return 0.0, 1.0
    tail = (1.0 - check_confidence(confidence)) / 2.0
    lo = 0.0 if k == 0 else float(stats.beta.ppf(tail, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1.0 - tail, k + 1, n - k))
    return lo, hi


@dataclass(frozen=True, slots=True)
class Checks:
    """Tasks whose truth is known, summed: how many (``n``), how many had a wrong consensus (``n_wrong``),
    and sums of the model's probability of error ``p`` over them (``sum_p``, ``sum_p2``, ``sum_wrong_p``).

    These sums are sufficient for the estimate, so an audit can store them and a later review add its
    sample without the arrays.
    """

    n: int = 0
    n_wrong: int = 0
    sum_p: float = 0.0
    sum_p2: float = 0.0
    sum_wrong_p: float = 0.0

    @classmethod
    def of(cls, wrong: npt.ArrayLike, p_wrong: npt.ArrayLike) -> Checks:
        """Sum checked tasks: ``wrong`` (n,) whether the consensus was wrong, ``p_wrong`` (n,) the model's
        probability that it was."""
        y = np.asarray(wrong, dtype=bool)
        p = np.asarray(p_wrong, dtype=np.float64)
        if y.shape != p.shape or y.ndim != 1 or not np.all(np.isfinite(p)):
            raise InvalidInputError("one finite model error probability per checked task", got=f"{p.shape}")
        p = np.clip(p, 0.0, 1.0)
        return cls(len(y), int(y.sum()), float(p.sum()), float((p * p).sum()), float(p[y].sum()))

    @classmethod
    def of_counts(cls, n: int, n_wrong: int) -> Checks:
        """Checked tasks known only by their counts (no model probabilities): the estimate uses them alone."""
        if not 0 <= n_wrong <= n:
            raise InvalidInputError("0 <= n_wrong <= n", got=f"n_wrong={n_wrong}, n={n}")
        nan = float("nan")
        return cls(n, n_wrong, nan, nan, nan)

    @property
    def has_model(self) -> bool:
        """Whether the model's probabilities on the checked tasks are known (else only counts)."""
        return bool(np.isfinite(self.sum_p))

    def __add__(self, other: Checks) -> Checks:
        return Checks(
            self.n + other.n,
            self.n_wrong + other.n_wrong,
            self.sum_p + other.sum_p,
            self.sum_p2 + other.sum_p2,
            self.sum_wrong_p + other.sum_wrong_p,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the sums are None when only counts are known."""
        known = self.has_model
        return {
            "n": self.n,
            "n_wrong": self.n_wrong,
            "sum_p": self.sum_p if known else None,
            "sum_p2": self.sum_p2 if known else None,
            "sum_wrong_p": self.sum_wrong_p if known else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Checks:
        def number(key: str) -> float:
            value = data.get(key)
            return float("nan") if value is None else float(value)

        return cls(
            int(data["n"]), int(data["n_wrong"]), number("sum_p"), number("sum_p2"), number("sum_wrong_p")
        )


@dataclass(frozen=True, slots=True)
class GoldCheck:
    """The consensus on each gold task as a fit that did not see that task's gold gives it.

    Arrays share one order, shape (n_checked,): ``task`` (codes), ``gold``, ``label`` (the cross-fitted
    consensus class), ``p_wrong`` (that fit's probability that its label is wrong). Gold tasks nobody
    labelled are left out. ``checks`` sums them for :func:`estimate_error_rate`. ``p_wrong_all``
    (n_tasks,) is the fold fits' mean probability of error on every task: the same model as on the
    checked tasks, which prediction-powered inference needs on the unchecked ones (cross-prediction,
    Zrnic & Candes 2024, PNAS 121).
    """

    task: IntArray
    gold: IntArray
    label: IntArray
    p_wrong: FloatArray
    p_wrong_all: FloatArray
    n_folds: int

    @property
    def wrong(self) -> BoolArray:
        return np.asarray(self.label != self.gold)

    @property
    def checks(self) -> Checks:
        return Checks.of(self.wrong, self.p_wrong)


def cross_fitted_gold(
    a: Annotations,
    gold: Gold,
    fit: Fit,
    *,
    n_folds: int = 5,
    max_annotations: int | None = None,
    random_state: int | None = 0,
) -> GoldCheck:
    """Score every labelled gold task with a consensus fitted while its fold of gold was held out.

    The delivered consensus is anchored by the gold and so trivially right on it; a fit without any gold
    is worse than the delivered one and would make it look worse than it is. Cross-fitting (the rest of
    the gold anchors, this fold is scored) measures nearly the delivered fit on tasks it did not see.
    ``fit(a, anchors)`` returns posteriors (n_tasks, n_classes), calibrated if the caller calibrates.
    Costs ``min(n_folds, n_gold)`` fits; with ``max_annotations``, a larger batch is fitted on the labels
    of a seeded random set of tasks (gold first, up to half the budget) and ``p_wrong_all`` is NaN on the
    other tasks (their random share is the unchecked sample the estimate uses).
    """
    if n_folds < 2:
        raise InvalidInputError("n_folds >= 2", got=repr(n_folds))
    rng = np.random.default_rng(random_state)
    per_task = a.labels_per_task()
    labelled = per_task[gold.task] > 0
    task, truth = gold.task[labelled], gold.label[labelled]
    subset: IntArray | None = None
    if max_annotations is not None and a.n_annotations > max_annotations:
        keep_gold = rng.permutation(len(task))
        fits = np.cumsum(per_task[task[keep_gold]]) <= max_annotations // 2
        keep_gold = np.sort(keep_gold[fits])
        task, truth = task[keep_gold], truth[keep_gold]
        others = np.setdiff1d(np.flatnonzero(per_task > 0), gold.task)
        others = others[np.argsort(name_keys(a.tasks, random_state)[others], kind="stable")]  # by name key
        room = max_annotations - int(per_task[task].sum())
        others = np.sort(others[np.cumsum(per_task[others]) <= room])
        subset = np.concatenate([task, others])
        member = np.zeros(a.n_tasks, dtype=bool)
        member[subset] = True
        a = a.select(member[a.task])
    n = len(task)
    label = np.empty(n, dtype=np.intp)
    p_wrong = np.empty(n, dtype=np.float64)
    p_all = np.zeros(a.n_tasks, dtype=np.float64)
    folds = min(n_folds, n)
    if n:
        fold = rng.permutation(n) % folds
        for f in range(folds):
            out = fold == f
            anchors = Gold(task=task[~out], label=truth[~out])
            probas = np.asarray(fit(a, anchors), dtype=np.float64)
            rows = probas[task[out]]
            label[out] = rows.argmax(axis=1)
            p_wrong[out] = 1.0 - rows.max(axis=1)
            p_all += (1.0 - probas.max(axis=1)) / folds
    p_all = np.clip(p_all, 0.0, 1.0)
    if subset is not None:
        p_all[~member] = np.nan
    return GoldCheck(
        task=task,
        gold=truth,
        label=label,
        p_wrong=np.clip(p_wrong, 0.0, 1.0),
        p_wrong_all=p_all,
        n_folds=folds,
    )


@dataclass(frozen=True, slots=True)
class ErrorRate:
    """Estimated share of wrong consensus labels among ``n_tasks`` tasks, with a ``confidence`` interval.

    ``verified`` is True when checked tasks (gold, a reviewed sample) back the number; False when it rests
    on the model alone. ``source`` says what it rests on in words; ``model`` and ``model_ci`` keep the
    model-only number, ``checks`` the checked tasks' sums.
    """

    value: float
    ci: tuple[float, float]
    verified: bool
    source: str
    n_tasks: int
    model: float
    model_ci: tuple[float, float]
    checks: Checks
    method: str
    confidence: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "ci": list(self.ci),
            "verified": self.verified,
            "source": self.source,
            "n_tasks": self.n_tasks,
            "model": {"value": self.model, "ci": list(self.model_ci)} if self.n_tasks else None,
            "checks": self.checks.to_dict(),
            "method": self.method,
        }


def _model_interval(p: FloatArray, z: float) -> tuple[float, float, float]:
    """Mean of ``p`` (n,) and its Poisson-binomial normal interval (NaN for no tasks: no model estimate)."""
    if not (n := len(p)):
        return np.nan, np.nan, np.nan
    mean, half = float(p.sum()) / n, z * float(np.sqrt((p * (1.0 - p)).sum())) / n
    return mean, max(0.0, mean - half), min(1.0, mean + half)


def spread_band(value: float, spread: float) -> tuple[float, float]:
    """``value`` moved by ``spread`` down and up on the log-odds scale (0 and 1 stay where they are)."""
    if not 0.0 < value < 1.0:
        return value, value
    centre = float(np.log(value / (1.0 - value)))
    return float(expit(centre - spread)), float(expit(centre + spread))


def model_error_rate(
    p_wrong: npt.ArrayLike,
    *,
    p_wrong_raw: npt.ArrayLike | None = None,
    confidence: float = 0.95,
    spread: float | None = None,
) -> tuple[float, tuple[float, float]]:
    """The model's own estimate: mean of ``p_wrong`` (n,), and an interval spanning the Poisson-binomial
    intervals of the calibrated and the raw (``p_wrong_raw``) probabilities (the calibration's uncertainty)
    and the mean moved by ``spread`` in log-odds (the model's miss on real data; ``MODEL_SPREAD`` unless
    given, 0 for sampling alone)."""
    if spread is None:
        spread = MODEL_SPREAD
    if not spread >= 0.0:
        raise InvalidInputError("a spread of at least 0", column="spread", got=repr(spread))
    z = float(ndtri(0.5 + check_confidence(confidence) / 2.0))
    p = np.clip(np.asarray(p_wrong, dtype=np.float64), 0.0, 1.0)
    mean, lo, hi = _model_interval(p, z)
    if p_wrong_raw is not None:
        raw = np.clip(np.asarray(p_wrong_raw, dtype=np.float64), 0.0, 1.0)
        if raw.shape != p.shape:
            raise InvalidInputError(f"raw error probabilities of shape {p.shape}", got=f"{raw.shape}")
        _, raw_lo, raw_hi = _model_interval(raw, z)
        lo, hi = min(lo, raw_lo), max(hi, raw_hi)
    band_lo, band_hi = spread_band(mean, spread)
    return mean, (min(lo, band_lo), max(hi, band_hi))


def estimate_error_rate(
    p_wrong: npt.ArrayLike,
    *,
    checks: Checks | None = None,
    p_wrong_raw: npt.ArrayLike | None = None,
    confidence: float = 0.95,
    what: str = "checked tasks",
) -> ErrorRate:
    """Estimate the share of wrong consensus labels among the tasks of ``p_wrong`` (n,), the model's
    probability that each consensus label is wrong, with the ``checks`` (gold, a reviewed sample) if any.

    PPI++ (module docstring): ``lam * mean(p) + (n_wrong - lam * sum_p) / n_checked`` with the variance-
    minimising ``lam`` in [0, 1]; its residual variance is shrunk by two pseudo-checks (one wrong, one
    right, at the mean model error) so that a clean sample cannot claim zero variance.
    """
    level = check_confidence(confidence)
    z = float(ndtri(0.5 + level / 2.0))
    p = np.clip(np.asarray(p_wrong, dtype=np.float64), 0.0, 1.0)
    if p.ndim != 1 or not np.all(np.isfinite(p)):
        raise InvalidInputError("one finite error probability per task, as a 1-D array", got=f"{p.shape}")
    (model, model_ci), c = model_error_rate(p, p_wrong_raw=p_wrong_raw, confidence=level), checks or Checks()
    if c.n == 0:
        how = (
            "mean posterior probability of error; interval spans raw and calibrated posteriors and the "
            f"model's widest miss on public data (log-odds {MODEL_SPREAD:g})"
        )
        return ErrorRate(
            model, model_ci, False, "the consensus model alone", len(p), model, model_ci, c, how, level
        )
    n, k = c.n, c.n_wrong
    gold_rate = k / n
    mean_f = c.sum_p / n if c.has_model else model
    if n < SMALL_CHECKS or not c.has_model or not len(p):
        lo, hi = clopper_pearson(k, n, confidence=level)
        if not len(p):  # every task checked: the checked share is the rate
            value = gold_rate
        elif c.has_model:  # the model's number corrected by the checks, kept inside their exact interval
            value = float(np.clip(model + gold_rate - mean_f, lo, hi))
        elif n < SMALL_CHECKS:  # few checks and no model sums: the model's number unless they rule it out
            value = float(np.clip(model, lo, hi))
        else:
            value = gold_rate
        corrected = "; the model's number corrected by them" if c.has_model and len(p) else ""
        method = f"exact Clopper-Pearson interval of {n} checked tasks{corrected}"
        return ErrorRate(value, (lo, hi), True, f"{n} {what}", len(p), model, model_ci, c, method, level)
    big_n = max(len(p), 1)
    var_f = max(c.sum_p2 / n - mean_f**2, 0.0)
    cov = c.sum_wrong_p / n - gold_rate * mean_f
    lam = float(np.clip(cov / ((1.0 + n / big_n) * var_f), 0.0, 1.0)) if var_f > 1e-12 else 0.0
    value = lam * model + gold_rate - lam * mean_f
    # residual r = y - lam * f over the checks, plus two pseudo-checks (y = 1 and y = 0 at f = mean_f)
    sum_r = k - lam * c.sum_p + 1.0 - 2.0 * lam * mean_f
    sum_r2 = (
        k
        - 2.0 * lam * c.sum_wrong_p
        + lam**2 * c.sum_p2
        + 1.0
        - 2.0 * lam * mean_f
        + 2.0 * (lam * mean_f) ** 2
    )
    m = n + 2
    var_r = max(sum_r2 / m - (sum_r / m) ** 2, 0.0) * m / (m - 1)
    var_model = float(p.var()) if len(p) > 1 else 0.0
    se = float(np.sqrt(lam**2 * var_model / big_n + var_r / n))
    lo, hi = max(0.0, value - z * se), min(1.0, value + z * se)
    value = float(np.clip(value, 0.0, 1.0))
    method = f"prediction-powered inference (PPI++, lambda {lam:.2f}) on {n} checked tasks and the model"
    if lam == 0.0 or min(k, n - k) < NORMAL_MIN_COUNT:
        # no help from the model (the classical estimate), or too few wrong (or right) checks for the normal
        # approximation: the exact interval of the checks holds; a helping model's interval may only widen it
        exact_lo, exact_hi = clopper_pearson(k, n, confidence=level)
        lo, hi = (exact_lo, exact_hi) if lam == 0.0 else (min(lo, exact_lo), max(hi, exact_hi))
        value = float(np.clip(value, lo, hi))
        method += f"; exact Clopper-Pearson bounds ({k} of {n} checks wrong)"
    return ErrorRate(
        value, (lo, hi), True, f"{n} {what} and the model", len(p), model, model_ci, c, method, level
    )
