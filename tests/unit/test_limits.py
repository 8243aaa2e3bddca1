"""Size limits on ``src/labelpact``: no module over 400 lines, no function over 80 lines.

A module that outgrows 400 lines holds more than one concept and wants to become a package; a function over
80 lines is a script that wants named steps. Alembic migrations are generated history and exempt. The test
reads every module with ``ast`` and names every offender, so one run shows the whole list.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "labelpact"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
EXEMPT = (Path("store") / "migrations",)


def offences(path: Path, shown: str | None = None) -> list[str]:
    """Every limit ``path`` breaks, as ``module: N lines`` and ``module:line function(): N lines``.

    A function's length runs from its ``def`` line (decorators excluded) to its last line, docstring and
    nested functions included; methods are functions too, named ``Class.method``.
    """
    text = path.read_text(encoding="utf-8")
    shown = shown or path.relative_to(SRC).as_posix()
    found = []
    n_lines = len(text.splitlines())
    if n_lines > MAX_MODULE_LINES:
        found.append(f"{shown}: {n_lines} lines (max {MAX_MODULE_LINES})")

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                length = (child.end_lineno or child.lineno) - child.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(
                        f"{shown}:{child.lineno} {name}(): {length} lines (max {MAX_FUNCTION_LINES})"
                    )
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(text, filename=str(path)), "")
    return found


def modules() -> list[Path]:
    return [
        path
        for path in sorted(SRC.rglob("*.py"))
        if not any(path.relative_to(SRC).is_relative_to(exempt) for exempt in EXEMPT)
    ]


def test_no_module_or_function_exceeds_the_limits() -> None:
    found = [hit for path in modules() for hit in offences(path)]
    assert found == [], "limits exceeded:\n" + "\n".join(found)


def test_the_checker_catches_each_form(tmp_path: Path) -> None:
    """The check can fail: a long module, a long function, a long method and a long nested function are
    each reported with their lines; an 80-line function is not."""
    body = "    x = 1\n"
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def fits():\n"
        + body * 79
        + "def too_long():\n"
        + body * 80
        + "class Model:\n    def fit(self):\n"
        + "        x = 1\n" * 81
        + "def outer():\n    def inner():\n"
        + "        x = 1\n" * 81
        + "    return inner\n"
        + "# padding\n" * 73,
        encoding="utf-8",
    )
    assert offences(probe, "probe.py") == [
        "probe.py: 401 lines (max 400)",
        "probe.py:81 too_long(): 81 lines (max 80)",
        "probe.py:163 Model.fit(): 82 lines (max 80)",
        "probe.py:245 outer(): 84 lines (max 80)",
        "probe.py:246 outer.inner(): 82 lines (max 80)",
    ]
