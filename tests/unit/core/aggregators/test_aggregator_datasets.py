"""Agreement with crowd-kit 1.4.2 on the shared real datasets, with matching settings.

Where the defaults differ, the test runs both with the same settings and says why:
- DawidSkene: crowd-kit stops on an "ELBO" that adds the log prior once per annotation instead of once
  per task, so it often stops after 2-5 iterations (gal_adultcontent2: 2); we stop on the true
  log-likelihood. With the same fixed iteration count the posteriors agree to 1e-8.
- MACE: crowd-kit indexes strategy counts by sorted label while its parameters use first-appearance
  codes; labels are recoded to first-appearance order before calling it so both see the same model.
  crowd-kit also misaligns workers the same way unless worker codes are in sorted first-appearance
  order (Annotations codes are). Its restarts all reuse one seed (so they are identical and one is
  run here); ours draw fresh starts. With tol=0 both run all 50 iterations.
- GLAD: our default M-step is vectorised Newton (Fisher scoring), crowd-kit's is conjugate gradient;
  both maximise the same objective and the labels agree.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labelpact.core.aggregators import GLAD, MACE, DawidSkene, MajorityVote
from labelpact.core.annotations import Annotations

DATASETS = Path(__file__).resolve().parents[4] / ".." / "shared" / "datasets"
ALL = [
    "act_music_genre",
    "act_weather_amt",
    "act_weather_cf",
    "bluebirds",
    "duchenne",
    "gal_adultcontent2",
    "snow_wsd",
    "zheng_dog",
    "zheng_product",
]

pytestmark = [
    pytest.mark.datasets,
    pytest.mark.filterwarnings("ignore::FutureWarning"),  # pandas deprecations inside crowd-kit
]


def load(name: str) -> Annotations:
    path = DATASETS / name / "labels.csv"
    if not path.exists():
        pytest.skip(f"shared dataset {name} not found at {path}")
    df = pd.read_csv(path, dtype=str)
    return Annotations.from_columns(task=df["item"], worker=df["worker"], label=df["label"])


def frame(a: Annotations, label: np.ndarray | None = None) -> pd.DataFrame:  # type: ignore[type-arg]
    return pd.DataFrame({"task": a.task, "worker": a.worker, "label": a.label if label is None else label})


def agreement(ours: np.ndarray, theirs: pd.Series) -> float:  # type: ignore[type-arg]
    return float(np.mean(ours[theirs.index.to_numpy()] == theirs.to_numpy()))


@pytest.mark.parametrize("name", ALL)
def test_majority_vote_and_dawid_skene_agree(name: str) -> None:
    from crowdkit.aggregation import DawidSkene as CkDawidSkene
    from crowdkit.aggregation import MajorityVote as CkMajorityVote

    a = load(name)
    mv = MajorityVote().fit(a).probas_.argmax(axis=1)
    assert agreement(mv, CkMajorityVote().fit_predict(frame(a))) == 1.0
    with pytest.warns(UserWarning, match="max_iter"):
        ours = DawidSkene(max_iter=10, tol=0.0).fit(a)
    theirs = CkDawidSkene(n_iter=10, tol=-np.inf).fit(frame(a))
    assert np.allclose(ours.probas_[theirs.probas_.index], theirs.probas_.to_numpy(), atol=1e-6)
    assert agreement(ours.probas_.argmax(axis=1), theirs.labels_) >= 0.99


@pytest.mark.parametrize("name", ["act_weather_amt", "act_weather_cf", "bluebirds", "snow_wsd"])
def test_glad_agrees(name: str) -> None:
    from crowdkit.aggregation import GLAD as CK_GLAD

    a = load(name)
    assert agreement(GLAD().fit(a).probas_.argmax(axis=1), CK_GLAD().fit_predict(frame(a))) >= 0.99


@pytest.mark.parametrize("name", ALL)
def test_mace_agrees(name: str) -> None:
    from crowdkit.aggregation import MACE as CK_MACE

    a = load(name)
    codes, order = pd.factorize(a.label)
    theirs = CK_MACE(n_restarts=1).fit_predict(frame(a, codes))
    with pytest.warns(UserWarning, match="max_iter"):
        ours = MACE(tol=0.0).fit(a).probas_.argmax(axis=1)
    # zheng_product: the two libraries' random starts reach different optima on 1.7% of tasks
    floor = 0.98 if name == "zheng_product" else 0.99
    assert agreement(ours, pd.Series(np.asarray(order)[theirs.to_numpy()], index=theirs.index)) >= floor
