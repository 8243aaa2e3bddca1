"""The shared real crowdsourcing datasets beside the checkout (``../shared/datasets``), as the accuracy,
calibration, error-rate and minimax-entropy benchmarks read them. Benchmarks run as scripts find this
module beside them; it is kept out of the wheel.

``LABELPACT_DATASETS=DIR`` points them at another folder of datasets in the same layout (one folder per
dataset with ``labels.csv``: ``item`` or ``task``, ``worker``, ``label``; and ``gold.csv``: ``item`` or
``task``, ``label``), so every number they print can be checked on data they were not tuned on."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from labelpact.core.annotations import Annotations

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"
DATASETS = Path(os.environ["LABELPACT_DATASETS"]) if os.environ.get("LABELPACT_DATASETS") else SHARED
GIVEN_SHARE = 0.10  # of the gold tasks given as honeypots in the "with gold" setting


def dataset_names(selected: str) -> list[str]:
    """The comma-separated ``selected`` names, or every dataset folder; exits with a line if none is there."""
    if not DATASETS.exists():
        raise SystemExit(f"shared datasets not found at {DATASETS}")
    if selected:
        return selected.split(",")
    return sorted(p.name for p in DATASETS.iterdir() if p.is_dir())


def load(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A dataset's labels (item, worker, label) and gold (item, label), every value as text (a ``task``
    column is read as ``item``)."""
    labels = pd.read_csv(DATASETS / name / "labels.csv", dtype=str).rename(columns={"task": "item"})
    gold = pd.read_csv(DATASETS / name / "gold.csv", dtype=str).rename(columns={"task": "item"})
    return labels, gold


def annotations(labels: pd.DataFrame) -> Annotations:
    """A dataset's labels (``item`` is the task column) as labelpact's annotations."""
    return Annotations.from_columns(task=labels["item"], worker=labels["worker"], label=labels["label"])


def honeypot_split(gold: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``GIVEN_SHARE`` of the gold tasks given (at least one, seeded), the rest held out for scoring."""
    order = np.random.default_rng(seed).permutation(len(gold))
    n_given = max(1, round(GIVEN_SHARE * len(gold)))
    return gold.iloc[order[:n_given]], gold.iloc[order[n_given:]]
