"""``--engine local|dask [--scheduler ADDRESS]``: where a command's computation runs, shared by the commands.

``local`` (the default) reads LABELS into this process. ``dask`` reads LABELS (and ``ethics``' TASKS) as a
folder, glob or URL of Parquet parts on a Dask cluster: ``--scheduler tcp://host:8786`` names one, else a
``LocalCluster`` of one process per core runs here. Progress is the service's bar on stderr (silent
under ``--json`` and off a terminal).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import click

from labelpact.errors import InvalidInputError

__all__ = ["engine_options", "pick"]

F = TypeVar("F", bound=Callable[..., Any])


def engine_options(func: F) -> F:
    """Add ``--engine`` and ``--scheduler`` (passed to the command as ``engine`` and ``scheduler``)."""
    func = click.option(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="Dask scheduler (tcp://host:8786) for --engine dask; default: a LocalCluster on this machine.",
    )(func)
    return click.option(
        "--engine",
        type=click.Choice(["local", "dask"]),
        default="local",
        show_default=True,
        help="Where to compute: in this process, or on Dask over a folder or glob of Parquet parts.",
    )(func)


def pick(
    engine: str, scheduler: str | None, local: Callable[..., Any], dask: Callable[..., Any]
) -> Callable[..., Any]:
    """The service to call: ``local``, or ``dask`` bound to ``scheduler`` (which only ``dask`` takes). A Dask
    service that takes no ``warn`` (no reader's warnings to hand on) is called without it."""
    if engine == "dask":
        takes_warn = "warn" in inspect.signature(dask).parameters
        return lambda *args, warn=None, **kwargs: dask(
            *args, scheduler=scheduler, **({"warn": warn} if takes_warn else {}), **kwargs
        )
    if scheduler:
        raise InvalidInputError("--scheduler only with --engine dask", column="scheduler", got=scheduler)
    return local
