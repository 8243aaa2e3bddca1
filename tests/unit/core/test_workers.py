from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest

from labelpact.core.aggregators import MajorityVote
from labelpact.core.annotations import Annotations, Gold
from labelpact.core.workers import WorkerThresholds, score_workers, spammer_scores
from labelpact.errors import InvalidInputError

K = 3


@dataclass
class Crowd:
    annotations: Annotations
    truth: np.ndarray


def answer(rng: np.random.Generator, truth: np.ndarray, accuracy: float) -> np.ndarray:
    """Right with probability ``accuracy``, otherwise a uniformly drawn wrong class."""
    wrong = (truth + rng.integers(1, K, len(truth))) % K
    return np.where(rng.random(len(truth)) < accuracy, truth, wrong)


def honest_crowd(
    seed: int, *, n_tasks: int = 400, accuracies: list[float] | None = None, per_task: int = 4
) -> Crowd:
    rng = np.random.default_rng(seed)
    skills = np.array(accuracies or list(np.linspace(0.6, 0.85, 14)))
    truth = rng.integers(0, K, n_tasks)
    task = np.repeat(np.arange(n_tasks), per_task)
    worker = np.argsort(rng.random((n_tasks, len(skills))), axis=1)[:, :per_task].ravel()
    correct = rng.random(len(task)) < skills[worker]
    label = np.where(correct, truth[task], (truth[task] + rng.integers(1, K, len(task))) % K)
    names = np.array([f"w{i:02d}" for i in range(len(skills))])
    return Crowd(
        Annotations.from_columns(task=task, worker=names[worker], label=label, classes=["0", "1", "2"]), truth
    )


def with_extra(
    crowd: Crowd, tasks: np.ndarray, worker: str, labels: np.ndarray, durations: np.ndarray | None = None
) -> Crowd:
    a = crowd.annotations
    names = np.array(a.workers)
    task = np.r_[a.task, tasks]
    who = np.r_[names[a.worker], np.full(len(tasks), worker)]
    label = np.r_[a.label, labels]
    dur = (
        None
        if durations is None
        else np.r_[a.duration_s if a.duration_s is not None else np.full(len(a), 30.0), durations]
    )
    return Crowd(
        Annotations.from_columns(task=task, worker=who, label=label, classes=list(a.classes), duration_s=dur),
        crowd.truth,
    )


def majority(a: Annotations) -> np.ndarray:
    return a.label_counts().argmax(1)


def row(report, name: str) -> int:
    return report.workers.index(name)


def test_spammer_score_hand_computed_cases() -> None:
    perfect = np.eye(3)
    constant = np.tile([1.0, 0.0, 0.0], (3, 1))
    uniform = np.full((3, 3), 1 / 3)
    binary = np.array([[0.8, 0.2, 0.0], [0.3, 0.7, 0.0], [0.5, 0.5, 0.0]])
    seen = np.array([[True] * 3, [True] * 3, [True] * 3, [True, True, False]])
    s = spammer_scores(np.stack([perfect, constant, uniform, binary]), seen=seen)
    # binary case reduces to Raykar & Yu's (sensitivity + specificity - 1)^2 = (0.8 + 0.7 - 1)^2
    np.testing.assert_allclose(s, [1.0, 0.0, 0.0, 0.25], atol=1e-12)


def test_perfect_worker_random_spammer_and_constant_spammer() -> None:
    rng = np.random.default_rng(0)
    crowd = honest_crowd(1)
    tasks = np.arange(0, 400, 2)
    crowd = with_extra(crowd, tasks, "perfect", crowd.truth[tasks])
    crowd = with_extra(crowd, tasks, "random", rng.integers(0, K, len(tasks)))
    crowd = with_extra(crowd, tasks, "constant", np.zeros(len(tasks), dtype=int))
    a = crowd.annotations
    gold = Gold(task=np.arange(0, 400, 10), label=crowd.truth[np.arange(0, 400, 10)])
    report = score_workers(a, consensus=majority(a), gold=gold)
    p, r, c = row(report, "perfect"), row(report, "random"), row(report, "constant")
    assert report.gold_accuracy[p] == 1.0 and report.n_gold[p] == 40
    # scored against a majority vote that is itself wrong at times, yet the most informative worker
    assert report.spammer_score[p] == report.spammer_score.min() < 0.45
    assert report.spammer_score[r] > 0.95 and report.spammer_score[c] > 0.95
    assert "spammer" in report.flags[r] and "spammer" in report.flags[c]
    assert report.flags[p] == ()
    honest = [row(report, f"w{i:02d}") for i in range(14)]
    assert not any("spammer" in report.flags[i] for i in honest)
    # confusion counts rows by reference class: gold where known, else the consensus class
    assert report.confusion[p].sum() == 200
    assert np.trace(report.confusion[p]) >= 0.85 * 200


def test_gold_accuracy_uses_wilson_interval() -> None:
    a = Annotations.from_columns(
        task=[f"t{i}" for i in range(10)], worker=["w"] * 10, label=["a"] * 8 + ["b"] * 2, classes=["a", "b"]
    )
    gold = Gold(task=np.arange(10), label=np.zeros(10, dtype=int))
    report = score_workers(a, consensus=np.zeros(10, dtype=int), gold=gold)
    assert report.gold_accuracy[0] == pytest.approx(0.8)
    lo, hi = report.gold_accuracy_ci[0]
    assert (lo, hi) == pytest.approx((0.4902, 0.9433), abs=5e-4)
    doc = report.to_dict()["workers"][0]
    assert doc["gold_accuracy_ci"] == pytest.approx([0.4902, 0.9433], abs=5e-4)


def test_a_worker_is_not_scored_on_the_gold_they_authored() -> None:
    """A Label Studio ground-truth annotation is its author's answer: scoring the author against it would
    count a sure hit. Worker u authored the gold of t0 and t1; on t2 (gold by nobody) u was wrong."""
    a = Annotations.from_columns(
        task=["t0", "t0", "t1", "t1", "t2", "t2"],
        worker=["u", "v", "u", "v", "u", "v"],
        label=["a", "b", "a", "a", "b", "a"],
        classes=["a", "b"],
    )
    gold = Gold(task=np.arange(3), label=np.zeros(3, dtype=int), author=np.array([0, 0, -1]))
    report = score_workers(a, consensus=np.zeros(3, dtype=int), gold=gold)
    # by hand: u is scored on t2 only (wrong); v on all three (right on t1 and t2)
    assert report.n_gold.tolist() == [1, 3]
    assert report.gold_accuracy.tolist() == pytest.approx([0.0, 2 / 3])
    unauthored = score_workers(
        a, consensus=np.zeros(3, dtype=int), gold=Gold(task=gold.task, label=gold.label)
    )
    assert unauthored.n_gold.tolist() == [3, 3] and unauthored.gold_accuracy[0] == pytest.approx(2 / 3)


def test_low_gold_accuracy_and_low_agreement_are_flagged() -> None:
    crowd = honest_crowd(4, accuracies=[0.85] * 10)
    tasks = np.arange(0, 400, 2)
    rng = np.random.default_rng(1)
    crowd = with_extra(crowd, tasks, "sloppy", answer(rng, crowd.truth[tasks], 0.35))
    a = crowd.annotations
    gold = Gold(task=np.arange(0, 400, 4), label=crowd.truth[np.arange(0, 400, 4)])
    report = score_workers(a, consensus=majority(a), gold=gold)
    s = row(report, "sloppy")
    assert {"low_gold_accuracy", "low_agreement"} <= set(report.flags[s])
    assert sum("low_gold_accuracy" in f for f in report.flags) == 1


def test_copier_pair_is_flagged_and_an_equally_good_honest_pair_is_not() -> None:
    rng = np.random.default_rng(7)
    crowd = honest_crowd(7, n_tasks=600)
    truth = crowd.truth
    copy_tasks = np.arange(0, 600, 2)
    honest_tasks = np.arange(1, 600, 2)
    source = answer(rng, truth[copy_tasks], 0.65)
    copier = np.where(rng.random(len(copy_tasks)) < 0.9, source, answer(rng, truth[copy_tasks], 0.65))
    crowd = with_extra(crowd, copy_tasks, "source", source)
    crowd = with_extra(crowd, copy_tasks, "copier", copier)
    crowd = with_extra(crowd, honest_tasks, "honest_1", answer(rng, truth[honest_tasks], 0.65))
    crowd = with_extra(crowd, honest_tasks, "honest_2", answer(rng, truth[honest_tasks], 0.65))
    a = crowd.annotations
    report = score_workers(a, consensus=majority(a))
    assert "copying:copier" in report.flags[row(report, "source")]
    assert "copying:source" in report.flags[row(report, "copier")]
    assert not any(f.startswith("copying") for f in report.flags[row(report, "honest_1")])
    assert sum(report.copying.flagged) == 1
    pairs = report.to_dict()["copy_pairs"]
    assert {pairs[0]["worker_a"], pairs[0]["worker_b"]} == {"source", "copier"}
    assert pairs[0]["observed_agreement"] > pairs[0]["expected_agreement"] + 0.2


def test_copy_test_false_positive_rate_stays_near_nominal_on_honest_crowds() -> None:
    p_values, crowds_with_a_flag = [], 0
    for seed in range(12):
        a = honest_crowd(100 + seed).annotations
        report = score_workers(a, consensus=majority(a))
        assert len(report.copying) > 50
        p_values.append(report.copying.p_value)
        crowds_with_a_flag += bool(report.copying.flagged.any())
    p = np.concatenate(p_values)
    assert np.mean(p < 0.05) <= 0.07
    assert np.mean(p < 0.2) <= 0.25
    assert crowds_with_a_flag <= 2  # BH at 5%: under the global null, a flag in about 1 crowd in 20


def test_too_fast_worker_is_flagged_and_durations_are_optional() -> None:
    rng = np.random.default_rng(3)
    crowd = honest_crowd(3)
    base = crowd.annotations
    durations = rng.lognormal(np.log(30.0), 0.4, len(base))
    crowd = Crowd(
        Annotations.from_columns(
            task=base.task,
            worker=np.array(base.workers)[base.worker],
            label=base.label,
            classes=list(base.classes),
            duration_s=durations,
        ),
        crowd.truth,
    )
    tasks = np.arange(0, 400, 3)
    crowd = with_extra(
        crowd, tasks, "rusher", crowd.truth[tasks], durations=rng.lognormal(np.log(2.0), 0.3, len(tasks))
    )
    a = crowd.annotations
    report = score_workers(a, consensus=majority(a))
    r = row(report, "rusher")
    assert report.flags[r] == ("too_fast",)
    assert report.median_duration_s[r] == pytest.approx(2.0, rel=0.15)
    assert sum("too_fast" in f for f in report.flags) == 1
    timeless = score_workers(base, consensus=majority(base))
    assert np.isnan(timeless.median_duration_s).all()
    assert timeless.to_dict()["workers"][0]["median_duration_s"] is None


def test_durations_come_from_timestamps_when_no_duration_column() -> None:
    start = np.array(
        ["2026-01-01T00:00:00", "2026-01-01T00:01:00", "2026-01-01T00:02:00"], dtype="datetime64[ms]"
    )
    a = Annotations.from_columns(
        task=["a", "b", "c"],
        worker=["w", "w", "w"],
        label=["x", "y", "x"],
        started_at=start,
        submitted_at=start + np.array([10, 20, 40], dtype="timedelta64[s]"),
    )
    report = score_workers(a, consensus=np.array([0, 1, 0]))
    assert report.median_duration_s[0] == pytest.approx(20.0)


def test_results_do_not_depend_on_annotation_order() -> None:
    a = honest_crowd(5).annotations
    perm = np.random.default_rng(0).permutation(len(a))
    b = a.select(perm)
    ra, rb = score_workers(a, consensus=majority(a)), score_workers(b, consensus=majority(a))
    np.testing.assert_allclose(ra.spammer_score, rb.spammer_score)
    np.testing.assert_allclose(ra.consensus_agreement, rb.consensus_agreement)
    np.testing.assert_allclose(np.sort(ra.copying.p_value), np.sort(rb.copying.p_value))


def test_to_dict_has_the_cli_keys_and_is_json() -> None:
    a = honest_crowd(6).annotations
    probas = a.label_counts() / a.label_counts().sum(1, keepdims=True)
    report = score_workers(a, consensus=majority(a), probas=probas, thresholds=WorkerThresholds(min_labels=5))
    doc = json.loads(json.dumps(report.to_dict()))
    first = doc["workers"][0]
    assert list(first)[:7] == [
        "worker",
        "n_labels",
        "gold_accuracy",
        "gold_accuracy_ci",
        "consensus_agreement",
        "spammer_score",
        "flags",
    ]
    assert first["gold_accuracy"] is None and first["gold_accuracy_ci"] is None
    assert sum(w["n_labels"] for w in doc["workers"]) == len(a)
    assert doc["thresholds"]["min_labels"] == 5


def test_bad_consensus_or_probas_raise_invalid_input() -> None:
    a = honest_crowd(0, n_tasks=20).annotations
    with pytest.raises(InvalidInputError, match="consensus"):
        score_workers(a, consensus=np.zeros(3, dtype=int))
    with pytest.raises(InvalidInputError, match="consensus"):
        score_workers(a, consensus=np.full(20, 7))
    with pytest.raises(InvalidInputError, match="probas"):
        score_workers(a, consensus=majority(a), probas=np.ones((20, 2)))


def test_median_durations_match_numpy_per_worker() -> None:
    rng = np.random.default_rng(11)
    n = 3000
    worker = rng.integers(0, 40, n)
    durations = rng.lognormal(3.0, 1.0, n)
    durations[rng.random(n) < 0.1] = np.nan
    a = Annotations.from_columns(
        task=np.arange(n), worker=worker, label=rng.integers(0, 2, n), duration_s=durations
    )
    report = score_workers(a, consensus=np.asarray(a.label))
    names = np.array(a.workers)
    for i, name in enumerate(a.workers):
        mine = durations[names[a.worker] == name]
        assert report.median_duration_s[i] == pytest.approx(np.nanmedian(mine), rel=1e-12)


def test_spammer_score_is_not_diluted_by_few_labels() -> None:
    # 60 random spammers with 12 labels each, scored against gold on every task: the plug-in
    # Raykar-Yu score of such short records averages about 0.83 (rows scatter by chance)
    rng = np.random.default_rng(12)
    n_tasks, n_spammers, per = 720, 60, 12
    truth = rng.integers(0, K, n_tasks)
    task = rng.permutation(np.repeat(np.arange(n_tasks), 1))[: n_spammers * per]
    worker = np.repeat(np.arange(n_spammers), per)
    a = Annotations.from_columns(
        task=task, worker=worker, label=rng.integers(0, K, len(task)), classes=["0", "1", "2"]
    )
    gold = Gold(task=np.arange(a.n_tasks), label=truth[np.array(a.tasks, dtype=int)])
    report = score_workers(
        a, consensus=np.full(a.n_tasks, -1), gold=gold, thresholds=WorkerThresholds(min_labels=10)
    )
    rows = report.confusion / report.confusion.sum(2, keepdims=True)
    plug_in = 1.0 - spammer_scores(rows)
    assert np.mean(plug_in) < 0.9
    assert np.median(report.spammer_score) > 0.97
    assert np.mean(report.spammer_score) > np.mean(plug_in) + 0.05
    assert np.mean(["spammer" in f for f in report.flags]) > 0.5


@pytest.mark.parametrize("kind", ["names", "floats"])
def test_a_consensus_of_names_or_floats_is_refused_not_cast(kind: str) -> None:
    # classes named "1" .. "3": np.asarray(labels_, dtype=intp) would read the names as codes one off
    a = Annotations.from_columns(
        task=["t1", "t1", "t2", "t2", "t3", "t3"],
        worker=["a", "b", "a", "b", "a", "b"],
        label=["1", "1", "2", "2", "3", "3"],
    )
    model = MajorityVote().fit(a)
    codes = model.probas_.argmax(axis=1)
    given = model.labels_ if kind == "names" else codes + 0.7
    with pytest.raises(InvalidInputError, match="consensus as integer class codes") as caught:
        score_workers(a, consensus=given)
    assert caught.value.column == "consensus"
    assert score_workers(a, consensus=codes).consensus_agreement.tolist() == [1.0, 1.0]


def test_repeated_labels_on_one_gold_task_do_not_narrow_the_interval() -> None:
    from labelpact.core.intervals import wilson_interval

    # "rep" labels two gold tasks three times each (5 of 6 right); "once" labels six gold tasks once each
    task = ["g1"] * 3 + ["g2"] * 3 + [f"g{i}" for i in range(1, 7)]
    worker = ["rep"] * 6 + ["once"] * 6
    label = ["x", "x", "x", "x", "x", "y"] + ["x"] * 5 + ["y"]
    a = Annotations.from_columns(task=task, worker=worker, label=label, classes=["x", "y"])
    gold = Gold.from_names(a, task=[f"g{i}" for i in range(1, 7)], label=["x"] * 6)
    report = score_workers(a, consensus=np.zeros(a.n_tasks, dtype=np.intp), gold=gold)
    rep, once = a.workers.index("rep"), a.workers.index("once")
    assert report.gold_accuracy[rep] == report.gold_accuracy[once] == pytest.approx(5 / 6)
    lo, hi = wilson_interval(5 / 6 * 2, 2)  # two tasks' worth of evidence, not six
    assert report.gold_accuracy_ci[rep].tolist() == pytest.approx([float(lo), float(hi)])
    lo, hi = wilson_interval(5, 6)
    assert report.gold_accuracy_ci[once].tolist() == pytest.approx([float(lo), float(hi)])
