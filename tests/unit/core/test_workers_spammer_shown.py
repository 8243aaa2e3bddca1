"""Spammer scores count whole labels against the class the scorecard shows (gold, else the consensus)."""

from __future__ import annotations

import dataclasses

import numpy as np

from labelpact.core.annotations import Annotations
from labelpact.core.workers import WorkerThresholds, score_workers, spammer_of


def test_a_worker_agreeing_with_every_shown_consensus_is_not_a_spammer() -> None:
    # a skewed batch: 40 tasks of class 0 and one each of classes 2 and 3; two honest workers on every
    # task (h1 says 2 on three class-0 tasks, h2 says 3 on six), and "w" on 24 class-0 tasks and the two
    # rare ones, agreeing with the consensus on all 26 labels. The EM-refined posterior spread class-0
    # mass over the rare rows (soft counts 4.0 and 2.8), which passed them off as evidence: score 1.0.
    n0 = 40
    truth = np.r_[np.zeros(n0, dtype=int), 2, 3]
    h1, h2 = truth.copy(), truth.copy()
    h1[6:9], h2[:6] = 2, 3
    tasks = np.arange(n0 + 2)
    w_tasks = np.r_[np.arange(24), n0, n0 + 1]
    task = np.r_[tasks, tasks, w_tasks]
    worker = np.repeat(["h1", "h2", "w"], [n0 + 2, n0 + 2, 26])
    a = Annotations.from_columns(
        task=np.array([f"t{i:02d}" for i in task]),
        worker=worker,
        label=np.r_[h1, h2, truth[w_tasks]],
        classes=["0", "1", "2", "3"],
    )
    consensus = truth.astype(np.intp)
    probas = np.eye(4)[consensus] * 0.7 + 0.3 * np.array([0.4, 0.0, 0.3, 0.3])
    report = score_workers(a, consensus=consensus, probas=probas, thresholds=WorkerThresholds(min_labels=20))
    w = report.workers.index("w")
    assert report.consensus_agreement[w] == 1.0
    # against the shown consensus w has one row of two or more labels (class 0): the score is undefined
    assert np.isnan(report.spammer_score[w])
    assert report.flags == ((), (), ())


def test_spammer_of_hand_computed() -> None:
    perfect = np.array([[10.0, 0.0], [0.0, 10.0]])  # S = 1: score 0
    constant = np.array([[20.0, 0.0], [20.0, 0.0]])  # rank one: score 1, agreement 0.5 = the class share
    one_row = np.array([[24.0, 0.0], [0.0, 1.0]])  # one row of two or more labels: undefined
    score, flagged = spammer_of(np.stack([perfect, constant, one_row]), WorkerThresholds())
    np.testing.assert_allclose(score[:2], [0.0, 1.0], atol=1e-12)
    assert np.isnan(score[2])
    assert flagged.tolist() == [False, True, False]


def test_agreement_beyond_what_truth_blind_labels_reach_is_not_spamming() -> None:
    # 5 + 5 labels, all right: whatever the score, 10/10 agreement has a Wilson lower bound of
    # 10 / (10 + 1.96^2) = 0.722, above the 0.5 that labels blind to the truth reach on these tasks at best
    counts = np.array([[[5.0, 0.0], [0.0, 5.0]]])
    low = 10 / (10 + 1.959963984540054**2)
    assert low > 0.5
    _, flagged = spammer_of(counts, WorkerThresholds(max_spammer_score=0.0))  # every score passes
    assert not flagged[0]
    # a constant labeller on the same tasks: 5/10 agreement, lower bound < 0.5, still flagged
    _, flagged = spammer_of(np.array([[[5.0, 0.0], [5.0, 0.0]]]), WorkerThresholds(max_spammer_score=0.0))
    assert flagged[0]


def test_flag_counts_count_workers_not_copy_pairs() -> None:
    # a ring of three copiers x, y, z (three pairs) and a spammer: by_flag counted 6 copying flags
    report = score_workers(
        Annotations.from_columns(task=["t"], worker=["x"], label=["a"], classes=["a", "b"]),
        consensus=np.array([0], dtype=np.intp),
    )
    flags = (
        ("copying:y", "copying:z"),
        ("spammer", "copying:x", "copying:z"),
        ("copying:x", "copying:y"),
        ("spammer",),
        (),
    )
    ring = dataclasses.replace(report, flags=flags)
    assert ring.flag_counts() == {"copying": 3, "spammer": 2}
    assert list(ring.flag_counts()) == ["copying", "spammer"]  # first seen first, as by_flag was
