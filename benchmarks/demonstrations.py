"""Written demonstrations: near-duplicate recall and precision at 100k answers, throughput against
datasketch, and LLM-use signal detection and false-positive rates on simulated workers.

1. Near-duplicates: 100k answers of 30-80 words; 5% are edited copies (0-15% of words replaced) of
   another answer. A planted pair is a true near-duplicate when the exact Jaccard of its 5-gram
   shingle sets reaches the threshold (0.8); recall is the share of those in one cluster, precision
   the share of reported pairs whose exact Jaccard reaches it.
2. Throughput: labelpact's vectorised MinHash + LSH against datasketch's ``MinHash.update_batch`` and
   ``MinHashLSH`` (same shingles, 128 permutations) on ``--datasketch-n`` answers.
3. Signals: ``simulate_demonstrations`` (honest writers, 10% template reusers, 20% LLM pasters of
   whom 30% retype at human speed) scored per answer and per worker at each ``min_signals``.

Run: ``.venv/bin/python benchmarks/demonstrations.py [--n 100000] [--datasketch-n 20000]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from labelpact.core.demonstrations import (
    demonstration_signals,
    minhash_signatures,
    near_duplicates,
    normalise,
    simulate_demonstrations,
)
from labelpact.core.demonstrations.simulate import PLAIN


def corpus(n: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    vocab = np.array(PLAIN + [f"{w}{i}" for w in PLAIN[:60] for i in range(20)])  # ~1,300 words
    lengths = rng.integers(30, 81, n)
    words = [rng.choice(vocab, k) for k in lengths]
    source = np.full(n, -1)
    copies = rng.choice(np.arange(1, n), n // 20, replace=False)
    for i in copies:  # a loop over planted copies: building text
        j = int(rng.integers(0, i))
        edited = words[j].copy()
        swap = rng.random(len(edited)) < rng.uniform(0.0, 0.15)
        edited[swap] = rng.choice(vocab, int(swap.sum()))
        words[i] = edited
        source[i] = j
    return [" ".join(w) for w in words], source


def grams(text: str, k: int = 5) -> set[bytes]:
    raw = normalise(text).encode()
    return {raw[i : i + k] for i in range(len(raw) - k + 1)}


def jaccard(a: str, b: str) -> float:
    x, y = grams(a), grams(b)
    return len(x & y) / max(len(x | y), 1)


def near_duplicate_table(n: int, threshold: float, datasketch_n: int) -> None:
    texts, source = corpus(n)
    start = time.perf_counter()
    sig = minhash_signatures(texts)
    sig_s = time.perf_counter() - start
    start = time.perf_counter()
    result = near_duplicates(sig, threshold=threshold)
    lsh_s = time.perf_counter() - start
    planted = np.flatnonzero(source >= 0)
    truth = [(int(source[i]), int(i)) for i in planted if jaccard(texts[source[i]], texts[i]) >= threshold]
    found = sum(result.cluster[a] >= 0 and result.cluster[a] == result.cluster[b] for a, b in truth)
    pairs = result.pairs
    sample = pairs[np.random.default_rng(1).permutation(len(pairs))[:20_000]]
    precise = sum(jaccard(texts[a], texts[b]) >= threshold for a, b in sample)
    print(
        "| answers | true near-duplicate pairs | recall | reported pairs | precision | signatures s | LSH s | answers/s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {n:,} | {len(truth):,} | {found / max(len(truth), 1):.3f} | {len(pairs):,} | "
        f"{precise / max(len(sample), 1):.3f} | {sig_s:.2f} | {lsh_s:.2f} | {n / (sig_s + lsh_s):,.0f} |"
    )
    try:
        import datasketch
    except ImportError:
        print("\ndatasketch not installed: no throughput comparison")
        return
    subset = texts[:datasketch_n]
    start = time.perf_counter()
    ours = near_duplicates(minhash_signatures(subset), threshold=threshold)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    lsh = datasketch.MinHashLSH(threshold=threshold, num_perm=128)
    hashes = []
    for i, text in enumerate(subset):  # datasketch's API is one object per text
        m = datasketch.MinHash(num_perm=128)
        m.update_batch(list(grams(text)))
        lsh.insert(str(i), m)
        hashes.append(m)
    their_pairs = {
        tuple(sorted((i, int(j)))) for i, m in enumerate(hashes) for j in lsh.query(m) if int(j) != i
    }
    theirs_s = time.perf_counter() - start
    in_truth = {(a, b) for a, b in truth if b < datasketch_n}
    their_recall = len(in_truth & their_pairs) / max(len(in_truth), 1)
    our_recall = sum(ours.cluster[a] >= 0 and ours.cluster[a] == ours.cluster[b] for a, b in in_truth) / max(
        len(in_truth), 1
    )
    print(f"\n| {datasketch_n:,} answers | seconds | answers/s | recall (candidates) |")
    print("|---|---:|---:|---:|")
    print(
        f"| labelpact (numpy MinHash + LSH, verified) | {ours_s:.2f} | {datasketch_n / ours_s:,.0f} | {our_recall:.3f} |"
    )
    print(
        f"| datasketch MinHash + MinHashLSH (unverified candidates) | {theirs_s:.2f} | {datasketch_n / theirs_s:,.0f} | {their_recall:.3f} |"
    )


def signal_table(n_tasks: int) -> None:
    sim = simulate_demonstrations(n_tasks=n_tasks, n_workers=100, writers_per_task=3, random_state=2)
    d = sim.demonstrations
    start = time.perf_counter()
    s = demonstration_signals(d, min_signals=1)
    seconds = time.perf_counter() - start
    llm = sim.llm_answer
    kinds = np.array(sim.kinds)
    print(
        f"\nLLM-use signals on {d.n_answers:,} simulated answers ({seconds:.2f} s, {d.n_answers / seconds:,.0f} answers/s)"
    )
    print("| signal | flagged LLM answers | flagged honest answers (false-positive rate) |")
    print("|---|---:|---:|")
    rows = {
        "too fast (> 8 chars/s)": s.too_fast,
        "paste recorded": s.pasted,
        "chatbot vocabulary (>= 1.5 per 100 words)": s.tell_rate >= 1.5,
        "homogeneous with another worker (Jaccard >= 0.5)": s.homogeneity >= 0.5,
    }
    for k in (1, 2, 3):
        rows[f"{k}+ signals"] = s.llm_signals >= k
    for name, flag in rows.items():
        print(f"| {name} | {flag[llm].mean():.1%} | {flag[~llm].mean():.2%} |")
    print("\n| worker rule | LLM pasters flagged | honest and template workers flagged |")
    print("|---|---:|---:|")
    for k in (2, 3):
        share = np.bincount(d.worker, s.llm_signals >= k, minlength=d.n_workers) / np.bincount(
            d.worker, minlength=d.n_workers
        )
        for cut in (0.3, 0.5):
            flag = share >= cut
            print(
                f"| >= {cut:.0%} of answers with {k}+ signals | {flag[kinds == 'llm'].mean():.1%} | {flag[kinds != 'llm'].mean():.1%} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--datasketch-n", type=int, default=20_000)
    parser.add_argument("--signal-tasks", type=int, default=5_000)
    args = parser.parse_args()
    near_duplicate_table(args.n, args.threshold, args.datasketch_n)
    signal_table(args.signal_tasks)


if __name__ == "__main__":
    main()
