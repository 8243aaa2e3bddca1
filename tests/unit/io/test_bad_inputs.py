"""Every malformed file in ``tests/data/bad`` fails with one line naming the file, the line and the column."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from labelpact.errors import InvalidInputError
from labelpact.io import read_delivery

BAD = Path(__file__).resolve().parents[2] / "data" / "bad"
CASES: list[dict[str, Any]] = json.loads((BAD / "cases.json").read_text())


def _kwargs(case: dict[str, Any]) -> dict[str, Any]:
    kwargs = dict(case["kwargs"])
    for key in ("gold", "tasks"):
        if key in kwargs:
            kwargs[key] = BAD / kwargs[key]
    return kwargs


def test_the_corpus_is_large_and_well_formed() -> None:
    assert len(CASES) >= 79  # issue 10 grew it from 53
    assert len({c["name"] for c in CASES}) == len(CASES)
    for case in CASES:
        assert set(case) == {"name", "file", "kwargs", "cli_args", "expect"}
        assert case["expect"], case["name"]
        files = [case["file"], *(case["kwargs"].get(k) for k in ("gold", "tasks"))]
        for name in filter(None, files):
            assert (BAD / name).exists() or "no such file" in case["expect"], name


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_input_is_one_line_naming_where(case: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError) as caught:
        read_delivery(BAD / case["file"], **_kwargs(case))
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message
    for part in case["expect"]:
        assert part in message, f"{part!r} not in {message!r}"


def test_cli_args_spell_the_same_options() -> None:
    """The CLI arguments of each case say what its kwargs say (the lead's CLI test relies on them)."""
    flags = {
        "gold": "--gold",
        "tasks": "--tasks",
        "task_column": "--task-column",
        "worker_column": "--worker-column",
        "label_column": "--label-column",
        "classes": "--classes",
        "duplicates": "--duplicates",
        "strict": "--strict",
    }
    for case in CASES:
        args = case["cli_args"]
        for key, value in case["kwargs"].items():
            flag = flags[key]
            assert flag in args, (case["name"], flag)
            if key == "classes":
                assert args[args.index(flag) + 1] == ",".join(value)
            elif key != "strict":
                assert args[args.index(flag) + 1] == value
