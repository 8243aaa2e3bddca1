"""Progress of a long command on stderr (Rich), for a person watching a terminal.

Services take a plain ``progress(what, fraction)`` callback (:mod:`labelpact.services.progress`);
this module is the CLI's listener. It is silent under ``--json`` and when stderr is not a terminal
(a script, a pipe, a test), so stdout and the captured stderr of those runs never change. The bar
appears only after ``DELAY_S``: a command that finishes sooner shows nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from labelpact.cli.common import Output

__all__ = ["DELAY_S", "progress_for"]

DELAY_S = 2.0  # seconds before a bar is shown: the budget of a command that needs none


class _Bar:
    """A Rich progress bar on stderr, started lazily once the command has run ``DELAY_S``."""

    def __init__(self, output: Output) -> None:
        self._output = output
        self._began = time.monotonic()
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, what: str, fraction: float) -> None:
        if self._progress is None:
            if time.monotonic() - self._began < DELAY_S:
                return
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TimeElapsedColumn(),
                console=self._output.stderr,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(what, total=None)
        if self._task is not None:  # a negative fraction: how far is not known (a pulsing bar)
            known = fraction >= 0.0
            self._progress.update(
                self._task,
                description=what,
                total=1.0 if known else None,
                completed=min(max(fraction, 0.0), 1.0),
            )

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


@contextmanager
def progress_for(output: Output) -> Iterator[Callable[[str, float], None] | None]:
    """The callback to hand a service: a bar on a terminal's stderr, or None (``--json``, not a terminal)."""
    if output.as_json or not output.stderr.is_terminal:
        yield None
        return
    bar = _Bar(output)
    try:
        yield bar
    finally:
        bar.close()
