"""Use case: write a simulated delivery of any kind with known truth (``labelpact simulate``).

Labels come from the Dawid–Skene simulator (spammers, adversarial workers), preferences from the noisy
Davidson–Bradley–Terry one (spammers, position-biased left-pickers), ratings from the rater-effects one
(severe, lenient, central, straight-lining raters), demonstrations from the writer simulator (template
reusers, LLM pasters). The truth (each worker's kind) can be written beside the file, never into it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa

from labelpact.core.demonstrations import simulate_demonstrations
from labelpact.core.preferences import simulate_preferences
from labelpact.core.ratings import simulate_ratings
from labelpact.errors import InvalidInputError
from labelpact.io.deliverable import KINDS, write_deliverable
from labelpact.io.deliverable_table import Read
from labelpact.io.demonstrations import DemonstrationDelivery
from labelpact.io.export import write_annotations, write_csv_table
from labelpact.io.outputs import refuse_store_file
from labelpact.io.preferences import PreferenceDelivery
from labelpact.io.ratings import RatingDelivery
from labelpact.simulate import simulate_delivery

__all__ = ["simulate_deliverable"]

_SUFFIXES = (".csv", ".jsonl", ".parquet")


def simulate_deliverable(
    kind: str,
    out: str | Path,
    *,
    size: int | None = None,
    spammer_share: float = 0.1,
    biased_share: float = 0.1,
    llm_share: float = 0.2,
    truth: str | Path | None = None,
    random_state: int = 0,
) -> dict[str, Any]:
    """Write a simulated ``kind`` delivery to ``out`` (CSV, JSON Lines or Parquet by its extension; labels: CSV
    or Parquet) and, with ``truth``, a CSV ``worker,kind``. ``size`` counts comparisons (preferences), tasks
    (ratings, demonstrations, labels). ``biased_share`` is the share of position-biased workers (preferences) or
    of each biased rater kind (ratings); ``llm_share`` the share of LLM-pasting writers. Returns a summary."""
    path = Path(out)
    refuse_store_file(path)
    _check_arguments(kind, path, size, (spammer_share, biased_share, llm_share))
    read = Read(path, path.suffix[1:], 0, {})
    workers: tuple[str, ...]
    kinds: tuple[str, ...]
    if kind == "preferences":
        p = simulate_preferences(
            n_comparisons=size or 20_000, n_items=100, n_workers=40, spammer_share=spammer_share,
            left_share=biased_share, random_state=random_state,
        )  # fmt: skip
        write_deliverable(PreferenceDelivery(p.comparisons, read), path)
        workers, kinds, n = p.comparisons.workers, p.kinds, p.comparisons.n_comparisons
    elif kind == "ratings":
        shares = dict.fromkeys(("severe", "lenient", "central", "straight"), biased_share)
        r = simulate_ratings(n_tasks=size or 500, n_workers=20, shares=shares, random_state=random_state)
        write_deliverable(RatingDelivery(r.ratings, read), path)
        workers, kinds, n = r.ratings.workers, r.kinds, r.ratings.n_ratings
    elif kind == "demonstrations":
        d = simulate_demonstrations(
            n_tasks=size or 200, n_workers=30, template_share=min(0.1, 1 - llm_share), llm_share=llm_share,
            random_state=random_state,
        )  # fmt: skip
        write_deliverable(DemonstrationDelivery(d.demonstrations, read), path)
        workers, kinds, n = d.demonstrations.workers, d.kinds, d.demonstrations.n_answers
    else:
        s = simulate_delivery(
            n_tasks=size or 2_000,
            n_workers=60,
            share_random_spammers=spammer_share,
            seed=random_state,
        )
        write_annotations(s.annotations, path)
        workers, kinds, n = s.annotations.workers, s.worker_kinds, s.annotations.n_annotations
    if truth is not None:
        write_csv_table(pa.table({"worker": list(workers), "kind": list(kinds)}), truth)
    return {
        "kind": kind,
        "out": str(path),
        "n_rows": n,
        "n_workers": len(workers),
        "worker_kinds": dict(sorted(Counter(kinds).items())),
        "truth": None if truth is None else str(truth),
        "seed": random_state,
    }


def _check_arguments(kind: str, path: Path, size: int | None, shares: tuple[float, float, float]) -> None:
    """Refuse a kind, file name, share or size ``simulate_deliverable`` cannot make (errors name the field)."""
    spammer_share, biased_share, llm_share = shares
    if kind not in KINDS:
        raise InvalidInputError(
            f"a kind among {list(KINDS)}", column="kind", column_kind="field", got=repr(kind)
        )
    if path.suffix not in _SUFFIXES or (kind == "labels" and path.suffix == ".jsonl"):
        raise InvalidInputError(
            "a file ending in .csv, .jsonl or .parquet",
            column="out",
            column_kind="field",
            got=repr(path.name),
        )
    for name, share in (
        ("spammer_share", spammer_share),
        ("biased_share", biased_share),
        ("llm_share", llm_share),
    ):
        if not 0.0 <= share <= 0.5:
            raise InvalidInputError(
                "a share from 0 to 0.5", column=name, column_kind="field", got=repr(share)
            )
    if size is not None and size < 1:
        raise InvalidInputError("a size of at least 1", column="size", column_kind="field", got=repr(size))
