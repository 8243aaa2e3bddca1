"""Hand-checkable toys with golden outputs, and the same toys through crowd-kit as an independent reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labelpact.core.aggregators import EBCC, GLAD, MACE, DawidSkene, MajorityVote, OneCoinDawidSkene, Wawa
from labelpact.core.annotations import Annotations, Gold

TRUTH = ["pos", "neg", "pos", "neg", "pos", "neg", "pos", "pos"]
FLIP = {"pos": "neg", "neg": "pos"}


def one_flipper() -> Annotations:
    """w1, w2 always right, w3 always answers the other class: MV is right 2-1, DS should see w3 flip."""
    rows = [
        (f"t{i}", w, y if w != "w3" else FLIP[y]) for i, y in enumerate(TRUTH) for w in ("w1", "w2", "w3")
    ]
    task, worker, label = zip(*rows, strict=True)
    return Annotations.from_columns(task=task, worker=worker, label=label)


def test_majority_vote_golden() -> None:
    a = Annotations.from_columns(
        task=["t1", "t1", "t1", "t2", "t2", "t2", "t3", "t3"],
        worker=["a", "b", "c", "a", "b", "c", "a", "b"],
        label=["x", "x", "y", "y", "y", "x", "x", "y"],
    )
    model = MajorityVote().fit(a)
    assert model.labels_.tolist() == ["x", "y", "x"]  # t3 is a tie: the first class wins
    assert np.allclose(model.probas_, [[2 / 3, 1 / 3], [1 / 3, 2 / 3], [0.5, 0.5]])
    # agreement with MV per worker: a and b each agree half with the tie on t3 (x and y share the top), so
    # 2.5 of 3; the tie's winner is a coding convention and gives no one a whole point
    assert np.allclose(model.skills_, [5 / 6, 5 / 6, 0.0])


def test_wawa_weights_workers_by_agreement_with_mv() -> None:
    # a and b agree with MV on t1-t3, c on t3 only; t4 is a tie of a (x) and c (y), which each agree with
    # half of it: a 3.5 of 4, b 3 of 3, c 1.5 of 4; then a outvotes c on t4
    a = Annotations.from_columns(
        task=["t1", "t1", "t1", "t2", "t2", "t2", "t3", "t3", "t3", "t4", "t4"],
        worker=["a", "b", "c", "a", "b", "c", "a", "b", "c", "a", "c"],
        label=["x", "x", "y", "y", "y", "x", "x", "x", "x", "x", "y"],
    )
    model = Wawa().fit(a)
    assert np.allclose(model.skills_, [7 / 8, 1.0, 3 / 8])
    assert model.labels_.tolist() == ["x", "y", "x", "x"]
    assert np.allclose(model.probas_[3], [0.875 / 1.25, 0.375 / 1.25])


@pytest.mark.parametrize("cls", [DawidSkene, GLAD, MACE, EBCC, OneCoinDawidSkene])
def test_models_recover_the_truth_despite_the_flipper(cls: type) -> None:
    model = cls().fit(one_flipper())
    assert model.labels_.tolist() == TRUTH


def test_dawid_skene_sees_the_flipper() -> None:
    model = DawidSkene().fit(one_flipper())
    assert model.confusions_.shape == (3, 2, 2)
    assert model.confusions_[2].trace() < 0.1  # w3 always answers the other class
    assert model.confusions_[0].trace() > 1.9
    assert np.allclose(model.priors_, [3 / 8, 5 / 8])  # classes are ("neg", "pos")


def test_dawid_skene_first_iteration_by_hand() -> None:
    """Two workers, two tasks: one EM step from the MV start, computed by hand."""
    a = Annotations.from_columns(
        task=["t1", "t1", "t2", "t2"], worker=["a", "b", "a", "b"], label=["0", "0", "0", "1"]
    )
    # MV start: t1 = (1, 0), t2 = (.5, .5); priors (.75, .25)
    # a: true 0 -> counts (1.5, 0) -> (1, 0); true 1 -> counts (.5, 0) -> (1, 0)
    # b: true 0 -> counts (1, .5) -> (2/3, 1/3); true 1 -> (0, .5) -> (0, 1)  [0 floored to 1e-10]
    # t2 (a said 0, b said 1): class 0 ∝ .75 * 1 * 1/3 = .25; class 1 ∝ .25 * 1 * 1 = .25 -> (.5, .5)
    # t1 (both 0): class 0 ∝ .75 * 1 * 2/3 = .5; class 1 ∝ .25 * 1 * 1e-10 -> (1, 0)
    with pytest.warns(UserWarning, match="max_iter=1"):
        model = DawidSkene(max_iter=1, tol=0.0).fit(a)
    assert np.allclose(model.probas_, [[1.0, 0.0], [0.5, 0.5]], atol=1e-8)


def _crowdkit_frame(a: Annotations) -> pd.DataFrame:
    return pd.DataFrame({"task": a.task, "worker": a.worker, "label": a.label})


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_dawid_skene_matches_crowdkit_step_by_step() -> None:
    from crowdkit.aggregation import DawidSkene as CkDawidSkene

    a = toy_three_class()
    for n_iter in (1, 3, 10):
        theirs = CkDawidSkene(n_iter=n_iter, tol=-np.inf).fit(_crowdkit_frame(a)).probas_
        with pytest.warns(UserWarning, match="max_iter"):
            ours = DawidSkene(max_iter=n_iter, tol=0.0).fit(a)
        assert np.allclose(ours.probas_[theirs.index], theirs.to_numpy(), atol=1e-8)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_glad_matches_crowdkit() -> None:
    from crowdkit.aggregation import GLAD as CK_GLAD

    a = toy_three_class()
    theirs = CK_GLAD().fit(_crowdkit_frame(a))
    ours = GLAD(m_step="cg").fit(a)  # crowd-kit's M-step, so the parameters themselves can be compared
    assert np.allclose(ours.alphas_, theirs.alphas_.sort_index().to_numpy(), atol=1e-3)
    assert np.allclose(ours.betas_[theirs.betas_.index], theirs.betas_.to_numpy(), atol=1e-3)
    assert ours.n_iter_ == len(theirs.loss_history_)
    # crowd-kit keeps the posteriors of the E-step before its last M-step; ours are refreshed, so
    # the probabilities differ slightly while the labels agree
    assert np.array_equal(ours.probas_[theirs.labels_.index].argmax(axis=1), theirs.labels_.to_numpy())


def test_glad_newton_m_step_reaches_the_same_labels() -> None:
    a = toy_three_class()
    cg, newton = GLAD(m_step="cg").fit(a), GLAD().fit(a)
    assert np.array_equal(cg.labels_, newton.labels_)
    assert np.corrcoef(cg.alphas_, newton.alphas_)[0, 1] > 0.95


def toy_three_class() -> Annotations:
    rng = np.random.default_rng(7)
    truth = rng.integers(0, 3, size=30)
    skill = np.array([0.9, 0.8, 0.7, 0.5, 0.4])
    rows = []
    for t, y in enumerate(truth):
        for w in rng.choice(5, size=4, replace=False):
            label = y if rng.random() < skill[w] else rng.integers(0, 3)
            rows.append((t, w, int(label)))
    task, worker, label = (np.array(x) for x in zip(*rows, strict=True))
    return Annotations(
        task=task,
        worker=worker,
        label=label,
        tasks=tuple(f"t{i}" for i in range(30)),
        workers=tuple(f"w{i}" for i in range(5)),
        classes=("0", "1", "2"),
    )


def test_gold_clamps_and_corrects() -> None:
    a = one_flipper()
    gold = Gold.from_names(a, task=["t0"], label=["neg"])  # a (wrong) gold answer still wins on its task
    for cls in (MajorityVote, Wawa, DawidSkene, GLAD, MACE, EBCC):
        model = cls().fit(a, gold)
        assert model.labels_[0] == "neg"
        assert model.probas_[0].tolist() == [1.0, 0.0]


def test_mace_log_likelihood_by_brute_force() -> None:
    """With the EM M-step the parameters are proper distributions: recompute the evidence task by task."""
    a = toy_three_class()
    model = MACE(method="em", n_restarts=2).fit(a)
    knows, strategy = model.skills_, model.spam_strategies_
    total = 0.0
    for t in range(a.n_tasks):
        rows = np.flatnonzero(a.task == t)
        per_class = [
            np.prod(
                [
                    (1 - knows[a.worker[i]]) * strategy[a.worker[i], a.label[i]]
                    + knows[a.worker[i]] * (a.label[i] == k)
                    for i in rows
                ]
            )
            / a.n_classes
            for k in range(a.n_classes)
        ]
        total += np.log(sum(per_class))
    assert np.isclose(model.log_likelihood_, total)
