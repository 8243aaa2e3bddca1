"""What the dashboard's audit page shows of a preferences, ratings or demonstrations audit: its measures with
their intervals, its flagged workers by reason, and the head of its stored table (the strongest items, the
lowest consensus scores, the answers with the most signals of a language model's writing)."""

from __future__ import annotations

from typing import Any, Final

import pyarrow.parquet as pq

from labelpact.services.kind_measures import kind_measures
from labelpact.services.refinement_assessment import TABLE_ROLE
from labelpact.store import AuditRecord, Store

__all__ = ["N_ROWS", "kind_view"]

N_ROWS: Final = 20
# kind -> ((column, descending) to order its table's head by, what the head shows)
_HEADS: Final = {
    "preferences": (("rank", False), "The strongest items (Bradley-Terry score, log scale)"),
    "ratings": (("score", False), "The lowest consensus scores, with their 95% intervals"),
    "demonstrations": (("llm_signals", True), "The answers with the most signals of LLM writing"),
}


def kind_view(store: Store, record: AuditRecord) -> dict[str, Any]:
    """``{"kind": "labels"}`` for a labels audit; else its kind, measures, flagged workers and table head."""
    kind = str(record.metrics.get("kind", "labels"))
    if kind not in _HEADS:
        return {"kind": kind}
    measures = [
        {
            "name": name,
            "format": fmt,
            "value": None if e is None else e.value,
            "interval": None if e is None or e.low is None else [e.low, e.high],
        }
        for name, e, fmt in kind_measures(record.metrics, kind)
    ]
    flagged = record.metrics.get("flagged_workers") or {}
    (column, descending), what = _HEADS[kind]
    file = record.file(TABLE_ROLE[kind])
    head: dict[str, Any] = {"what": what, "columns": [], "rows": [], "n": 0}
    if file is not None:
        table = pq.read_table(store.blob_path(file))
        order = "descending" if descending else "ascending"
        grouped = column == "rank" and "group" in table.column_names  # ranks count within each group
        table = table.sort_by([("group", "ascending")] * grouped + [(column, order)])
        head = {
            "what": what,
            "columns": table.column_names,
            "rows": table.slice(0, N_ROWS).to_pylist(),
            "n": table.num_rows,
        }
    return {
        "kind": kind,
        "measures": measures,
        "flagged": {str(k): int(v) for k, v in flagged.items()},
        "head": head,
    }
