"""The audit's error-rate estimate against the truth on the shared real datasets, with and without gold.

For each dataset: the consensus (``auto``) and the audit's error-rate estimate (``services.audit``) with
no gold, and with 10% of the gold tasks given (seeded split) while the other 90% are the truth. Prints
the true error of the consensus, the estimate and its 95% interval, whether the interval covers the
truth, whether the estimate is verified, and the ``quality.max_error_rate`` outcome against a 10% limit
under the default evidence rule (``error_evidence = "gold-or-sample"``) and under ``"model"``.
The estimate is the audit's: gold scored by the consensus's own out-of-fold fits (``--cross-fit``: PPI
with this module's refits instead, slower).

    python benchmarks/error_rate.py [--datasets a,b] [--seeds 0] [--limit 0.10]
    python benchmarks/error_rate.py --spread   # how far each method's model-only estimate misses, in log-odds

``--spread`` fits every registry method without gold on every dataset and prints the miss of its
model-only estimate, logit(estimate) - logit(true error), the widest miss (``core.error_rate.MODEL_SPREAD``
is the widest over all methods) and, leaving each dataset out in turn, whether the widest miss on the
others would have covered it.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from labelpact.contracts.contract import parse_contract
from labelpact.contracts.verdict import QualityEvidence, error_rate_reasons
from labelpact.core.acceptance import acceptance_probability, sampling_plan
from labelpact.core.aggregators import METHOD_NAMES
from labelpact.core.annotations import Annotations, Gold
from labelpact.core.consensus import aggregate, consensus_codes
from labelpact.core.consensus_error import error_rate_of, gold_check
from labelpact.core.error_rate import MODEL_SPREAD, ErrorRate
from labelpact.errors import ConvergenceWarning
from shared_data import annotations, dataset_names
from shared_data import load as load_frames


def outcome(estimate: ErrorRate, n_tasks: int, limit: float, evidence: str) -> str:
    contract = parse_contract(f'[quality]\nmax_error_rate = {limit}\nerror_evidence = "{evidence}"\n')
    plan = sampling_plan(max(n_tasks, 1), aql=1.0)
    e = QualityEvidence(
        n_tasks=n_tasks,
        n_workers=0,
        gold_accuracy=None,
        gold_accuracy_ci=None,
        n_gold=0,
        agreement=None,
        agreement_ci=None,
        error_rate=estimate.value,
        error_rate_ci=estimate.ci,
        error_source=estimate.source,
        n_flagged_workers=0,
        n_scored_workers=0,
        acceptance_probability=acceptance_probability(plan, min(max(estimate.value, 0.0), 1.0)),
        error_verified=estimate.verified,
    )
    return next(r.outcome for r in error_rate_reasons(e, contract) if r.clause == "quality.max_error_rate")


def run(name: str, seed: int, share: float, limit: float, cross_fit: bool) -> dict[str, object]:
    labels, gold = load_frames(name)
    a = annotations(labels)
    order = np.random.default_rng(seed).permutation(len(gold))
    n_given = max(1, round(share * len(gold))) if share > 0 else 0
    given, held = gold.iloc[order[:n_given]], gold.iloc[order[n_given:]]
    anchors = Gold.from_names(a, task=list(given["item"]), label=list(given["label"])) if n_given else None
    truth = Gold.from_names(a, task=list(held["item"]), label=list(held["label"]))
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        c = aggregate(a, method="auto", gold=anchors)
        codes = consensus_codes(a, c.probas)
        held_out = c.held_out.value if c.held_out is not None else None
        check = gold_check(a, anchors, method="auto", random_state=seed) if cross_fit and anchors else None
    estimate = error_rate_of(a, c, codes, anchors, check=check, held_out_accuracy=held_out)
    seconds = time.perf_counter() - started
    scored = truth.task[codes[truth.task] >= 0]
    true_error = float(np.mean(codes[scored] != truth.as_dense(a.n_tasks)[scored]))
    lo, hi = estimate.ci
    return {
        "dataset": name,
        "gold": f"{share:.0%}",
        "true": true_error,
        "estimate": estimate.value,
        "lo": lo,
        "hi": hi,
        "covered": lo <= true_error <= hi,
        "verified": estimate.verified,
        "clause": outcome(estimate, int((codes >= 0).sum()), limit, "gold-or-sample"),
        "clause_model": outcome(estimate, int((codes >= 0).sum()), limit, "model"),
        "bad_pass": true_error > limit + 0.02
        and outcome(estimate, int((codes >= 0).sum()), limit, "gold-or-sample") == "met",
        "seconds": seconds,
    }


def load(name: str) -> tuple[Annotations, Gold]:
    labels, gold = load_frames(name)
    a = annotations(labels)
    return a, Gold.from_names(a, task=list(gold["item"]), label=list(gold["label"]))


def miss(name: str, method: str) -> tuple[float, float]:
    """True error of ``method``'s consensus on all gold, and the log-odds miss of its model-only estimate."""
    a, truth = load(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        c = aggregate(a, method=method)
    codes = consensus_codes(a, c.probas)
    estimate = error_rate_of(a, c, codes, None, check=None)
    scored = truth.task[codes[truth.task] >= 0]
    true_error = float(np.mean(codes[scored] != truth.as_dense(a.n_tasks)[scored]))
    est, tru = (float(np.clip(x, 1e-3, 1 - 1e-3)) for x in (estimate.value, true_error))
    return true_error, float(np.log(est / (1 - est)) - np.log(tru / (1 - tru)))


def spread_table(names: list[str]) -> None:
    misses = {(m, n): miss(n, m)[1] for m in METHOD_NAMES for n in names}
    print("| method | " + " | ".join(names) + " | widest |\n|---|" + "---|" * (len(names) + 1))
    for m in METHOD_NAMES:
        row = [misses[(m, n)] for n in names]
        print(f"| {m} | " + " | ".join(f"{x:+.2f}" for x in row) + f" | {max(map(abs, row)):.2f} |")
    widest = max(abs(x) for x in misses.values())
    within = sum(abs(x) <= MODEL_SPREAD for x in misses.values())
    print(
        f"\nwidest miss {widest:.3f}; within the shipped MODEL_SPREAD ({MODEL_SPREAD}): "
        f"{within} of {len(misses)} method x dataset pairs"
    )
    if len(names) < 2:
        return
    left_out = {n: max(abs(x) for (m, o), x in misses.items() if o != n) for n in names}
    covered = sum(abs(misses[(m, n)]) <= left_out[n] for m in METHOD_NAMES for n in names)
    print(f"each dataset left out, covered by the others' widest: {covered} of {len(misses)} pairs")
    for n in names:
        print(f"  without {n}: widest {left_out[n]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--datasets", default="", help="comma-separated subset (default: all)")
    parser.add_argument("--seeds", default="0", help="comma-separated split seeds")
    parser.add_argument("--limit", type=float, default=0.10)
    parser.add_argument("--shares", default="0,0.1", help="comma-separated shares of gold given")
    parser.add_argument(
        "--cross-fit", action="store_true", help="also refit per gold fold here (PPI; the audit does not)"
    )
    parser.add_argument("--spread", action="store_true", help="each method's model-only miss, no gold")
    args = parser.parse_args()
    names = dataset_names(args.datasets)
    if args.spread:
        spread_table(names)
        return
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        for name in names:
            for share in (float(x) for x in args.shares.split(",")):
                rows.append(run(name, seed, share, args.limit, args.cross_fit) | {"seed": seed})
                r = rows[-1]
                print(
                    f"{name} seed {seed} gold {r['gold']}: true {r['true']:.3f}, estimate {r['estimate']:.3f} "
                    f"[{r['lo']:.3f}, {r['hi']:.3f}] {'covered' if r['covered'] else 'MISSED'} ({r['seconds']:.1f} s)",
                    flush=True,
                )
    frame = pd.DataFrame(rows)
    print(f"\n### error-rate estimate vs truth, limit {args.limit:.0%}\n")
    print(
        "| dataset | gold | true error | estimate | 95% interval | covered | verified | clause (default) "
        "| clause (model) |\n|---|---|---|---|---|---|---|---|---|"
    )
    for r in rows:
        print(
            f"| {r['dataset']} | {r['gold']} | {r['true']:.1%} | {r['estimate']:.1%} | "
            f"{r['lo']:.1%} to {r['hi']:.1%} | {'yes' if r['covered'] else 'no'} | "
            f"{'yes' if r['verified'] else 'no'} | {r['clause']} | {r['clause_model']} |"
        )
    for share, part in frame.groupby("gold"):
        print(
            f"\ngold {share}: covered {int(part['covered'].sum())} of {len(part)}; "
            f"mean |estimate - true| {float((part['estimate'] - part['true']).abs().mean()):.3f}; "
            f"clause met although true error > limit + 2 points: {int(part['bad_pass'].sum())}; "
            f"seconds {float(part['seconds'].sum()):.1f}"
        )


if __name__ == "__main__":
    main()
