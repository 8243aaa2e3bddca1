"""Small shared statistics: Wilson intervals, bootstrap resampling and multiple-testing corrections.

Everything here is vectorised over numpy arrays and seeded only through a ``numpy.random.Generator``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

from labelpact.errors import InvalidInputError

__all__ = [
    "benjamini_hochberg",
    "check_confidence",
    "holm",
    "multinomial_replicates",
    "percentile_interval",
    "wilson_interval",
]

FloatArray = npt.NDArray[np.float64]


def check_confidence(confidence: float) -> float:
    """Return ``confidence`` when it lies strictly between 0 and 1, else raise ``InvalidInputError``."""
    if not 0.0 < confidence < 1.0:
        raise InvalidInputError("a confidence level strictly between 0 and 1", got=repr(confidence))
    return float(confidence)


def wilson_interval(
    successes: npt.ArrayLike, trials: npt.ArrayLike, *, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for binomial proportions, elementwise; NaN where ``trials`` is 0.

    Wilson (1927), "Probable inference, the law of succession, and statistical inference", JASA 22.
    Unlike the Wald interval it stays inside [0, 1] and keeps its coverage near 0 and 1.
    """
    z = float(ndtri(0.5 + check_confidence(confidence) / 2.0))
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    if not (np.all(np.isfinite(k)) and np.all(np.isfinite(n)) and np.all((k >= 0) & (k <= n))):
        raise InvalidInputError(
            "counts with 0 <= successes <= trials", column="successes", got=f"{successes!r} of {trials!r}"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2.0 * n)) / denom
        half = z / denom * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    # the interval always holds k / n; at k = n rounding put the upper bound at 1 - 2^-53, below it
    lo = np.where(n > 0, np.clip(np.minimum(centre - half, p), 0.0, 1.0), np.nan)
    hi = np.where(n > 0, np.clip(np.maximum(centre + half, p), 0.0, 1.0), np.nan)
    return np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)


def percentile_interval(replicates: npt.ArrayLike, *, confidence: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the finite replicates; (NaN, NaN) when too few are finite to put one
    replicate in each tail (40 at 95%): a "95% interval" of one replicate was a point, [0.667, 0.667]."""
    values = np.asarray(replicates, dtype=np.float64)
    values = values[np.isfinite(values)]
    tail = (1.0 - check_confidence(confidence)) / 2.0
    if len(values) < math.ceil(1.0 / tail - 1e-9):
        return float("nan"), float("nan")
    lo, hi = np.quantile(values, [tail, 1.0 - tail])
    return float(lo), float(hi)


def multinomial_replicates(
    counts: npt.ArrayLike, n_replicates: int, rng: np.random.Generator, *, max_cells: int = 4_000_000
) -> Iterator[npt.NDArray[np.int64]]:
    """Bootstrap weights over groups of identical units, in blocks of shape (block, n_groups).

    Resampling ``n`` units with replacement and counting how many land in each group is a
    multinomial draw with the groups' frequencies as probabilities, so a statistic that is a sum
    over units is resampled exactly from group totals (cost per replicate O(n_groups), not O(n)).
    Blocks hold at most ``max_cells`` weights so memory stays bounded.
    """
    sizes = np.asarray(counts, dtype=np.int64)
    total = int(sizes.sum())
    if total == 0 or n_replicates <= 0:
        return
    pvals = sizes / total
    block = max(1, min(n_replicates, max_cells // max(len(sizes), 1)))
    done = 0
    while done < n_replicates:
        size = min(block, n_replicates - done)
        yield rng.multinomial(total, pvals, size=size).astype(np.int64, copy=False)
        done += size


def benjamini_hochberg(p_values: npt.ArrayLike) -> FloatArray:
    """Benjamini–Hochberg adjusted p-values (q-values), same order as the input; NaN stays NaN.

    Benjamini & Hochberg (1995), "Controlling the false discovery rate", JRSS B 57: reject where
    the adjusted value is at most the target false discovery rate.
    """
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    m = len(finite)
    if m == 0:
        return out
    order = finite[np.argsort(p[finite], kind="stable")]
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out[order] = np.minimum(adjusted, 1.0)
    return out


def holm(p_values: npt.ArrayLike) -> FloatArray:
    """Holm step-down adjusted p-values (family-wise error control), same order; NaN stays NaN.

    Holm (1979), "A simple sequentially rejective multiple test procedure", Scand. J. Statist. 6.
    """
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    m = len(finite)
    if m == 0:
        return out
    order = finite[np.argsort(p[finite], kind="stable")]
    scaled = p[order] * (m - np.arange(m))
    out[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return out
