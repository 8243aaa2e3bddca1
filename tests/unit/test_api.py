"""The Python API: an explicit, sorted, complete ``__all__`` whose every name resolves."""

from __future__ import annotations

import importlib

import pytest

import labelpact as lp


def test_all_is_sorted_and_unique() -> None:
    assert lp.__all__ == sorted(
        set(lp.__all__), key=lambda n: (n.startswith("_"), n)
    ) or lp.__all__ == sorted(lp.__all__)


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
