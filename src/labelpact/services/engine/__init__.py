"""Use cases on the Dask engine: consensus, agreement, worker scorecards and the ethics audit (personal data,
licences, slice bias, pay) of Parquet parts too large for one process, and an audit's consensus and
agreement (``audit_engine``).

They return the local path's result types (``ConsensusResult``, ``Agreement``, ``PiiReport``...), so a
command renders either engine's answer the same way. Without ``scheduler`` a ``LocalCluster`` sized to this
machine runs them (one single-threaded worker process per core). Needs the ``dask`` extra.
"""

from __future__ import annotations

from labelpact.services.engine.audit import DaskAudit, audit_engine, current_audit_engine
from labelpact.services.engine.consensus import (
    DistributedConsensus,
    aggregate_distributed,
    aggregate_parts_file,
)
from labelpact.services.engine.ethics import ethics_parts_file, scan_distributed
from labelpact.services.engine.quality import agreement_parts_file, workers_parts_file
from labelpact.services.engine.session import ENGINES, Engine, engine_client, engine_progress

__all__ = [
    "ENGINES",
    "DaskAudit",
    "DistributedConsensus",
    "Engine",
    "aggregate_distributed",
    "aggregate_parts_file",
    "agreement_parts_file",
    "audit_engine",
    "current_audit_engine",
    "engine_client",
    "engine_progress",
    "ethics_parts_file",
    "scan_distributed",
    "workers_parts_file",
]
