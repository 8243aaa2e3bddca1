"""Errors that carry what the user must fix, and the one place that maps them to exit codes and HTTP statuses.

LabelpactError
├── InvalidInputError (ValueError)    bad file, row, column or option: exit 2, HTTP 422
├── NotFoundError (LookupError)       unknown partner, project, batch, audit: exit 2, HTTP 404
├── ForbiddenError (PermissionError)  a role reaching past its partner: exit 2, HTTP 403
├── ConflictError                     the same thing twice where once is the rule: exit 2, HTTP 409
└── StoreError                        the store is unreachable or inconsistent: exit 1, HTTP 503
ConvergenceWarning (UserWarning)      an iterative method stopped at max_iter
StoredContractWarning (UserWarning)   a stored contract holds a value this version refuses: read otherwise
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

__all__ = [
    "ConflictError",
    "ConvergenceWarning",
    "ForbiddenError",
    "InvalidInputError",
    "LabelpactError",
    "NotFoundError",
    "StoreError",
    "StoredContractWarning",
    "did_you_mean",
    "exit_code",
    "http_status",
    "missing_file",
    "quiet_convergence",
    "warn_convergence",
]


class LabelpactError(Exception):
    """Base of every error labelpact raises on purpose; ``str()`` is one line a user can act on."""


class InvalidInputError(LabelpactError, ValueError):
    """Input that does not meet the data contract: names the file, the row (or line) and the column.

    ``row`` is the 1-based line of the file as an editor shows it (the header is line 1), or the
    1-based JSON line / record for JSON inputs (``unit`` names which); ``column`` is a column, a
    contract key or an input field of a use case (``column_kind`` names which: ``"field"`` is a
    parameter's name, which each interface shows its own way, the CLI as its flag); ``expected`` says
    what would have been accepted.
    """

    def __init__(
        self,
        expected: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        got: str | None = None,
        unit: str = "line",
        column_kind: str = "column",
    ) -> None:
        self.expected = expected
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.got = got
        self.unit = unit
        self.column_kind = column_kind
        super().__init__(self._render())

    def _render(self) -> str:
        where = [p for p in (self.file, f"{self.unit} {self.row}" if self.row is not None else None) if p]
        if self.column is not None:
            where.append(f"{self.column_kind} {self.column!r}")
        text = f"expected {self.expected}" + ("" if self.got is None else f", got {self.got}")
        text = " ".join(text.split())  # one line, always
        return f"{', '.join(where)}: {text}" if where else text


class NotFoundError(LabelpactError, LookupError):
    """A named thing (partner, project, batch, audit) does not exist; the message lists what does."""

    def __str__(self) -> str:  # LookupError would quote the message
        return str(self.args[0]) if self.args else ""


class ForbiddenError(LabelpactError, PermissionError):
    """The caller's role may not see or change this (a partner reaching past its own batches)."""


class ConflictError(LabelpactError):
    """The same thing twice where once is the rule (a partner name taken, a dispute already resolved)."""


class StoreError(LabelpactError):
    """The store cannot be reached, migrated or trusted; nothing was written."""


class ConvergenceWarning(UserWarning):
    """An iterative estimator stopped at ``max_iter`` before meeting its tolerance."""


class StoredContractWarning(UserWarning):
    """A contract the store holds (a partner's, an audit's) has a value this version refuses; it is read as
    normalised or as the clause's default instead, since a stored record can never be corrected in place."""


_QUIET_CONVERGENCE: ContextVar[bool] = ContextVar("labelpact_quiet_convergence", default=False)


@contextmanager
def quiet_convergence() -> Iterator[None]:
    """Within the block, in this thread (or task) only, ``warn_convergence`` stays silent: for trial fits whose
    non-convergence is no news to the user. ``warnings.catch_warnings`` would swap the whole process's
    filters, and two audits in threads (the server's jobs) would then silence, or un-silence, each other."""
    token = _QUIET_CONVERGENCE.set(True)
    try:
        yield
    finally:
        _QUIET_CONVERGENCE.reset(token)


def warn_convergence(message: str, *, stacklevel: int = 1) -> None:
    """``warnings.warn(message, ConvergenceWarning)`` unless inside ``quiet_convergence``; ``stacklevel``
    counts from the caller, as it would for ``warnings.warn`` called there."""
    if not _QUIET_CONVERGENCE.get():
        warnings.warn(message, ConvergenceWarning, stacklevel=stacklevel + 1)


def did_you_mean(name: str, known: Sequence[str]) -> str:
    """``"; did you mean 'Scale'?"`` for the closest of ``known`` to ``name`` (case-insensitive), else ``""``."""
    folded = {k.casefold(): k for k in known}
    close = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.6)
    return f"; did you mean {folded[close[0]]!r}?" if close else ""


def missing_file(path: str | Path) -> str:
    """What stands at ``path`` where a file was expected, for an error's ``got``: a directory or nothing (a
    folder or glob of Parquet parts is the Dask engine's input, so the text says where those go)."""
    if Path(path).is_dir():
        return "a directory (a folder of Parquet parts is read by the Dask engine)"
    if any(c in str(path) for c in "*?["):
        return "no such file (a glob of Parquet parts is read by the Dask engine)"
    return "no such file"


_EXIT_CODES: dict[type[LabelpactError], int] = {
    InvalidInputError: 2,
    NotFoundError: 2,
    ForbiddenError: 2,
    ConflictError: 2,
    StoreError: 1,
}
_HTTP_STATUS: dict[type[LabelpactError], int] = {
    InvalidInputError: 422,
    NotFoundError: 404,
    ForbiddenError: 403,
    ConflictError: 409,
    StoreError: 503,
}


def exit_code(error: BaseException) -> int:
    """CLI exit status for ``error``: 2 for what the user can fix, 1 for anything else."""
    for kind in type(error).__mro__:
        if kind in _EXIT_CODES:
            return _EXIT_CODES[kind]
    return 1


def http_status(error: BaseException) -> int:
    """HTTP status for ``error``: 4xx for what the caller can fix, 500 for anything else."""
    for kind in type(error).__mro__:
        if kind in _HTTP_STATUS:
            return _HTTP_STATUS[kind]
    return 500
