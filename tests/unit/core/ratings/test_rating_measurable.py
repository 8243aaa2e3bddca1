"""Raters who agree on every task over varied scores measure agreement (alpha 1.0, as the krippendorff
package says); only data that leave alpha undefined are unmeasurable (finding 6 of the kinds hunt)."""

from __future__ import annotations

import numpy as np
import pytest

from labelpact.core.ratings import Ratings, rating_agreement


def _ratings(table: np.ndarray) -> Ratings:
    """Tasks x raters scores on criterion "h" (NaN: not rated)."""
    t, w = np.nonzero(~np.isnan(table))
    return Ratings.from_columns(
        task=[f"t{i}" for i in t], worker=[f"w{j}" for j in w], criterion=["h"] * len(t),
        score=table[t, w], scales={"h": (1, 7)},
    )  # fmt: skip


def _reference(table: np.ndarray) -> float:
    krippendorff = pytest.importorskip("krippendorff")
    return float(krippendorff.alpha(reliability_data=table.T, level_of_measurement="ordinal"))


def test_perfect_agreement_over_varied_scores_is_alpha_one_and_measurable() -> None:
    scores = np.random.default_rng(3).integers(1, 8, 60).astype(float)
    table = np.repeat(scores[:, None], 3, axis=1)
    result = rating_agreement(_ratings(table), "h", n_bootstrap=50)
    assert result.unidentifiable is None
    assert result.krippendorff_alpha.value == 1.0 == _reference(table)


def test_one_disagreement_in_forty_tasks_is_measured_like_the_reference() -> None:
    scores = np.random.default_rng(4).integers(1, 8, 40).astype(float)
    table = np.repeat(scores[:, None], 2, axis=1)
    table[7, 1] = 7.0 if table[7, 0] != 7.0 else 1.0
    result = rating_agreement(_ratings(table), "h", n_bootstrap=0)
    assert result.unidentifiable is None
    assert result.krippendorff_alpha.value == pytest.approx(_reference(table), abs=1e-9)


def test_only_undefined_alpha_is_unmeasurable() -> None:
    one_score = np.full((10, 2), 4.0)
    assert "every score on the tasks rated twice or more is 4" in str(
        rating_agreement(_ratings(one_score), "h", n_bootstrap=0).unidentifiable
    )
    no_overlap = np.full((4, 4), np.nan)
    np.fill_diagonal(no_overlap, [1.0, 2.0, 3.0, 4.0])
    assert "no task was rated by two different raters" in str(
        rating_agreement(_ratings(no_overlap), "h", n_bootstrap=0).unidentifiable
    )
    reason = rating_agreement(_ratings(one_score), "h", n_bootstrap=0).unidentifiable
    assert reason is not None and "error rates" not in reason
