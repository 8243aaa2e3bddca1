"""What every command shares: workspace/db/json options, the store it opens, output and error mapping."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click
import rich.control
from rich.console import Console
from rich.errors import MarkupError, StyleSyntaxError
from rich.markup import escape
from rich.style import Style
from rich.text import Text

from labelpact.cli.fields import with_flags
from labelpact.config import Settings, load_settings
from labelpact.errors import InvalidInputError

if TYPE_CHECKING:
    from labelpact.store import Store

__all__ = [
    "CREATING_COMMANDS",
    "DATETIME",
    "WRITING_COMMANDS",
    "Output",
    "annotation_columns",
    "common_options",
    "deliverable_columns",
    "file_option",
    "open_store",
    "phone_region_option",
    "printable",
]

F = TypeVar("F", bound=Callable[..., Any])

# C0 and C1 control characters and DEL, each shown as an escape instead of reaching the terminal raw
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))}


def printable(text: str) -> str:
    """``text`` safe for a terminal line: undecodable file-name bytes as ``\\xNN``, control characters escaped."""
    if any("\udc80" <= ch <= "\udcff" for ch in text):  # os.fsdecode's surrogateescape of a non-UTF-8 byte
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # any other lone surrogate
    return text.translate(_CONTROLS)


@dataclass(frozen=True, slots=True)
class Output:
    """Where a command writes: one JSON document on stdout under ``--json``, Rich tables otherwise."""

    as_json: bool
    stdout: Console
    stderr: Console

    def warn(self, line: str) -> None:
        """A finding about the input that did not stop the command: one line on stderr, with or without --json."""
        self.stderr.print(f"warning: {printable(line)}", markup=False, highlight=False, soft_wrap=True)

    def emit(self, document: Any, render: Callable[[], None]) -> None:
        """Print ``document`` as JSON, or call ``render`` for people.

        Indented up to 1 MiB of compact JSON; larger documents (a million workers) stay compact, one
        line: ``indent`` forces Python's pure-Python encoder, about 20 times slower than the C one.
        """
        if self.as_json:
            text = json.dumps(document, separators=(",", ":"), default=_json_default)  # C encoder
            if len(text) <= 1 << 20:
                text = json.dumps(document, indent=2, default=_json_default)
            click.echo(text)
        else:
            render()


def _json_default(value: object) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def common_options(func: F) -> F:
    """Add ``--workspace``, ``--db`` and ``--json`` to a command, as the CLI contract requires of every one;
    errors of the services it calls that name a field name the flag (:mod:`labelpact.cli.fields`)."""
    func = click.option(
        "--json", "as_json", is_flag=True, help="Print one JSON document on stdout and nothing else."
    )(with_flags(func))
    func = click.option(
        "--db",
        metavar="URL",
        default=None,
        help="Database URL (default: SQLite in the workspace; env LABELPACT_DB).",
    )(func)
    return click.option(
        "--workspace",
        metavar="DIR",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Workspace folder (default ./.labelpact; env LABELPACT_WORKSPACE).",
    )(func)


def _escape_controls_in_rich() -> None:
    """Make Rich show control characters in printed text as ``\\xNN`` (it drops only BEL, BS, VT, FF, CR).

    Vendor-supplied labels, task ids and file names reach tables; an ESC in one must not drive the terminal.
    Rich's own styling never passes through this table (styles are rendered apart from the text).
    """
    table = cast(dict[int, str | None], rich.control._CONTROL_STRIP_TRANSLATE)
    for code in (*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0xA0)):
        table.setdefault(code, f"\\x{code:02x}")


class DataConsole(Console):
    """A Rich console whose markup never fails on data: a vendor's names (``[/x]``, ``[red]``) reach printed
    text, and the commands escape them (``safe``); a string whose markup still does not parse is printed
    as it is instead of ending the command with an internal error after its work was stored."""

    def on_broken_pipe(self) -> None:
        """The reader went away: ``cli.exits.run`` ends quietly with the shell's SIGPIPE status (141). Rich's own
        handler exits 1, an internal error by the CLI contract, with nothing said."""
        self.quiet = True
        raise BrokenPipeError

    def render_str(self, text: str, **options: Any) -> Text:
        if options.get("markup") is False or not self._markup:
            return super().render_str(text, **options)
        try:
            return super().render_str(_TAG.sub(_literal_unless_style, text), **options)
        except MarkupError:
            return super().render_str(text, **{**options, "markup": False})


_TAG = re.compile(r"(\\*)\[([a-z#/@][^\[]*?)\]")  # Rich's markup tags (rich.markup.RE_TAGS)


def _literal_unless_style(match: re.Match[str]) -> str:
    """A tag that names a Rich style (``[bold red]``, ``[/dim]``, ``[/]``) stays markup; any other bracketed
    text (a worker ``[t1]``, a contract section ``[ratings]``) is escaped so that it prints as written."""
    slashes, tag = match.group(1), match.group(2)
    if len(slashes) % 2:  # already escaped
        return match.group(0)
    name = tag[1:] if tag.startswith("/") else tag
    if tag == "/" or (not tag.startswith("@") and not name.startswith("link") and _is_style(name)):
        return match.group(0)
    return f"{slashes}\\[{tag}]"


def _is_style(name: str) -> bool:
    try:
        Style.parse(name)
    except StyleSyntaxError:
        return False
    return True


def safe(value: object) -> str:
    """``value`` as text that Rich markup prints as it is (a worker named ``[/w1]`` stays ``[/w1]``)."""
    return escape(str(value))


def make_output(as_json: bool) -> Output:
    _escape_controls_in_rich()
    return Output(
        as_json=as_json,
        stdout=DataConsole(soft_wrap=False, highlight=False, width=None if sys.stdout.isatty() else 120),
        stderr=DataConsole(stderr=True, highlight=False),
    )


def settings_from(workspace: Path | None, db: str | None) -> Settings:
    return load_settings(workspace=workspace, db=db)


# The workspace rule: only these commands create a missing workspace (they are how one starts); every
# other command needs one that exists and says "no workspace at PATH" otherwise, creating nothing.
CREATING_COMMANDS = frozenset({"client set", "partner add", "project add"})
# Commands that write: on a read-only workspace they stop before doing any work. Every other command
# only reads, and opens a read-only workspace read-only.
WRITING_COMMANDS = CREATING_COMMANDS | {
    "ingest",
    "audit",
    "review",
    "event add",
    "events import",
    "dispute open",
    "dispute resolve",
    "risk fit",  # opens the store only with --save, which writes the fitted priors into the workspace
    "user add",
    "user revoke",
    "attest",
    "partner contract",
}


def _command() -> str:
    """The running subcommand's path without the program name (``"partner add"``), or "" outside click."""
    ctx = click.get_current_context(silent=True)
    return "" if ctx is None else " ".join(ctx.command_path.split()[1:])


@contextmanager
def open_store(workspace: Path | None, db: str | None) -> Iterator[Store]:
    """The store for this command, closed when it is done (see ``CREATING_COMMANDS`` for the workspace rule)."""
    from labelpact.services.workspace import open_workspace  # imported when a command runs, not at --help

    command = _command()
    store = open_workspace(
        settings_from(workspace, db), create=command in CREATING_COMMANDS, write=command in WRITING_COMMANDS
    )
    try:
        yield store
    finally:
        store.close()


def annotation_columns(func: F) -> F:
    """``--task-column``, ``--worker-column`` and ``--label-column``: every command that reads annotations takes them."""
    return _columns(func, "")


def deliverable_columns(func: F) -> F:
    """``annotation_columns`` for a command that also reads other kinds: ``--label-column`` then names the
    answers' column of demonstrations."""
    return _columns(
        func, "; with --kind demonstrations, the answers' text: default 'text', 'answer', 'response'..."
    )


def _columns(func: F, label_note: str) -> F:
    for name, default in (("label", "label"), ("worker", "worker"), ("task", "task")):
        func = click.option(
            f"--{name}-column",
            metavar="NAME",
            default=None,
            help=f"Column holding the {name} (default {default!r}"
            + (
                ", or 'item'"
                if name == "task"
                else ", or 'annotator'/'completed_by'"
                if name == "worker"
                else label_note
            )
            + ").",
        )(func)
    return func


phone_region_option = click.option(
    "--phone-region",
    "phone_regions",
    multiple=True,
    metavar="CC",
    help="Region whose national phone formats are recognised (default US); repeatable, first wins.",
)  # ethics and audit: the personal-data scan's phone formats


def file_option(flag: str, help: str, *, required: bool = False) -> Callable[[F], F]:
    """A ``--flag PATH`` option naming an input file (a ``Path``; None when not given)."""
    if required:  # no default at all: click enforces a required option only when none is given
        return click.option(flag, type=click.Path(path_type=Path), required=True, help=help)
    return click.option(flag, type=click.Path(path_type=Path), default=None, help=help)


class _DateTime(click.ParamType):  # type: ignore[type-arg]
    """An ISO-8601 date or date-time; naive values are UTC."""

    name = "datetime"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(
                f"expected an ISO-8601 date or time such as 2026-03-01 or 2026-03-01T17:00Z, got {value!r}",
                param,
                ctx,
            )
        try:
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0 in UTC, which datetime cannot hold
            self.fail(f"expected a time between the years 1 and 9999 in UTC, got {value!r}", param, ctx)


DATETIME = _DateTime()


def parse_list(value: str | None, *, option: str) -> list[str] | None:
    """A comma-separated option such as ``--classes a,b,c``; blanks are an error."""
    if value is None:
        return None
    items = [item.strip() for item in value.split(",")]
    if not all(items):
        raise InvalidInputError(
            "a comma-separated list with no blank items", column=option, got=repr(value), column_kind="option"
        )
    return items
