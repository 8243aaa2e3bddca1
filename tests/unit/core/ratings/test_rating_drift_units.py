"""Rater drift is in scale points across the rater's span of work, with or without ``submitted_at``, so the
contract's ``max_rater_offset`` (scale points) can flag it (finding 4 of the deliverable-kinds hunt)."""

from __future__ import annotations

import numpy as np
import pytest

from labelpact.contracts.refinement_findings import rating_findings, rating_flags
from labelpact.core.ratings import Ratings, rater_effects, straight_lining


def _drifting(with_time: bool) -> Ratings:
    """5 raters x 40 tasks; w4 moves linearly in time from 1.5 below the others to 1.5 above them."""
    rng = np.random.default_rng(1)
    n_tasks, n_workers = 40, 5
    seconds = np.cumsum(rng.uniform(60, 1200, n_tasks))  # irregular gaps: time is not file position
    drift = -1.5 + 3.0 * (seconds - seconds[0]) / (seconds[-1] - seconds[0])
    quality = rng.integers(3, 6, n_tasks).astype(float)
    table = np.repeat(quality[:, None], n_workers, axis=1)
    table[:, 4] += drift
    t, w = np.meshgrid(np.arange(n_tasks), np.arange(n_workers), indexing="ij")
    return Ratings.from_columns(
        task=t.ravel(), worker=w.ravel(), criterion=["h"] * table.size, score=table.ravel(),
        scales={"h": (1, 7)}, order=np.repeat(seconds, n_workers) if with_time else None,
    )  # fmt: skip


def test_drift_with_timestamps_is_scale_points_from_first_to_last_rating() -> None:
    e = rater_effects(_drifting(with_time=True), "h")
    # by hand: w4's residual is d - d/5 (the task mean takes a fifth of it), linear in time from -1.2 to +1.2;
    # the others' residual is -d/5, from +0.3 to -0.3
    assert e.drift == pytest.approx([-0.6, -0.6, -0.6, -0.6, 2.4], abs=1e-9)
    flags = rating_flags([e], straight_lining(_drifting(with_time=True)), max_offsets=[1.0])
    assert flags["drift"].tolist() == [False, False, False, False, True]
    finding = next(f for f in rating_findings([e], flags, e.n_ratings, e.workers) if f.kind == "drift")
    assert "first rating to their last" in finding.detail and finding.evidence["drift_h"] == [2.4]


def test_the_same_rater_is_flagged_with_and_without_timestamps() -> None:
    with_time, without = (rater_effects(_drifting(flag), "h") for flag in (True, False))
    assert without.drift[4] == pytest.approx(
        with_time.drift[4], rel=0.15
    )  # position vs time: close, not equal
    for e in (with_time, without):
        flags = rating_flags([e], np.zeros(5), max_offsets=[1.0])
        assert flags["drift"].tolist() == [False, False, False, False, True]


def test_a_rater_whose_ratings_share_one_time_has_no_drift() -> None:
    r = _drifting(with_time=True)
    order = np.asarray(r.order).copy()
    order[r.worker == 0] = 5.0
    same_time = Ratings(
        r.task, r.worker, r.criterion, r.score, r.tasks, r.workers, r.criteria, r.scales, order
    )
    e = rater_effects(same_time, "h")
    assert np.isnan(e.drift[0]) and np.isfinite(e.drift[1:]).all()
