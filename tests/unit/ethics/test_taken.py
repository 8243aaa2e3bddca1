"""``Taken`` keeps a scan's accepted spans apart; checked against a plain list on random spans in any order."""

from __future__ import annotations

import numpy as np

from labelpact.ethics.pii.taken import Taken


def test_taken_agrees_with_a_plain_list_in_any_order() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        taken, plain = Taken(), []
        # detectors in turn, each left to right; some adds arrive out of order (a new detector's pass)
        for _ in range(4):
            starts = np.sort(rng.integers(0, 500, size=40))
            for start, width in zip(starts.tolist(), rng.integers(1, 15, size=40).tolist(), strict=True):
                end = start + width
                clash = any(s < end and start < e for s, e in plain)
                covered = any(s <= start and end <= e for s, e in plain)
                assert taken.covers(start, end) == covered
                assert taken.add(start, end) is (not clash)
                if not clash:
                    plain.append((start, end))
        assert sorted(plain) == sorted(
            zip(taken.starts + taken.tail_starts, taken.ends + taken.tail_ends, strict=True)
        )
