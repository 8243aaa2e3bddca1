"""Services name the field a bad value came in (``rivals``); the CLI user is told the flag (``--rivals``).

A use case is called by the CLI and by the REST API alike, so its errors name its own parameters
(``InvalidInputError(..., column="rivals", column_kind="field")``); each interface shows them its own
way. This is the CLI's one mapping: a field is the running command's parameter of that name (click names
``--equity-stake`` ``equity_stake``), or the parameter ``FIELD_PARAMS`` names where the two differ.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Final, TypeVar

import click

from labelpact.errors import InvalidInputError

__all__ = ["FIELD_PARAMS", "flag_of", "flagged", "with_flags"]

F = TypeVar("F", bound=Callable[..., Any])

# field of a service -> the click parameter that carries it, where their names differ
FIELD_PARAMS: Final[dict[str, str]] = {
    "date": "date_",  # event add --date (``date`` would shadow the type inside the command)
    "source_url": "source",  # event add --source
    "min_spend_usd": "min_spend",  # partner add --min-spend
    "phone_region": "phone_regions",  # ethics --phone-region (repeatable)
    "audit_or_batch": "audit_or_batch",
    "opened_by": "by",  # dispute open --by (the store's column)
    "actor": "by",  # dispute resolve --by; event add keeps its own --actor
    "source_name": "labels",  # ingest/audit LABELS: the file's name is stored with the batch
}


def flag_of(field: str, command: click.Command) -> tuple[str, str] | None:
    """``("--rivals", "option")`` or ``("NAME", "argument")``: how ``command`` spells ``field``; None if it has none."""
    wanted = {field, FIELD_PARAMS.get(field, field)}
    for param in command.params:
        if param.name not in wanted:
            continue
        if isinstance(param, click.Option):
            longs = [o for o in param.opts if o.startswith("--")]
            return (longs[0] if longs else param.opts[0]), "option"
        return param.human_readable_name, "argument"
    return None


def flagged(error: InvalidInputError, command: click.Command | None) -> InvalidInputError:
    """``error`` as the CLI user reads it: a field named by its flag (the same error when it names no field)."""
    if error.column_kind != "field" or error.column is None or command is None:
        return error
    spelled = flag_of(error.column, command)
    if spelled is None:
        return error
    flag, kind = spelled
    return InvalidInputError(
        error.expected,
        file=error.file,
        row=error.row,
        column=flag,
        got=error.got,
        unit=error.unit,
        column_kind=kind,
    )


def with_flags(func: F) -> F:
    """Wrap a command's callback so an ``InvalidInputError`` naming a field leaves it naming the flag."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InvalidInputError as error:
            ctx = click.get_current_context(silent=True)
            shown = flagged(error, None if ctx is None else ctx.command)
            if shown is error:
                raise
            raise shown from error

    return wrapper  # type: ignore[return-value]
