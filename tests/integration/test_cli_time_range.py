"""A ``--delivered-at`` / ``--due-at`` whose UTC time leaves the years 1..9999 is bad input (one line, exit 2),
not an internal error from ``astimezone``; the service says the same for its own callers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from labelpact.errors import InvalidInputError
from labelpact.io.export import write_annotations
from labelpact.services.ingest import as_utc
from labelpact.simulate import simulate_delivery

RunCli = Callable[..., Any]


@pytest.mark.parametrize(
    ("option", "value"),
    [("--delivered-at", "0001-01-01T00:00+01:00"), ("--due-at", "9999-12-31T23:00-05:00")],
)
def test_a_time_outside_years_1_to_9999_is_bad_input(
    cli: RunCli, workspace: Path, tmp_path: Path, option: str, value: str
) -> None:
    sim = simulate_delivery(n_tasks=20, n_workers=4, seed=1)
    labels = write_annotations(sim.annotations, tmp_path / "week1.csv")
    assert cli("partner", "add", "Acme").code == 0
    for command in ("ingest", "audit"):
        run = cli(command, labels, "--partner", "Acme", "--project", "p", option, value)
        assert run.code == 2, run.stderr
        assert run.stderr.count("\n") == 1 and option in run.stderr and "years 1 and 9999" in run.stderr
    run = cli("ingest", labels, "--partner", "Acme", "--project", "p", option, value, "--json")
    assert json.loads(run.stdout or run.stderr)["error"]["exit_code"] == 2
    assert not list((workspace / "blobs" / "sha256").iterdir())


def test_the_service_names_the_field() -> None:
    early = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    with pytest.raises(InvalidInputError, match="field 'due_at'"):
        as_utc(early, field="due_at")
    assert as_utc(datetime(1, 1, 1, 1, tzinfo=timezone(timedelta(hours=1)))) == datetime(1, 1, 1, tzinfo=UTC)


def test_a_delivery_dated_in_the_future_is_bad_input(cli: RunCli, workspace: Path, tmp_path: Path) -> None:
    """Before: ``ingest``/``audit --delivered-at 2999-01-01`` stored a batch that every health view, control
    chart and forecast left out until that date (the service refused it; the CLI did not)."""
    sim = simulate_delivery(n_tasks=20, n_workers=4, seed=1)
    labels = write_annotations(sim.annotations, tmp_path / "week1.csv")
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("task,worker,criterion,score\nt1,w1,q,3\nt1,w2,q,4\n", encoding="utf-8")
    assert cli("partner", "add", "Acme").code == 0
    for command, path in (("ingest", labels), ("audit", labels), ("audit", ratings)):
        run = cli(command, path, "--partner", "Acme", "--project", "p", "--delivered-at", "2999-01-01")
        assert run.code == 2, run.stderr
        assert (
            run.stderr.count("\n") == 1
            and "--delivered-at" in run.stderr
            and "no later than now" in run.stderr
        )
    assert not list((workspace / "blobs" / "sha256").iterdir())
    assert (
        cli("ingest", labels, "--partner", "Acme", "--project", "p", "--delivered-at", "2026-01-02").code == 0
    )
