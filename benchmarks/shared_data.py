"""The shared real crowdsourcing datasets beside the checkout (``../shared/datasets``), as the accuracy,
calibration, error-rate and minimax-entropy benchmarks read them. Benchmarks run as scripts find this
module beside them; it is kept out of the wheel."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

DATASETS = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"


def dataset_names(selected: str) -> list[str]:
    """The comma-separated ``selected`` names, or every dataset folder; exits with a line if none is there."""
    if not DATASETS.exists():
        raise SystemExit(f"shared datasets not found at {DATASETS}")
    if selected:
        return selected.split(",")
    return sorted(p.name for p in DATASETS.iterdir() if p.is_dir())


def load(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A dataset's labels (item, worker, label) and gold (item, label), every value as text."""
    labels = pd.read_csv(DATASETS / name / "labels.csv", dtype=str)
    gold = pd.read_csv(DATASETS / name / "gold.csv", dtype=str)
    return labels, gold
