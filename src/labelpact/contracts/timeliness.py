"""When a batch arrived against when it was due: the ``timeliness`` block of every audit's metrics (which
partner health reads for its on-time rate and SLA signal), the ``late_delivery`` finding, for every kind, and
the ``delivery.turnaround_days`` clause.

The clause is judged against the batch's due time when one was given (``due_at``); otherwise against the
first label's start plus ``turnaround_days``. The batch cannot have been handed over after its first label
was started, so a batch late by that due time is late whenever it was handed over; one that is not may still
be late against the hand-over, so it is ``unchecked``, never met. A late batch goes to ``review`` (its labels
are no worse for being late: a person decides); with neither time it is ``unchecked``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from labelpact.contracts.findings import Finding, Reason

__all__ = ["TURNAROUND", "due_time", "late_by_days", "late_finding", "timeliness", "turnaround_reason"]

TURNAROUND = "delivery.turnaround_days"


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


def due_time(
    due_at: datetime | None, first_start: datetime | None, turnaround_days: float | None
) -> tuple[datetime | None, str]:
    """The time the batch was due and how it was set: ``due_at`` when given, else the first label's start plus
    the contract's ``turnaround_days``; (None, "") with neither."""
    if due_at is not None:
        return due_at, f"due {_when(due_at)}"
    if first_start is not None and turnaround_days is not None:
        due = first_start + timedelta(days=turnaround_days)
        return due, (
            f"due {turnaround_days:g} days after the first label was started ({_when(first_start)}), "
            "as no due time was given"
        )
    return None, ""


def _when(t: datetime) -> str:
    """A time as a person reads it in a reason: the date alone at midnight, else to the minute."""
    if (t.hour, t.minute, t.second, t.microsecond) == (0, 0, 0, 0):
        return t.date().isoformat()
    return t.isoformat(timespec="minutes")


def turnaround_reason(
    turnaround_days: float | None,
    delivered_at: datetime | None,
    due_at: datetime | None,
    first_start: datetime | None,
) -> Reason | None:
    """``delivery.turnaround_days`` when the contract sets it: met when the batch arrived by its due time
    (``due_time``), review when it arrived later, unchecked when no due time can be set."""
    if turnaround_days is None:
        return None
    due, how = due_time(due_at, first_start, turnaround_days)
    late = late_by_days(delivered_at, due)
    if late is None:
        return Reason(
            TURNAROUND, "unchecked",
            "the batch has no due time (due_at) and no label start times to count the turnaround from",
            None, turnaround_days,
        )  # fmt: skip
    if late > 0:
        detail = (
            f"Delivered {late:.1f} days after it was due ({how}); the contract's turnaround is "
            f"{turnaround_days:g} days"
        )
        return Reason(TURNAROUND, "review", detail, round(late, 3), turnaround_days)
    if due_at is None:  # the work was handed over before its first label was started, by an unknown margin
        detail = (
            f"Delivered within {turnaround_days:g} days of the first label's start ({-late:.1f} days to spare), "
            "but the batch was handed over earlier: without its due time (due_at) on-time cannot be confirmed"
        )
        return Reason(TURNAROUND, "unchecked", detail, round(late, 3), turnaround_days)
    detail = f"Delivered on time ({how}; {-late:.1f} days to spare); the contract's turnaround is {turnaround_days:g} days"
    return Reason(TURNAROUND, "met", detail, round(late, 3), turnaround_days)


def late_finding(late_by_days: float | None, *, clause: str | None = None) -> Finding | None:
    """A batch delivered after its due time; ``clause`` names the contract clause it breaks (only one the
    contract sets: ``delivery.turnaround_days``), None when the contract sets no turnaround."""
    if late_by_days is None or late_by_days <= 0:
        return None
    return Finding(
        kind="late_delivery",
        severity="warning" if late_by_days < 7 else "critical",
        detail=f"Delivered {late_by_days:.1f} days after it was due.",
        clause=clause,
        evidence={"late_by_days": round(late_by_days, 3)},
        action="Tell us the cause and the recovery plan for the next batch.",
    )
