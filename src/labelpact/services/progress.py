"""How a long use case reports progress: a plain callback, so no interface (Rich, HTTP) reaches the services."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["UNKNOWN", "Progress", "Warn", "reading", "stage", "warn_all"]

Progress = Callable[[str, float], None]
"""``progress("reading labels.csv", 0.4)``: what is being done, and the fraction of it done, in [0, 1]
(``UNKNOWN``, a negative fraction, where a stage cannot say how far it is)."""

UNKNOWN = -1.0

Warn = Callable[[str], None]
"""``warn("labels '1', '1.0' ... are one number written differently ...")``: a finding about the input that did
not stop the use case, for the person who runs it (the CLI prints it on stderr)."""


def stage(progress: Progress | None, what: str) -> None:
    """Report that ``what`` has begun (how far it is not known), when anyone listens."""
    if progress is not None:
        progress(what, UNKNOWN)


def reading(progress: Progress | None, what: str) -> Callable[[int, int], None] | None:
    """A reader's ``(done, total)`` callback that reports ``what`` as a fraction, or None when nobody listens."""
    if progress is None:
        return None
    report = progress
    return lambda done, total: report(what, done / total if total else 1.0)


def warn_all(warn: Warn | None, lines: tuple[str, ...] | list[str]) -> None:
    """Hand each warning line to ``warn``, when anyone listens."""
    if warn is not None:
        for line in lines:
            warn(line)
