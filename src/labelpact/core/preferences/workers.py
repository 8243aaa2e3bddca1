"""Per-worker quality on pairwise preferences: agreement, position bias, spamming, cycles and speed.

Every statistic is a bincount over comparisons; the 3-cycles a worker creates come from one sparse
block-diagonal graph over (worker, item) nodes, so no loop runs over rows or workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.stats import norm

from labelpact.core.annotations import FloatArray, IntArray
from labelpact.core.intervals import check_confidence
from labelpact.core.preferences.comparisons import LEFT, RIGHT, TIE, Comparisons, Units, distinct_rows
from labelpact.errors import InvalidInputError

__all__ = ["PreferenceWorkers", "preference_workers"]


@dataclass(frozen=True, slots=True)
class PreferenceWorkers:
    """Quality of each worker; every array has shape (n_workers,) except the (n_workers, 2) interval.

    - ``majority_agreement``: share of the worker's comparisons on units where the other workers'
      majority is decisive that match it (leave-one-out), over ``majority_n`` comparisons;
    - ``gold_agreement``: share matching the gold pairs, over ``gold_n`` (NaN without gold);
    - ``left_rate`` minus ``expected_left_rate`` (what the strengths predict; 0.5 without them) is the
      ``position_bias``, with a normal interval and two-sided ``position_bias_p``;
    - ``spammer_score``: |P(left | left better) + P(right | right better) - 1| (Raykar and Yu 2012,
      JMLR 13), 0 for choices independent of the items (including always-left), 1 for perfect;
    - ``cycles``: directed 3-cycles among the worker's own strict preferences, out of ``triads``
      item triples whose three pairs the worker judged; ``expected_cycles``: how many a worker choosing by the
      strengths (Bradley-Terry, ties aside) would make on the same triads (a quarter of them without
      strengths: a coin flipper's); ``contradictions``: pairs judged both ways.
    """

    n_comparisons: IntArray
    tie_rate: FloatArray
    majority_agreement: FloatArray
    majority_n: IntArray
    gold_agreement: FloatArray
    gold_n: IntArray
    left_rate: FloatArray
    expected_left_rate: FloatArray
    position_bias: FloatArray
    position_bias_interval: FloatArray
    position_bias_p: FloatArray
    spammer_score: FloatArray
    cycles: IntArray
    triads: IntArray
    contradictions: IntArray
    median_duration_s: FloatArray
    workers: tuple[str, ...]
    expected_cycles: FloatArray | None = None


def _ratio(num: npt.ArrayLike, den: npt.ArrayLike) -> FloatArray:
    num_a, den_a = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den_a > 0, num_a / den_a, np.nan)


def _group_median(group: IntArray, values: FloatArray, n_groups: int) -> FloatArray:
    """Median of the finite ``values`` of each group, NaN for empty groups; shape (n_groups,)."""
    ok = np.isfinite(values)
    g, v = group[ok], values[ok]
    order = np.lexsort((v, g))
    g, v = g[order], v[order]
    counts = np.bincount(g, minlength=n_groups)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    lo = start + (counts - 1) // 2
    hi = start + counts // 2
    out = np.full(n_groups, np.nan)
    has = counts > 0
    out[has] = (v[lo[has]] + v[hi[has]]) / 2.0
    return out


def _codes_in(vocab: tuple[str, ...], names: tuple[str, ...]) -> IntArray:
    """The code of each of ``names`` in ``vocab`` (-1 where absent), shape (len(names),): a sorted search, so
    a vocabulary of millions of prompts or responses costs no Python loop."""
    v, q = np.asarray(vocab, dtype=str), np.asarray(names, dtype=str)
    if not len(v):
        return np.full(len(q), -1, dtype=np.intp)
    sorter = np.argsort(v, kind="stable")
    code = sorter[np.searchsorted(v, q, sorter=sorter).clip(0, len(v) - 1)]
    return np.where(v[code] == q, code, -1).astype(np.intp)


def _gold_outcomes(c: Comparisons, u: Units, gold: Comparisons) -> FloatArray:
    """Gold outcome (0 low won, 1 tie, 2 high won) of each comparison of ``c`` (whose units are ``u``); NaN
    where no gold. The gold pairs are grouped by ``Comparisons.units`` too, and the order of names is the
    same in any vocabulary, so "low" is the item that sorts first by name on both sides."""
    g = gold.units()
    g_out = g.outcome[
        np.unique(g.unit, return_index=True)[1]
    ]  # a gold pair given twice keeps its first answer
    g_task = _codes_in(c.tasks, gold.tasks)[g.task]
    item_codes = _codes_in(c.items, gold.items)
    g_low, g_high = item_codes[g.low], item_codes[g.high]
    known = (g_task >= 0) & (g_low >= 0) & (g_high >= 0)
    m = u.n_units
    _, joint = distinct_rows(
        np.r_[u.task, g_task[known]], np.r_[u.low, g_low[known]], np.r_[u.high, g_high[known]]
    )
    by_row = np.full(m + int(known.sum()), np.nan)
    by_row[joint[m:]] = g_out[known]
    return by_row[joint[:m]][u.unit]


def _cycles(c: Comparisons, theta: FloatArray | None) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    """Per worker: directed 3-cycles in strict preferences, judged triads, pairs judged both ways, and the
    cycles a worker choosing by the strengths ``theta`` would make on the same triads (a quarter without)."""
    n, nw = c.n_items, c.n_workers
    low, high = np.minimum(c.left, c.right), np.maximum(c.left, c.right)
    first, cell = distinct_rows(c.worker, low, high)
    low_won = np.where(c.left < c.right, c.choice == LEFT, c.choice == RIGHT)
    high_won = (c.choice != TIE) & ~low_won
    a_wins = np.bincount(cell, low_won, minlength=len(first))
    b_wins = np.bincount(cell, high_won, minlength=len(first))
    worker, a_item, b_item = c.worker[first], low[first], high[first]
    contradictions = np.bincount(worker[(a_wins > 0) & (b_wins > 0)], minlength=nw)
    nodes, node_idx = np.unique(
        np.concatenate([worker.astype(np.int64) * n + a_item, worker.astype(np.int64) * n + b_item]),
        return_inverse=True,
    )
    m = len(first)
    a_node, b_node = node_idx[:m], node_idx[m:]
    size = len(nodes)
    sym = sparse.coo_matrix(
        (np.ones(2 * m), (np.r_[a_node, b_node], np.r_[b_node, a_node])), shape=(size, size)
    )
    sym = sym.tocsr()
    net = a_wins - b_wins
    src = np.where(net > 0, a_node, b_node)[net != 0]
    dst = np.where(net > 0, b_node, a_node)[net != 0]
    directed = sparse.coo_matrix((np.ones(len(src)), (src, dst)), shape=(size, size)).tocsr()
    node_worker = nodes // n
    through_sym = np.asarray((sym @ sym).multiply(sym).sum(axis=1)).ravel()  # 2 x triangles through each node
    through_dir = np.asarray((directed @ directed).multiply(directed.T).sum(axis=1)).ravel()
    triads = np.rint(np.bincount(node_worker, through_sym, minlength=nw) / 6.0).astype(np.intp)
    cycles = np.rint(np.bincount(node_worker, through_dir, minlength=nw) / 3.0).astype(np.intp)
    if theta is None:
        return cycles, triads, contradictions.astype(np.intp), (0.25 * triads).astype(np.float64)
    # P[a, b] = P(a beats b) on each judged pair: trace(P^3) / 3 sums, over triads, the chance of either cycle
    beats = 1.0 / (1.0 + np.exp(theta[nodes[b_node] % n] - theta[nodes[a_node] % n]))
    chance = sparse.coo_matrix(
        (np.r_[beats, 1.0 - beats], (np.r_[a_node, b_node], np.r_[b_node, a_node])), shape=(size, size)
    ).tocsr()
    through_p = np.asarray((chance @ chance).multiply(chance.T).sum(axis=1)).ravel()
    return (
        cycles,
        triads,
        contradictions.astype(np.intp),
        np.bincount(node_worker, through_p, minlength=nw) / 3.0,
    )


def _left_rates(
    c: Comparisons, d: FloatArray, decisive: npt.NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per worker (n_workers,): the share of decisive choices that picked the left item, the share the model
    expects from strength differences ``d`` (n_comparisons,; left minus right), and its standard error."""
    w, nw = c.worker, c.n_workers
    p_left = 1.0 / (1.0 + np.exp(-d))
    n_dec = np.bincount(w, decisive, minlength=nw)
    left_rate = _ratio(np.bincount(w, c.choice == LEFT, minlength=nw), n_dec)
    expected = _ratio(np.bincount(w, p_left * decisive, minlength=nw), n_dec)
    se = _ratio(np.sqrt(np.bincount(w, p_left * (1 - p_left) * decisive, minlength=nw)), n_dec)
    return left_rate, expected, se


def preference_workers(
    c: Comparisons,
    *,
    strengths: npt.ArrayLike | None = None,
    gold: Comparisons | None = None,
    confidence: float = 0.95,
) -> PreferenceWorkers:
    """Quality of every worker of ``c``; ``strengths`` (n_items,) from a Bradley–Terry fit sharpen the
    position-bias and spammer statistics; ``gold`` holds pairs with known answers, matched by name."""
    z_crit = float(norm.ppf(0.5 + check_confidence(confidence) / 2.0))
    nw = c.n_workers
    w = c.worker
    theta = None if strengths is None else np.asarray(strengths, dtype=np.float64)
    if theta is not None and theta.shape != (c.n_items,):
        raise InvalidInputError(f"strengths of shape ({c.n_items},)", got=f"shape {theta.shape}")
    decisive = c.choice != TIE
    n_comp = np.bincount(w, minlength=nw)
    # leave-one-out majority of the other workers on the same unit
    u = c.units()
    unit_counts = np.zeros((u.n_units, 3), dtype=np.intp)
    np.add.at(unit_counts, (u.unit, u.outcome), 1)
    others = unit_counts[u.unit].copy()
    others[np.arange(c.n_comparisons), u.outcome] -= 1
    top = others.max(axis=1)
    clear = (top > 0) & ((others == top[:, None]).sum(axis=1) == 1)
    match = others.argmax(axis=1) == u.outcome
    majority_n = np.bincount(w, clear, minlength=nw)
    majority_agreement = _ratio(np.bincount(w, clear & match, minlength=nw), majority_n)
    gold_n = np.zeros(nw, dtype=np.intp)
    gold_agreement = np.full(nw, np.nan)
    if gold is not None:
        g_out = _gold_outcomes(c, u, gold)
        has = np.isfinite(g_out)
        gold_n = np.bincount(w, has, minlength=nw).astype(np.intp)
        gold_agreement = _ratio(np.bincount(w, has & (g_out == u.outcome), minlength=nw), gold_n)
    d = np.zeros(c.n_comparisons) if theta is None else theta[c.left] - theta[c.right]
    left_rate, expected, se = _left_rates(c, d, decisive)
    bias = left_rate - expected
    with np.errstate(divide="ignore", invalid="ignore"):
        p_value = np.where(se > 0, 2.0 * norm.sf(np.abs(bias) / se), np.nan)
    # spammer score against the better item by strengths (or by majority when no strengths are given)
    if theta is not None:
        left_better = d > 0
        known = decisive & (d != 0)
    else:
        best = unit_counts.argmax(axis=1)[u.unit]
        # outcomes are coded by item name ("low" sorts first), so orient by which side the low item was on
        left_better = np.where(c.left == u.low[u.unit], best == 0, best == 2)
        known = decisive & (best != 1)
    picked_left = c.choice == LEFT
    sens = _ratio(
        np.bincount(w, known & left_better & picked_left, minlength=nw),
        np.bincount(w, known & left_better, minlength=nw),
    )
    spec = _ratio(
        np.bincount(w, known & ~left_better & ~picked_left, minlength=nw),
        np.bincount(w, known & ~left_better, minlength=nw),
    )
    cycles, triads, contradictions, expected_cycles = _cycles(c, theta)
    durations = c.duration_s if c.duration_s is not None else np.full(c.n_comparisons, np.nan)
    return PreferenceWorkers(
        n_comparisons=n_comp.astype(np.intp),
        tie_rate=_ratio(np.bincount(w, ~decisive, minlength=nw), n_comp),
        majority_agreement=majority_agreement,
        majority_n=majority_n.astype(np.intp),
        gold_agreement=gold_agreement,
        gold_n=gold_n,
        left_rate=left_rate,
        expected_left_rate=expected,
        position_bias=bias,
        position_bias_interval=np.stack([bias - z_crit * se, bias + z_crit * se], axis=1),
        position_bias_p=p_value,
        spammer_score=np.abs(sens + spec - 1.0),
        cycles=cycles,
        triads=triads,
        contradictions=contradictions,
        median_duration_s=_group_median(w, durations, nw),
        workers=c.workers,
        expected_cycles=expected_cycles,
    )
