"""Near-duplicate answers by MinHash and locality-sensitive hashing, vectorised over the whole corpus.

Broder (1997), "On the resemblance and containment of documents": the share of equal minima under
random hash permutations estimates the Jaccard similarity of two shingle sets. Texts are normalised
(lower case, punctuation to spaces, whitespace collapsed) and cut into byte k-grams; the k-gram
hashes, the hash functions and the per-text minima are numpy operations over one concatenated buffer,
so there is no Python loop over shingles. Banding follows Leskovec, Rajaraman and Ullman (2014,
*Mining of Massive Datasets*, ch. 3) with the band count chosen as datasketch does (equal weights on
false positives and false negatives at the threshold).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from labelpact.core.annotations import FloatArray, IntArray
from labelpact.errors import InvalidInputError

__all__ = ["NearDuplicates", "lsh_bands", "minhash_signatures", "near_duplicates", "normalise"]

U32Array = npt.NDArray[np.uint32]
EMPTY = np.uint32(0xFFFFFFFF)
_PUNCT = re.compile(r"[^\w\s]+")


def normalise(text: str) -> str:
    """Lower case, punctuation to spaces, whitespace collapsed: what near-duplicates should ignore."""
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


def _shingles(texts: Sequence[str], k: int) -> tuple[npt.NDArray[np.uint64], IntArray]:
    """32-bit hashes of every byte k-gram (as uint64) and the text each belongs to."""
    encoded = [normalise(t).encode("utf-8") for t in texts]
    lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    buffer = np.frombuffer(b"".join(encoded), dtype=np.uint8).astype(np.uint64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    n_grams = np.maximum(lengths - k + 1, 0)
    n = len(buffer) - k + 1
    if n <= 0 or not n_grams.any():
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.intp)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):  # a loop over the k bytes of a gram, each step vectorised over the corpus
        h = h * np.uint64(1_000_003) + buffer[j : j + n]
    h = (h * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(32)  # Fibonacci hashing to 32 bits
    doc = np.repeat(np.arange(len(texts), dtype=np.intp), n_grams)
    offset = np.arange(len(doc)) - np.repeat(np.cumsum(n_grams) - n_grams, n_grams)
    return h[starts[doc] + offset], doc


def minhash_signatures(
    texts: Sequence[str], *, num_perm: int = 128, k: int = 5, seed: int = 1, block: int = 1 << 14
) -> U32Array:
    """MinHash signatures, shape (n_texts, num_perm); a text shorter than ``k`` gets all ``0xFFFFFFFF``."""
    if num_perm < 1 or k < 1:
        raise InvalidInputError("num_perm >= 1 and k >= 1", got=f"{num_perm}, {k}")
    rng = np.random.default_rng(seed)
    # multiply-shift hashing (Dietzfelbinger et al. 1997): (a x + b) mod 2^64, top 32 bits; a odd.
    # It is 2-universal like datasketch's (a x + b) mod (2^61 - 1) but needs no division.
    a = rng.integers(0, 1 << 63, num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 1 << 63, num_perm, dtype=np.uint64)
    hashes, doc = _shingles(texts, k)
    if len(hashes):  # a shingle repeated within a text changes no minimum: drop repeats first
        key = np.sort((doc.astype(np.uint64) << np.uint64(32)) | hashes)
        key = key[np.r_[True, key[1:] != key[:-1]]]
        doc, hashes = (key >> np.uint64(32)).astype(np.intp), key & np.uint64(0xFFFFFFFF)
    out = np.full((len(texts), num_perm), EMPTY, dtype=np.uint32)
    for lo in range(0, len(hashes), block):  # blocks bound memory at block x num_perm
        h, d = hashes[lo : lo + block], doc[lo : lo + block]
        permuted = ((a[:, None] * h[None, :] + b[:, None]) >> np.uint64(32)).astype(np.uint32)
        first = np.flatnonzero(np.r_[True, d[1:] != d[:-1]])
        minima = np.minimum.reduceat(permuted, first, axis=1)  # (num_perm, texts in block), contiguous
        out[d[first]] = np.minimum(out[d[first]], minima.T)
    return out


def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) minimising false positives below and false negatives above ``threshold``."""
    if not 0.0 < threshold < 1.0:
        raise InvalidInputError("a Jaccard threshold strictly between 0 and 1", got=repr(threshold))
    best, best_cost = (1, num_perm), np.inf
    below = np.linspace(0.0, threshold, 201)[None, :]
    above = np.linspace(threshold, 1.0, 201)[None, :]
    for bands in range(1, num_perm + 1):  # every (bands, rows) with bands * rows <= num_perm
        rows = np.arange(1, num_perm // bands + 1)[:, None]
        fp = np.atleast_1d(np.trapezoid(1 - (1 - below**rows) ** bands, below, axis=1))
        fn = np.atleast_1d(np.trapezoid((1 - above**rows) ** bands, above, axis=1))
        cost = fp + fn
        k = int(np.argmin(cost))
        if cost[k] < best_cost:
            best, best_cost = (bands, k + 1), float(cost[k])
    return best


@dataclass(frozen=True, slots=True)
class NearDuplicates:
    """Clusters of near-duplicate texts: ``cluster`` (n_texts,) is -1 for a text with no near-duplicate.

    ``pairs`` (n_pairs, 2) are the candidate pairs whose estimated Jaccard ``similarity`` reached the
    ``threshold``; clusters are their connected components. ``measured`` (n_texts,) is False for a text
    too short to hold one shingle ("Yes", "42", a blank): it has no signature, so whether it near-duplicates
    another text cannot be measured (it is never put in a cluster).
    """

    cluster: IntArray
    pairs: IntArray
    similarity: FloatArray
    threshold: float
    n_clusters: int
    measured: npt.NDArray[np.bool_]

    @property
    def duplicated(self) -> npt.NDArray[np.bool_]:
        return self.cluster >= 0

    @property
    def n_measured(self) -> int:
        """How many texts could be compared at all; 0 means near-duplicates cannot be measured."""
        return int(self.measured.sum())


def near_duplicates(
    signatures: U32Array, *, threshold: float = 0.8, bands: tuple[int, int] | None = None
) -> NearDuplicates:
    """Cluster texts whose MinHash signatures (n_texts, num_perm) estimate a Jaccard >= ``threshold``.

    Within each band bucket every member is linked to the bucket's first and next member (O(n) edges
    per band however large the bucket), then each link is verified on the full signature. The bands
    are tuned for ``threshold - 0.1`` unless ``bands`` (count, rows) is given.
    """
    n, num_perm = signatures.shape
    # bands tuned 0.1 below the threshold find more of the pairs near it; verification keeps precision
    n_bands, rows = bands if bands is not None else lsh_bands(max(threshold - 0.1, 0.05), num_perm)
    usable = ~np.all(signatures == EMPTY, axis=1)
    ids = np.flatnonzero(usable)
    sig = signatures[ids].astype(np.uint64)
    edges_a: list[IntArray] = []
    edges_b: list[IntArray] = []
    weights = np.random.default_rng(0).integers(1, 1 << 62, rows, dtype=np.uint64)
    for band in range(n_bands):  # a loop over bands, each vectorised over texts
        key = sig[:, band * rows : (band + 1) * rows] @ weights  # wraps mod 2^64: a hash of the band
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        new_run = np.ones(len(order), dtype=bool)  # no usable text: no runs (np.r_[True, ...] would make one)
        new_run[1:] = sorted_key[1:] != sorted_key[:-1]
        run_start = order[np.maximum.accumulate(np.where(new_run, np.arange(len(order)), 0))]
        same = ~new_run
        edges_a += [run_start[same], order[:-1][same[1:]]]
        edges_b += [order[same], order[1:][same[1:]]]
    if edges_a:
        a = np.concatenate(edges_a)
        b = np.concatenate(edges_b)
    else:
        a = b = np.zeros(0, dtype=np.intp)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pair_key = np.unique(lo.astype(np.int64) * max(len(ids), 1) + hi)
    lo, hi = pair_key // max(len(ids), 1), pair_key % max(len(ids), 1)
    similarity = np.zeros(len(lo))
    for start in range(0, len(lo), 1 << 16):  # blocks bound memory
        s = slice(start, start + (1 << 16))
        similarity[s] = np.mean(sig[lo[s]] == sig[hi[s]], axis=1)
    keep = similarity >= threshold
    lo, hi, similarity = ids[lo[keep]], ids[hi[keep]], similarity[keep]
    graph = sparse.coo_matrix((np.ones(len(lo)), (lo, hi)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    size = np.bincount(labels, minlength=n)
    in_cluster = size[labels] > 1
    uniq, cluster = np.unique(np.where(in_cluster, labels, -1), return_inverse=True)
    cluster = cluster.reshape(-1) - (1 if len(uniq) and uniq[0] == -1 else 0)
    cluster[~in_cluster] = -1
    return NearDuplicates(
        cluster=cluster.astype(np.intp),
        pairs=np.stack([lo, hi], axis=1).astype(np.intp),
        similarity=similarity,
        threshold=threshold,
        n_clusters=int(cluster.max()) + 1 if in_cluster.any() else 0,
        measured=usable,
    )
