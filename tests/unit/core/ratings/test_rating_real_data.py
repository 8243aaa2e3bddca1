"""Real rubric ratings (SQuALITY human evaluation, ../shared/datasets-llm): shapes and scale, no truth."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from labelpact.core.ratings import Ratings, rater_effects, rating_agreement

FOLDER = Path(__file__).resolve().parents[4] / ".." / "shared" / "datasets-llm" / "squality_human_eval"


def test_squality_ratings_per_criterion() -> None:
    if not (FOLDER / "ratings.csv").exists():
        pytest.skip(f"{FOLDER} is absent (the shared LLM-judgement data sets are not mounted)")
    with (FOLDER / "scales.csv").open(newline="") as handle:
        scales = {row["criterion"]: (float(row["min"]), float(row["max"])) for row in csv.DictReader(handle)}
    with (FOLDER / "ratings.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    r = Ratings.from_columns(
        task=[x["task"] for x in rows],
        worker=[x["worker"] for x in rows],
        criterion=[x["criterion"] for x in rows],
        score=[float(x["score"]) for x in rows],
        scales=scales,
    )
    assert r.criteria == tuple(scales)
    for criterion in r.criteria:
        alpha = rating_agreement(r, criterion, level="interval", n_bootstrap=100).krippendorff_alpha
        assert -1.0 <= alpha.ci[0] <= alpha.value <= alpha.ci[1] <= 1.0
        e = rater_effects(r, criterion)
        assert abs(np.nanmedian(e.offset)) < 1e-9  # measured from the median rater (225 ratings each)
        assert np.all(e.offset_interval[:, 0] <= e.offset_interval[:, 1])
