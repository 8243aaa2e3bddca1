"""The preferences ``agreement`` command says in words when agreement cannot be measured (as ``--json`` and
the audit do), and its Kendall tau has a point estimate wherever it has an interval."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from labelpact.core.preferences import Comparisons, ranking_stability

RunCli = Callable[..., Any]


def test_unanimous_choices_are_called_unmeasurable_in_the_table(cli: RunCli, tmp_path: Path) -> None:
    prefs = tmp_path / "disc.csv"
    prefs.write_text(
        "task,worker,left,right,choice\nt1,w1,A,B,left\nt1,w2,A,B,left\nt2,w1,C,D,right\nt2,w2,C,D,right\n",
        encoding="utf-8",
    )
    run = cli("agreement", prefs)
    assert run.code == 0, run.stderr
    text = " ".join(run.stdout.split())
    assert "Agreement on the choices cannot be measured on this batch: all 2 pairs" in text
    assert "Kendall tau - " not in text
    doc = json.loads(cli("agreement", prefs, "--json").stdout)
    tau = doc["ranking_stability"]["kendall_tau"]
    assert doc["unidentifiable"] and tau["value"] is not None
    assert tau["ci"][0] <= tau["value"] <= tau["ci"][1]


def test_kendall_tau_is_the_mean_of_the_replicates_that_have_one() -> None:
    one = Comparisons.from_columns(task=["t"], worker=["w"], left=["a"], right=["b"], choice=["left"])
    stable = ranking_stability(one, n_bootstrap=100)
    finite = stable.taus[np.isfinite(stable.taus)]
    # a replicate that draws the one comparison 0 times (Poisson, about 37 of 100) leaves a and b equal: no
    # tau; every other replicate orders a over b as the full fit does: tau 1
    assert 0 < np.isnan(stable.taus).sum() < 60 and np.all(finite == 1.0)
    assert stable.kendall_tau.value == 1.0 and stable.kendall_tau.ci == (1.0, 1.0)
