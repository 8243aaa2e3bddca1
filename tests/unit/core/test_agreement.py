from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from labelpact.core.agreement import agreement, co_labels
from labelpact.core.annotations import Annotations
from labelpact.errors import InvalidInputError

DATASETS = Path(__file__).resolve().parents[3] / ".." / "shared" / "datasets"

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the reliability data matrix with
# missing values: 4 observers x 12 units, "." is missing. Published: nominal 0.743, ordinal 0.815, interval 0.849.
KRIPPENDORFF_2011 = {
    "A": "1 2 3 3 2 1 4 1 2 . . .",
    "B": "1 2 3 3 2 2 4 1 2 5 . 3",
    "C": ". 3 3 3 2 3 4 2 2 5 1 .",
    "D": "1 2 3 3 2 4 4 1 2 5 1 .",
}
# Fleiss (1971) as worked on Wikipedia: 10 subjects, 14 raters, 5 categories; kappa 0.210, P-bar 0.378.
FLEISS_TABLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def krippendorff_example() -> Annotations:
    task, worker, label = [], [], []
    for observer, row in KRIPPENDORFF_2011.items():
        for unit, value in enumerate(row.split()):
            if value != ".":
                task.append(f"u{unit}")
                worker.append(observer)
                label.append(value)
    return Annotations.from_columns(task=task, worker=worker, label=label, classes=["1", "2", "3", "4", "5"])


def from_count_table(table: list[list[int]]) -> Annotations:
    task, worker, label = [], [], []
    for i, row in enumerate(table):
        rater = 0
        for c, n in enumerate(row):
            for _ in range(n):
                task.append(i)
                worker.append(rater)
                label.append(c)
                rater += 1
    return Annotations.from_columns(task=task, worker=worker, label=label)


def simulated(seed: int = 0, n_tasks: int = 400, n_workers: int = 12, per_task: int = 4) -> Annotations:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n_tasks)
    task = np.repeat(np.arange(n_tasks), per_task)
    worker = np.concatenate([rng.choice(n_workers, per_task, replace=False) for _ in range(n_tasks)])
    skill = np.linspace(0.5, 0.9, n_workers)[worker]
    label = np.where(rng.random(len(task)) < skill, truth[task], rng.integers(0, 3, len(task)))
    return Annotations.from_columns(task=task, worker=worker, label=label)


@pytest.mark.parametrize(
    ("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_krippendorff_2011_worked_example(level: str, published: float) -> None:
    result = agreement(krippendorff_example(), level=level, n_bootstrap=0)  # type: ignore[arg-type]
    assert result.krippendorff_alpha.value == pytest.approx(published, abs=5e-4)
    assert result.n_tasks_used == 11  # unit 12 has a single value: unpairable
    assert result.n_values_used == 40


def test_krippendorff_example_matches_nltk_for_nominal_and_interval() -> None:
    nltk_agreement = pytest.importorskip("nltk.metrics.agreement")
    from nltk.metrics.distance import interval_distance

    a = krippendorff_example()
    rows = [
        (a.workers[w], a.tasks[t], int(a.classes[c]))
        for t, w, c in zip(a.task, a.worker, a.label, strict=True)
    ]
    nominal = nltk_agreement.AnnotationTask(rows).alpha()
    interval = nltk_agreement.AnnotationTask(rows, distance=interval_distance).alpha()
    assert agreement(a, n_bootstrap=0).krippendorff_alpha.value == pytest.approx(nominal, abs=1e-12)
    assert agreement(a, level="interval", n_bootstrap=0).krippendorff_alpha.value == pytest.approx(
        interval, abs=1e-12
    )


def test_fleiss_kappa_matches_the_worked_example() -> None:
    result = agreement(from_count_table(FLEISS_TABLE), n_bootstrap=0)
    assert result.fleiss_kappa.value == pytest.approx(0.210, abs=5e-4)
    assert result.percent_agreement.value == pytest.approx(0.378, abs=5e-4)


def test_two_raters_with_a_dominant_class_hand_computed() -> None:
    # 100 tasks: 80 yes/yes, 10 no/no, 5 yes/no, 5 no/yes. p_a = 0.9, pi_yes = 0.85.
    # AC1: p_e = 2 * 0.85 * 0.15 = 0.255 -> (0.9 - 0.255) / 0.745 = 0.865772 (Gwet 2008)
    # Fleiss = Scott = Cohen (equal marginals): p_e = 0.85^2 + 0.15^2 = 0.745 -> 0.155 / 0.255 = 0.607843
    pairs = [("y", "y")] * 80 + [("n", "n")] * 10 + [("y", "n")] * 5 + [("n", "y")] * 5
    task = np.repeat(np.arange(100), 2)
    worker = np.tile(["r1", "r2"], 100)
    label = [x for p in pairs for x in p]
    result = agreement(Annotations.from_columns(task=task, worker=worker, label=label), n_bootstrap=0)
    assert result.gwet_ac1.value == pytest.approx(0.645 / 0.745, abs=1e-12)
    assert result.fleiss_kappa.value == pytest.approx(0.155 / 0.255, abs=1e-12)
    assert result.cohen_kappa_mean.value == pytest.approx(0.155 / 0.255, abs=1e-12)
    assert result.percent_agreement.value == pytest.approx(0.9)
    # alpha = 1 - (n - 1) sum(o_ck, c != k) / (n^2 - sum n_c^2), n = 200 values, 20 disagreeing coincidences
    assert result.krippendorff_alpha.value == pytest.approx(
        1 - 199 * 20 / (200**2 - 170**2 - 30**2), abs=1e-12
    )


def test_varying_raters_use_gwets_generalisation_hand_computed() -> None:
    # t1: a a a (3 raters), t2: a b a b (4), t3: b (unpairable, but counts in the class shares).
    # p_a = mean(6/6, 4/12) = 2/3; pi_a = mean(1, 1/2, 0) = 1/2 -> Fleiss p_e = 1/2, AC1 p_e = 1/2.
    a = Annotations.from_columns(
        task=["t1"] * 3 + ["t2"] * 4 + ["t3"], worker=list("xyzxywzx"), label=list("aaaababb")
    )
    result = agreement(a, n_bootstrap=0)
    assert result.n_tasks_used == 2
    assert result.percent_agreement.value == pytest.approx(2 / 3)
    assert result.fleiss_kappa.value == pytest.approx((2 / 3 - 1 / 2) / (1 / 2))
    assert result.gwet_ac1.value == pytest.approx((2 / 3 - 1 / 2) / (1 / 2))


def test_cohen_kappa_per_pair_matches_sklearn() -> None:
    a = simulated(seed=1)
    result = agreement(a, n_bootstrap=0, min_pair_tasks=30)
    kappas = result.cohen_kappa
    assert len(kappas.kappa) > 20
    for i in range(0, len(kappas.kappa), 7):
        wa, wb = kappas.worker_a[i], kappas.worker_b[i]
        la = {t: c for t, w, c in zip(a.task, a.worker, a.label, strict=True) if w == wa}
        lb = {t: c for t, w, c in zip(a.task, a.worker, a.label, strict=True) if w == wb}
        shared = sorted(set(la) & set(lb))
        assert kappas.n_shared[i] == len(shared) >= 30
        expected = cohen_kappa_score([la[t] for t in shared], [lb[t] for t in shared])
        assert kappas.kappa[i] == pytest.approx(expected, abs=1e-12)
    assert result.cohen_kappa_mean.value == pytest.approx(np.mean(kappas.kappa))
    matrix = kappas.matrix(a.n_workers)
    assert np.allclose(matrix, matrix.T, equal_nan=True)


def test_co_labels_pair_every_two_workers_of_a_task_once() -> None:
    a = Annotations.from_columns(
        task=["t0", "t0", "t0", "t1", "t1", "t0"],
        worker=["w2", "w0", "w1", "w0", "w1", "w2"],
        label=["x", "y", "y", "x", "x", "y"],
    )
    co = co_labels(a)
    w = a.workers
    got = {
        (a.tasks[t], w[x], w[y], a.classes[lx], a.classes[ly])
        for t, x, y, lx, ly in zip(co.task, co.worker_a, co.worker_b, co.label_a, co.label_b, strict=True)
    }
    # worker w2's repeat on t0 is dropped (first label kept); each pair meets once per task
    assert len(co.task) == 4
    assert np.all(co.worker_a < co.worker_b)
    assert got == {
        ("t0", "w2", "w0", "x", "y"),
        ("t0", "w2", "w1", "x", "y"),
        ("t0", "w0", "w1", "y", "y"),
        ("t1", "w0", "w1", "x", "x"),
    }


def test_bootstrap_interval_matches_naive_task_resampling() -> None:
    a = simulated(seed=2, n_tasks=300)
    fast = agreement(a, n_bootstrap=400, random_state=5)
    rng = np.random.default_rng(9)
    by_task = [np.flatnonzero(a.task == t) for t in range(a.n_tasks)]
    naive = []
    for _ in range(150):
        picks = rng.integers(0, a.n_tasks, a.n_tasks)
        rows = np.concatenate([by_task[t] for t in picks])
        task = np.repeat(np.arange(a.n_tasks), [len(by_task[t]) for t in picks])
        resampled = Annotations.from_columns(task=task, worker=a.worker[rows], label=a.label[rows])
        naive.append(agreement(resampled, n_bootstrap=0).krippendorff_alpha.value)
    lo, hi = fast.krippendorff_alpha.ci
    width_naive = np.quantile(naive, 0.975) - np.quantile(naive, 0.025)
    assert lo < fast.krippendorff_alpha.value < hi
    assert (hi - lo) == pytest.approx(width_naive, rel=0.3)
    again = agreement(a, n_bootstrap=400, random_state=5)
    assert again.krippendorff_alpha.ci == fast.krippendorff_alpha.ci
    assert again.cohen_kappa_mean.ci == fast.cohen_kappa_mean.ci


def test_results_do_not_depend_on_order_or_class_names() -> None:
    a = simulated(seed=3, n_tasks=200)
    perm = np.random.default_rng(0).permutation(a.n_annotations)
    renamed = np.array(["zeta", "alpha", "mid"])[a.label]
    b = Annotations.from_columns(task=a.task[perm] + 1000, worker=a.worker[perm], label=renamed[perm])
    ra, rb = agreement(a, n_bootstrap=0), agreement(b, n_bootstrap=0)
    for name in ("krippendorff_alpha", "fleiss_kappa", "gwet_ac1", "percent_agreement", "cohen_kappa_mean"):
        assert getattr(ra, name).value == pytest.approx(getattr(rb, name).value, abs=1e-12)


def test_per_class_alpha_of_two_classes_equals_the_overall_alpha() -> None:
    a = Annotations.from_columns(
        task=np.repeat(np.arange(6), 3), worker=np.tile([0, 1, 2], 6), label=list("aababbbbbaaaabaaba")
    )
    result = agreement(a, n_bootstrap=50)
    assert [c.label for c in result.per_class] == ["a", "b"]
    for c in result.per_class:
        assert c.alpha.value == pytest.approx(result.krippendorff_alpha.value)
    assert sum(c.n_values for c in result.per_class) == result.n_values_used == 18


def test_undefined_coefficients_are_nan_and_null_in_json() -> None:
    a = Annotations.from_columns(task=[0, 0, 1, 1, 2], worker=[0, 1, 0, 1, 0], label=["x"] * 5)
    result = agreement(a, n_bootstrap=20)
    assert np.isnan(result.krippendorff_alpha.value)
    assert result.percent_agreement.value == 1.0
    doc = json.loads(json.dumps(result.to_dict()))
    assert doc["krippendorff_alpha"]["value"] is None
    assert list(doc)[:5] == [
        "krippendorff_alpha",
        "fleiss_kappa",
        "gwet_ac1",
        "percent_agreement",
        "n_tasks_used",
    ]
    assert doc["n_tasks_used"] == 2
    # w0 and w1 give "x" on every shared task: their kappa is 0/0, and the mean rests on the other pairs
    b = Annotations.from_columns(
        task=[t for t in range(12) for _ in range(3)], worker=[0, 1, 2] * 12, label=["x", "x", "y"] * 12
    )
    pairs = agreement(b, n_bootstrap=20).to_dict()
    assert pairs["n_worker_pairs"] == 3 and pairs["n_worker_pairs_defined"] == 2
    assert pairs["cohen_kappa_mean"]["value"] == 0.0


def test_bad_options_raise_invalid_input() -> None:
    a = krippendorff_example()
    with pytest.raises(InvalidInputError, match="level"):
        agreement(a, level="ratio")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        agreement(a, confidence=95)
    with pytest.raises(InvalidInputError):
        agreement(a, n_bootstrap=-1)


def test_repeat_labels_count_as_separate_values_like_crowd_kit() -> None:
    pd = pytest.importorskip("pandas")
    data_metrics = pytest.importorskip("crowdkit.metrics.data")
    frame = pd.DataFrame(
        {
            "task": list("aaabbbccd"),
            "worker": ["w1", "w1", "w2", "w1", "w2", "w3", "w1", "w2", "w1"],
            "label": list("xxyyyxxyx"),
        }
    )
    a = Annotations.from_columns(task=frame.task, worker=frame.worker, label=frame.label)
    assert agreement(a, n_bootstrap=0).krippendorff_alpha.value == pytest.approx(
        data_metrics.alpha_krippendorff(frame), abs=1e-12
    )


@pytest.mark.datasets
@pytest.mark.parametrize(
    "name",
    [
        "act_music_genre",
        "act_weather_amt",
        "act_weather_cf",
        "bluebirds",
        "duchenne",
        "gal_adultcontent2",
        "snow_wsd",
        "zheng_dog",
        "zheng_product",
    ],
)
def test_alpha_matches_crowd_kit_on_real_data(name: str) -> None:
    path = DATASETS / name / "labels.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared datasets are not checked out next to the repo)")
    pd = pytest.importorskip("pandas")
    data_metrics = pytest.importorskip("crowdkit.metrics.data")
    frame = pd.read_csv(path, dtype=str)
    a = Annotations.from_columns(task=frame["item"], worker=frame["worker"], label=frame["label"])
    ours = agreement(a, n_bootstrap=100)
    theirs = data_metrics.alpha_krippendorff(frame.rename(columns={"item": "task"}))
    assert ours.krippendorff_alpha.value == pytest.approx(theirs, abs=1e-9)
    lo, hi = ours.krippendorff_alpha.ci
    assert lo <= ours.krippendorff_alpha.value <= hi


def test_no_pairable_task_gives_nan_everywhere_and_zero_tasks_used() -> None:
    empty = Annotations.from_columns(task=[], worker=[], label=[], classes=["a", "b"])
    singles = Annotations.from_columns(task=["t1", "t2"], worker=["w1", "w2"], label=["a", "b"])
    for a in (empty, singles):
        result = agreement(a, n_bootstrap=10)
        assert result.n_tasks_used == 0
        assert np.isnan(result.krippendorff_alpha.value) and np.isnan(result.fleiss_kappa.value)
        assert np.isnan(result.cohen_kappa_mean.value)
        assert json.loads(json.dumps(result.to_dict()))["gwet_ac1"] == {"value": None, "ci": [None, None]}


def test_pair_bootstrap_sets_only_the_pairwise_interval() -> None:
    from labelpact.simulate import simulate_delivery

    a = simulate_delivery(n_tasks=300, n_workers=12, labels_per_task=4, seed=2).annotations
    full = agreement(a, n_bootstrap=50, random_state=1)
    none = agreement(a, n_bootstrap=50, pair_bootstrap=0, random_state=1)
    assert none.krippendorff_alpha == full.krippendorff_alpha
    assert none.cohen_kappa_mean.value == full.cohen_kappa_mean.value
    assert np.isnan(none.cohen_kappa_mean.ci[0]) and np.isfinite(full.cohen_kappa_mean.ci[0])
    with pytest.raises(InvalidInputError):
        agreement(a, pair_bootstrap=-1)
