"""``labelpact demo`` tells the whole story on simulated deliveries and leaves nothing behind."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from .base_install import run_base
from .conftest import RunCli


def test_demo_runs_the_story_and_cleans_up(
    cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        tempfile, "tempdir", str(tmp_path)
    )  # our own temp folder: other runs cannot interfere
    before = set(Path(tempfile.gettempdir()).glob("labelpact-demo-*"))
    assert not before
    run = cli("demo")
    assert run.code == 0, run.stderr
    out = run.stdout
    assert "Ingested batch" in out and "is a no-op" in out
    assert re.search(r"ACCEPT\s+batch \w{12} of Acme Labels", out)
    assert re.search(r"REVIEW\s+batch \w{12} of Borealis Data", out)
    assert re.search(r"(ACCEPT|REJECT): \d+ defective of \d+", out)  # the reviewer's sample decided
    assert re.search(r"REJECT\s+batch \w{12} of Borealis Data", out)  # week 2 leaks personal data
    assert re.search(r"data\.personal_data\s+│ reject", out) and "earn below the floor" in out
    assert "@" not in out.split("Ethics audit of week 2")[1].replace("***@", "")  # emails only masked
    assert "Everything is stored" in out
    year = out.split("A year of partnerships")[1]
    assert all(f"Q{q} 2025" in year for q in (1, 2, 3, 4))
    cobalt = re.search(r"Cobalt Crowd as of 2025-12-31: (\d+)% chance", year)
    assert cobalt is not None and int(cobalt.group(1)) >= 30  # the slipping vendor's forecast is high
    last = re.findall(r"next quarter's 30,000 labels: (.*)", year)[-1]
    assert "Cobalt Crowd 0%" in last and "Acme Labels 60%" in last  # work moved away, within the 60% cap
    assert set(tmp_path.glob("labelpact-demo-*")) == before


def test_demo_keep_runs_on_a_base_install_and_leaves_a_workspace_the_cli_can_read(
    cli: RunCli, tmp_path: Path
) -> None:
    """``make demo`` installs labelpact without extras: the demo must not need pandas, Dask or WeasyPrint.
    (It did: the Dask engine's consensus imported pandas at the top, and every command failed.)"""
    run = run_base("demo", "--keep", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "demo finished" in run.stdout
    kept = Path(re.search(r"Workspace kept at (\S+)", run.stdout).group(1))  # type: ignore[union-attr]
    try:
        listed = cli("audits", "list", "--workspace", kept, "--json")
        assert listed.code == 0 and '"verdict": "accept"' in listed.stdout
    finally:
        import shutil

        shutil.rmtree(kept.parent, ignore_errors=True)


def test_every_module_but_the_dask_engine_imports_on_a_base_install(tmp_path: Path) -> None:
    run = run_base("--import-all")
    assert run.returncode == 0 and run.stdout.strip() == "imported", run.stderr[-2000:]
    assert run_base("--help").returncode == 0
    labels = tmp_path / "labels.csv"
    assert run_base("simulate", "--out", labels, "--size", "50").returncode == 0
    dask = run_base("aggregate", labels, "--engine", "dask")  # without its extra: one line naming it
    assert dask.returncode == 2 and "pip install 'labelpact[dask]'" in dask.stderr
    assert len(dask.stderr.strip().splitlines()) == 1, dask.stderr
