"""An audit of a stored preferences or ratings batch equals the audit of its file: the stored normalised copy
keeps that a ``prompt, chosen, rejected`` file's display sides are unknown, and the ratings' ``submitted_at``.
A copy in the older layout (``left, right, choice``; no ``submitted_at``) still reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labelpact.io.deliverable import read_deliverable, write_deliverable
from labelpact.io.preferences import PreferenceDelivery
from labelpact.io.ratings import RatingDelivery
from labelpact.services.audit import audit_stored_batch
from labelpact.services.refinement_audit import audit_deliverable
from labelpact.store import Store

from .partner_store import partner_store

CONTRACT = """
[preferences]
max_position_bias = 0.05
[ratings]
scales = {quality = [1, 7]}
max_rater_offset = 1.0
"""


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return partner_store(tmp_path, CONTRACT, partner="Vendor")


def _chosen_rejected(path: Path) -> Path:
    """300 prompts, three workers each, 12 responses ranked by their number, a fifth of choices the other way."""
    rng = np.random.default_rng(2)
    rows = ["prompt,worker,chosen,rejected"]
    for t in range(300):
        a, b = rng.choice(12, 2, replace=False)
        for w in range(3):
            win, lose = (a, b) if (a < b) ^ (rng.random() < 0.2) else (b, a)
            rows.append(f"p{t},w{w},resp{win},resp{lose}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _timed_ratings(path: Path) -> Path:
    """60 tasks rated by four raters ten minutes apart, rows shuffled; w4 drifts from 3 below the others to 3 above."""
    rng = np.random.default_rng(0)
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    rows = ["task,worker,criterion,score,submitted_at"]
    for t in range(60):
        truth = rng.integers(2, 7)
        for w in range(4):
            shift = -3 + 6 * t / 59 if w == 3 else 0
            score = int(np.clip(np.rint(truth + shift + rng.normal(0, 0.4)), 1, 7))
            when = (start + dt.timedelta(minutes=10 * t, seconds=w)).isoformat()
            rows.append(f"t{t},w{w + 1},quality,{score},{when}")
    body = [rows[1 + i] for i in rng.permutation(len(rows) - 1)]  # the file's order is not the time order
    path.write_text("\n".join([rows[0], *body]) + "\n", encoding="utf-8")
    return path


def _same_audit(document: dict[str, Any]) -> dict[str, Any]:
    """What an audit found, without its ids and times."""
    return {
        "verdict": document["verdict"],
        "reasons": document["reasons"],
        "findings": [(f["kind"], f["detail"], f["evidence"]) for f in document["findings"]],
        "metrics": document["metrics"],
    }


@pytest.mark.parametrize("make", [_chosen_rejected, _timed_ratings])
def test_a_stored_batch_audits_as_its_file(store: Store, tmp_path: Path, make: Any) -> None:
    path = make(tmp_path / "batch.csv")
    first = audit_deliverable(store, path, partner="Vendor", project="p")
    again = audit_stored_batch(store, first.audit.batch)
    assert _same_audit(again.document) == _same_audit(first.document)


def test_a_chosen_rejected_batch_stays_side_free_in_the_store(store: Store, tmp_path: Path) -> None:
    first = audit_deliverable(store, _chosen_rejected(tmp_path / "cr.csv"), partner="Vendor", project="p")
    again = audit_stored_batch(store, first.audit.batch)
    for result in (first, again):
        bias = next(r for r in result.reasons if r.clause == "preferences.max_position_bias")
        assert bias.outcome == "unchecked" and bias.measured is None


def test_the_ratings_copy_keeps_each_ratings_time(tmp_path: Path) -> None:
    read = read_deliverable(_timed_ratings(tmp_path / "r.csv"), kind="ratings")
    assert isinstance(read, RatingDelivery) and read.ratings.order is not None
    for name in ("copy.parquet", "copy.csv", "copy.jsonl"):
        back = read_deliverable(write_deliverable(read, tmp_path / name), kind="ratings")
        assert isinstance(back, RatingDelivery) and back.ratings.order is not None
        np.testing.assert_array_equal(back.ratings.order, read.ratings.order)


def test_the_chosen_rejected_copy_reads_back_to_the_same_comparisons(tmp_path: Path) -> None:
    read = read_deliverable(_chosen_rejected(tmp_path / "cr.csv"), kind="preferences")
    back = read_deliverable(write_deliverable(read, tmp_path / "copy.parquet"), kind="preferences")
    assert isinstance(read, PreferenceDelivery) and isinstance(back, PreferenceDelivery)
    assert not read.sides_known and not back.sides_known
    for name in ("task", "worker", "left", "right", "choice"):
        np.testing.assert_array_equal(getattr(back.comparisons, name), getattr(read.comparisons, name))
    assert back.comparisons.items == read.comparisons.items


def test_a_copy_in_the_older_layout_still_reads(tmp_path: Path) -> None:
    old = tmp_path / "old.parquet"
    pq.write_table(
        pa.table({"task": ["t1", "t2"], "worker": ["w1", "w1"], "left": ["a", "b"], "right": ["b", "c"],
                  "choice": ["left", "tie"]}), old,
    )  # fmt: skip
    prefs = read_deliverable(old, kind="preferences", format="parquet")
    assert isinstance(prefs, PreferenceDelivery) and prefs.sides_known
    assert prefs.comparisons.choice.tolist() == [0, 2]
    pq.write_table(
        pa.table({"task": ["t1"], "worker": ["w1"], "criterion": ["quality"], "score": [3.0]}), old
    )
    ratings = read_deliverable(old, kind="ratings", format="parquet")
    assert isinstance(ratings, RatingDelivery) and ratings.ratings.order is None
