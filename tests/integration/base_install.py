"""Run ``labelpact`` as a fresh ``make demo`` installs it: only labelpact's own requirements (no extras).

The test environment also holds the development extras (pandas, Dask, WeasyPrint, the peer libraries);
a child Python here refuses to import any module that only those provide, so an import that ``pip install
labelpact`` would not satisfy fails as it would on a fresh machine. The requirement closure is read from the
installed metadata, never from a list kept by hand.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# hides what a base install lacks from the import system, then runs labelpact's CLI with the given arguments
_RUNNER = """
import sys, json
from importlib.abc import MetaPathFinder
from importlib.machinery import PathFinder
blocked = frozenset(json.loads(sys.argv[1]))
class Hide(MetaPathFinder):  # the file finder, blind to what a base install lacks: import fails, find_spec is None
    def find_spec(self, name, path=None, target=None):
        return None if name.split(".")[0] in blocked else PathFinder.find_spec(name, path, target)
sys.meta_path[:] = [Hide() if f is PathFinder else f for f in sys.meta_path]
sys.argv = ["labelpact", *sys.argv[2:]]
if sys.argv[1:2] == ["--import-all"]:
    import importlib, pkgutil, labelpact
    for m in pkgutil.walk_packages(labelpact.__path__, "labelpact.", onerror=lambda name: None):
        if not m.name.startswith("labelpact.scale"):  # the Dask engine needs its extra
            importlib.import_module(m.name)
    print("imported")
else:
    from labelpact.cli import main
    main()
"""


def base_requirements() -> set[str]:
    """The distributions ``pip install labelpact`` brings: labelpact's requirements without extras, closed."""
    seen: set[tuple[str, str]] = set()
    todo: list[tuple[str, frozenset[str]]] = [("labelpact", frozenset())]
    while todo:
        raw, extras = todo.pop()
        name = canonicalize_name(raw)
        wanted = [e for e in ("", *extras) if (name, e) not in seen]
        if not wanted:
            continue
        seen.update((name, e) for e in wanted)
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            req = Requirement(text)
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in wanted):
                todo.append((req.name, frozenset(req.extras)))
    return {name for name, _ in seen}


def blocked_modules() -> list[str]:
    """Top-level modules installed here that only distributions outside the base requirements provide."""
    base = base_requirements()
    return sorted(
        module
        for module, dists in metadata.packages_distributions().items()
        if not any(canonicalize_name(d) in base for d in dists)
    )


def run_base(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``labelpact ARGS`` in a child Python that can import only what a base install has."""
    return subprocess.run(
        [sys.executable, "-c", _RUNNER, json.dumps(blocked_modules()), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "160"},  # a long path stays on one line
        timeout=300,
        check=False,
    )
