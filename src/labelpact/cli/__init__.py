"""The ``labelpact`` command: parse, call a service, render. Exit 0 on success, 2 on bad input, 1 otherwise."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from labelpact.cli.app import cli
from labelpact.errors import LabelpactError, exit_code

__all__ = ["cli", "main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: map every outcome to the exit codes of the CLI contract."""
    try:
        code = cli.main(
            args=list(argv) if argv is not None else None, prog_name="labelpact", standalone_mode=False
        )
    except click.exceptions.Abort:
        print("labelpact: aborted", file=sys.stderr)
        sys.exit(130)
    except click.ClickException as error:  # usage errors: exit 2 with click's one-line message
        error.show()
        sys.exit(error.exit_code)
    except LabelpactError as error:
        print(f"labelpact: error: {error}", file=sys.stderr)
        sys.exit(exit_code(error))
    except KeyboardInterrupt:
        print("labelpact: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as error:
        print(f"labelpact: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
