"""Agreement and worker scorecards on the Dask engine: ``agreement_file``'s and ``workers_file``'s answers
for Parquet parts too large for one process.

The coefficients, their bootstrap intervals and Cohen's kappa per worker pair equal the in-process ones
(``scale.agreement``: the same replicates are drawn); scorecards equal them to rounding (``scale.workers``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from labelpact.core.agreement import Agreement, Level
from labelpact.io.export import write_rows
from labelpact.services.engine.session import engine_client, engine_progress
from labelpact.services.progress import Progress as StageProgress
from labelpact.services.progress import stage

__all__ = ["agreement_parts_file", "workers_parts_file"]


def agreement_parts_file(
    labels: str | Path,
    *,
    level: Level = "nominal",
    n_bootstrap: int = 1000,
    random_state: int | None = 0,
    task_column: str | None = None,
    worker_column: str | None = None,
    label_column: str | None = None,
    classes: Sequence[str] | None = None,
    progress: StageProgress | None = None,
    scheduler: str | None = None,
    client: Any = None,
    n_workers: int | None = None,
) -> Agreement:
    """Inter-annotator agreement of the Parquet parts at ``labels`` (a folder, a glob or a URL) on Dask;
    ``classes`` as ``services.quality.agreement_file``'s."""
    from labelpact.scale import distribute
    from labelpact.scale.agreement import agreement_distributed

    columns = {"task": task_column, "worker": worker_column, "label": label_column}
    stage(progress, "measuring agreement on dask")
    with engine_client(scheduler, n_workers=n_workers, client=client) as c:
        blocks = distribute(c, labels, columns=columns, classes=classes, progress=engine_progress(progress))
        return agreement_distributed(blocks, level=level, n_bootstrap=n_bootstrap, random_state=random_state)


def workers_parts_file(
    labels: str | Path,
    *,
    gold: str | Path | None = None,
    method: str = "ds",
    out: str | Path | None = None,
    random_state: int | None = 0,
    task_column: str | None = None,
    worker_column: str | None = None,
    label_column: str | None = None,
    progress: StageProgress | None = None,
    scheduler: str | None = None,
    client: Any = None,
    n_workers: int | None = None,
) -> dict[str, Any]:
    """``workers_file`` on the Dask engine: scorecards of every worker of the Parquet parts at ``labels``
    against gold and the consensus of ``method`` (a method the engine runs), the same ``--json`` document.
    The speed columns come from the parts' optional ``duration_s`` (or ``started_at`` and ``submitted_at``)."""
    from labelpact.scale import distribute, fit_distributed
    from labelpact.scale.gold import read_gold
    from labelpact.scale.inference import check_distributed
    from labelpact.scale.workers import score_workers_distributed

    check_distributed(method)
    gold_names = None if gold is None else read_gold(gold, task_column=task_column, label_column=label_column)
    columns = {"task": task_column, "worker": worker_column, "label": label_column}
    stage(progress, f"scoring workers ({method}) on dask")
    with engine_client(scheduler, n_workers=n_workers, client=client) as c:
        blocks = distribute(c, labels, columns=columns, gold=gold_names, progress=engine_progress(progress))
        fit = fit_distributed(blocks, method, random_state=random_state)
        document = score_workers_distributed(blocks, fit.probas).to_dict()
        document["engine"] = {
            "name": "dask",
            "n_blocks": len(blocks.blocks),
            "scheduler": scheduler or "LocalCluster",
            "method": method,
        }
    if out is not None:
        write_rows(document["workers"], out)
    return document
