"""Real pairwise preferences (../shared/datasets-llm): no truth there, so these check shapes and scale."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from labelpact.core.preferences import BradleyTerry, Comparisons, comparison_graph, preference_workers

DATASETS = Path(__file__).resolve().parents[4] / ".." / "shared" / "datasets-llm"


def read(folder: str) -> Comparisons:
    path = DATASETS / folder / "comparisons.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared LLM-judgement data sets are not mounted)")
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return Comparisons.from_columns(
        task=[r["task"] for r in rows],
        worker=[r["worker"] for r in rows],
        left=[r["left"] for r in rows],
        right=[r["right"] for r in rows],
        choice=[r["choice"] for r in rows],
    )


def test_argument_convincingness_ranks_within_each_debate() -> None:
    c = read("ukpconvarg1_convincingness")
    graph = comparison_graph(c)
    with (DATASETS / "ukpconvarg1_convincingness" / "items.csv").open(newline="") as handle:
        debate = {row["item"]: row["debate"] for row in csv.DictReader(handle)}
    # arguments are compared only within their debate: every component lies inside one debate
    labels = np.array([debate[name] for name in c.items])
    for k in range(graph.n_components):
        assert len(set(labels[graph.component == k])) == 1
    assert graph.n_components == len(set(labels)) and "cannot be ordered" in " ".join(graph.problems())
    model = BradleyTerry().fit(c)
    assert model.converged_ and np.all(np.isfinite(model.strengths_))
    assert 0.05 < model.tie_parameter_ < 2.0  # about a fifth of the choices are ties
    q = preference_workers(c, strengths=model.strengths_)
    assert q.n_comparisons.sum() == c.n_comparisons
    assert np.nanmean(q.majority_agreement) > 0.5


def test_summarisation_models_are_ranked() -> None:
    c = read("openai_summarize_comparisons")
    model = BradleyTerry().fit(c)
    assert model.converged_ and len(model.ranking()) == c.n_items
    assert comparison_graph(c).problems()  # some model pairs were never compared: said, not hidden
