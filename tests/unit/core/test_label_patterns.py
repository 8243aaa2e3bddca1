"""Sparse pattern sums equal dense references, and many classes stay cheap.

``core.label_patterns`` never builds the (patterns, K, K) coincidence tensor; these tests compute each
coefficient independently and densely (the ``krippendorff`` package for alpha, per-task formulas for
Fleiss, AC1, percent and per-class figures) and check a 1000-class input finishes quickly.
"""

from __future__ import annotations

import tracemalloc

import krippendorff
import numpy as np
import pytest

from labelpact.core.agreement import agreement
from labelpact.core.annotations import Annotations
from labelpact.core.label_patterns import count_patterns, label_patterns
from labelpact.simulate import simulate_many_classes


def simulated(
    seed: int, n_tasks: int, k: int, max_labels: int, names: list[str] | None = None
) -> Annotations:
    """Tasks with 1..max_labels labels, mostly near a true class (so ordinal and interval differ)."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n_tasks)
    per_task = rng.integers(1, max_labels + 1, n_tasks)
    task = np.repeat(np.arange(n_tasks), per_task)
    near = np.clip(truth[task] + rng.integers(-1, 2, len(task)), 0, k - 1)
    label = np.where(rng.random(len(task)) < 0.6, truth[task], near)
    classes = names or [f"c{c:03d}" for c in range(k)]
    worker = np.concatenate([rng.permutation(20)[:m] for m in per_task])
    return Annotations.from_columns(
        task=task, worker=worker, label=np.asarray(classes)[label], classes=classes
    )


def reliability_data(a: Annotations) -> np.ndarray:
    """The (workers, tasks) value matrix the krippendorff package takes, NaN where missing."""
    data = np.full((a.n_workers, a.n_tasks), np.nan)
    data[a.worker, a.task] = a.label
    return data


def dense_reference(a: Annotations) -> dict[str, np.ndarray]:
    """Fleiss (Gwet's generalisation), AC1, percent, per-class alpha and specific agreement, densely."""
    n = a.label_counts()
    n = n[n.sum(1) > 0]
    m = n.sum(1)
    pair = m >= 2
    pa = ((n * (n - 1)).sum(1)[pair] / (m * (m - 1))[pair]).mean()
    pi = (n / m[:, None]).mean(0)
    k = n.shape[1]
    pe_f, pe_g = (pi * pi).sum(), (pi * (1 - pi)).sum() / (k - 1)
    coinc = np.einsum("pc,pk->ck", n[pair], n[pair] / (m[pair, None] - 1))
    coinc -= np.diag((n[pair] / (m[pair, None] - 1)).sum(0))
    marg, total = coinc.sum(1), coinc.sum()
    with np.errstate(divide="ignore", invalid="ignore"):  # classes never used are 0/0
        return _coefficients(pa, pe_f, pe_g, coinc, marg, total)


def _coefficients(
    pa: float, pe_f: float, pe_g: float, coinc: np.ndarray, marg: np.ndarray, total: float
) -> dict[str, np.ndarray]:
    """The reference coefficients from the agreeing-pair share, chance terms and coincidence matrix."""
    return {
        "fleiss": (pa - pe_f) / (1 - pe_f),
        "ac1": (pa - pe_g) / (1 - pe_g),
        "percent": pa,
        "class_alpha": 1 - (total - 1) * (marg - np.diag(coinc)) / (marg * (total - marg)),
        "specific": np.diag(coinc) / marg,
    }


@pytest.mark.parametrize("k", [2, 3, 7, 40, 90])
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_every_coefficient_equals_a_dense_reference(k: int, level: str) -> None:
    a = simulated(k, 300, k, 5)
    got = agreement(a, level=level, n_bootstrap=0, min_pair_tasks=1)  # type: ignore[arg-type]
    alpha = krippendorff.alpha(reliability_data(a), level_of_measurement=level, value_domain=range(k))
    assert got.krippendorff_alpha.value == pytest.approx(alpha, abs=1e-12)
    ref = dense_reference(a)
    assert got.fleiss_kappa.value == pytest.approx(ref["fleiss"], abs=1e-12)
    assert got.gwet_ac1.value == pytest.approx(ref["ac1"], abs=1e-12)
    assert got.percent_agreement.value == pytest.approx(ref["percent"], abs=1e-12)
    present = np.isfinite(ref["class_alpha"])
    class_alpha = np.array([c.alpha.value for c in got.per_class])
    specific = np.array([c.specific_agreement.value for c in got.per_class])
    np.testing.assert_allclose(class_alpha[present], ref["class_alpha"][present], rtol=0, atol=1e-12)
    np.testing.assert_allclose(specific[present], ref["specific"][present], rtol=0, atol=1e-12)


def test_interval_alpha_uses_numeric_class_names() -> None:
    names = ["-3", "0.1", "0.2", "2.5", "1000", "1000.5"]
    a = simulated(1, 400, len(names), 4, names)
    data = reliability_data(a)
    values = np.array([float(x) for x in names])
    data = np.where(np.isnan(data), np.nan, values[np.nan_to_num(data).astype(int)])
    expected = krippendorff.alpha(data, level_of_measurement="interval")
    got = agreement(a, level="interval", n_bootstrap=0).krippendorff_alpha.value
    assert got == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("k", "top"), [(3, 4), (30, 6), (100, 3)])
def test_sparse_patterns_keep_the_dense_order(k: int, top: int) -> None:
    """The bootstrap's draws follow the pattern order: packed key for few classes, else lexicographic."""
    rng = np.random.default_rng(k)
    counts = rng.integers(0, top, (2000, k)) * (rng.random((2000, k)) < 3 / k)
    counts[:3] = 0
    rows, sizes = count_patterns(counts.astype(np.float64))
    base = int(counts.max()) + 1
    if k * np.log2(base) < 62:
        key = counts @ (base ** np.arange(k))
        _, first, expected_sizes = np.unique(key, return_index=True, return_counts=True)
        expected = counts[first]
    else:
        expected, expected_sizes = np.unique(counts, axis=0, return_counts=True)
    np.testing.assert_array_equal(rows, expected)
    np.testing.assert_array_equal(sizes, expected_sizes)


def test_a_thousand_classes_on_twenty_thousand_tasks_fits_in_memory() -> None:
    """The dense (patterns, K, K) tensor of this input would need 143 GiB; sparse sums need well under
    1 GiB (about 210 MiB measured), whatever the machine's speed (time goals live in benchmarks/)."""
    n_tasks, k = 20_000, 1000
    a, _ = simulate_many_classes(k, n_tasks=n_tasks, n_workers=5)
    patterns, sizes = label_patterns(a)
    assert patterns.shape == (len(sizes), k) and sizes.sum() == n_tasks
    tracemalloc.start()
    try:
        got = agreement(a, level="ordinal", n_bootstrap=200)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**30
    assert 0.3 < got.krippendorff_alpha.value < 0.5
    assert got.krippendorff_alpha.ci[0] < got.krippendorff_alpha.value < got.krippendorff_alpha.ci[1]
    assert len(got.per_class) == k
