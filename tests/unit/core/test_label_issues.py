"""Confident learning against cleanlab on the same inputs, hand-checked toys, and properties."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelpact.core.label_issues import (
    FilterBy,
    confident_joint,
    confident_thresholds,
    contradicted_annotations,
    find_label_issues,
    label_quality_scores,
    rank_label_issues,
    weak_consensus_issues,
)
from labelpact.errors import InvalidInputError

FILTERS: tuple[FilterBy, ...] = (
    "prune_by_noise_rate",
    "prune_by_class",
    "both",
    "confident_learning",
    "predicted_neq_given",
)
SCORES = ("self_confidence", "normalized_margin", "confidence_weighted_entropy")


@dataclass(frozen=True)
class Noisy:
    labels: Any  # (n,) given labels, some flipped
    truth: Any  # (n,) true classes
    pred_probs: Any  # (n, K)


def noisy_case(
    seed: int, *, n: int = 2000, k: int = 4, noise: float = 0.2, sharpness: float = 2.5, skew: bool = False
) -> Noisy:
    """Labels with a known share of uniform flips; predictions from a noisy but informative model."""
    rng = np.random.default_rng(seed)
    prior = rng.dirichlet(np.full(k, 0.7 if skew else 20.0))
    truth = rng.choice(k, size=n, p=prior)
    flipped = rng.random(n) < noise
    labels = np.where(flipped, rng.integers(0, k, n), truth)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), truth] += sharpness
    probs = np.exp(logits)
    return Noisy(labels, truth, probs / probs.sum(axis=1, keepdims=True))


CASES = {
    "k3-balanced": noisy_case(0, k=3),
    "k5-skewed": noisy_case(1, k=5, skew=True, noise=0.1),
    "k10-hard": noisy_case(2, k=10, n=5000, sharpness=1.5, noise=0.3),
    "k2-clean": noisy_case(3, k=2, noise=0.02, sharpness=4.0),
    "k6-tiny": noisy_case(4, k=6, n=60, noise=0.25),
}


def cleanlab_issues(labels: Any, pred_probs: Any, **options: Any) -> Any:
    from cleanlab.filter import find_label_issues as reference

    with warnings.catch_warnings():
        # cleanlab warns when a class has <= min_examples_per_class examples; that is its business, not ours
        warnings.filterwarnings("ignore", message="May not flag all label issues", category=UserWarning)
        return reference(labels, pred_probs, n_jobs=1, **options)


def jaccard(a: Any, b: Any) -> float:
    union = np.count_nonzero(a | b)
    return 1.0 if union == 0 else np.count_nonzero(a & b) / union


@pytest.mark.parametrize("filter_by", FILTERS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_flagged_set_equals_cleanlab(case: str, filter_by: FilterBy) -> None:
    data = CASES[case]
    ours = find_label_issues(data.labels, data.pred_probs, filter_by=filter_by)
    theirs = cleanlab_issues(data.labels, data.pred_probs, filter_by=filter_by)
    assert jaccard(ours, theirs) >= 0.95
    assert np.array_equal(ours, theirs)  # in fact the same set, example for example


@pytest.mark.parametrize("filter_by", ["prune_by_noise_rate", "prune_by_class", "both"])
@pytest.mark.parametrize(("frac_noise", "min_examples"), [(0.5, 1), (1.0, 30), (0.25, 0)])
def test_frac_noise_and_min_examples_match_cleanlab(
    filter_by: FilterBy, frac_noise: float, min_examples: int
) -> None:
    data = CASES["k5-skewed"]
    options = {"filter_by": filter_by, "frac_noise": frac_noise, "min_examples_per_class": min_examples}
    ours = find_label_issues(data.labels, data.pred_probs, **options)  # type: ignore[arg-type]
    assert np.array_equal(ours, cleanlab_issues(data.labels, data.pred_probs, **options))


def test_ties_and_a_missing_class_match_cleanlab() -> None:
    rng = np.random.default_rng(7)
    coarse = rng.integers(0, 4, size=(400, 5)).astype(float) + np.array([1.0, 0, 0, 0, 0])
    probs = coarse / coarse.sum(axis=1, keepdims=True)  # few distinct values: many exact ties
    labels = rng.choice([0, 1, 2, 3], size=400)  # class 4 is never given
    for filter_by in FILTERS:
        ours = find_label_issues(labels, probs, filter_by=filter_by)
        assert np.array_equal(ours, cleanlab_issues(labels, probs, filter_by=filter_by)), filter_by


# scikit-learn 1.5 passes `iprint` to SciPy >= 1.15, which deprecates it; nothing of ours
@pytest.mark.filterwarnings("ignore:scipy.optimize.*L-BFGS-B:DeprecationWarning")
def test_model_based_case_matches_cleanlab() -> None:
    """Real-ish: out-of-fold probabilities of a fitted classifier on overlapping, imbalanced classes."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    x, y = make_classification(
        n_samples=1500, n_features=12, n_informative=6, n_classes=4, weights=[0.5, 0.25, 0.15, 0.1],
        flip_y=0.08, class_sep=1.0, random_state=0,
    )  # fmt: skip
    probs = cross_val_predict(LogisticRegression(max_iter=2000), x, y, cv=5, method="predict_proba")
    for filter_by in FILTERS:
        ours = find_label_issues(y, probs, filter_by=filter_by)
        assert np.array_equal(ours, cleanlab_issues(y, probs, filter_by=filter_by)), filter_by


@pytest.mark.parametrize("method", SCORES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_scores_equal_cleanlab(case: str, method: str) -> None:
    from cleanlab.rank import get_label_quality_scores

    data = CASES[case]
    ours = label_quality_scores(data.labels, data.pred_probs, method=method)  # type: ignore[arg-type]
    np.testing.assert_allclose(
        ours, get_label_quality_scores(data.labels, data.pred_probs, method=method), rtol=1e-12
    )


def test_entropy_score_of_a_certain_correct_prediction_is_one_not_zero() -> None:
    # cleanlab divides by max(s, 1e-6) and so scores a one-hot correct row 0 (worst); we take the limit, 1
    scores = label_quality_scores([0, 1], [[1.0, 0.0], [0.3, 0.7]], method="confidence_weighted_entropy")
    assert scores[0] == pytest.approx(1.0)
    assert 0.0 < scores[1] < 1.0


def test_thresholds_and_joint_match_cleanlab() -> None:
    from cleanlab.count import compute_confident_joint, get_confident_thresholds

    data = CASES["k5-skewed"]
    np.testing.assert_allclose(
        confident_thresholds(data.labels, data.pred_probs),
        get_confident_thresholds(data.labels, data.pred_probs),
    )
    for calibrate in (True, False):
        reference = compute_confident_joint(data.labels, data.pred_probs, calibrate=calibrate)
        assert np.array_equal(confident_joint(data.labels, data.pred_probs, calibrate=calibrate), reference)
    calibrated = confident_joint(data.labels, data.pred_probs)
    assert np.array_equal(calibrated.sum(axis=1), np.bincount(data.labels, minlength=5))


def test_toy_confident_joint_by_hand() -> None:
    # thresholds: class 0 mean(0.9, 0.8, 0.2) = 0.6333, class 1 mean(0.9, 0.6) = 0.75
    labels = [0, 0, 0, 1, 1]
    probs = [[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.1, 0.9], [0.4, 0.6]]
    np.testing.assert_allclose(confident_thresholds(labels, probs), [1.9 / 3, 0.75])
    # example 2 (given 0) is confidently 1; example 4 (p1 = 0.6 < 0.75, p0 = 0.4 < 0.633) is confident of nothing
    assert confident_joint(labels, probs, calibrate=False).tolist() == [[2, 1], [0, 1]]
    assert find_label_issues(labels, probs, filter_by="confident_learning").tolist() == [
        False,
        False,
        True,
        False,
        False,
    ]


def test_recovers_most_known_flips() -> None:
    data = CASES["k3-balanced"]
    flagged = find_label_issues(data.labels, data.pred_probs)
    wrong = data.labels != data.truth
    precision = np.count_nonzero(flagged & wrong) / np.count_nonzero(flagged)
    recall = np.count_nonzero(flagged & wrong) / np.count_nonzero(wrong)
    assert precision > 0.8
    assert recall > 0.5


def test_rank_is_worst_first_and_matches_cleanlab_order() -> None:
    data = CASES["k10-hard"]
    issues = rank_label_issues(data.labels, data.pred_probs, method="normalized_margin")
    reference = cleanlab_issues(data.labels, data.pred_probs, return_indices_ranked_by="normalized_margin")
    assert issues.task.tolist() == reference.tolist()
    assert np.all(np.diff(issues.quality) >= 0)
    assert np.array_equal(issues.suggested, data.pred_probs[issues.task].argmax(axis=1))
    assert np.array_equal(issues.label, data.labels[issues.task])
    assert np.all(issues.suggested != issues.label)
    assert issues.rate == pytest.approx(len(issues) / 5000)


def test_contradicted_annotations_by_hand() -> None:
    # task 0: consensus 0, model confident of 0; task 1: consensus 1 but the model is confident of 0
    consensus = [0, 1, 1]
    probs = [[0.9, 0.1], [0.85, 0.15], [0.2, 0.8]]  # thresholds: t0 = 0.9, t1 = mean(0.15, 0.8) = 0.475
    task = [0, 0, 1, 1, 2]
    label = [0, 1, 1, 0, 0]
    # annotation 1 says 1 on task 0 (model sure of 0); annotation 2 says 1 on task 1, where p0 = 0.85 < t0
    # so the model is confident of nothing there; annotation 4 says 0 on task 2, model confident of 1
    assert contradicted_annotations(task, label, consensus, probs).tolist() == [
        False,
        True,
        False,
        False,
        True,
    ]


def test_weak_consensus_issues_by_hand() -> None:
    probas = [[0.95, 0.05, 0.0], [0.5, 0.3, 0.2], [0.9, 0.1, 0.0], [0.2, 0.35, 0.45]]
    issues = weak_consensus_issues(probas, confidence_threshold=0.6)
    assert issues.task.tolist() == [3, 1]  # worst first
    assert issues.label.tolist() == [2, 0]
    assert issues.suggested.tolist() == [1, 1]
    np.testing.assert_allclose(issues.quality, [0.45, 0.5])
    # a reliable worker's label on task 2 that its model says it gives 1% of the time flags task 2 as well
    contradicted = weak_consensus_issues(
        probas,
        confidence_threshold=0.6,
        task=[2, 2, 0],
        likelihood=[0.9, 0.01, 0.3],
        likelihood_threshold=0.05,
    )
    assert sorted(contradicted.task.tolist()) == [1, 2, 3]


@pytest.mark.parametrize(
    ("labels", "probs", "fragment"),
    [
        ([0, 1], [[0.5, 0.5]], "one labels value per row"),
        ([0, 2], [[0.5, 0.5], [0.5, 0.5]], "labels codes in [0, 2)"),
        ([0, 1], [[0.5, 0.6], [0.5, 0.5]], "sum to 1"),
        ([0, 1], [[1.5, -0.5], [0.5, 0.5]], "probabilities in [0, 1]"),
        ([0, 1], [0.5, 0.5], "shape (n_tasks, n_classes)"),
        ([0.0, 1.0], [[0.5, 0.5], [0.5, 0.5]], "integer codes"),
        ([0, 1], [[np.nan, 0.5], [0.5, 0.5]], "finite"),
    ],
)
def test_bad_inputs_raise_invalid_input(labels: Any, probs: Any, fragment: str) -> None:
    with pytest.raises(
        InvalidInputError, match=fragment.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
    ):
        find_label_issues(labels, probs)


def test_bad_options_raise_invalid_input() -> None:
    data = CASES["k3-balanced"]
    with pytest.raises(InvalidInputError, match="filter_by"):
        find_label_issues(data.labels, data.pred_probs, filter_by="everything")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="method"):
        label_quality_scores(data.labels, data.pred_probs, method="vibes")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="frac_noise"):
        find_label_issues(data.labels, data.pred_probs, frac_noise=1.5)


def test_inputs_are_not_mutated() -> None:
    data = CASES["k6-tiny"]
    labels, probs = data.labels.copy(), data.pred_probs.copy()
    for filter_by in FILTERS:
        rank_label_issues(labels, probs, filter_by=filter_by)
    assert np.array_equal(labels, data.labels)
    assert np.array_equal(probs, data.pred_probs)


probability_rows = st.integers(2, 6).flatmap(
    lambda k: st.lists(
        st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=k, max_size=k).filter(
            lambda r: sum(r) > 1e-3
        ),
        min_size=2,
        max_size=40,
    )
)


@settings(max_examples=60, deadline=None)
@given(rows=probability_rows, data=st.data())
def test_scores_lie_in_unit_interval(rows: list[list[float]], data: st.DataObject) -> None:
    probs = np.array(rows)
    probs = probs / probs.sum(axis=1, keepdims=True)
    labels = np.array(
        data.draw(st.lists(st.integers(0, probs.shape[1] - 1), min_size=len(probs), max_size=len(probs)))
    )
    for method in SCORES:
        scores = label_quality_scores(labels, probs, method=method)  # type: ignore[arg-type]
        assert scores.shape == (len(probs),)
        assert np.all((scores >= 0.0) & (scores <= 1.0 + 1e-12)), method


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(2, 6), filter_by=st.sampled_from(FILTERS))
def test_flags_are_invariant_to_permuting_rows(seed: int, k: int, filter_by: FilterBy) -> None:
    data = noisy_case(seed, k=k, n=300)
    order = np.random.default_rng(seed).permutation(300)
    flagged = find_label_issues(data.labels, data.pred_probs, filter_by=filter_by)
    permuted = find_label_issues(data.labels[order], data.pred_probs[order], filter_by=filter_by)
    assert np.array_equal(permuted, flagged[order])
    scores = label_quality_scores(data.labels, data.pred_probs, method="normalized_margin")
    assert np.array_equal(
        label_quality_scores(data.labels[order], data.pred_probs[order], method="normalized_margin"),
        scores[order],
    )


@pytest.mark.parametrize("seed", [31, 144])
@pytest.mark.parametrize("filter_by", ["prune_by_noise_rate", "prune_by_class", "both"])
@pytest.mark.parametrize("frac_noise", [1.0, 0.5])
def test_exact_ties_of_the_calibrated_joint_round_as_cleanlab_rounds_them(
    seed: int, filter_by: FilterBy, frac_noise: float
) -> None:
    # small skewed problems whose calibrated joint has rows of equal remainders (1.4, 1.4, ..., 22.4): summed
    # in another order, its total moved by one ulp and the rounding gave a cell to another class
    rng = np.random.default_rng(1000 + seed)
    n, k, noise = int(rng.integers(30, 400)), int(rng.integers(2, 8)), float(rng.uniform(0.05, 0.4))
    data = noisy_case(1000 + seed, n=n, k=k, noise=noise, skew=bool(seed % 2))
    options = {"filter_by": filter_by, "frac_noise": frac_noise}
    ours = find_label_issues(data.labels, data.pred_probs, **options)  # type: ignore[arg-type]
    assert np.array_equal(ours, cleanlab_issues(data.labels, data.pred_probs, **options))
    assert np.array_equal(confident_joint(data.labels, data.pred_probs), _cleanlab_joint(data))


def _cleanlab_joint(data: Noisy) -> Any:
    from cleanlab.count import compute_confident_joint

    return compute_confident_joint(data.labels, data.pred_probs)
