"""Use cases around a review: the sheet a reviewer fills in for an audit's sample, and the consensus
written out (CSV or Parquet), both refused before writing over the store or into a missing folder."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from labelpact.errors import InvalidInputError
from labelpact.io.consensus_table import write_consensus_table
from labelpact.io.export import write_csv_table
from labelpact.io.outputs import refuse_store_file
from labelpact.services.review import consensus_table, plan_of, resolve_audit
from labelpact.store import AuditRecord, Store

__all__ = ["export_consensus", "review_sheet", "write_review_sheet"]


def export_consensus(store: Store, ref: str, out: str | Path) -> tuple[AuditRecord, int]:
    """Write the consensus of audit ``ref`` (or a batch's latest) as ``task,label,confidence``: CSV, or
    Parquet by extension (with the per-class probabilities). Returns the audit and the rows written."""
    audit = resolve_audit(store, ref)
    table = _blank_unlabelled(consensus_table(store, audit))
    _write_table(table, Path(out), csv_columns=["task", "label", "confidence"])
    return audit, table.num_rows


def _blank_unlabelled(table: pa.Table) -> pa.Table:
    """``table`` with empty confidence and probabilities on tasks nobody labelled (no label), as ``aggregate
    --out`` writes them: the stored consensus keeps the model's prior there, which is no estimate of them."""
    labelled = pc.is_valid(table["label"])
    if pc.all(labelled).as_py() is not False:
        return table
    for name in [n for n in table.column_names if n == "confidence" or n.startswith("p_")]:
        column = table[name]
        blank = pc.if_else(labelled, column, pa.scalar(None, column.type))
        table = table.set_column(table.column_names.index(name), name, blank)
    return table


def review_sheet(store: Store, audit: AuditRecord) -> pa.Table:
    """The sheet a reviewer fills in for ``audit``'s sample and ``labelpact review`` reads back, one row per
    sampled task in the stored order: for labels ``task, label, consensus, confidence`` with ``label``
    starting as the consensus (the reviewer corrects the wrong ones); for the other kinds ``task,
    defective`` left blank (yes/no: they have no class to compare)."""
    plan_of(audit)
    sample = list(audit.sample_tasks)
    if audit.file("consensus") is None:
        return pa.table(
            {"task": pa.array(sample, pa.string()), "defective": pa.nulls(len(sample), pa.string())}
        )
    table = consensus_table(store, audit)
    position = {name: k for k, name in enumerate(table["task"].to_pylist())}
    rows = table.take(pa.array([position[t] for t in sample], pa.int64()))
    return pa.table(
        {
            "task": rows["task"].cast(pa.string()),
            "label": rows["label"].cast(pa.string()),
            "consensus": rows["label"].cast(pa.string()),
            "confidence": rows["confidence"],
        }
    )


def write_review_sheet(store: Store, ref: str, out: str | Path) -> tuple[AuditRecord, int, str]:
    """Write ``review_sheet`` of audit ``ref`` (or a batch's latest): CSV (formulas neutralised) or Parquet
    by extension. Returns the audit, the rows written and the column the reviewer answers in."""
    audit = resolve_audit(store, ref)
    sheet = review_sheet(store, audit)
    _write_table(sheet, Path(out), csv_columns=sheet.column_names)
    return audit, sheet.num_rows, sheet.column_names[1]


def _write_table(table: pa.Table, target: Path, *, csv_columns: list[str]) -> None:
    """Parquet by extension (every column), CSV of ``csv_columns`` with formulas neutralised for ``.csv`` or
    no extension; another extension (``.jsonl``, ``.xlsx``) or a missing folder is refused before writing."""
    refuse_store_file(target)
    suffix = target.suffix.lower()
    if suffix not in (".parquet", ".pq", ".csv", ".txt", ""):
        raise InvalidInputError(
            "an output file ending in .csv or .parquet", file=target, column="out", column_kind="field",
            got=f"{suffix!r} (CSV would be written under that name)",
        )  # fmt: skip
    if not target.parent.is_dir():
        raise InvalidInputError(
            "an output path in an existing folder", file=target, column="out", column_kind="field",
            got=f"no folder {str(target.parent)!r}",
        )  # fmt: skip
    if suffix in (".parquet", ".pq"):
        write_consensus_table(table, target)
    else:
        write_csv_table(table.select(csv_columns), target)
