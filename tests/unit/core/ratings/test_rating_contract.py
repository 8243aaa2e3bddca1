from __future__ import annotations

import numpy as np
import pytest

from labelpact.core.ratings import Ratings, rating_agreement, simulate_ratings
from labelpact.errors import InvalidInputError

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers x 12 units, "." missing.
# Published: ordinal 0.815, interval 0.849.
KRIPPENDORFF_2011 = {
    "A": "1 2 3 3 2 1 4 1 2 . . .",
    "B": "1 2 3 3 2 2 4 1 2 5 . 3",
    "C": ". 3 3 3 2 3 4 2 2 5 1 .",
    "D": "1 2 3 3 2 4 4 1 2 5 1 .",
}


def published_example() -> Ratings:
    task, worker, score = [], [], []
    for observer, row in KRIPPENDORFF_2011.items():
        for unit, value in enumerate(row.split()):
            if value != ".":
                task.append(f"u{unit}")
                worker.append(observer)
                score.append(float(value))
    return Ratings.from_columns(
        task=task, worker=worker, criterion=["quality"] * len(task), score=score, scales={"quality": (1, 5)}
    )


@pytest.mark.parametrize(("level", "published"), [("ordinal", 0.815), ("interval", 0.849)])
def test_published_alpha(level: str, published: float) -> None:
    result = rating_agreement(published_example(), "quality", level=level, n_bootstrap=200)  # type: ignore[arg-type]
    assert result.krippendorff_alpha.value == pytest.approx(published, abs=5e-4)
    lo, hi = result.krippendorff_alpha.ci
    assert lo < result.krippendorff_alpha.value < hi


@pytest.mark.parametrize("level", ["ordinal", "interval"])
def test_alpha_matches_the_krippendorff_package_on_a_wide_scale(level: str) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    sim = simulate_ratings(
        n_tasks=300, n_workers=12, scales={"overall": (0, 100)}, noise=15.0, random_state=2
    )
    r = sim.ratings
    matrix = np.full((r.n_workers, r.n_tasks), np.nan)
    matrix[r.worker, r.task] = r.score
    ours = rating_agreement(r, "overall", level=level, n_bootstrap=0).krippendorff_alpha.value  # type: ignore[arg-type]
    theirs = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
    assert ours == pytest.approx(theirs, abs=1e-9)


def test_scores_outside_the_declared_scale_name_the_row() -> None:
    with pytest.raises(InvalidInputError, match=r"rating 2, column 'score'.*\[1, 7\].*got 9"):
        Ratings.from_columns(
            task=["t", "u"], worker=["w", "w"], criterion=["h", "h"], score=[3, 9], scales={"h": (1, 7)}
        )


def test_unknown_criterion_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="criterion"):
        Ratings.from_columns(task=["t"], worker=["w"], criterion=["x"], score=[3], scales={"h": (1, 7)})
    r = published_example()
    with pytest.raises(InvalidInputError, match="quality"):
        rating_agreement(r, "helpfulness")


def test_observed_range_is_the_scale_when_none_is_declared() -> None:
    r = Ratings.from_columns(
        task=["t", "u", "v"], worker=["w"] * 3, criterion=["h", "h", "k"], score=[2, 5, 4]
    )
    assert r.criteria == ("h", "k") and r.scales == ((2.0, 5.0), (4.0, 5.0))
