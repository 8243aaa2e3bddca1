"""Accuracy of every labelpact method and every crowd-kit categorical method on the shared real datasets.

Two settings: no gold given; and 10% of the gold tasks given as honeypots (seeded split), scored on
the other 90%. crowd-kit methods that cannot take gold are fitted once and scored on both subsets.
Prints one markdown table per setting: accuracy on gold tasks per dataset, the mean, and seconds.

    python benchmarks/accuracy.py [--datasets a,b] [--no-crowdkit] [--methods auto,ds] [--seed 0]
                                  [--row-order given|sorted|shuffled]

``--row-order`` feeds every method the labels in the file's order, sorted by (worker, label, task), or
shuffled (seeded). labelpact's methods score the same in all three orders (their random draws are keyed by
name, and mmce fits on tasks and workers re-coded in name-key order: ``row_order.py``); crowd-kit 1.4.2's MACE
moves (its per-worker spam counts come out of a groupby sorted by name but are read against arrays in
first-seen order); the best crowd-kit method per dataset in hindsight hardly moves (`docs/accuracy.md`).
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from labelpact.core.aggregators import create
from labelpact.core.annotations import Annotations, Gold
from labelpact.errors import ConvergenceWarning
from shared_data import annotations, dataset_names, honeypot_split, load

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


def score(predicted: dict[str, str], scored: pd.DataFrame) -> float:
    return float(
        np.mean([predicted.get(t) == y for t, y in zip(scored["item"], scored["label"], strict=True)])
    )


def run_ours(
    a: Annotations, given: pd.DataFrame | None, methods: list[str]
) -> dict[str, tuple[dict[str, str], float]]:
    gold = None if given is None else Gold.from_names(a, task=list(given["item"]), label=list(given["label"]))
    out = {}
    for name in methods:
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


def reorder(labels: pd.DataFrame, order: str, seed: int) -> pd.DataFrame:
    """The label rows as given, sorted by (worker, label, task), or shuffled with ``seed``."""
    if order == "sorted":
        return labels.sort_values(["worker", "label", "item"], kind="stable").reset_index(drop=True)
    if order == "shuffled":
        return labels.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return labels


def best_in_hindsight(results: dict[str, dict[str, tuple[float, float]]], prefix: str) -> float:
    """Mean over datasets of the best accuracy among the methods whose name starts with ``prefix``."""
    return float(
        np.mean([max(acc for m, (acc, _) in per.items() if m.startswith(prefix)) for per in results.values()])
    )


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
    parser.add_argument("--methods", default=",".join(OURS), help="labelpact's methods (comma-separated)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--row-order", choices=("given", "sorted", "shuffled"), default="given")
    args = parser.parse_args()
    ours = [m for m in args.methods.split(",") if m]
    names = dataset_names(args.datasets)
    no_gold: dict[str, dict[str, tuple[float, float]]] = {}
    with_gold: dict[str, dict[str, tuple[float, float]]] = {}
    for name in names:
        labels, gold = load(name)
        labels = reorder(labels, args.row_order, args.seed)
        a = annotations(labels)
        given, held = honeypot_split(gold, args.seed)
        print(f"{name}: {a.n_annotations} labels, {a.n_tasks} tasks, {len(gold)} gold", flush=True)
        no_gold[name] = {m: (score(p, gold), s) for m, (p, s) in run_ours(a, None, ours).items()}
        with_gold[name] = {
            f"{m} +gold": (score(p, held), s) for m, (p, s) in run_ours(a, given, ours).items()
        }
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
    if not args.no_crowdkit:
        print(
            f"best crowd-kit method per dataset in hindsight (rows {args.row_order}): "
            f"{best_in_hindsight(no_gold, 'ck '):.4f} no gold, {best_in_hindsight(with_gold, 'ck '):.4f} with gold"
        )


if __name__ == "__main__":
    main()
