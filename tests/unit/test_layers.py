"""The layer contract: imports point down, and the pure packages never reach storage, frames or interfaces."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "labelpact"
PURE = ("core", "contracts", "ethics", "partners", "simulate")
PURE_MODULES = ("errors.py",)
THIRD_PARTY_FORBIDDEN_IN_PURE = {
    "pandas",
    "polars",
    "pyarrow",
    "sqlalchemy",
    "alembic",
    "fastapi",
    "starlette",
    "click",
    "rich",
    "jinja2",
    "dask",
    "distributed",
    "typer",
}
# layer -> labelpact packages it must never import
FORBIDDEN: dict[str, set[str]] = {
    **{p: {"store", "services", "cli", "server", "io", "report", "scale", "config"} for p in PURE},
    "io": {"store", "services", "cli", "server", "report", "scale"},
    "store": {"services", "cli", "server", "io", "report", "scale"},
    "report": {"services", "cli", "server", "store", "scale"},
    "scale": {"services", "cli", "server", "store"},
    "services": {"cli", "server"},
    # the REST service parses, calls a service and renders: services, errors and config only
    "server": {"cli", "store", "io", "core", "report", "scale", *PURE},
    # the dashboard renders what services read: never the store, files or numeric code itself
    "web": {"cli", "store", "io", "core", "scale", "server", *PURE},
}


def package_of(path: Path) -> tuple[str, ...]:
    """The dotted package a file of ``src/`` belongs to, as parts (``("labelpact", "core")``)."""
    return path.relative_to(SRC.parent).parent.parts


def imported_modules(path: Path, package: tuple[str, ...] | None = None) -> set[str]:
    """Every module a file imports, as dotted names (relative imports resolved against ``package``,
    by default the file's own package under ``src/``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = package or package_of(path)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                names.add(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                names.add(node.module)
    return names


def runtime_imports(path: Path, package: tuple[str, ...] | None = None) -> set[str]:
    """The modules a file imports when it runs: as ``imported_modules``, less those under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and (
            (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
            or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")
        ):
            node.body = [ast.Pass()]  # walked below without the type-only imports
    return _modules_of(tree, package or package_of(path))


def _modules_of(tree: ast.AST, package: tuple[str, ...]) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                names.add(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                names.add(node.module)
    return names


# The CLI parses, calls one service and renders: at run time it may import only these labelpact packages
# (types from anywhere else only under ``if TYPE_CHECKING:``). ``labelpact serve`` also starts the server.
CLI_ALLOWED = {"services", "errors", "config", "cli"}
CLI_ALSO: dict[str, set[str]] = {"serve.py": {"server"}}


def cli_violations(files: list[Path], package: tuple[str, ...] | None = None) -> list[str]:
    """Run-time imports of labelpact modules outside ``CLI_ALLOWED`` (the root package, for the version, is fine)."""
    found = []
    for path in files:
        shown = path.relative_to(SRC) if path.is_relative_to(SRC) else path.name
        allowed = CLI_ALLOWED | CLI_ALSO.get(path.name, set())
        for module in sorted(runtime_imports(path, package)):
            parts = module.split(".")
            if parts[0] == "labelpact" and len(parts) > 1 and parts[1] not in allowed:
                found.append(f"{shown} imports {module}")
    return found


def test_cli_imports_only_services_errors_config_and_itself() -> None:
    assert cli_violations(files_of("cli")) == []


def test_the_cli_checker_catches_a_violation_and_spares_type_only_imports(tmp_path: Path) -> None:
    fake = tmp_path / "cli_probe.py"
    fake.write_text(
        "from typing import TYPE_CHECKING\n"
        "from labelpact.services.quality import aggregate_file\n"
        "from labelpact.errors import InvalidInputError\n"
        "from labelpact.io import read_delivery\n"
        "if TYPE_CHECKING:\n    from labelpact.store import Store\n"
        "def run() -> None:\n    from ..core import consensus\n"
    )
    found = cli_violations([fake], package=("labelpact", "cli"))
    assert found == ["cli_probe.py imports labelpact.core", "cli_probe.py imports labelpact.io"]


def files_of(layer: str) -> list[Path]:
    target = SRC / layer
    return sorted(target.rglob("*.py")) if target.is_dir() else [target] if target.exists() else []


def violations(layer: str, files: list[Path], package: tuple[str, ...] | None = None) -> list[str]:
    found = []
    banned_pkgs = FORBIDDEN.get(layer, set())
    for path in files:
        shown = path.relative_to(SRC) if path.is_relative_to(SRC) else path.name
        for module in imported_modules(path, package):
            parts = module.split(".")
            if parts[0] == "labelpact" and len(parts) > 1 and parts[1] in banned_pkgs:
                found.append(f"{shown} imports {module}")
            if (layer in PURE or path.name in PURE_MODULES) and parts[0] in THIRD_PARTY_FORBIDDEN_IN_PURE:
                found.append(f"{shown} imports {module}")
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_down(layer: str) -> None:
    assert violations(layer, files_of(layer)) == []


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_top_level_modules(module: str) -> None:
    assert violations("core", [SRC / module]) == []


def test_the_checker_catches_a_violation(tmp_path: Path) -> None:
    """The check itself can fail: a core module importing pandas, the store and (relatively) a service is
    reported three times; the probe is written to ``tmp_path``, read as a module of ``labelpact.core``."""
    fake = tmp_path / "layer_probe.py"
    fake.write_text("import pandas\nfrom labelpact.store import Store\nfrom ..services import ingest\n")
    found = violations("core", [fake], package=("labelpact", "core"))
    assert sorted(found) == [
        "layer_probe.py imports labelpact.services",
        "layer_probe.py imports labelpact.store",
        "layer_probe.py imports pandas",
    ]


def test_importing_core_loads_no_heavy_or_interface_module() -> None:
    """At run time too: ``import labelpact.core`` must not pull pandas, pyarrow, SQLAlchemy or click."""
    code = (
        "import sys, labelpact.core, labelpact.simulate;"
        "bad = sorted(m for m in ('pandas','pyarrow','sqlalchemy','click','rich','fastapi') if m in sys.modules);"
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
