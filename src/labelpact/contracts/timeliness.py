"""When a batch arrived against when it was due: the ``timeliness`` block of every audit's metrics (which
partner health reads for its on-time rate and SLA signal) and the ``late_delivery`` finding, for every kind."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from labelpact.contracts.findings import Finding

__all__ = ["late_by_days", "late_finding", "timeliness"]


def late_by_days(delivered_at: datetime | None, due_at: datetime | None) -> float | None:
    """Days after the due time the batch arrived (negative: early); None without both times."""
    if delivered_at is None or due_at is None:
        return None
    return (delivered_at - due_at).total_seconds() / 86_400.0


def timeliness(delivered_at: datetime | None, due_at: datetime | None) -> dict[str, Any]:
    """The metrics' ``timeliness`` block: both times (ISO 8601), the days late, and whether it was on time."""
    late = late_by_days(delivered_at, due_at)
    return {
        "delivered_at": None if delivered_at is None else delivered_at.isoformat(),
        "due_at": None if due_at is None else due_at.isoformat(),
        "late_by_days": late,
        "on_time": None if late is None else late <= 0,
    }


def late_finding(late_by_days: float | None) -> Finding | None:
    """A batch delivered after its due time."""
    if late_by_days is None or late_by_days <= 0:
        return None
    return Finding(
        kind="late_delivery",
        severity="warning" if late_by_days < 7 else "critical",
        detail=f"Delivered {late_by_days:.1f} days after it was due.",
        clause="delivery.turnaround_days",
        evidence={"late_by_days": round(late_by_days, 3)},
        action="Tell us the cause and the recovery plan for the next batch.",
    )
