"""Replay README.md's console blocks in a fresh workspace; compare, or rewrite them (``--write``).

Run ``.venv/bin/python tests/integration/readme_replay.py`` to check and ``... --write`` to refresh the
README after a change; ``tests/integration/test_readme.py`` runs the check. Every ```console block that
holds ``$ `` lines is a transcript, replayed in document order in one temporary directory (the tour's
directory: ``examples/`` and ``tests/`` link to the repository's, ``LABELPACT_WORKSPACE`` is its
``ws/``, ``COLUMNS=120``, ``TZ=UTC``, no colour, ``labelpact`` is the one beside this Python). A console
block without ``$ `` lines is an instruction, never run.

Supported forms of a ``$ `` line (a trailing `` \\`` continues it on the next line), run by bash:

- ``labelpact ARGS``, several joined by ``&&``, optionally piped into ``head -c N`` or ``head -n N``;
- ``head -N FILE``, ``head -n N FILE``, ``cat FILE`` for a file in the tour's directory;
- ``echo $?``: answered by the replay with the exit status of the line before it (each line runs in
  its own shell). A line not followed by ``echo $?`` must exit 0.

Anything else (``cd``, ``export``, ``;``, redirections, an elided argument as in ``labelpact audit ...``)
is refused when the README is parsed, so the README shows only what the replay really ran.

The lines after a ``$ `` line, up to the next one, are its output (stdout and stderr together). A line
that is exactly ``...`` elides: the lines before it must be the output's first lines, the lines after
it its last lines (one ``...`` per output at most). ``<!-- replay: review-answers AUDIT FILE -->`` in
the README writes FILE: the reviewer's answers for AUDIT's sample, the true classes of the simulation
behind ``examples/data`` (``make_data.simulate``). Outputs are compared after ``NORMALISERS``; with
``--write`` an output that differs is replaced by the real one (keeping its ``...``: as many first and
last lines as were shown), and one that matches keeps its text, so volatile parts never churn.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import importlib.util
import itertools
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
ELLIPSIS = "..."
COLUMNS = 120
TIMEOUT_S = 300

# (pattern, replacement), applied to each output (its lines joined) before comparing; \s+ spans a wrap.
NORMALISERS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # the wall-clock time a command took: "seconds": 0.3329 in JSON, "...; 0.74 s" closing a summary
    (re.compile(r'"seconds": [0-9.e-]+'), '"seconds": <s>'),
    (re.compile(r";\s+\d+(?:\.\d+)?\s+s\b"), "; <s> s"),
    # when a row was written (audits list, disputes, created_at): "now" at replay time
    (
        re.compile(
            r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:\d{2}|Z)?| \d{2}:\d{2}:\d{2})"
        ),
        "<now>",
    ),
    # "as of" today, where a command defaults to the day it runs (report, transparency): the README was
    # written on another day than the replay runs, so any date after "as of" is one
    (re.compile(r"\bas of \d{4}-\d{2}-\d{2}\b"), "as of <date>"),
    (re.compile(rf"\b{datetime.now(UTC).date().isoformat()}\b"), "<today>"),
    # how long labelpact demo took
    (re.compile(r"finished in \d+(?:\.\d+)? s\b"), "finished in <s> s"),
    # the temporary directory labelpact demo works in
    (re.compile(r"/\S*labelpact-demo-\S+"), "<demo dir>"),
    # the versions of the libraries the personal-data scan names (they vary with the install)
    (re.compile(r"\b(libphonenumber|Faker) \d+(?:\.\d+)+"), r"\1 <version>"),
    # a float printed in full (JSON's 17 digits): EM and calibration stop at a tolerance, so the last
    # digits move with the CPU's vector width and the BLAS; compared to five significant digits
    (re.compile(r"(?<![\w.])-?\d+\.\d{9,}(?:e-?\d+)?"), lambda m: f"{float(m.group()):.5g}"),
)

_LABELPACT = r"labelpact(?:\s+(?:'[^']*'|\"[^\"]*\"|[^\s'\"|&;<>$`\\]+))*"
_FORMS = (
    re.compile(rf"{_LABELPACT}(?:\s+&&\s+{_LABELPACT})*(?:\s+\|\s+head\s+-[cn]\s+\d+)?"),
    re.compile(r"(?:head\s+(?:-\d+|-n\s+\d+)|cat)\s+[\w./-]+"),
    re.compile(r"echo \$\?"),
)
_DIRECTIVE = re.compile(r"<!--\s*replay:\s*(.+?)\s*-->")


@dataclass
class Step:
    """One ``$ `` line of the README: its command, the output shown (README lines start..end) and more."""

    command: str
    line: int  # README line number (1-based) of the ``$``
    start: int  # index of the first output line in the README's lines
    end: int  # index after the last output line
    expected: list[str]
    exit_code: int = 0  # what the README says (``echo $?`` after it), else 0
    echoed: bool = False  # an ``echo $?`` line follows it
    actual: list[str] = field(default_factory=list)
    actual_code: int = 0
    seconds: float = 0.0


@dataclass
class Directive:
    """A ``<!-- replay: ... -->`` comment: a step the tour needs that the reader need not see."""

    words: list[str]
    line: int


def parse(lines: Sequence[str]) -> list[Step | Directive]:
    """The README's transcript steps and directives, in order; raises ValueError on a form not supported."""
    items: list[Step | Directive] = []
    in_console = False
    i = 0
    while i < len(lines):
        text = lines[i]
        if not in_console:
            if text.strip() == "```console":
                in_console = True
            elif match := _DIRECTIVE.search(text):
                items.append(Directive(shlex.split(match.group(1)), i + 1))
            i += 1
            continue
        if text.strip() == "```":
            in_console = False
            i += 1
            continue
        if not text.startswith("$ "):
            i += 1  # a console block without $ lines (instructions) or output before any $ line
            continue
        first = i
        command = text[2:]
        while command.endswith("\\") and i + 1 < len(lines):
            i += 1
            command = command[:-1].rstrip() + " " + lines[i].strip()
        i += 1
        start = i
        while i < len(lines) and not lines[i].startswith("$ ") and lines[i].strip() != "```":
            i += 1
        elided = ELLIPSIS in command.split()  # "labelpact audit ... --json" cannot run
        if elided or not any(form.fullmatch(command) for form in _FORMS):
            raise ValueError(
                f"README.md line {first + 1}: unsupported form {command!r} (see {Path(__file__).name})"
            )
        expected = list(lines[start:i])
        if expected.count(ELLIPSIS) > 1:
            raise ValueError(f"README.md line {first + 1}: more than one {ELLIPSIS!r} in one output")
        items.append(Step(command, first + 1, start, i, expected))
    steps = [s for s in items if isinstance(s, Step)]
    for before, step in itertools.pairwise(steps):
        if step.command == "echo $?":
            if len(step.expected) != 1 or not step.expected[0].isdigit():
                raise ValueError(f"README.md line {step.line}: echo $? shows one number")
            before.exit_code, before.echoed = int(step.expected[0]), True
    return items


def normalise(lines: Sequence[str]) -> str:
    """The output with trailing blanks and the volatile parts (``NORMALISERS``) replaced."""
    text = "\n".join(line.rstrip() for line in lines).rstrip("\n")
    for pattern, replacement in NORMALISERS:
        text = pattern.sub(replacement, text)
    return text


def shown(expected: Sequence[str], actual: Sequence[str]) -> tuple[list[str], list[str]]:
    """The parts of ``actual`` a README output shows, beside the README's: (README's, real)."""
    if ELLIPSIS not in expected:
        return list(expected), list(actual)
    cut = expected.index(ELLIPSIS)
    head, tail = list(expected[:cut]), list(expected[cut + 1 :])
    if len(actual) < len(head) + len(tail):
        return head + tail, list(actual)
    return head + tail, list(actual[: len(head)]) + list(actual[len(actual) - len(tail) :])


def matches(step: Step) -> bool:
    """Whether the step exited as the README says and printed what it shows (after normalising)."""
    want, got = shown(step.expected, step.actual)
    return step.actual_code == step.exit_code and normalise(want) == normalise(got)


def rewritten(step: Step) -> list[str]:
    """The step's output as ``--write`` puts it in the README: the real lines in the README's shape."""
    want, got = shown(step.expected, step.actual)
    if normalise(want) == normalise(got):
        return list(step.expected)
    actual = [line.rstrip() for line in step.actual]
    if ELLIPSIS not in step.expected:
        return actual
    cut = step.expected.index(ELLIPSIS)
    n_tail = len(step.expected) - cut - 1
    return actual[:cut] + [ELLIPSIS] + (actual[len(actual) - n_tail :] if n_tail else [])


class Tour:
    """The temporary directory, workspace and environment the README's commands run in."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        for name in ("examples", "tests"):
            (directory / name).symlink_to(ROOT / name, target_is_directory=True)
        bin_dir = Path(sys.executable).parent
        if not (bin_dir / "labelpact").exists():
            raise FileNotFoundError(f"no labelpact beside {sys.executable}: install the package first")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("LABELPACT_", "FORCE_COLOR"))}
        self.env |= {
            "LABELPACT_WORKSPACE": str(directory / "ws"),
            "LABELPACT_SAMPLE_SEED": "0",  # the review sample is secret per audit unless fixed: fixed here
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "COLUMNS": str(COLUMNS),
            "LINES": "50",
            "NO_COLOR": "1",
            "TERM": "dumb",
            "TZ": "UTC",
            "PYTHONUNBUFFERED": "1",
            "PYTHONIOENCODING": "utf-8",
        }
        self.last_code = 0

    def run(self, step: Step) -> None:
        """Run one step with bash; stdout and stderr together, as a terminal shows them."""
        if step.command == "echo $?":
            step.actual, step.actual_code = [str(self.last_code)], 0
            return
        began = time.perf_counter()
        done = subprocess.run(
            ["bash", "-c", step.command],
            cwd=self.directory,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=TIMEOUT_S,
            check=False,
        )
        text = done.stdout.decode("utf-8", errors="replace")
        step.actual = text.removesuffix("\n").split("\n") if text else []
        step.actual_code = self.last_code = done.returncode
        step.seconds = time.perf_counter() - began

    def apply(self, directive: Directive) -> None:
        """Carry out a ``<!-- replay: ... -->`` directive."""
        match directive.words:
            case ["review-answers", audit, name]:
                self._review_answers(audit, self.directory / name)
            case _:
                raise ValueError(
                    f"README.md line {directive.line}: unknown replay directive {directive.words}"
                )

    def _review_answers(self, audit: str, out: Path) -> None:
        """Answer the audit's sampled tasks with the true classes of the example data's simulation."""
        done = subprocess.run(
            ["labelpact", "audits", "show", audit, "--json"],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            check=True,
            timeout=TIMEOUT_S,
        )
        sampled = json.loads(done.stdout)["sample_tasks"]
        spec = importlib.util.spec_from_file_location(
            "make_data", ROOT / "examples" / "data" / "make_data.py"
        )
        if spec is None or spec.loader is None:
            raise ImportError("examples/data/make_data.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sim = module.simulate()
        code = {task: int(k) for task, k in zip(sim.annotations.tasks, sim.truth, strict=True)}
        classes = sim.annotations.classes
        with (ROOT / "examples" / "data" / "acme-week1-gold.csv").open(encoding="utf-8") as handle:
            gold = {row["task"]: row["label"] for row in csv.DictReader(handle)}
        if any(classes[code[task]] != label for task, label in gold.items()):
            raise RuntimeError("make_data.simulate() no longer matches examples/data/acme-week1-gold.csv")
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["task", "label"])
            writer.writerows([task, classes[code[task]]] for task in sampled)


def replay(readme: Path = README) -> tuple[list[str], list[Step]]:
    """Run every step of ``readme`` in a fresh tour; returns the README's lines and the steps, run."""
    lines = readme.read_text(encoding="utf-8").split("\n")
    items = parse(lines)
    with tempfile.TemporaryDirectory(prefix="labelpact-readme-") as tmp:
        tour = Tour(Path(tmp))
        for item in items:
            if isinstance(item, Directive):
                tour.apply(item)
            else:
                tour.run(item)
    return lines, [s for s in items if isinstance(s, Step)]


def report(steps: Sequence[Step]) -> str:
    """A readable diff of every step whose output or exit status differs from the README's."""
    parts = []
    for step in steps:
        if matches(step):
            continue
        want, got = shown(step.expected, step.actual)
        head = f"README.md line {step.line}: $ {step.command}"
        if step.actual_code != step.exit_code:
            head += f"\n  exit status {step.actual_code}, the README says {step.exit_code}"
        diff = difflib.unified_diff(
            normalise(want).split("\n"), normalise(got).split("\n"), "README", "replay", lineterm="", n=2
        )
        parts.append(head + "\n" + "\n".join(diff))
    return "\n\n".join(parts)


def write(readme: Path, lines: list[str], steps: Sequence[Step]) -> int:
    """Put the real outputs into ``readme`` (from the last step up, so indexes hold); returns steps changed."""
    changed = 0
    for step in reversed(steps):
        new = rewritten(step)
        if new != lines[step.start : step.end]:
            lines[step.start : step.end] = new
            changed += 1
    readme.write_text("\n".join(lines), encoding="utf-8")
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help="rewrite README.md's outputs with the real ones")
    parser.add_argument("--readme", type=Path, default=README)
    args = parser.parse_args(argv)
    lines, steps = replay(args.readme)
    slowest = sorted(steps, key=lambda s: -s.seconds)[:3]
    print("slowest: " + "; ".join(f"line {s.line} {s.seconds:.1f} s" for s in slowest), file=sys.stderr)
    if not args.write:
        print(report(steps) or f"{args.readme}: all {len(steps)} outputs match")
        return 1 if any(not matches(s) for s in steps) else 0
    changed = write(args.readme, lines, steps)
    print(f"{args.readme}: {changed} of {len(steps)} outputs rewritten")
    broken = [s for s in steps if s.actual_code != 0 and not s.echoed and s.command != "echo $?"]
    for step in broken:  # --write cannot fix these: the README shows no exit status to rewrite
        print(
            f"README.md line {step.line}: $ {step.command}\n  exited {step.actual_code}: {step.actual[-1:]}"
        )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
