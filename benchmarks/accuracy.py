"""Accuracy of every labelpact method and every crowd-kit categorical method on the shared real datasets.

Two settings: no gold given; and 10% of the gold tasks given as honeypots (seeded split), scored on
the other 90%. crowd-kit methods that cannot take gold are fitted once and scored on both subsets.
Prints one markdown table per setting: accuracy on gold tasks per dataset, the mean, and seconds.

    python benchmarks/accuracy.py [--datasets a,b] [--no-crowdkit] [--seed 0]
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from labelpact.core.aggregators import create
from labelpact.core.annotations import Annotations, Gold
from labelpact.errors import ConvergenceWarning

DATASETS = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"
OURS = ["mv", "wawa", "ds", "one-coin-ds", "glad", "mace", "ebcc", "mmce", "auto"]


def crowdkit_methods() -> dict[str, tuple[Callable[[], Any], bool]]:
    """name -> (factory, takes gold)."""
    from crowdkit import aggregation as ck

    return {
        "ck MV": (ck.MajorityVote, False),
        "ck Wawa": (ck.Wawa, False),
        "ck DS": (lambda: ck.DawidSkene(n_iter=100), True),
        "ck OneCoinDS": (lambda: ck.OneCoinDawidSkene(n_iter=100), False),
        "ck GLAD": (ck.GLAD, False),
        "ck MACE": (ck.MACE, False),
        "ck MMSR": (ck.MMSR, False),
        "ck ZeroBasedSkill": (ck.ZeroBasedSkill, False),
        "ck KOS": (ck.KOS, False),
        "ck GoldMV": (ck.GoldMajorityVote, True),
    }


def load(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    labels = pd.read_csv(DATASETS / name / "labels.csv", dtype=str)
    gold = pd.read_csv(DATASETS / name / "gold.csv", dtype=str)
    return labels, gold


def honeypot_split(gold: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """10% of gold tasks given (at least one), the rest held out for scoring."""
    order = np.random.default_rng(seed).permutation(len(gold))
    n_given = max(1, round(0.1 * len(gold)))
    return gold.iloc[order[:n_given]], gold.iloc[order[n_given:]]


def score(predicted: dict[str, str], scored: pd.DataFrame) -> float:
    return float(
        np.mean([predicted.get(t) == y for t, y in zip(scored["item"], scored["label"], strict=True)])
    )


def run_ours(a: Annotations, given: pd.DataFrame | None) -> dict[str, tuple[dict[str, str], float]]:
    gold = None if given is None else Gold.from_names(a, task=list(given["item"]), label=list(given["label"]))
    out = {}
    for name in OURS:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = create(name).fit(a, gold)
        out[name] = (dict(zip(a.tasks, model.labels_.tolist(), strict=True)), time.perf_counter() - start)
    return out


def run_crowdkit(
    labels: pd.DataFrame, given: pd.DataFrame | None, gold_only: bool
) -> dict[str, tuple[dict[str, str], float]]:
    data = labels.rename(columns={"item": "task"})[["task", "worker", "label"]]
    true = None if given is None else pd.Series(list(given["label"]), index=list(given["item"]))
    out: dict[str, tuple[dict[str, str], float]] = {}
    for name, (factory, takes_gold) in crowdkit_methods().items():
        if gold_only != takes_gold or (takes_gold and true is None and name == "ck GoldMV"):
            continue
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = factory()
                result = (
                    model.fit_predict(data, true)
                    if (takes_gold and true is not None)
                    else model.fit_predict(data)
                )
        except Exception as error:  # a peer method that refuses a dataset (KOS is binary only)
            print(f"  {name}: {type(error).__name__}: {str(error)[:80]}")
            continue
        out[name] = ({str(k): str(v) for k, v in result.items()}, time.perf_counter() - start)
    return out


def table(title: str, results: dict[str, dict[str, tuple[float, float]]], datasets: list[str]) -> str:
    methods = list(dict.fromkeys(m for per in results.values() for m in per))
    head = ["method", *datasets, "mean", "seconds"]
    lines = [f"### {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for m in methods:
        accs = [results[d][m][0] if m in results[d] else np.nan for d in datasets]
        secs = sum(results[d][m][1] for d in datasets if m in results[d])
        mean = np.nanmean(accs) if all(not np.isnan(x) for x in accs) else np.nan
        cells = ["—" if np.isnan(x) else f"{x:.3f}" for x in [*accs, mean]]
        lines.append(f"| {m} | " + " | ".join(cells) + f" | {secs:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="", help="comma-separated subset (default: all)")
    parser.add_argument("--no-crowdkit", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not DATASETS.exists():
        raise SystemExit(f"shared datasets not found at {DATASETS}")
    names = (
        args.datasets.split(",")
        if args.datasets
        else sorted(p.name for p in DATASETS.iterdir() if p.is_dir())
    )
    no_gold: dict[str, dict[str, tuple[float, float]]] = {}
    with_gold: dict[str, dict[str, tuple[float, float]]] = {}
    for name in names:
        labels, gold = load(name)
        a = Annotations.from_columns(task=labels["item"], worker=labels["worker"], label=labels["label"])
        given, held = honeypot_split(gold, args.seed)
        print(f"{name}: {a.n_annotations} labels, {a.n_tasks} tasks, {len(gold)} gold", flush=True)
        no_gold[name] = {m: (score(p, gold), s) for m, (p, s) in run_ours(a, None).items()}
        with_gold[name] = {f"{m} +gold": (score(p, held), s) for m, (p, s) in run_ours(a, given).items()}
        if not args.no_crowdkit:
            for m, (p, s) in run_crowdkit(labels, None, gold_only=False).items():
                no_gold[name][m] = (score(p, gold), s)
                with_gold[name][m] = (score(p, held), s)
            for m, (p, s) in run_crowdkit(labels, None, gold_only=True).items():
                no_gold[name][m] = (score(p, gold), s)
            for m, (p, s) in run_crowdkit(labels, given, gold_only=True).items():
                with_gold[name][f"{m} +gold"] = (score(p, held), s)
    print()
    print(table("No gold: accuracy on all gold tasks", no_gold, names))
    print()
    print(
        table(
            f"10% of gold tasks as honeypots (seed {args.seed}): accuracy on the other 90%", with_gold, names
        )
    )
    print("\ncrowd-kit methods without '+gold' cannot use honeypots; their labels are the no-gold ones.")


if __name__ == "__main__":
    main()
