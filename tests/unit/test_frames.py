"""crowd-kit's convention at the API edge (``labelpact.frames``): the same call on the same DataFrame gives the
same shape, index, names and (where both libraries define the method alike) the same labels as crowd-kit 1.4.2."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

import labelpact as lp
from labelpact import frames
from labelpact.errors import ConvergenceWarning, InvalidInputError

DATASETS = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"

# crowd-kit's own toy shape: three tasks, three workers, string ids, a tie on t2 for majority vote
TOY = pd.DataFrame(
    {
        "task": ["t2", "t1", "t1", "t2", "t3", "t3", "t3"],
        "worker": ["w1", "w1", "w2", "w2", "w1", "w3", "w2"],
        "label": ["b", "a", "a", "a", "b", "b", "a"],
    }
)


def shared(name: str, label_type: type | None) -> pd.DataFrame:
    path = DATASETS / name / "labels.csv"
    if not path.exists():
        pytest.skip(f"shared dataset {name} not found at {path}")
    dtype = {"label": label_type} if label_type is not None else None
    return pd.read_csv(path, dtype=dtype).rename(columns={"item": "task"})


def test_majority_vote_matches_crowdkit_on_the_toy() -> None:
    from crowdkit.aggregation import MajorityVote as CkMajorityVote

    ours, theirs = lp.MajorityVote().fit_predict(TOY), CkMajorityVote().fit_predict(TOY)
    assert (ours.name, ours.index.name, ours.dtype) == (theirs.name, theirs.index.name, theirs.dtype)
    assert ours.name == "agg_label" and ours.index.name == "task"
    assert ours.index.tolist() == ["t2", "t1", "t3"]  # first appearance, as Annotations codes tasks
    # t2 is a tie (a, b): both break it towards the first class
    pd.testing.assert_series_equal(ours.sort_index(), theirs.sort_index())
    p_ours, p_theirs = lp.MajorityVote().fit_predict_proba(TOY), CkMajorityVote().fit_predict_proba(TOY)
    assert (p_ours.index.name, p_ours.columns.name) == (p_theirs.index.name, p_theirs.columns.name)
    pd.testing.assert_frame_equal(p_ours.sort_index(), p_theirs.sort_index())


def test_dawid_skene_matches_crowdkit_on_the_toy() -> None:
    """With crowd-kit's iteration count (its stopping rule differs: see test_aggregator_datasets) the same
    call gives the same Series and DataFrame, index order included."""
    from crowdkit.aggregation import DawidSkene as CkDawidSkene

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = lp.DawidSkene(max_iter=10, tol=0.0).fit_predict(TOY)
        probas = lp.DawidSkene(max_iter=10, tol=0.0).fit_predict_proba(TOY)
    theirs = CkDawidSkene(n_iter=10, tol=-np.inf).fit_predict(TOY)
    their_probas = CkDawidSkene(n_iter=10, tol=-np.inf).fit_predict_proba(TOY)
    pd.testing.assert_series_equal(ours, theirs)
    assert ours.to_dict() == {"t1": "a", "t2": "b", "t3": "b"}
    pd.testing.assert_frame_equal(probas, their_probas, atol=1e-9)
    assert probas.loc["t2", "b"] == pytest.approx(7 / 12)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # pandas deprecations inside crowd-kit
# bluebirds' labels read as text: crowd-kit's DawidSkene drops a class when the labels are pandas booleans
@pytest.mark.parametrize(("name", "label_type"), [("bluebirds", str), ("zheng_dog", None)])
def test_same_calls_agree_with_crowdkit_on_a_shared_dataset(name: str, label_type: type | None) -> None:
    from crowdkit.aggregation import DawidSkene as CkDawidSkene
    from crowdkit.aggregation import MajorityVote as CkMajorityVote

    df = shared(name, label_type)
    ours, theirs = lp.MajorityVote().fit_predict(df), CkMajorityVote().fit_predict(df)
    assert ours.index.name == theirs.index.name == "task" and ours.name == theirs.name
    assert ours.dtype == theirs.dtype  # labels keep their pandas values: bool stays bool, int stays int
    assert sorted(ours.index) == sorted(theirs.index)
    shares = CkMajorityVote().fit_predict_proba(df)
    clear = (shares.to_numpy() == shares.max(axis=1).to_numpy()[:, None]).sum(axis=1) == 1
    untied = shares.index[clear]
    assert len(untied) > 0.5 * len(shares)
    assert (ours[untied] == theirs[untied]).all()  # identical wherever the vote has one winner
    # Dawid-Skene with crowd-kit's iteration count (its stopping rule differs: see test_aggregator_datasets)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        p_ours = lp.DawidSkene(max_iter=10, tol=0.0).fit_predict_proba(df)
    p_theirs = CkDawidSkene(n_iter=10, tol=-np.inf).fit_predict_proba(df)
    assert p_ours.shape == p_theirs.shape and p_ours.columns.name == p_theirs.columns.name == "label"
    assert sorted(p_ours.columns) == sorted(p_theirs.columns)
    aligned = p_theirs.loc[p_ours.index, p_ours.columns]
    assert np.allclose(p_ours.to_numpy(), aligned.to_numpy(), atol=1e-6)


def test_integer_ids_and_labels_keep_their_type() -> None:
    df = pd.DataFrame({"task": [10, 10, 2, 2, 2], "worker": [1, 2, 1, 2, 3], "label": [0, 0, 1, 1, 0]})
    labels = lp.MajorityVote().fit_predict(df)
    assert labels.to_dict() == {10: 0, 2: 1} and labels.dtype == np.int64 and labels.index.dtype == np.int64
    probas = lp.Wawa().fit_predict_proba(df)
    assert probas.columns.tolist() == [0, 1] and probas.index.tolist() == [10, 2]


def test_annotations_in_numpy_out_and_fit_takes_both() -> None:
    a, _, _ = frames.annotations_from_frame(TOY)
    assert lp.MajorityVote().fit_predict(a).tolist() == ["a", "a", "b"]
    assert lp.GLAD().fit_predict_proba(a).shape == (3, 2)
    model = lp.DawidSkene().fit(TOY)
    assert isinstance(model, lp.DawidSkene) and model.labels_.tolist() == ["b", "a", "b"]
    assert model.labels_.tolist() == lp.DawidSkene().fit_predict(TOY).tolist()
    assert isinstance(model, lp.Aggregator)


def test_true_labels_anchor_the_fit_as_gold() -> None:
    truth = pd.Series({"t3": "a"})
    labels = lp.DawidSkene().fit_predict(TOY, truth)
    assert labels["t3"] == "a"
    assert lp.MajorityVote().fit_predict_proba(TOY, gold=truth).loc["t3"].tolist() == [1.0, 0.0]
    with pytest.raises(InvalidInputError, match="gold for a task of this batch"):
        lp.MajorityVote().fit_predict(TOY, pd.Series({"t9": "a"}))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (TOY.drop(columns="worker"), "column 'worker'"),
        (TOY.assign(label=["a", None, "a", "a", "b", "b", "a"]), "missing value at index 1"),
        (
            pd.DataFrame({"task": [1, "1"], "worker": ["w", "v"], "label": ["a", "a"]}),
            "distinct as text, got 1 and '1'",
        ),
        ({"task": [1], "worker": [1], "label": [1]}, "pandas DataFrame with columns task, worker, label"),
    ],
)
def test_bad_frames_are_refused_with_the_column(data: object, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        lp.DawidSkene().fit_predict(data)  # type: ignore[call-overload]


def test_without_pandas_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def no_pandas(name: str, package: str | None = None) -> ModuleType:
        if name == "pandas":
            raise ModuleNotFoundError("No module named 'pandas'")
        return real(name, package)

    monkeypatch.setattr(frames.importlib, "import_module", no_pandas)
    with pytest.raises(ImportError, match="pip install pandas"):
        lp.MajorityVote().fit_predict([("t1", "w1", "a")])  # type: ignore[call-overload]


def test_the_api_does_not_import_pandas_until_a_frame_arrives() -> None:
    code = (
        "import sys, labelpact as lp, numpy as np;"
        "a = lp.Annotations.from_columns(task=['t'], worker=['w'], label=['x']);"
        "lp.DawidSkene().fit_predict(a);"
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_partial_gold_series_made_float_by_pandas_still_names_its_classes() -> None:
    # crowd-kit's true_labels with a NaN: pandas stores 1 as 1.0, whose text '1.0' is no class of the frame
    frame = pd.DataFrame(
        {"task": [1, 1, 1, 2, 2, 2, 3, 3, 3], "worker": list("abc") * 3, "label": [0, 0, 1, 1, 1, 1, 0, 1, 1]}
    )
    partial = pd.Series([1, np.nan, 0], index=[1, 2, 3])
    assert partial.dtype == np.float64
    with_nan = lp.MajorityVote().fit_predict_proba(frame, gold=partial)
    as_ints = lp.MajorityVote().fit_predict_proba(frame, gold=partial.dropna().astype(int))
    pd.testing.assert_frame_equal(with_nan, as_ints)
    assert with_nan.loc[1].tolist() == [0.0, 1.0]  # the gold class 1 anchors task 1 against its 2-1 vote
