"""The spans a personal-data scan has accepted in one text, so that a later, weaker finding cannot overlap
an earlier one."""

from __future__ import annotations

import bisect

__all__ = ["Taken"]


class Taken:
    """Non-overlapping spans accepted so far, sorted by start: a later, weaker finding may not overlap.

    Each detector finds its spans left to right, so a detector's spans go to a sorted ``tail`` by appending,
    and the tail is merged into the rest once a span comes before its end (the next detector): an insert
    into the middle of one list per span had made a field with 100,000 findings quadratic (28 s of 31).
    """

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.tail_starts: list[int] = []
        self.tail_ends: list[int] = []

    @staticmethod
    def _hit(starts: list[int], ends: list[int], start: int, end: int) -> bool:
        i = bisect.bisect_right(starts, start)
        return (i > 0 and ends[i - 1] > start) or (i < len(starts) and starts[i] < end)

    def overlaps(self, start: int, end: int) -> bool:
        return self._hit(self.starts, self.ends, start, end) or self._hit(
            self.tail_starts, self.tail_ends, start, end
        )

    def covers(self, start: int, end: int) -> bool:
        return any(
            i > 0 and ends[i - 1] >= end
            for starts, ends in ((self.starts, self.ends), (self.tail_starts, self.tail_ends))
            for i in (bisect.bisect_right(starts, start),)
        )

    def add(self, start: int, end: int) -> bool:
        if self.overlaps(start, end):
            return False
        if self.tail_starts and start < self.tail_starts[-1]:
            self._merge()
        self.tail_starts.append(start)
        self.tail_ends.append(end)
        return True

    def _merge(self) -> None:
        """The tail into the sorted spans, in one pass (both are sorted and never overlap)."""
        pairs = sorted(zip(self.starts + self.tail_starts, self.ends + self.tail_ends, strict=True))
        self.starts = [s for s, _ in pairs]
        self.ends = [e for _, e in pairs]
        self.tail_starts, self.tail_ends = [], []
