"""Use cases are called by the CLI and by the REST service: their errors name fields, never CLI flags.

A REST client told to pass ``--project`` is told about a flag it does not have. Services raise
``InvalidInputError(..., column="project", column_kind="field")`` and the CLI spells the field as its flag
at its edge (``cli/fields.py``). The test reads every module of the layers a REST request runs through
with ``ast`` and names each error whose text or column is a flag.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "labelpact"
LAYERS = ("services", "report", "server", "scale", "web")
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]+")


def _error_calls(tree: ast.AST) -> list[ast.Call]:
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name.endswith("Error"):
                calls.append(node)
    return calls


def flag_mentions(text: str, shown: str) -> list[str]:
    """``module:line`` and the flag, for every error raised in ``text`` whose strings name a CLI flag."""
    found = []
    for call in _error_calls(ast.parse(text)):
        for node in ast.walk(call):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for flag in FLAG.findall(node.value):
                    found.append(f"{shown}:{call.lineno} {flag}")
    return found


def test_the_scan_finds_a_flag_in_an_error() -> None:
    bad = 'raise InvalidInputError("a profile", column="--profile")\nraise NotFoundError(f"x {y} --as-of")\n'
    good = 'raise InvalidInputError("a profile of croissant", column="profile", column_kind="field")\n'
    assert flag_mentions(bad, "m.py") == ["m.py:1 --profile", "m.py:2 --as-of"]
    assert flag_mentions(good, "m.py") == []


def test_no_error_of_a_use_case_names_a_cli_flag() -> None:
    found = [
        hit
        for layer in LAYERS
        if (SRC / layer).is_dir()
        for path in sorted((SRC / layer).rglob("*.py"))
        for hit in flag_mentions(path.read_text(encoding="utf-8"), path.relative_to(SRC).as_posix())
    ]
    assert found == [], "errors that name CLI flags (name the field; the CLI maps it):\n" + "\n".join(found)
