"""The command group loads each command lazily, and what ``labelpact --help`` lists matches the commands."""

from __future__ import annotations

import inspect
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from labelpact.cli.app import COMMANDS, SUMMARIES, cli, load_command


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_summary_is_the_first_paragraph_of_the_commands_help(name: str) -> None:
    command = load_command(name)
    first = inspect.cleandoc(command.help or "").split("\n\n")[0]
    assert " ".join(SUMMARIES[name].split()) == " ".join(first.split()), (
        f"SUMMARIES[{name!r}] in cli/app.py differs from the command's docstring"
    )
    for width in (20, 60, 120):  # shortened as click shortens the command's own help
        assert click.Command(name, help=SUMMARIES[name]).get_short_help_str(
            width
        ) == command.get_short_help_str(width)


def test_help_lists_every_command_without_importing_any_command_module() -> None:
    code = (
        "import sys; from labelpact.cli.exits import run; from labelpact.cli.app import cli;"
        "code = run(cli, ['--help']);"
        "loaded = sorted(m for m in sys.modules if m.startswith(('labelpact.services', 'labelpact.store',"
        " 'labelpact.core', 'numpy', 'sqlalchemy')) or m in ('labelpact.cli.quality', 'labelpact.cli.audit'));"
        "print(code, ','.join(loaded))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    code_text, _, loaded = done.stdout.strip().rpartition("\n")[2].partition(" ")
    assert code_text == "0" and loaded == ""
    for name in COMMANDS:
        assert f"\n  {name} " in done.stdout


def test_a_command_runs_through_the_lazy_group_and_is_loaded_once() -> None:
    result = CliRunner().invoke(cli, ["risk", "--help"])
    assert result.exit_code == 0 and "fit" in result.output
    group = cli
    assert isinstance(group, click.Group)
    first = group.get_command(click.Context(group), "risk")
    assert first is not None and group.get_command(click.Context(group), "risk") is first
    assert group.get_command(click.Context(group), "no-such-command") is None
