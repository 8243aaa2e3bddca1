"""Keyed draws: a pure-Python reference of the hash, and the properties the fits rely on."""

from __future__ import annotations

import numpy as np
from scipy import stats

from labelpact.core.annotations import Annotations, Gold
from labelpact.core.keyed import (
    annotation_keys,
    gold_in_name_order,
    keyed_folds,
    keyed_uniform,
    labels_digest,
    name_keys,
    rows_digest,
)

MASK = (1 << 64) - 1


def splitmix(x: int) -> int:
    """SplitMix64's output function (Steele, Lea and Flood 2014), written out on Python integers."""
    z = (x + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def reference_key(name: str, seed: int) -> int:
    h = 0xCBF29CE484222325  # FNV-1a, 64 bits, over the code points
    for point in map(ord, name):
        h = ((h ^ point) * 0x100000001B3) & MASK
    return splitmix(h ^ splitmix(seed))


def test_keys_match_a_pure_python_fnv1a_and_splitmix() -> None:
    names = ("", "a", "task-000017", "Zürich ✓", "x" * 300)
    keys = name_keys(names, 7)
    assert [int(k) for k in keys] == [reference_key(n, 7) for n in names]
    assert splitmix(0) == 0xE220A8397B1DCDAF  # the published first output of SplitMix64 seeded with 0


def test_a_names_key_ignores_the_rest_of_the_vocabulary() -> None:
    short = name_keys(("b", "a"), 0)
    long = name_keys(["a", "a much longer name than the others", "b"] * 30_000, 0)  # several blocks
    assert short[1] == long[0] and short[0] == long[2] and short[0] == long[-1]
    assert name_keys(("a",), 1)[0] != name_keys(("a",), 0)[0]


def test_uniforms_are_uniform_and_streams_differ() -> None:
    keys = name_keys(tuple(f"w{i}" for i in range(20_000)), 0)
    u = keyed_uniform(keys, 3, stream=0)
    assert u.shape == (20_000, 3) and u.min() > 0.0 and u.max() < 1.0
    assert stats.kstest(u.ravel(), "uniform").pvalue > 1e-4
    assert abs(np.corrcoef(u[:, 0], u[:, 1])[0, 1]) < 0.03
    other = keyed_uniform(keys, 3, stream=1)
    assert not np.any(other == u)


def test_folds_are_balanced() -> None:
    fold = keyed_folds(name_keys(tuple(str(i) for i in range(103)), 0), 5)
    assert sorted(np.bincount(fold).tolist()) == [20, 20, 21, 21, 21]


def test_equal_rows_get_equal_keys_and_gold_follows_names() -> None:
    a = Annotations.from_columns(task=["t2", "t1", "t2"], worker=["u", "v", "u"], label=["x", "y", "x"])
    keys = annotation_keys(a, 0)
    assert keys[0] == keys[2] and keys[0] != keys[1]
    gold = Gold(task=np.array([0, 1]), label=np.array([0, 1]))  # t2, t1 in code order
    ordered = gold_in_name_order(gold, a.tasks)
    assert ordered is not None
    assert [a.tasks[i] for i in ordered.task] == ["t1", "t2"] and ordered.label.tolist() == [1, 0]


def test_a_very_long_name_is_hashed_alone() -> None:
    """Names are hashed in blocks of similar length: one name of 200,000 characters among 100,000 short ones
    is keyed as the reference keys it, and does not make every block that wide (200,000 x 100,000 x 4 bytes)."""
    long = "é" * 200_000
    names = [f"t{i}" for i in range(100_000)]
    names.insert(500, long)
    keys = name_keys(names, 3)
    assert int(keys[500]) == reference_key(long, 3)
    assert [int(k) for k in keys[:3]] == [reference_key(n, 3) for n in names[:3]]
    assert int(keys[-1]) == reference_key(names[-1], 3)


def test_the_labels_digest_ignores_order_and_sees_every_row() -> None:
    rows = [("t1", "w1", "a"), ("t1", "w2", "b"), ("t2", "w1", "a"), ("t2", "w1", "a")]  # a repeated row

    def digest(these: list[tuple[str, str, str]], classes: list[str] | None = None) -> str:
        task, worker, label = (list(c) for c in zip(*these, strict=True))
        return labels_digest(Annotations.from_columns(task=task, worker=worker, label=label, classes=classes))

    base = digest(rows)
    assert len(base) == 16 and int(base, 16) >= 0
    assert digest(rows[::-1]) == base == digest(rows, classes=["b", "a"])  # row order, class order
    assert digest(rows[:3]) != base  # the repeated row counts
    assert digest([*rows[:3], ("t2", "w1", "b")]) != base
    assert digest([("t1", "w2", "a"), ("t1", "w1", "b"), *rows[2:]]) != base  # labels swapped between workers


def test_the_digest_matches_a_pure_python_sum_of_splitmixed_rows() -> None:
    rows = [("t1", "w1", "a"), ("t1", "w2", "b"), ("t2", "w1", "a"), ("t2", "w1", "a")]

    def row(task: str, worker: str, label: str) -> int:
        key = 0
        for part in (task, worker, label):
            key = splitmix(key ^ reference_key(part, 0))
        return splitmix(key)

    expected = splitmix((sum(row(*r) for r in rows) & MASK) ^ len(rows))
    task, worker, label = (list(c) for c in zip(*rows, strict=True))
    a = Annotations.from_columns(task=task, worker=worker, label=label)
    assert labels_digest(a) == f"{expected:016x}"  # stored digests of earlier releases stay valid
    keys = [name_keys(tuple(c), 0)[np.arange(len(c))] for c in (task, worker, label)]
    assert rows_digest(*keys) == labels_digest(a)
