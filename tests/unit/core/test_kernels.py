"""The sparse count matrix and the E/M-step products, against explicit loops over a tiny case."""

from __future__ import annotations

import numpy as np

from labelpact.core.annotations import Annotations, Gold
from labelpact.core.kernels import (
    clamp_gold,
    count_matrix,
    group_sum,
    label_frequencies,
    normalize_log_posteriors,
    triples,
    vote_counts,
)

# (task, worker, label) with a repeated row: worker 1 gave task 0 class 1 twice
ROWS = [(0, 0, 0), (0, 1, 1), (0, 1, 1), (1, 0, 2), (1, 2, 0), (2, 2, 2)]


def tiny() -> Annotations:
    task, worker, label = (list(x) for x in zip(*ROWS, strict=True))
    return Annotations(
        task=task,
        worker=worker,
        label=label,
        tasks=("t0", "t1", "t2", "t3"),
        workers=("a", "b", "c"),
        classes=("x", "y", "z"),
    )


def test_count_matrix_sums_duplicates_and_keeps_empty_tasks() -> None:
    counts = count_matrix(tiny())
    dense = counts.by_task.toarray()
    assert dense.shape == (4, 9)
    assert dense[0, 1 * 3 + 1] == 2.0  # the repeated label counts twice
    assert dense[3].sum() == 0.0  # t3 has no annotation
    assert counts.given.tolist() == [[1, 0, 1], [0, 2, 0], [1, 0, 1]]


def test_e_step_scores_match_a_loop() -> None:
    a = tiny()
    rng = np.random.default_rng(1)
    log_conf = rng.normal(size=(3, 3, 3))  # [worker, true, observed]
    expected = np.zeros((4, 3))
    for t, w, y in ROWS:
        expected[t] += log_conf[w, :, y]
    assert np.allclose(count_matrix(a).e_step_scores(log_conf), expected)


def test_m_step_counts_match_a_loop() -> None:
    a = tiny()
    post = np.random.default_rng(2).dirichlet(np.ones(3), size=4)
    expected = np.zeros((3, 3, 3))
    for t, w, y in ROWS:
        expected[w, :, y] += post[t]
    assert np.allclose(count_matrix(a).m_step_counts(post), expected)


def test_triples_are_distinct_with_counts() -> None:
    t = triples(count_matrix(tiny()))
    assert len(t.task) == 5
    assert t.count.sum() == 6.0
    assert np.array_equal(t.worker_label, t.worker * 3 + t.label)


def test_votes_frequencies_and_group_sum() -> None:
    a = tiny()
    assert vote_counts(a).tolist() == [[1, 2, 0], [1, 0, 1], [0, 0, 1], [0, 0, 0]]
    assert np.allclose(label_frequencies(a), [2 / 6, 2 / 6, 2 / 6])
    assert group_sum(np.array([0, 2, 2]), np.array([1.0, 2.0, 3.0]), 4).tolist() == [1.0, 0.0, 5.0, 0.0]


def test_normalize_log_posteriors_is_stable_and_returns_evidence() -> None:
    scores = np.array([[-1000.0, -1000.0], [0.0, np.log(3.0)]])
    post, evidence, log_norm = normalize_log_posteriors(scores.copy())
    assert np.allclose(post, [[0.5, 0.5], [0.25, 0.75]])
    assert np.isclose(evidence, (-1000.0 + np.log(2.0)) + np.log(4.0))
    assert np.allclose(log_norm, [-1000.0 + np.log(2.0), np.log(4.0)])
    # a shift far from the truth (the first row would underflow, the second overflow) is corrected
    post2, evidence2, _ = normalize_log_posteriors(scores.copy(), shift=np.array([0.0, -2000.0]))
    assert np.allclose(post2, post) and np.isclose(evidence2, evidence)


def test_clamp_gold_sets_one_hot_rows() -> None:
    post = np.full((3, 2), 0.5)
    clamp_gold(post, Gold(task=[2], label=[1]))
    assert post.tolist() == [[0.5, 0.5], [0.5, 0.5], [0.0, 1.0]]
