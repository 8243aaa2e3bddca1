"""Tasks with a gold answer are never label-error candidates: their truth is known."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from cleanlab.filter import find_label_issues

from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.core.label_errors import label_errors_of
from labelpact.core.workers import score_workers


@dataclass(frozen=True)
class Probs:
    task: IntArray
    probs: FloatArray


def noisy_case(n: int = 300, k: int = 3, seed: int = 4) -> tuple[Annotations, IntArray, Probs, Gold]:
    """Two workers agree on every task; a model 80% centred on the label; gold (equal to the consensus,
    as a consensus fitted with gold is) on every third task."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, k, n).astype(np.intp)
    centre = np.where(rng.random(n) < 0.8, codes, rng.integers(0, k, n))
    logits = 3.0 * np.eye(k)[centre] + rng.normal(0, 0.5, (n, k))
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    a = Annotations(
        task=np.repeat(np.arange(n), 2),
        worker=np.tile([0, 1], n),
        label=np.repeat(codes, 2),
        tasks=tuple(f"t{i:03d}" for i in range(n)),
        workers=("w0", "w1"),
        classes=tuple("abc"[:k]),
    )
    on = np.arange(0, n, 3)
    return a, codes, Probs(np.arange(n), probs), Gold(task=on, label=codes[on])


def test_gold_tasks_are_not_candidates_and_the_rest_match_cleanlab() -> None:
    a, codes, preds, gold = noisy_case()
    probas = np.eye(a.n_classes)[codes]
    everything = label_errors_of(a, codes, probas, predictions=preds).issues
    assert np.isin(everything.task, gold.task).any()  # the model disputes some gold: they were flagged
    found = label_errors_of(a, codes, probas, predictions=preds, gold=gold).issues
    assert not np.isin(found.task, gold.task).any()
    rest = np.setdiff1d(np.arange(a.n_tasks), gold.task)
    assert found.n_tasks == len(rest) == 200
    expected = rest[
        find_label_issues(codes[rest], preds.probs[rest], filter_by="prune_by_noise_rate", n_jobs=1)
    ]
    assert sorted(found.task.tolist()) == sorted(expected.tolist())


def test_without_a_model_gold_tasks_are_not_candidates_either() -> None:
    a, codes, _, gold = noisy_case(n=30)
    probas = np.full((a.n_tasks, a.n_classes), 0.2)
    probas[np.arange(a.n_tasks), codes] = 0.6  # every consensus weak (< 0.7)
    found = label_errors_of(a, codes, probas, gold=gold).issues
    assert sorted(found.task.tolist()) == sorted(np.setdiff1d(np.arange(30), gold.task).tolist())
    assert found.n_tasks == 20


def test_gold_on_every_predicted_task_leaves_nothing_to_check() -> None:
    a, codes, preds, _ = noisy_case(n=30)
    everywhere = Gold(task=np.arange(30), label=codes)
    found = label_errors_of(a, codes, np.eye(a.n_classes)[codes], predictions=preds, gold=everywhere)
    assert len(found.issues) == 0 and found.issues.n_tasks == 0 and found.issues.rate == 0.0


def test_with_the_workers_models_and_gold_the_candidates_are_the_tasks_without_gold() -> None:
    """Before: with a worker report (the audit always has one) and gold, the labels of gold tasks were mapped
    to task -1 and the audit failed: "expected task codes in [0, 540), got codes from -1 to 539"."""
    a, codes, _, gold = noisy_case(n=30)
    probas = np.eye(a.n_classes)[codes]
    report = score_workers(a, consensus=codes, probas=probas, gold=gold)
    found = label_errors_of(a, codes, probas, report=report, gold=gold).issues
    assert found.n_tasks == 20 and not np.isin(found.task, gold.task).any()
    assert len(found) == 0  # two workers who always agree contradict nothing
