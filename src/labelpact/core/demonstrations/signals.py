"""Findings on written demonstrations: near-duplicates, templates, impossible speed, quality rules, and
LLM-use *signals*.

Every LLM-use signal here is circumstantial (fast typing, paste events, chatbot vocabulary, answers
that look like other workers' answers to the same task): each has a false-positive rate measured on
simulated honest workers (``benchmarks/demonstrations.py``) and none is a verdict about a person on its
own. The vocabulary is the excess-word list of Kobak et al. (2024, arXiv:2406.07016, "Delving into
ChatGPT usage in academic writing through excess vocabulary") and Liang et al. (2024, ICML, "Monitoring
AI-modified content at scale"); the quality rules are prose rules after the Gopher filters (Rae et al.
2021, arXiv:2112.11446, appendix A) scaled to answers, on words of any script (``words.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import FloatArray, IntArray
from labelpact.core.demonstrations.demonstrations import Demonstrations
from labelpact.core.demonstrations.minhash import NearDuplicates, minhash_signatures, near_duplicates
from labelpact.core.demonstrations.words import answer_words, quality_reasons
from labelpact.errors import InvalidInputError

__all__ = ["TELL_WORDS", "DemonstrationSignals", "demonstration_signals"]

BoolArray = npt.NDArray[np.bool_]

TELL_WORDS: tuple[str, ...] = (
    "delve", "delves", "delving", "tapestry", "intricate", "multifaceted", "meticulous", "meticulously",
    "commendable", "pivotal", "realm", "showcasing", "showcases", "underscores", "underscore", "notably",
    "furthermore", "moreover", "additionally", "crucial", "comprehensive", "nuanced", "foster", "fostering",
    "leverage", "leveraging", "navigate", "navigating", "landscape", "seamless", "seamlessly", "robust",
    "testament", "embark", "vibrant", "invaluable", "paramount", "holistic", "elevate", "unwavering",
)  # fmt: skip
TELL_PHRASES: tuple[str, ...] = (
    "it's important to note", "it is important to note", "in conclusion", "as an ai", "i hope this helps",
    "certainly!", "great question", "let's dive", "in summary", "overall,", "here's a", "here's an",
    "here are some",
)  # fmt: skip
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_MARKDOWN = re.compile(r"(^|\n)\s*(#{1,6} |[-*] |\d+\. )|\*\*[^*]+\*\*")


@dataclass(frozen=True, slots=True)
class DemonstrationSignals:
    """Per answer (n_answers,) measurements and flags, and per worker (n_workers,) shares.

    ``chars_per_second`` is NaN without a duration (infinite at 0 s); ``too_fast`` when above ``typing_cps``;
    ``pasted`` when the tool recorded a paste; ``tell_rate`` chatbot-vocabulary hits per 100 words;
    ``homogeneity`` the highest estimated Jaccard with another worker's answer to the same task;
    ``templated`` when the answer shares a sentence of 6+ words with the same worker's answers to at
    least ``template_min - 1`` other tasks; ``quality`` a tuple of reasons per answer (empty when none). ``llm_signals`` counts the LLM-use
    signals an answer carries (fast, pasted, tells, homogeneous); ``llm_suspect`` is
    ``llm_signals >= min_signals``. Worker shares are over the worker's answers.
    """

    n_words: IntArray
    chars_per_second: FloatArray
    too_fast: BoolArray
    pasted: BoolArray
    tell_rate: FloatArray
    markdown: BoolArray
    homogeneity: FloatArray
    near_duplicates: NearDuplicates
    within_worker_duplicate: BoolArray
    across_worker_duplicate: BoolArray
    templated: BoolArray
    quality: tuple[tuple[str, ...], ...]
    llm_signals: IntArray
    llm_suspect: BoolArray
    worker_suspect_share: FloatArray
    worker_template_share: FloatArray
    workers: tuple[str, ...]


def _templated(d: Demonstrations, template_min: int) -> BoolArray:
    """Answers sharing a 6+ word sentence with the same worker's answers to ``template_min - 1`` other tasks."""
    answer, keys = [], []
    for i, text in enumerate(d.text):  # sentence splitting is string work, one pass over the texts
        for sentence in _SENTENCE.split(text):
            words = answer_words(sentence.lower())
            if len(words) >= 6:
                answer.append(i)
                keys.append(hash(" ".join(words)))
    out = np.zeros(d.n_answers, dtype=bool)
    if not answer:
        return out
    idx = np.array(answer, dtype=np.intp)
    _, sentence = np.unique(np.array(keys, dtype=np.int64), return_inverse=True)
    sentence = sentence.reshape(-1).astype(np.int64)
    # distinct (worker, sentence, task) triples, then how many tasks each (worker, sentence) spans
    cell = (d.worker[idx].astype(np.int64) * (int(sentence.max()) + 1) + sentence) * d.n_tasks + d.task[idx]
    uniq_cell = np.unique(cell)
    pair_of_cell, tasks_per_pair = np.unique(uniq_cell // d.n_tasks, return_counts=True)
    spans = tasks_per_pair[np.searchsorted(pair_of_cell, cell // d.n_tasks)]
    out[idx[spans >= template_min]] = True
    return out


def demonstration_signals(
    d: Demonstrations,
    *,
    typing_cps: float = 8.0,
    tell_rate: float = 1.5,
    homogeneity: float = 0.5,
    duplicate_threshold: float = 0.8,
    min_words: int = 10,
    min_signals: int = 2,
    template_min: int = 3,
    num_perm: int = 128,
) -> DemonstrationSignals:
    """Measure every answer of ``d`` and flag the LLM-use signals (thresholds belong in the contract).

    ``typing_cps``: characters per second no one types while composing (8 is about 100 words a minute,
    faster than most professional typists sustain); ``tell_rate``: chatbot words per 100 words;
    ``homogeneity``: estimated Jaccard with another worker's answer to the same task.
    """
    if typing_cps <= 0 or min_signals < 1 or not 0 < homogeneity < 1:
        raise InvalidInputError("typing_cps > 0, min_signals >= 1 and 0 < homogeneity < 1")
    n, nw = d.n_answers, d.n_workers
    lowered = [t.lower() for t in d.text]
    tokens = [answer_words(t) for t in lowered]  # a loop over texts: string work has no numpy form
    n_words = np.fromiter((len(t) for t in tokens), dtype=np.intp, count=n)
    tells = 100.0 * _tell_hits(tokens, lowered) / np.maximum(n_words, 1)
    markdown = np.fromiter((bool(_MARKDOWN.search(t)) for t in d.text), dtype=bool, count=n)
    chars = np.fromiter((len(t) for t in d.text), dtype=np.float64, count=n)
    duration = d.duration_s if d.duration_s is not None else np.full(n, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        # 0 seconds for a written answer is the fastest of all (infinite), not unknown: only NaN is unknown
        cps = np.where(
            duration > 0, chars / duration, np.where((duration == 0) & (chars > 0), np.inf, np.nan)
        )
    too_fast = cps > typing_cps
    pasted = (d.paste_events > 0) if d.paste_events is not None else np.zeros(n, dtype=bool)
    signatures = minhash_signatures(d.text, num_perm=num_perm)
    dups = near_duplicates(signatures, threshold=duplicate_threshold)
    best = _homogeneity(d, signatures)
    homogeneous = best >= homogeneity
    within, across = _duplicate_spread(d, dups)
    templated = _templated(d, template_min)
    quality = tuple(quality_reasons(t, w, min_words) for t, w in zip(d.text, tokens, strict=True))
    signals = too_fast.astype(np.intp) + pasted + (tells >= tell_rate) + homogeneous
    suspect = signals >= min_signals
    per_worker = np.bincount(d.worker, minlength=nw).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        suspect_share = np.bincount(d.worker, suspect, minlength=nw) / per_worker
        template_share = np.bincount(d.worker, within | templated, minlength=nw) / per_worker
    return DemonstrationSignals(
        n_words=n_words,
        chars_per_second=cps,
        too_fast=too_fast,
        pasted=pasted,
        tell_rate=tells,
        markdown=markdown,
        homogeneity=best,
        near_duplicates=dups,
        within_worker_duplicate=within,
        across_worker_duplicate=across,
        templated=templated,
        quality=quality,
        llm_signals=signals.astype(np.intp),
        llm_suspect=suspect,
        worker_suspect_share=suspect_share,
        worker_template_share=template_share,
        workers=d.workers,
    )


def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One regex matching any of ``phrases`` as whole words: no letter or digit may touch an end that is
    itself a letter or digit, so "here are some" does not fire inside "there are some", nor "as an ai"
    inside "as an aid"."""
    parts = (
        ("(?<!\\w)" if p[0].isalnum() else "") + re.escape(p) + ("(?!\\w)" if p[-1].isalnum() else "")
        for p in phrases
    )
    return re.compile("|".join(parts))


_TELL_PATTERN = _phrase_pattern(TELL_PHRASES)
_SEPARATOR = "\x00"  # in no phrase and no word character, so no match crosses from one answer to the next


def _tell_hits(tokens: list[list[str]], lowered: list[str]) -> FloatArray:
    """Chatbot tell words and whole tell phrases per answer (n_answers,), from its words and its
    lower-cased text; the phrases are found in one scan of all answers, counted per answer by offset."""
    n = len(tokens)
    tell_set = frozenset(TELL_WORDS)
    words = np.fromiter((sum(w in tell_set for w in t) for t in tokens), dtype=np.float64, count=n)
    if n == 0:
        return words
    joined = _SEPARATOR.join(lowered).replace("\u2019", "'")  # a typographic apostrophe is an apostrophe
    starts = np.cumsum([0] + [len(t) + 1 for t in lowered[:-1]])
    at = np.fromiter((m.start() for m in _TELL_PATTERN.finditer(joined)), dtype=np.int64)
    answer = np.searchsorted(starts, at, side="right") - 1
    return words + np.bincount(answer, minlength=n)


def _homogeneity(d: Demonstrations, signatures: npt.NDArray[np.uint32]) -> FloatArray:
    """Best estimated Jaccard of each answer (n_answers,) with another worker's answer to the same task; pairs
    are formed within tasks only, and an empty answer scores 0."""
    n = d.n_answers
    order = np.lexsort((d.worker, d.task))
    sizes = np.bincount(d.task, minlength=d.n_tasks)
    best = np.zeros(n)
    max_size = int(sizes.max()) if n else 0
    for shift in range(1, max_size):  # a loop over offsets within a task (raters per task), not rows
        pos = np.arange(n)
        task_sorted = d.task[order]
        partner = pos + shift
        valid = partner < n
        valid[valid] &= task_sorted[partner[valid]] == task_sorted[pos[valid]]
        i, j = order[pos[valid]], order[partner[valid]]
        other = d.worker[i] != d.worker[j]
        i, j = i[other], j[other]
        sim = np.mean(signatures[i] == signatures[j], axis=1) if len(i) else np.zeros(0)
        np.maximum.at(best, i, sim)
        np.maximum.at(best, j, sim)
    empty = np.all(signatures == np.uint32(0xFFFFFFFF), axis=1)
    best[empty] = 0.0
    return best


def _duplicate_spread(d: Demonstrations, dups: NearDuplicates) -> tuple[BoolArray, BoolArray]:
    """Answers (n_answers,) in a near-duplicate cluster with the same worker's other answers (templates), and
    in a cluster spanning several workers (a shared source)."""
    n, nw = d.n_answers, d.n_workers
    cluster = dups.cluster
    within = np.zeros(n, dtype=bool)
    across = np.zeros(n, dtype=bool)
    in_c = np.flatnonzero(cluster >= 0)
    if len(in_c):
        _, inverse, counts = np.unique(
            cluster[in_c].astype(np.int64) * nw + d.worker[in_c], return_inverse=True, return_counts=True
        )
        within[in_c] = counts[inverse.reshape(-1)] > 1
        cells = np.unique(cluster[in_c].astype(np.int64) * nw + d.worker[in_c])
        workers_per_cluster = np.bincount(cells // nw, minlength=dups.n_clusters)
        across[in_c] = workers_per_cluster[cluster[in_c]] > 1
    return within, across
