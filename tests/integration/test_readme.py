"""README.md is a tested document: its console transcripts replay, in order, in a fresh workspace.

On a mismatch, refresh the README with ``.venv/bin/python tests/integration/readme_replay.py --write``
(see that module for the forms a ``$`` line may take and the parts of an output that are masked).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .readme_replay import ELLIPSIS, README, Step, matches, normalise, parse, replay, report, rewritten, write


@pytest.mark.slow
def test_every_readme_transcript_replays_as_shown() -> None:
    _, steps = replay(README)
    assert len(steps) >= 25  # the tour, not an empty parse
    assert not [s for s in steps if not matches(s)], (
        "README.md differs from what the commands print (if the change is intended, refresh it with "
        "`.venv/bin/python tests/integration/readme_replay.py --write`):\n" + report(steps)
    )


def test_parse_reads_commands_continuations_exit_codes_and_elisions() -> None:
    text = """intro
```console
make demo
```
```console
$ labelpact audit a.csv \\
    --json | head -c 5
{
$ labelpact ingest bad.csv
labelpact: error: bad
$ echo $?
2
$ labelpact demo
...
last line
```
"""
    steps = [s for s in parse(text.split("\n")) if isinstance(s, Step)]
    assert [s.command for s in steps] == [
        "labelpact audit a.csv --json | head -c 5",
        "labelpact ingest bad.csv",
        "echo $?",
        "labelpact demo",
    ]
    assert [s.exit_code for s in steps] == [0, 2, 0, 0] and steps[1].echoed
    assert steps[3].expected == [ELLIPSIS, "last line"]


@pytest.mark.parametrize(
    "line", ["$ cd examples", "$ labelpact audit ... --json", "$ export X=1", "$ labelpact x; rm -rf y"]
)
def test_parse_refuses_forms_the_replay_does_not_support(line: str) -> None:
    with pytest.raises(ValueError, match="unsupported form"):
        parse(["```console", line, "```"])


def test_an_elided_output_compares_and_rewrites_only_its_shown_lines() -> None:
    step = Step("labelpact demo", 1, 0, 3, ["a", ELLIPSIS, "z"], actual=["a", "b", "c", "y"])
    assert not matches(step)
    assert rewritten(step) == ["a", ELLIPSIS, "y"]
    step.actual = ["a", "b", "z"]
    assert matches(step) and rewritten(step) == ["a", ELLIPSIS, "z"]


def test_volatile_parts_are_masked_and_a_matching_output_keeps_its_text() -> None:
    shown = ["created 2026-11-26 03:00:47", '"seconds": 0.33', "8 workers flagged; 0.74 s"]
    real = ["created 2026-12-04 18:40:02", '"seconds": 12.1', "8 workers flagged;\n3.10 s"]
    assert normalise(shown) == normalise(real)
    step = Step("labelpact audits list", 1, 0, 3, shown, actual=real)
    assert rewritten(step) == shown  # no churn from the clock
    assert normalise(["delivered 2026-01-10 00:00"]) == "delivered 2026-01-10 00:00"  # data, not now


def test_write_replaces_only_outputs_that_differ(tmp_path: Path) -> None:
    lines = ["```console", "$ labelpact a", "old", "$ labelpact b", "flagged; 0.5 s", "```", ""]
    steps = [s for s in parse(lines) if isinstance(s, Step)]
    steps[0].actual, steps[1].actual = ["new", "lines"], ["flagged; 9.5 s"]
    readme = tmp_path / "README.md"
    assert write(readme, list(lines), steps) == 1
    assert (
        readme.read_text(encoding="utf-8")
        == "```console\n$ labelpact a\nnew\nlines\n$ labelpact b\nflagged; 0.5 s\n```\n"
    )
