"""Progress from the scheduler's task stream on a real LocalCluster: every task the engine submits is counted
and reported as the scheduler finishes it; the CLI shows it as a Rich bar on a terminal's stderr only."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from tests.integration.scale.parts import write_parts

from labelpact.io.export import annotations_table
from labelpact.simulate import simulate_delivery

distributed = pytest.importorskip("distributed")

from labelpact.scale import distribute, fit_distributed  # noqa: E402
from labelpact.scale.progress import TASKS  # noqa: E402


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sim = simulate_delivery(n_tasks=400, n_workers=20, n_classes=3, seed=3)
    table = annotations_table(sim.annotations).select(["task", "worker", "label"])
    return write_parts(table, tmp_path_factory.mktemp("parts"), 3)


def test_task_counts_rise_as_the_scheduler_finishes_tasks(client: Any, parts: Path) -> None:
    seen: list[tuple[str, int, int | None]] = []
    blocks = distribute(client, parts, n_blocks=3, progress=lambda *report: seen.append(report))
    fit = fit_distributed(blocks, "ds")
    deadline = time.monotonic() + 5.0  # done callbacks arrive on their own thread, just after the results
    while time.monotonic() < deadline:
        tasks = [(done, total) for stage, done, total in seen if stage.endswith(TASKS)]
        if tasks and tasks[-1][0] == tasks[-1][1]:
            break
        time.sleep(0.05)
    assert [done for done, _ in tasks] == list(range(1, len(tasks) + 1))  # one report per finished task
    totals = [total for _, total in tasks]
    assert totals == sorted(totals) and all(done <= total for done, total in tasks if total is not None)
    assert tasks[-1][0] == tasks[-1][1] >= 3 * fit.n_iter  # every E-step's block tasks were counted
    stages = {stage for stage, _, _ in seen if stage.endswith(TASKS)}
    assert any(s.startswith("reading parts") for s in stages) and any(s.startswith("ds EM") for s in stages)
    iterations = [done for stage, done, _ in seen if stage == "ds EM iterations"]
    assert iterations == list(range(1, fit.n_iter + 1))  # the engine's own stage reports still pass


def test_the_cli_shows_a_bar_on_a_terminal_only(
    client: Any, parts: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from labelpact.cli import common, quality

    address = client.scheduler.address
    args = ("aggregate", parts, "--method", "ds", "--engine", "dask", "--scheduler", address)
    piped = cli(*args)
    assert piped.code == 0 and "dask tasks" not in piped.stderr  # not a terminal: no bar
    quiet = cli(*args, "--json")
    assert quiet.code == 0 and json.loads(quiet.stdout)["method"] == "ds" and quiet.stderr == ""
    terminal = Console(file=io.StringIO(), force_terminal=True, width=160)
    monkeypatch.setattr("labelpact.cli.progress.DELAY_S", 0.0)
    monkeypatch.setattr(
        quality, "make_output", lambda as_json: common.Output(as_json, Console(file=io.StringIO()), terminal)
    )
    assert cli(*args).code == 0
    shown = terminal.file.getvalue()  # type: ignore[attr-defined]
    assert "ds EM iterations" in shown and "dask tasks" in shown
