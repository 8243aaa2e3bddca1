"""Label-error candidates: confident learning beside a model, weak or contradicted consensus without one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from labelpact.core.annotations import Annotations, FloatArray, IntArray
from labelpact.core.label_errors import label_errors_of
from labelpact.errors import InvalidInputError


@dataclass(frozen=True)
class Probs:
    task: IntArray
    probs: FloatArray


def crowd(n_tasks: int, classes: tuple[str, ...] = ("a", "b")) -> Annotations:
    """Two workers label every task but the last one (left unlabelled), both with class ``t % 2``."""
    task = np.repeat(np.arange(n_tasks - 1), 2)
    return Annotations(
        task=task,
        worker=np.tile([0, 1], n_tasks - 1),
        label=task % len(classes),
        tasks=tuple(f"t{i}" for i in range(n_tasks)),
        workers=("w0", "w1"),
        classes=classes,
    )


def test_a_model_that_confidently_disagrees_flags_exactly_that_task() -> None:
    a = crowd(21)
    codes = np.append(np.arange(20) % 2, -1)
    probs = np.where(np.eye(2)[codes[:20]] == 1, 0.95, 0.05)
    probs[3] = [0.98, 0.02]  # task 3's consensus is "b"; the model is sure it is "a"
    order = np.arange(20)[::-1]  # predictions in any task order
    found = label_errors_of(a, codes, np.eye(2)[np.maximum(codes, 0)], predictions=Probs(order, probs[order]))
    assert found.source == "confident learning on model predictions"
    assert found.issues.task.tolist() == [3] and found.issues.suggested.tolist() == [0]
    assert found.issues.n_tasks == 20  # the unlabelled task is not checked


def test_without_a_model_a_weak_consensus_is_a_candidate() -> None:
    a = crowd(4)
    codes = np.array([0, 1, 0, -1])
    probas = np.array([[0.9, 0.1], [0.4, 0.6], [0.95, 0.05], [0.5, 0.5]])
    found = label_errors_of(a, codes, probas)
    assert found.source == "weak or contradicted consensus"
    assert found.issues.task.tolist() == [1] and found.issues.n_tasks == 3  # 0.6 < 0.7; task 3 unlabelled


def test_one_class_has_no_errors_and_predictions_must_cover_a_labelled_task() -> None:
    single = crowd(3, classes=("only",))
    found = label_errors_of(single, np.array([0, 0, -1]), np.ones((3, 1)))
    assert len(found.issues) == 0 and found.issues.n_tasks == 2 and found.source.startswith("none")
    a = crowd(3)
    with pytest.raises(InvalidInputError, match="at least one labelled task"):
        label_errors_of(
            a, np.array([0, 1, -1]), np.eye(2)[[0, 1, 0]], predictions=Probs(np.array([2]), np.eye(2)[[0]])
        )
