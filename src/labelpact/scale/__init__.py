"""The Dask engine: the same truth inference, agreement, worker scorecards and ethics scan over Parquet
parts too large for one process, and ``auto`` (``scale.auto``). Layer: imports ``core``, ``contracts``, ``ethics``, ``io`` and errors;
never ``store``, ``services`` or an interface. Needs the ``dask`` extra (``dask[distributed]``).
"""

from __future__ import annotations

from labelpact.errors import InvalidInputError

try:  # the extra, named before any module of the engine fails on it
    import dask  # noqa: F401
    import distributed  # noqa: F401
    import pandas  # noqa: F401
except ModuleNotFoundError as missing:
    raise InvalidInputError(
        "the Dask engine's extra installed: pip install 'labelpact[dask]'",
        column="engine",
        column_kind="field",
        got=f"no module named {missing.name!r}",
    ) from missing

from labelpact.scale.agreement import agreement_distributed
from labelpact.scale.blocks import Block, Progress, Vocabulary
from labelpact.scale.cluster import BlockSet, cluster_client, distribute, distribute_annotations
from labelpact.scale.inference import DISTRIBUTED_METHODS, Fit, check_distributed, fit_distributed
from labelpact.scale.workers import score_workers_distributed

__all__ = [
    "DISTRIBUTED_METHODS",
    "Block",
    "BlockSet",
    "Fit",
    "Progress",
    "Vocabulary",
    "agreement_distributed",
    "check_distributed",
    "cluster_client",
    "distribute",
    "distribute_annotations",
    "fit_distributed",
    "score_workers_distributed",
]
