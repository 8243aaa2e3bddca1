"""Names that look like Rich markup (a vendor's ``[/w1]``, ``[red]``) print as written, and never end a
command with an internal error after its work is stored."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from labelpact.cli.common import DataConsole, safe

RunCli = Callable[..., Any]

PARTNER = "[red]Acme [bold]Labs"  # styles Rich knows: only an escape keeps them text (no "/": a partner name holds none)
PROJECT = "[/p]"  # a closing tag nothing opened: Rich's own markup raises on it


def _labels(path: Path) -> Path:
    rows = ["task,worker,label"]
    for t in range(40):
        rows += [f"[t{t}],[/w{w}],{'[/c]' if (t + w) % 4 else '[bold]b'}" for w in range(4)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _ratings(path: Path) -> Path:
    rows = ["task,worker,criterion,score"]
    for t in range(30):
        rows += [f"[t{t}],[/w{w}],{c},{(t + w) % 5 + 1}" for w in range(3) for c in ("[/x]", "[b]y")]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_markup_like_names_print_as_written(cli: RunCli, tmp_path: Path) -> None:
    labels, ratings = _labels(tmp_path / "labels.csv"), _ratings(tmp_path / "ratings.csv")
    assert PARTNER in cli("partner", "add", PARTNER).stdout
    checks: list[tuple[tuple[str | Path, ...], tuple[str, ...]]] = [
        (("ingest", labels, "--partner", PARTNER, "--project", PROJECT), (PARTNER, PROJECT)),
        (("audit", labels, "--partner", PARTNER, "--project", PROJECT), (PARTNER, PROJECT)),
        (("audit", ratings, "--partner", PARTNER, "--project", "r"), (PARTNER, "[ratings]")),
        (("audits", "list"), (PARTNER, PROJECT)),
        (("batches", "list"), (PARTNER, PROJECT)),
        (("partner", "list"), (PARTNER,)),
        (("workers", labels), ("[/w1]",)),
        (("workers", ratings), ("[/w1]",)),
        (("aggregate", ratings), ("[/x]", "[b]y")),
        (("agreement", ratings), ("[/x]", "[b]y")),
    ]
    for args, shown in checks:
        run = cli(*args)
        assert run.code == 0, (args, run.stderr)
        assert "internal error" not in run.stderr
        for name in shown:
            assert name in run.stdout, (args, name, run.stdout)


def _render(console: Console, text: str) -> tuple[str, list[str]]:
    """The plain text and the styles of the spans Rich makes of ``text``."""
    rendered = console.render_str(text)
    return rendered.plain, [str(span.style) for span in rendered.spans]


def test_the_console_keeps_our_styles_and_prints_other_brackets() -> None:
    console = DataConsole(file=io.StringIO(), highlight=False)
    assert _render(console, "[bold]a1[/] of [t1] for [/w2]") == ("a1 of [t1] for [/w2]", ["bold"])
    assert _render(console, "[bold red]reject[/bold red] [ratings]") == ("reject [ratings]", ["bold red"])
    assert _render(console, f"[dim]{safe('[red]x[/]')}[/]") == ("[red]x[/]", ["dim"])
    assert _render(console, "[/]")[0] == "[/]"  # markup that still does not parse: printed as written
    assert _render(console, "\\[bold] stays escaped") == ("[bold] stays escaped", [])
    plain = Console(file=io.StringIO(), highlight=False)
    assert plain.render_str("[t1] and [ratings]").plain == " and "  # what Rich alone does to them
