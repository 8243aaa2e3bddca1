"""The examples in docstrings run: a module's ``>>>`` lines are executed in its own namespace and must print
what they show, so an example can never drift from the code it documents."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "labelpact"
MODULES = sorted(
    "labelpact." + path.relative_to(SRC).with_suffix("").as_posix().replace("/", ".")
    for path in SRC.rglob("*.py")
    if ">>>" in path.read_text(encoding="utf-8")
)


def test_the_docstring_examples_are_found() -> None:
    assert "labelpact.frames" in MODULES and "labelpact.partners.risk.forecast" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_every_docstring_example_prints_what_it_shows(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert result.attempted > 0 and result.failed == 0, (
        f"{name}: {result.failed} of {result.attempted} failed"
    )
