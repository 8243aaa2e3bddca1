"""The CLI's edge: fields named by services become flags, one number format, progress only for people."""

from __future__ import annotations

import io
import math

import click
import click.testing
import pytest
from rich.console import Console

from labelpact.cli.common import Output, common_options
from labelpact.cli.fields import flag_of, flagged
from labelpact.cli.format import number, pct, signed_pct, text
from labelpact.cli.progress import progress_for
from labelpact.errors import InvalidInputError


@click.command()
@click.argument("name")
@click.option("--equity-stake", type=float, default=None)
@click.option("--date", "date_", default=None)
@common_options
def probe(name: str, equity_stake: float | None, date_: str | None, **_: object) -> None:
    raise InvalidInputError(
        "an equity stake between 0 and 1", column="equity_stake", column_kind="field", got="2"
    )


def test_a_field_is_shown_as_the_commands_flag_or_argument() -> None:
    assert flag_of("equity_stake", probe) == ("--equity-stake", "option")
    assert flag_of("name", probe) == ("NAME", "argument")
    assert flag_of("date", probe) == ("--date", "option")  # through FIELD_PARAMS: the parameter is date_
    assert flag_of("nothing", probe) is None
    error = InvalidInputError("x", column="name", column_kind="field", got="''")
    shown = flagged(error, probe)
    assert str(shown) == "argument 'NAME': expected x, got ''"
    kept = InvalidInputError("x", file="a.csv", row=3, column="worker")  # a column of a file: unchanged
    assert flagged(kept, probe) is kept


def test_a_commands_field_error_leaves_it_naming_the_flag() -> None:
    result = click.testing.CliRunner().invoke(probe, ["Acme", "--equity-stake", "2"])
    assert isinstance(result.exception, InvalidInputError)
    assert str(result.exception) == "option '--equity-stake': expected an equity stake between 0 and 1, got 2"
    assert result.exception.column == "--equity-stake" and result.exception.column_kind == "option"


def test_one_number_format_with_one_missing_value() -> None:
    assert [pct(0.0512), pct(0.49, 0), pct(None), pct(math.nan), pct(math.inf)] == [
        "5.1%",
        "49%",
        "-",
        "-",
        "-",
    ]
    assert [signed_pct(0.025), signed_pct(-0.1, 0), signed_pct(None)] == ["+2.5%", "-10%", "-"]
    assert [number(0.12345), number(2.0, 2), number(None), number(math.nan)] == ["0.123", "2.00", "-", "-"]
    assert [text(None), text(1234.5), text("x")] == ["-", "1,234.50", "x"]


def _output(*, as_json: bool, terminal: bool) -> Output:
    stderr = Console(file=io.StringIO(), force_terminal=terminal)
    return Output(as_json=as_json, stdout=Console(file=io.StringIO()), stderr=stderr)


@pytest.mark.parametrize(("as_json", "terminal"), [(True, True), (False, False), (True, False)])
def test_progress_is_silent_under_json_or_without_a_terminal(as_json: bool, terminal: bool) -> None:
    with progress_for(_output(as_json=as_json, terminal=terminal)) as progress:
        assert progress is None


def test_progress_on_a_terminal_waits_before_showing_a_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    output = _output(as_json=False, terminal=True)
    with progress_for(output) as progress:
        assert progress is not None
        progress("reading", 0.5)  # a quick command: nothing shown yet
        assert output.stderr.file.getvalue() == ""  # type: ignore[attr-defined]
        monkeypatch.setattr("labelpact.cli.progress.DELAY_S", 0.0)
        progress("reading", 0.5)
        progress("aggregating", -1.0)
    assert "aggregating" in output.stderr.file.getvalue() or "reading" in output.stderr.file.getvalue()  # type: ignore[attr-defined]
