"""The Python API: an explicit, sorted, complete ``__all__`` whose every name resolves."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest

import labelpact as lp


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: SCREAMING_CASE, then CamelCase, then the rest, each alphabetical."""
    if name.isupper() and len(name) > 1:
        return 0, name
    return (1 if name[0].isupper() else 2), name


def test_all_is_sorted_and_unique() -> None:
    assert len(set(lp.__all__)) == len(lp.__all__)
    assert lp.__all__ == sorted(lp.__all__, key=_isort_key)


def test_every_exported_name_resolves_to_its_module() -> None:
    for name, module in lp._EXPORTS.items():
        assert getattr(lp, name) is getattr(importlib.import_module(module), name), name


def test_all_is_complete() -> None:
    """Every lazily exported name is listed, and every listed name is exported (or is the version)."""
    assert set(lp._EXPORTS) | {"__version__"} == set(lp.__all__)


def test_design_contract_names_are_public() -> None:
    for name in ("Annotations", "read_annotations", "Gold", "TaskPayloads", "InvalidInputError"):
        assert name in lp.__all__


def test_unknown_attribute_raises() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        lp.no_such_thing  # noqa: B018


def test_version_matches_package_metadata() -> None:
    from importlib.metadata import version

    assert lp.__version__ == version("labelpact")


def test_quality_api_is_public() -> None:
    for name in (
        "aggregate",
        "Consensus",
        "MajorityVote",
        "Wawa",
        "DawidSkene",
        "OneCoinDawidSkene",
        "GLAD",
        "MACE",
        "EBCC",
        "Auto",
        "agreement",
        "Agreement",
        "score_workers",
        "WorkerReport",
        "find_label_issues",
        "label_quality_scores",
        "sampling_plan",
        "scan_pii",
        "audit_ethics",
    ):
        assert name in lp.__all__, name


def test_design_python_api_contract_runs() -> None:
    """The snippet of DESIGN.md's Python API contract, on a toy whose answer is known by hand."""
    # three workers; w2 always disagrees with the other two, who agree on every task
    a = lp.Annotations.from_columns(
        task=["t1", "t1", "t1", "t2", "t2", "t2", "t3", "t3", "t3"],
        worker=["w0", "w1", "w2"] * 3,
        label=["cat", "cat", "dog", "dog", "dog", "cat", "cat", "cat", "dog"],
    )
    model = lp.DawidSkene(max_iter=50, tol=1e-6).fit(a, gold=None)
    assert list(model.labels_) == ["cat", "dog", "cat"]
    assert model.probas_.shape == (a.n_tasks, a.n_classes)
    assert np.allclose(model.probas_.sum(axis=1), 1.0)
    for cls in (lp.MajorityVote, lp.Wawa, lp.GLAD, lp.MACE, lp.EBCC, lp.OneCoinDawidSkene, lp.Auto):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", lp.ConvergenceWarning)  # three tasks are few for EM
            assert list(cls().fit(a).labels_) == ["cat", "dog", "cat"], cls.__name__
    c = lp.aggregate(a, method="auto", gold=None)
    assert isinstance(c, lp.Consensus) and c.labels == ("cat", "dog", "cat") and c.method.startswith("auto")
    assert c.held_out is None
    gold = lp.Gold.from_names(a, task=["t2"], label=["dog"])
    assert lp.aggregate(a, method="mv", gold=gold).held_out == lp.HeldOutAccuracy(
        1.0, 1, "mv refitted without the 1 gold tasks, scored on them"
    )
