"""Perfect agreement on ratings is measured agreement: the audit checks ``ratings.min_agreement`` against
alpha 1.0 (no ``ratings.measurable`` review) and the agreement command says the same (finding 6)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from labelpact.services.refinement_audit import audit_deliverable
from labelpact.services.refinement_quality import deliverable_agreement
from labelpact.store import Store

from .partner_store import partner_store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return partner_store(tmp_path, "[ratings]\nscales = {helpfulness = [1, 7]}\nmin_agreement = 0.6\n")


def test_unanimous_raters_meet_the_agreement_clause_in_audit_and_command(
    store: Store, tmp_path: Path
) -> None:
    scores = np.random.default_rng(3).integers(1, 8, 60)
    rows = [f"t{t},w{w},helpfulness,{s}" for t, s in enumerate(scores) for w in range(3)]
    path = tmp_path / "perfect.csv"
    path.write_text("task,worker,criterion,score\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = audit_deliverable(store, path, partner="Tagwell", project="r")
    outcomes = {r.clause: r.outcome for r in result.reasons}
    assert outcomes["ratings.min_agreement"] == "met" and "ratings.measurable" not in outcomes
    document = deliverable_agreement(path, kind="ratings", n_bootstrap=20)
    alpha = document["criteria"]["helpfulness"]
    assert alpha["krippendorff_alpha"]["value"] == 1.0 and alpha["unidentifiable"] is None


def test_a_rating_exported_twice_on_a_one_criterion_rubric_is_no_straight_lining(
    store: Store, tmp_path: Path
) -> None:
    """Before: each of w1's ratings exported twice counted as a task rated "on every criterion" with one
    score, so the batch was rejected at 100% straight-lining on a rubric of one criterion."""
    scores = np.random.default_rng(1).integers(1, 8, 40)
    rows = [f"t{t},w{w},helpfulness,{(s + w) % 7 + 1}" for t, s in enumerate(scores) for w in range(3)]
    rows += [f"t{t},w0,helpfulness,{s % 7 + 1}" for t, s in enumerate(scores)]  # w0's rows again
    path = tmp_path / "twice.csv"
    path.write_text("task,worker,criterion,score\n" + "\n".join(rows) + "\n", encoding="utf-8")
    contract = tmp_path / "straight.toml"
    contract.write_text(
        "[ratings]\nscales = {helpfulness = [1, 7]}\nmax_straight_lining = 0.1\n", encoding="utf-8"
    )
    result = audit_deliverable(store, path, partner="Tagwell", project="r", contract=contract)
    outcomes = {r.clause: r.outcome for r in result.reasons}
    assert outcomes["ratings.max_straight_lining"] == "unchecked"
