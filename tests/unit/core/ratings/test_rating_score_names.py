"""Scores that differ past 12 significant digits stay distinct classes (finding 7 of the deliverable-kinds
hunt): 3.3 and 3.3000000000000003 had one name, and agreement refused the batch."""

from __future__ import annotations

import numpy as np
import pytest

from labelpact.core.ratings import Ratings, rating_agreement
from labelpact.core.ratings.reliability import score_names


def _float_scores() -> Ratings:
    return Ratings.from_columns(
        task=["t1", "t1", "t2", "t2", "t3", "t3"], worker=["w1", "w2"] * 3, criterion=["h"] * 6,
        score=[3.3, 3.3000000000000003, 2, 5, 4, 4.5], scales={"h": (1, 7)},
    )  # fmt: skip


def test_score_names_are_short_where_exact_and_distinct_always() -> None:
    names = score_names(np.array([2.0, 3.3, 3.3000000000000003, 4.5]))
    assert names == ("2", "3.3", "3.3000000000000003", "4.5")
    assert [float(n) for n in names] == [2.0, 3.3, 3.3000000000000003, 4.5]


@pytest.mark.parametrize("level", ["ordinal", "interval"])
def test_near_equal_float_scores_are_measured_like_the_krippendorff_package(level: str) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    r = _float_scores()
    matrix = np.full((r.n_workers, r.n_tasks), np.nan)
    matrix[r.worker, r.task] = r.score
    ours = rating_agreement(r, "h", level=level, n_bootstrap=0).krippendorff_alpha.value  # type: ignore[arg-type]
    assert ours == pytest.approx(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))
