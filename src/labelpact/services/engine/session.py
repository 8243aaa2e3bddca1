"""Where the Dask engine's use cases run: a client of a scheduler or of a ``LocalCluster`` sized to this
machine, and the scale layer's progress reports as the services' progress callback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal, TypeAlias

from labelpact.errors import InvalidInputError
from labelpact.services.progress import UNKNOWN
from labelpact.services.progress import Progress as StageProgress

__all__ = ["ENGINES", "Engine", "Progress", "engine_client", "engine_progress"]

Engine: TypeAlias = Literal["local", "dask"]
ENGINES: tuple[Engine, ...] = ("local", "dask")
Progress: TypeAlias = Any  # labelpact.scale.Progress: (stage, done, total or None) -> None


@contextmanager
def engine_client(
    scheduler: str | None = None, *, n_workers: int | None = None, client: Any = None
) -> Iterator[Any]:
    """``client`` when given, else a client of ``scheduler``, else of a new ``LocalCluster`` on this machine."""
    if client is not None:
        yield client
        return
    try:
        from labelpact.scale import cluster_client
    except ImportError as error:  # pragma: no cover - the dask extra is missing
        raise InvalidInputError(
            "the dask extra installed (pip install 'labelpact[dask]')", got=str(error)
        ) from None
    with cluster_client(scheduler, n_workers=n_workers) as made:
        yield made


def engine_progress(progress: StageProgress | None) -> Progress | None:
    """The scale layer's ``(stage, done, total)`` reports as the services' ``(what, fraction)`` callback."""
    if progress is None:
        return None
    report = progress

    def forward(what: str, done: int, total: int | None) -> None:
        if total:
            report(f"{what} ({done}/{total})", done / total)
        else:
            report(f"{what} ({done})", UNKNOWN)

    return forward
