"""Minimax conditional entropy (``mmce``) on the shared real datasets, beside DS, pooled DS and ``auto``; and
``auto`` with ``mmce`` among its candidates, judged leave-one-dataset-out.

    python benchmarks/minimax_entropy.py methods [--seed 0]     # accuracy, no gold and 10% gold
    python benchmarks/minimax_entropy.py auto                   # auto's candidate sets, no gold; LODO
    python benchmarks/minimax_entropy.py speed [--tasks 100000] # seconds against DS on a simulated delivery

In ``auto``, ``mmce`` runs with the penalties its own held-out-label choice picked on the whole dataset (no
gold), fixed, so that auto's refits do not repeat that choice. Results are also written as JSON to --out.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from labelpact.core.aggregators import Aggregator, Auto, DawidSkene, MinimaxEntropy, auto
from labelpact.core.annotations import Annotations, Gold
from shared_data import annotations, dataset_names, honeypot_split
from shared_data import load as load_frames

Model = TypeVar("Model", bound=Aggregator)
BASE = ("ds", "glad", "mace")
VARIANTS = {
    "ds+glad+mace": BASE,
    "+mmce": (*BASE, "mmce"),
    "mmce for ds": ("mmce", "glad", "mace"),
    "mmce for glad": ("ds", "mmce", "mace"),
    "mmce for mace": ("ds", "glad", "mmce"),
}


def load(name: str) -> tuple[Annotations, pd.DataFrame]:
    labels, gold = load_frames(name)
    return annotations(labels), gold


def coded(a: Annotations, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    position = {t: i for i, t in enumerate(a.tasks)}
    classes = {c: i for i, c in enumerate(a.classes)}
    return np.array([position[t] for t in frame["item"]]), np.array(
        [classes.get(y, -1) for y in frame["label"]]
    )


def timed(model: Model, a: Annotations, gold: Gold | None) -> tuple[Model, float]:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(a, gold)
    return model, time.perf_counter() - start


def methods(names: list[str], seed: int) -> dict[str, dict[str, dict[str, float]]]:
    factories: dict[str, Callable[[], Aggregator]] = {
        "ds": DawidSkene,
        "ds pooled": lambda: DawidSkene(pooling=1.0),
        "mmce": lambda: MinimaxEntropy(),
        "mmce defaults": lambda: MinimaxEntropy(penalty_scales=(1.0,)),
        "auto": Auto,
    }
    out: dict[str, dict[str, dict[str, float]]] = {"no gold": {}, "10% gold": {}}
    for name in names:
        a, gold = load(name)
        given, held = honeypot_split(gold, seed)
        g_task, g_label = coded(a, given)
        anchors = Gold(task=g_task, label=g_label)
        for setting, scored, anchor in (("no gold", gold, None), ("10% gold", held, anchors)):
            task, label = coded(a, scored)
            row = out[setting].setdefault(name, {})
            for method, factory in factories.items():
                model, seconds = timed(factory(), a, anchor)
                row[method] = float(np.mean(model.probas_[task].argmax(axis=1) == label))
                row[method + " s"] = seconds
                if method == "mmce":
                    row["mmce scale"] = model.worker_penalty_ / (0.25 * a.n_classes**2)
            print(setting, name, {k: round(v, 3) for k, v in row.items()}, flush=True)
    return out


def auto_variants(names: list[str]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name in names:
        a, gold = load(name)
        task, label = coded(a, gold)
        chosen, _ = timed(MinimaxEntropy(), a, None)
        penalties = {"worker_penalty": chosen.worker_penalty_, "task_penalty": chosen.task_penalty_}
        factory: Callable[[int | None], Aggregator] = lambda seed, p=penalties: MinimaxEntropy(**p)  # noqa: E731
        auto.CANDIDATES["mmce"] = auto.ALL["mmce"] = factory
        out[name] = {}
        for variant, candidates in VARIANTS.items():
            model, _ = timed(Auto(candidates=candidates), a, None)
            out[name][variant] = float(np.mean(model.probas_[task].argmax(axis=1) == label))
            out[name][variant + " default"] = float(model.default_ == "average")
        print(name, out[name], flush=True)
    return out


def leave_one_out(per: dict[str, dict[str, float]], variants: list[str]) -> tuple[float, dict[str, str]]:
    """Mean accuracy of the rule 'the variant with the best mean on the other eight', scored on the ninth."""
    picks, scores = {}, []
    for held in per:
        rest = [d for d in per if d != held]
        best = max(variants, key=lambda v: float(np.mean([per[d][v] for d in rest])))  # first wins a tie
        picks[held] = best
        scores.append(per[held][best])
    return float(np.mean(scores)), picks


def speed(n_tasks: int, repeats: int) -> None:
    from labelpact.simulate import simulate_delivery

    sim = simulate_delivery(n_tasks=n_tasks, n_workers=max(50, n_tasks // 100), n_classes=4, seed=0)
    a = sim.annotations
    print(f"{a.n_annotations:,} labels, {a.n_tasks:,} tasks, {a.n_workers:,} workers, K = {a.n_classes}")
    for label, factory in (
        ("ds", DawidSkene),
        ("mmce (held-out penalty choice)", MinimaxEntropy),
        ("mmce (fixed penalties)", lambda: MinimaxEntropy(penalty_scales=(1.0,))),
    ):
        fits = [timed(factory(), a, None) for _ in range(repeats)]
        model, best = fits[0][0], min(seconds for _, seconds in fits)
        accuracy = float(np.mean(model.probas_.argmax(axis=1) == sim.truth))
        print(
            f"{label}: {best:.2f} s (min of {repeats}), {model.n_iter_} iterations, accuracy {accuracy:.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["methods", "auto", "speed"])
    parser.add_argument("--datasets", default="")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.mode == "speed":
        speed(args.tasks, args.repeats)
        return
    names = dataset_names(args.datasets)
    if args.mode == "methods":
        result: object = methods(names, args.seed)
        for setting, per in result.items():  # type: ignore[attr-defined]
            columns = [c for c in next(iter(per.values())) if not c.endswith(" s") and c != "mmce scale"]
            print(f"\n### {setting}\n\n| method | " + " | ".join(names) + " | mean |")
            print("|---" * (len(names) + 2) + "|")
            for c in columns:
                cells = [per[d][c] for d in names]
                print(f"| {c} | " + " | ".join(f"{x:.3f}" for x in cells) + f" | {np.mean(cells):.3f} |")
    else:
        result = per = auto_variants(names)
        variants = list(VARIANTS)
        print("\n| auto candidates | " + " | ".join(names) + " | mean |")
        print("|---" * (len(names) + 2) + "|")
        for v in variants:
            cells = [per[d][v] for d in names]
            print(f"| {v} | " + " | ".join(f"{x:.3f}" for x in cells) + f" | {np.mean(cells):.3f} |")
        for pool in (variants, variants[:2]):
            lodo, picks = leave_one_out(per, pool)
            print(f"\nLODO over {pool}: {lodo:.4f}; picks {picks}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
