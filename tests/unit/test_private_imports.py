"""No private name crosses a module boundary in ``src/labelpact``: a helper two modules share is public.

A leading underscore says "only this module uses it". Imported elsewhere, it is a hidden interface: renaming
it breaks a module that nobody thought to check. Helpers shared inside a package are public names of the
module that holds them (listed in its ``__all__``); this test reads every module with ``ast`` and reports
``from x import _name``, ``import x._mod`` and ``module._name`` where ``module`` was imported from labelpact.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "labelpact"


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def absolute(module: str | None, level: int, package: tuple[str, ...]) -> str:
    """The dotted name ``from <level dots><module> import`` refers to, inside ``package``."""
    if not level:
        return module or ""
    base = ".".join(package[: len(package) - level + 1])
    return f"{base}.{module}" if module else base


def is_module(dotted: str) -> bool:
    """Whether ``dotted`` (``labelpact.x.y``) names a module or package of ``src/labelpact``."""
    path = SRC.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def private_imports(path: Path, package: tuple[str, ...] | None = None) -> list[str]:
    """Each private name ``path`` takes from another labelpact module, as ``file:line name from module``."""
    package = package or path.relative_to(SRC.parent).parent.parts
    shown = path.relative_to(SRC) if path.is_relative_to(SRC) else path.name
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    modules: set[str] = set()  # local names bound to labelpact modules
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = absolute(node.module, node.level, package)
            if source.split(".")[0] != "labelpact":
                continue
            for alias in node.names:
                if is_private(alias.name):
                    found.append(f"{shown}:{node.lineno} {alias.name} from {source}")
                elif is_module(f"{source}.{alias.name}"):
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] != "labelpact":
                    continue
                if any(is_private(part) for part in parts):
                    found.append(f"{shown}:{node.lineno} {alias.name}")
                if alias.asname:
                    modules.add(alias.asname)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and is_private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            found.append(f"{shown}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def test_no_private_name_is_imported_across_modules() -> None:
    found = [hit for path in sorted(SRC.rglob("*.py")) for hit in private_imports(path)]
    assert found == []


def test_the_checker_catches_each_form(tmp_path: Path) -> None:
    """The check can fail: absolute, relative, dotted-module and attribute forms are each reported, and
    dunders, public names and private names of other libraries are not."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from labelpact.partners.spc.series import _hidden, read_only\n"
        "from .series import _also\n"
        "from ..risk import priors\n"
        "import labelpact.core._secret\n"
        "from numpy import _globals\n"
        "from labelpact import __version__\n"
        "x = priors._private_table\n"
        "y = priors.SIGNALS\n",
        encoding="utf-8",
    )
    found = private_imports(probe, package=("labelpact", "partners", "spc"))
    assert found == [
        "probe.py:1 _hidden from labelpact.partners.spc.series",
        "probe.py:2 _also from labelpact.partners.spc.series",
        "probe.py:4 labelpact.core._secret",
        "probe.py:7 priors._private_table",
    ]
