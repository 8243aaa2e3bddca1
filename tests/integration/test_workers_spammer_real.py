"""Spammer flags on a real skewed crowd (gal_adultcontent2, 76% of labels one class) against its scorecards."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from labelpact.io import read_delivery
from labelpact.services.quality import workers_of

DATASETS = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"

pytestmark = [
    pytest.mark.datasets,
    pytest.mark.skipif(not DATASETS.is_dir(), reason=f"shared datasets not found at {DATASETS}"),
]


def test_no_worker_who_matches_every_shown_consensus_is_a_spammer() -> None:
    folder = DATASETS / "gal_adultcontent2"
    report = workers_of(read_delivery(folder / "labels.csv", gold=folder / "gold.csv"))
    spam = np.array(["spammer" in f for f in report.flags])
    # four such workers (e.g. AEBNYX55QDRLA: 24 G, one R, one X, all equal to the consensus) scored 1.0
    assert not (spam & (report.consensus_agreement == 1.0)).any()
    for name in ("AEBNYX55QDRLA", "A37FYSR72FJ5HV", "AQFA6DT2I8MK4"):
        i = report.workers.index(name)
        assert "spammer" not in report.flags[i]
    assert np.isnan(report.spammer_score[report.workers.index("AEBNYX55QDRLA")])
    assert spam.sum() == 26  # 32 before; the rest have near rank-one confusions against the consensus
