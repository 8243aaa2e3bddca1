"""Write ``docs/cli.md``, the CLI reference, from the commands' own ``--help``; or check that it is current.

Run ``.venv/bin/python tests/integration/cli_reference.py --write`` after changing a command, option or
help text; ``tests/integration/test_cli_reference.py`` fails while the file differs from what this renders.
Every command and subcommand gets a section with its ``--help`` exactly as ``labelpact ... --help`` prints
it at a terminal ``WIDTH`` columns wide.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "cli.md"
WIDTH = 100

HEADER = """\
# labelpact command reference

Every command's `--help`, generated from the code by `tests/integration/cli_reference.py --write` (a test
fails when this file is out of date: do not edit it by hand). The guide is the README; the exit codes,
`--json` and the options every command shares are in its "CLI contract" section.
"""


def _contexts(ctx: click.Context) -> Iterator[click.Context]:
    """``ctx`` and the context of every command under it, depth first in listed order (hidden ones left out)."""
    yield ctx
    command = ctx.command
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from _contexts(click.Context(sub, info_name=name, parent=ctx, terminal_width=WIDTH))


def render() -> str:
    """The text ``docs/cli.md`` should hold."""
    from labelpact.cli.app import cli

    parts = [HEADER]
    for ctx in _contexts(
        click.Context(cli, info_name="labelpact", terminal_width=WIDTH, **cli.context_settings)
    ):
        parts.append(f"\n## {ctx.command_path}\n\n```text\n{ctx.get_help().rstrip()}\n```\n")
    return "".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help=f"rewrite {REFERENCE.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        REFERENCE.write_text(text, encoding="utf-8")
        print(f"{REFERENCE.relative_to(ROOT)}: written ({text.count(chr(10) + '## ')} commands)")
        return 0
    current = REFERENCE.read_text(encoding="utf-8") if REFERENCE.exists() else ""
    if current == text:
        print(f"{REFERENCE.relative_to(ROOT)}: up to date")
        return 0
    print(f"{REFERENCE.relative_to(ROOT)} is out of date: run {Path(__file__).name} --write", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
