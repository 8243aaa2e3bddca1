"""Options given bad values are named as options, as the CLI contract's one line says (before: "column 'size'"
for ``simulate --size -5``), and ``--top`` takes no negative count (``workers --top -1`` printed an empty table)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RunCli = Callable[..., Any]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--size", "-5"), "option '--size': expected a size of at least 1, got -5"),
        (("--spammer-share", "2"), "option '--spammer-share': expected a share from 0 to 0.5, got 2.0"),
    ],
)
def test_simulate_names_the_option(cli: RunCli, tmp_path: Path, args: tuple[str, ...], said: str) -> None:
    run = cli("simulate", "--out", tmp_path / "s.csv", *args)
    assert run.code == 2 and said in run.stderr and not (tmp_path / "s.csv").exists()


def test_simulate_names_the_out_option(cli: RunCli, tmp_path: Path) -> None:
    run = cli("simulate", "--out", tmp_path / "s.xyz")
    assert (
        run.code == 2 and "option '--out': expected a file ending in .csv, .jsonl or .parquet" in run.stderr
    )


def test_a_negative_top_is_refused(cli: RunCli, tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("task,worker,label\nt1,w1,a\nt1,w2,a\n", encoding="utf-8")
    run = cli("workers", labels, "--top", "-1")
    assert run.code == 2 and "--top" in run.stderr
