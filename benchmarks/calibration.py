"""Is the stored confidence honest? Calibration of the consensus on every shared real dataset.

Two settings per dataset: no gold; and 10% of the gold tasks given as honeypots (seeded split),
scored on the other 90%. Per row: the consensus accuracy and true error rate on the scored gold,
the expected calibration error (ECE, 10 equal-width bins) of the stored ``confidence`` against the
gold, the ECE of the raw posteriors, the mean confidence, and the calibration map used. Prints a
markdown table and the means. Peer: cleanlab's ``get_label_quality_multiannotator`` (CROWDLAB) with
the majority-vote shares as its ``pred_probs`` (no features here, so no classifier): its
``consensus_quality_score`` used as a confidence for its ``consensus_label``, scored the same way.

``--lodo`` is the honest check of the one number calibration learns across datasets
(``calibration.CROWD_WEIGHT``): a first pass fits every dataset without gold and without the crowd-share
deflation; each dataset is then run with the weight fitted (``fit_crowd_weight``) on the *other* datasets
only, and the weight fitted on all of them is printed (the value to ship).

Columns can be added by other measurements: append a function to ``ROW_HOOKS``; it receives the
``Row`` context (annotations, given and scored gold, the consensus) and returns a dict of columns.

    python benchmarks/calibration.py [--datasets a,b] [--method auto] [--seed 0] [--no-cleanlab] [--lodo]
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labelpact.core import calibration as calibration_module
from labelpact.core.annotations import Annotations, Gold
from labelpact.core.calibration import expected_calibration_error, fit_crowd_weight, vote_shares
from labelpact.core.consensus import Consensus, aggregate
from labelpact.errors import ConvergenceWarning
from shared_data import GIVEN_SHARE, annotations, dataset_names, honeypot_split
from shared_data import load as load_frames


@dataclass(frozen=True)
class Row:
    """One dataset in one setting: what a column hook may read."""

    dataset: str
    setting: str  # "no gold" or "10% gold"
    annotations: Annotations
    given: Gold | None  # the gold the consensus saw
    scored: Gold  # the gold it is scored on (never seen)
    consensus: Consensus
    seconds: float


ROW_HOOKS: list[Callable[[Row], dict[str, Any]]] = []


def load(name: str) -> tuple[Annotations, pd.DataFrame]:
    """A shared dataset's annotations (``item`` is the task column) and its gold table."""
    labels, gold = load_frames(name)
    a = annotations(labels)
    known = gold["label"].isin(a.classes) & gold["item"].isin(a.tasks)
    return a, gold[known].reset_index(drop=True)


def to_gold(a: Annotations, table: pd.DataFrame) -> Gold:
    return Gold.from_names(a, task=list(table["item"]), label=list(table["label"]))


def measure(row: Row) -> dict[str, Any]:
    """The calibration columns of one row: accuracy, true error, ECE of stored and raw confidence."""
    c, scored = row.consensus, row.scored
    raw = c.probas[scored.task]
    chosen = raw.argmax(axis=1)
    correct = chosen == scored.label
    confidence = c.confidence[scored.task]
    calibration = c.calibration
    return {
        "dataset": row.dataset,
        "setting": row.setting,
        "n_scored": len(scored),
        "accuracy": float(correct.mean()),
        "true_error": float(1.0 - correct.mean()),
        "mean_conf": float(np.nanmean(confidence)),
        "ece": expected_calibration_error(confidence, correct),
        "ece_raw": expected_calibration_error(raw.max(axis=1), correct),
        "map": "" if calibration is None else f"{calibration.kind} ({calibration.source})",
        "rho": float("nan") if calibration is None else calibration.rho,
        "tau": float("nan") if calibration is None else calibration.tau,
        "seconds": row.seconds,
    }


def cleanlab_row(a: Annotations, scored: Gold) -> dict[str, Any]:
    """ECE of cleanlab's consensus quality score, used as the confidence of its consensus label."""
    from cleanlab.multiannotator import get_label_quality_multiannotator

    if a.n_tasks * a.n_workers > 20_000_000:
        return {"cleanlab_acc": float("nan"), "cleanlab_ece": float("nan")}
    wide = np.full((a.n_tasks, a.n_workers), np.nan)
    wide[a.task, a.worker] = a.label
    keep = a.labels_per_task() > 0
    votes = a.label_counts()[keep] + 1e-3
    shares = votes / votes.sum(axis=1, keepdims=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = get_label_quality_multiannotator(
            pd.DataFrame(wide[keep]), shares, return_annotator_stats=False, verbose=False
        )["label_quality"]
    index = np.full(a.n_tasks, -1)
    index[keep] = np.arange(int(keep.sum()))
    rows = index[scored.task]
    label = result["consensus_label"].to_numpy()[rows]
    score = result["consensus_quality_score"].to_numpy()[rows]
    correct = label == scored.label
    return {"cleanlab_acc": float(correct.mean()), "cleanlab_ece": expected_calibration_error(score, correct)}


def run(name: str, method: str, seed: int, peers: bool) -> list[dict[str, Any]]:
    a, gold_table = load(name)
    given_table, held_table = honeypot_split(gold_table, seed)
    rows = []
    for setting, given, scored in (
        ("no gold", None, to_gold(a, gold_table)),
        (f"{GIVEN_SHARE:.0%} gold", to_gold(a, given_table), to_gold(a, held_table)),
    ):
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            consensus = aggregate(a, method=method, gold=given, random_state=seed)
        row = Row(name, setting, a, given, scored, consensus, time.perf_counter() - started)
        columns = measure(row)
        for hook in ROW_HOOKS:
            columns.update(hook(row))
        if peers:
            columns.update(cleanlab_row(a, scored))
        rows.append(columns)
        print(f"  {name} / {setting}: {columns['seconds']:.1f} s", flush=True)
    return rows


def learn_weights(names: list[str], method: str, seed: int) -> tuple[float, dict[str, float]]:
    """The crowd weight fitted on every dataset, and per dataset the one fitted on all the others.

    Each dataset is fitted once without gold and without the deflation; its posteriors on the gold
    tasks, their vote shares and the gold classes are what ``fit_crowd_weight`` sees.
    """
    saved = calibration_module.CROWD_WEIGHT
    calibration_module.CROWD_WEIGHT = 0.0
    sets = {}
    try:
        for name in names:
            a, gold_table = load(name)
            gold = to_gold(a, gold_table)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                c = aggregate(a, method=method, random_state=seed)
            probas = c.calibrated_probas if c.calibrated_probas is not None else c.probas
            sets[name] = (probas[gold.task], vote_shares(a)[gold.task], gold.label)
    finally:
        calibration_module.CROWD_WEIGHT = saved
    others = {name: fit_crowd_weight([v for k, v in sets.items() if k != name]) for name in names}
    return fit_crowd_weight(list(sets.values())), others


def table(rows: list[dict[str, Any]]) -> str:
    """Markdown table of every row, then the mean per setting of each numeric column."""
    frame = pd.DataFrame(rows)
    numeric = [
        c for c in frame.columns if c not in ("dataset", "setting", "map") and frame[c].dtype.kind == "f"
    ]
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    for _, r in frame.iterrows():
        lines.append("| " + " | ".join(_cell(r[c]) for c in frame.columns) + " |")
    for setting, part in frame.groupby("setting", sort=False):
        means = {c: part[c].mean() for c in numeric}
        cells = [_cell(means[c]) if c in means else "" for c in frame.columns]
        cells[0], cells[1] = "**mean**", str(setting)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return "—" if np.isnan(value) else f"{value:.3f}"
    return str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--datasets", default="", help="comma-separated subset (default: all)")
    parser.add_argument("--method", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-cleanlab", action="store_true")
    parser.add_argument(
        "--lodo",
        action="store_true",
        help="leave-one-dataset-out: each dataset with a crowd weight fitted on the others",
    )
    args = parser.parse_args()
    names = dataset_names(args.datasets)
    if args.lodo:
        everything, others = learn_weights(names, args.method, args.seed)
        print(f"crowd weight fitted on all {len(names)} datasets: {everything:.3f}")
        print("fitted without each one: " + ", ".join(f"{k} {v:.3f}" for k, v in others.items()))
    rows = []
    for name in names:
        if args.lodo:
            calibration_module.CROWD_WEIGHT = others[name]
        rows += run(name, args.method, args.seed, not args.no_cleanlab)
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
