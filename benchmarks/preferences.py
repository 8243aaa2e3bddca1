"""Bradley–Terry rank recovery and speed at 10k, 100k and 1M comparisons, against crowd-kit and choix.

Simulates a noisy Davidson–Bradley–Terry delivery (1,000 items, 200 workers, 10% spammers, 10%
left-pickers, ties) and times, in one process: labelpact's ``BradleyTerry`` and ``NoisyBradleyTerry``,
crowd-kit's ``BradleyTerry`` (n_iter=100) and ``NoisyBradleyTerry`` (n_iter=100), choix's
``ilsr_pairwise`` (alpha=0.01). Peers take no ties, so their ties are dropped. Each peer runs in a
child process under a time cap (``--cap`` seconds); a peer past its cap prints as such. Rank
recovery is Kendall's tau and Spearman's rho between fitted and true strengths. ``--real`` also fits
the two pairwise data sets in ``../shared/datasets-llm`` (no truth there: shapes, speed, graph checks).

Run: ``.venv/bin/python benchmarks/preferences.py [--sizes 10000,100000,1000000] [--cap 600] [--real]``
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing as mp
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import kendalltau, spearmanr

from labelpact.core.preferences import (
    BradleyTerry,
    Comparisons,
    NoisyBradleyTerry,
    choice_agreement,
    comparison_graph,
    preference_workers,
    ranking_stability,
    simulate_preferences,
)

DATASETS = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets-llm"


def _peer_frame(c: Comparisons) -> Any:
    import pandas as pd

    keep = c.choice != 2
    winner = np.where(c.choice == 0, c.left, c.right)[keep]
    return pd.DataFrame(
        {"worker": c.worker[keep], "left": c.left[keep], "right": c.right[keep], "label": winner}
    )


def crowdkit_bt(c: Comparisons) -> np.ndarray:
    from crowdkit.aggregation import BradleyTerry as CKBradleyTerry

    scores = CKBradleyTerry(n_iter=100).fit_predict(_peer_frame(c))
    out = np.full(c.n_items, np.nan)
    out[scores.index.to_numpy(dtype=np.intp)] = np.log(np.maximum(scores.to_numpy(dtype=float), 1e-300))
    return out


def crowdkit_noisy_bt(c: Comparisons) -> np.ndarray:
    from crowdkit.aggregation import NoisyBradleyTerry as CKNoisy

    scores = CKNoisy(n_iter=100).fit_predict(_peer_frame(c))
    out = np.full(c.n_items, np.nan)
    out[scores.index.to_numpy(dtype=np.intp)] = scores.to_numpy(dtype=float)
    return out


def choix_ilsr(c: Comparisons) -> np.ndarray:
    import choix

    keep = c.choice != 2
    winner = np.where(c.choice == 0, c.left, c.right)[keep]
    loser = np.where(c.choice == 0, c.right, c.left)[keep]
    return np.asarray(choix.ilsr_pairwise(c.n_items, np.stack([winner, loser], axis=1).tolist(), alpha=0.01))


def ours_bt(c: Comparisons) -> np.ndarray:
    return BradleyTerry().fit(c).strengths_


def ours_noisy(c: Comparisons) -> np.ndarray:
    return NoisyBradleyTerry().fit(c).strengths_


PEERS: dict[str, Callable[[Comparisons], np.ndarray]] = {
    "crowd-kit BradleyTerry": crowdkit_bt,
    "crowd-kit NoisyBT": crowdkit_noisy_bt,
    "choix ilsr_pairwise": choix_ilsr,
}


def _child(fn_name: str, c: Comparisons, queue: Any) -> None:
    fn = PEERS[fn_name]
    start = time.perf_counter()
    result = fn(c)
    queue.put((time.perf_counter() - start, result))


def run_capped(name: str, c: Comparisons, cap: float) -> tuple[float, np.ndarray | None]:
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(name, c, queue))
    proc.start()
    try:
        seconds, result = queue.get(timeout=cap)
    except Exception:
        proc.kill()
        proc.join()
        return cap, None
    proc.join()
    return seconds, result


def recovery(fitted: np.ndarray | None, truth: np.ndarray) -> tuple[float, float]:
    if fitted is None:
        return float("nan"), float("nan")
    ok = np.isfinite(fitted)
    return float(kendalltau(fitted[ok], truth[ok]).statistic), float(
        spearmanr(fitted[ok], truth[ok]).statistic
    )


def simulated(sizes: list[int], cap: float) -> None:
    print("| comparisons | method | Kendall tau | Spearman rho | seconds |")
    print("|---:|---|---:|---:|---:|")
    for n in sizes:
        sim = simulate_preferences(
            n_comparisons=n, n_items=1000, n_workers=200, tie_parameter=0.3, random_state=1
        )
        c = sim.comparisons
        for name, fn in (("labelpact BradleyTerry", ours_bt), ("labelpact NoisyBradleyTerry", ours_noisy)):
            start = time.perf_counter()
            fitted = fn(c)
            seconds = time.perf_counter() - start
            tau, rho = recovery(fitted, sim.strengths)
            print(f"| {n:,} | {name} | {tau:.3f} | {rho:.3f} | {seconds:.2f} |", flush=True)
        for name in PEERS:
            seconds, fitted = run_capped(name, c, cap)
            tau, rho = recovery(fitted, sim.strengths)
            shown = f"{seconds:.2f}" if fitted is not None else f"> {cap:.0f} (stopped)"
            print(f"| {n:,} | {name} | {tau:.3f} | {rho:.3f} | {shown} |", flush=True)


def read_pairs(path: Path) -> Comparisons:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return Comparisons.from_columns(
        task=[r["task"] for r in rows],
        worker=[r["worker"] for r in rows],
        left=[r["left"] for r in rows],
        right=[r["right"] for r in rows],
        choice=[r["choice"] for r in rows],
    )


def real() -> None:
    print(
        "\n| data set | comparisons | items | workers | ties | BT s | NoisyBT s | alpha (nominal) | bootstrap tau | "
        "left-biased workers (p<0.001, n>=20) | graph |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for folder in ("ukpconvarg1_convincingness", "openai_summarize_comparisons"):
        path = DATASETS / folder / "comparisons.csv"
        if not path.exists():
            print(f"| {folder} | (absent) |")
            continue
        c = read_pairs(path)
        start = time.perf_counter()
        bt = BradleyTerry().fit(c)
        bt_s = time.perf_counter() - start
        start = time.perf_counter()
        NoisyBradleyTerry().fit(c)
        nbt_s = time.perf_counter() - start
        alpha = choice_agreement(c, n_bootstrap=200).krippendorff_alpha
        stab = ranking_stability(c, n_bootstrap=20)
        q = preference_workers(c, strengths=bt.strengths_)
        biased = int(np.sum((q.position_bias_p < 1e-3) & (q.n_comparisons >= 20)))
        g = comparison_graph(c)
        graph = f"{g.n_components} components, {g.n_strong} strong, {int(g.unbeaten.sum())} unbeaten"
        print(
            f"| {folder} | {c.n_comparisons:,} | {c.n_items:,} | {c.n_workers:,} | {np.mean(c.choice == 2):.1%} | "
            f"{bt_s:.2f} | {nbt_s:.2f} | {alpha.value:.3f} [{alpha.ci[0]:.3f}, {alpha.ci[1]:.3f}] | "
            f"{stab.kendall_tau.value:.3f} | {biased} | {graph} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--cap", type=float, default=600.0, help="seconds allowed to each peer run")
    parser.add_argument("--real", action="store_true", help="also fit the real pairwise data sets")
    args = parser.parse_args()
    simulated([int(s) for s in args.sizes.split(",") if s], args.cap)
    if args.real:
        real()


if __name__ == "__main__":
    main()
