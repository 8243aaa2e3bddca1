"""How a run ends: exit codes, one-line errors (text, or one JSON document under ``--json``), tidy warnings.

Every outcome leaves as one line on stderr: ``labelpact: error: ...`` (exit 2 for what the user can fix,
1 otherwise), or ``{"error": {...}}`` when ``--json`` was given. A closed stdout (``labelpact ... | head``)
ends the run quietly with the shell's SIGPIPE status (141). Text that reaches the terminal never carries
raw control characters, and file names that are not UTF-8 are shown with ``\\xNN`` escapes.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, TextIO

import click

from labelpact.cli.app import cli
from labelpact.cli.common import printable
from labelpact.errors import InvalidInputError, LabelpactError, exit_code

__all__ = ["BROKEN_PIPE", "error_document", "main", "run"]

BROKEN_PIPE = 128 + 13  # what a shell reports for a writer killed by SIGPIPE, as `cat big | head` gives
# errors about a path the user named (missing folder, a folder where a file was meant, no permission)
_USER_ERRNOS = {
    errno.ENOENT,
    errno.EISDIR,
    errno.ENOTDIR,
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.ENAMETOOLONG,
    errno.EEXIST,
    errno.ELOOP,
}


def _wants_json(args: Sequence[str]) -> bool:
    """Whether ``--json`` was given as an option (not after ``--``)."""
    for arg in args:
        if arg == "--":
            return False
        if arg == "--json":
            return True
    return False


def error_document(error: BaseException, code: int, message: str) -> dict[str, Any]:
    """The ``{"error": {...}}`` document written to stderr under ``--json``."""
    body: dict[str, Any] = {"type": type(error).__name__, "message": message, "exit_code": code}
    if isinstance(error, InvalidInputError):
        body |= {
            "file": None if error.file is None else printable(error.file),
            "row": error.row,
            "unit": error.unit,
            "column": error.column,
            "column_kind": error.column_kind,
            "expected": error.expected,
            "got": error.got,
        }
    elif isinstance(error, OSError):
        body |= {"file": None if error.filename is None else printable(os.fsdecode(error.filename))}
    elif isinstance(error, click.UsageError) and error.ctx is not None:
        body |= {"command": error.ctx.command_path}
    return {"error": body}


def _os_message(error: OSError) -> str:
    reason = error.strerror or " ".join(str(error).split()) or type(error).__name__  # pyarrow's: no strerror
    if error.filename is None:
        return reason
    return f"{printable(os.fsdecode(error.filename))}: {reason}"


@dataclass(frozen=True, slots=True)
class _Ending:
    """How ``run`` finished: the exit code and, for a failure, the error and its one-line message."""

    code: int
    error: BaseException | None = None
    message: str = ""


def _classify(error: BaseException) -> _Ending:
    """The exit code and one-line message for an exception that ended a command."""
    if isinstance(error, click.exceptions.NoArgsIsHelpError):
        return _Ending(-1, error)  # shown by click itself: the group's help, exit 2
    if isinstance(error, click.UsageError):
        where = f"; see '{error.ctx.command_path} --help'" if error.ctx is not None else ""
        return _Ending(error.exit_code, error, printable(error.format_message()) + where)
    if isinstance(error, click.ClickException):
        return _Ending(error.exit_code, error, printable(error.format_message()))
    if isinstance(error, LabelpactError):
        return _Ending(exit_code(error), error, printable(" ".join(str(error).split())))
    if isinstance(error, UnicodeError):  # a name or text the terminal or a library cannot encode
        return _Ending(2, error, printable(f"cannot handle the text {error}"))
    if isinstance(error, OSError):
        # no errno: pyarrow's "Expected file path, but X is a directory" and the like, about a path given
        code = 2 if error.errno is None or error.errno in _USER_ERRNOS else 1
        return _Ending(code, error, _os_message(error))
    return _Ending(1, error, printable(f"internal error: {type(error).__name__}: {error}"))


def _report(ending: _Ending, as_json: bool, stderr: TextIO) -> None:
    if ending.error is None:
        return
    if as_json:
        document = error_document(ending.error, ending.code, ending.message)
        stderr.write(json.dumps(document) + "\n")
    else:
        stderr.write(f"labelpact: error: {ending.message}\n")
    stderr.flush()


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """A warning as one line (``labelpact: warning: ...``), without the source path and code line."""
    text = printable(" ".join(str(message).split()))
    with contextlib.suppress(OSError):  # stderr gone: nothing useful to do
        (file or sys.stderr).write(f"labelpact: warning: {text}\n")


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again on a closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (a test's capture): nothing to redirect
        pass


def _tolerant_streams() -> None:
    """Write what cannot be encoded as escapes instead of failing (a file name that is not UTF-8)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure: Callable[..., None] | None = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a stream that refuses: leave it
                reconfigure(errors="backslashreplace")


def _pipe_closed(streams: tuple[TextIO, TextIO]) -> bool:
    """Whether click met a closed stdout: it then wraps both streams and exits 1; undo that, say so."""
    if sys.stdout is streams[0] or not type(sys.stdout).__name__.endswith("PacifyFlushWrapper"):
        return False
    sys.stdout, sys.stderr = streams
    return True


def run(command: click.Command, args: Sequence[str]) -> int:
    """Run ``command`` with ``args`` and return the exit code, reporting any failure on stderr in one line."""
    as_json = _wants_json(args)
    _tolerant_streams()
    streams = (sys.stdout, sys.stderr)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            try:
                outcome = command.main(args=list(args), prog_name="labelpact", standalone_mode=False)
            finally:
                sys.stdout.flush()
            code = outcome if isinstance(outcome, int) else 0
        except BrokenPipeError:
            _quiet_stdout()
            return BROKEN_PIPE
        except SystemExit:
            if not _pipe_closed(streams):
                raise
            _quiet_stdout()
            return BROKEN_PIPE
        except click.exceptions.Abort:
            sys.stderr.write("labelpact: aborted\n")
            return 130
        except KeyboardInterrupt:
            sys.stderr.write("labelpact: interrupted\n")
            return 130
        except Exception as error:
            ending = _classify(error)
            if ending.code == -1 and isinstance(error, click.ClickException):
                error.show()
                return error.exit_code
            _report(ending, as_json, sys.stderr)
            return ending.code
    return code


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Console entry point: map every outcome to the exit codes of the CLI contract."""
    sys.exit(run(cli, list(argv) if argv is not None else sys.argv[1:]))
