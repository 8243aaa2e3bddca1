"""The comparison graph: which items can be ranked at all, and which only thanks to the prior.

Items in different connected components were never compared, even indirectly, so no data orders
them. Within a component, the Bradley–Terry maximum likelihood exists only when the directed graph
"a beat or tied b" is strongly connected (Ford 1957, Am. Math. Monthly 64; Hunter 2004, Ann. Stat.
32): an item in a strongly connected component that no other component beats has an unbounded
strength, and one that never beats another component an unbounded weakness.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from labelpact.core.annotations import IntArray
from labelpact.core.preferences.comparisons import LEFT, TIE, Comparisons

__all__ = ["ComparisonGraph", "comparison_graph", "group_ranks", "side_confounded"]

BoolArray: TypeAlias = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class ComparisonGraph:
    """Components of the comparison graph; arrays have shape (n_items,).

    ``component`` labels weak (undirected) components, -1 for never-compared items; ``strong`` labels
    strongly connected components of "beat or tied"; ``unbeaten`` / ``unbeating`` mark items whose
    strong component is never beaten / never beats outside itself (their MLE strength is infinite).
    """

    component: IntArray
    strong: IntArray
    unbeaten: BoolArray
    unbeating: BoolArray
    n_components: int
    n_strong: int
    items: tuple[str, ...]
    n_compared: IntArray  # comparisons each item took part in
    n_inside: IntArray | None = None  # (n_strong,) comparisons between two items of one strong component

    @property
    def identifiable(self) -> bool:
        """True when every compared item lies in one strongly connected component (BT MLE exists)."""
        return self.n_components == 1 and self.n_strong == 1 and not np.any(self.component < 0)

    def problems(self, *, limit: int = 5) -> list[str]:
        """Plain sentences about what cannot be ranked, naming up to ``limit`` items each."""

        def names(mask: BoolArray) -> str:
            idx = np.flatnonzero(mask)
            shown = ", ".join(self.items[i] for i in idx[:limit])
            return shown + (f" and {len(idx) - limit} more" if len(idx) > limit else "")

        out = []
        if np.any(self.component < 0):
            out.append(
                f"{int((self.component < 0).sum())} items were never compared: {names(self.component < 0)}"
            )
        if self.n_components > 1:
            sizes = np.bincount(self.component[self.component >= 0])
            out.append(
                f"the comparisons split into {self.n_components} groups never compared with each other "
                f"(largest {int(sizes.max())} items): items in different groups cannot be ordered"
            )
        out += self._bounded(
            self.unbeaten, ("was never beaten by", "were never beaten by"), "strength", names, limit
        )
        out += self._bounded(self.unbeating, ("never beat", "never beat"), "weakness", names, limit)
        return out

    def _bounded(
        self,
        marked: BoolArray,
        verb: tuple[str, str],
        what: str,
        names: Callable[[BoolArray], str],
        limit: int,
    ) -> list[str]:
        """One sentence per strongly connected set of ``marked`` items (smallest first: a few thinly compared
        items are the usual cause), naming the other items of their group it is set against."""
        out = []
        sets = np.unique(self.strong[marked])
        sizes = np.bincount(self.strong[marked], minlength=int(self.strong.max()) + 1)[sets]
        for s in sets[np.argsort(sizes, kind="stable")][:limit]:
            members = self.strong == s
            others = (self.component == self.component[members][0]) & ~members
            compared, many = self._touching(members, s), int(members.sum()) > 1
            out.append(
                f"{names(members)} ({compared} comparison{'s' if compared != 1 else ''}) {verb[many]} the "
                f"other {int(others.sum())} items of {'their' if many else 'its'} group ({names(others)}), so "
                f"only the prior bounds {'their' if many else 'its'} {what} against them"
            )
        return out

    def _touching(self, members: BoolArray, strong: int) -> int:
        """Comparisons with at least one item among ``members`` (strong component ``strong``): one between two
        members is in both members' ``n_compared``, so it is taken off once."""
        inside = 0 if self.n_inside is None else int(self.n_inside[strong])
        return int(self.n_compared[members].sum()) - inside


def comparison_graph(c: Comparisons) -> ComparisonGraph:
    """Weak and strong components of ``c``'s comparison graph, and the items only the prior can rank."""
    n = c.n_items
    winner = np.where(c.choice == LEFT, c.left, c.right)
    loser = np.where(c.choice == LEFT, c.right, c.left)
    tie = c.choice == TIE
    src = np.concatenate([winner, loser[tie]])  # an edge a -> b means a beat or tied b
    dst = np.concatenate([loser, winner[tie]])
    beat = sparse.coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n)).tocsr()
    beat.sum_duplicates()
    compared = np.zeros(n, dtype=bool)
    compared[c.left] = True
    compared[c.right] = True
    _, weak = connected_components(beat, directed=False)
    _, strong = connected_components(beat, directed=True, connection="strong")
    weak_ids, weak = np.unique(np.where(compared, weak, -1), return_inverse=True)
    weak = weak.reshape(-1) - (1 if weak_ids[0] == -1 else 0)
    weak[~compared] = -1
    strong_ids, strong = np.unique(np.where(compared, strong, -1), return_inverse=True)
    strong = strong.reshape(-1) - (1 if strong_ids[0] == -1 else 0)
    strong[~compared] = -1
    n_strong = int(strong.max()) + 1 if compared.any() else 0
    coo = beat.tocoo()
    across = strong[coo.row] != strong[coo.col]
    beaten_scc = np.zeros(max(n_strong, 1), dtype=bool)
    beating_scc = np.zeros(max(n_strong, 1), dtype=bool)
    beaten_scc[strong[coo.col[across]]] = True
    beating_scc[strong[coo.row[across]]] = True
    multi = n_strong > 1
    unbeaten = compared & multi & ~beaten_scc[np.maximum(strong, 0)]
    unbeating = compared & multi & ~beating_scc[np.maximum(strong, 0)]
    # a group of its own (its weak component is one strong component) is neither unbeaten nor unbeating
    per_weak_strong = np.zeros(max(int(weak.max()) + 1, 1), dtype=np.int64)
    first = np.unique(np.stack([np.maximum(weak, 0), np.maximum(strong, 0)])[:, compared], axis=1)
    np.add.at(per_weak_strong, first[0], 1)
    single = per_weak_strong[np.maximum(weak, 0)] == 1
    return ComparisonGraph(
        component=weak.astype(np.intp),
        strong=strong.astype(np.intp),
        unbeaten=unbeaten & ~single,
        unbeating=unbeating & ~single,
        n_components=int(weak.max()) + 1 if compared.any() else 0,
        n_strong=n_strong,
        items=c.items,
        n_compared=np.bincount(np.concatenate([c.left, c.right]), minlength=n).astype(np.intp),
        n_inside=np.bincount(
            strong[c.left][strong[c.left] == strong[c.right]], minlength=max(n_strong, 0)
        ).astype(np.intp),
    )


def side_confounded(c: Comparisons) -> bool:
    """Whether no pair of items in ``c``'s decisive comparisons was shown both ways round (across tasks):
    then a preference for one side is told from the items' strengths only by the model's form, not by the
    design (all-left clicks on pairs always shown one way round fit a ranking of the items exactly)."""
    decisive = c.choice != TIE
    left, right, n = c.left[decisive], c.right[decisive], c.n_items
    shown = sparse.csr_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    return bool(shown.multiply(shown.T).nnz == 0)


def group_ranks(ranking: IntArray, component: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """``ranking`` (item codes, strongest first) regrouped: (order, group, rank) per ordered item, where
    ``group`` numbers the comparison graph's groups (``component``) from the largest, and ``rank`` counts
    within the group. Items of groups never compared with each other cannot be ordered (each group's
    strengths are centred on their own), so a rank across groups would be an artefact of that centring;
    an item never compared is a group of its own, after the others."""
    n = len(component)
    groups = np.asarray(component, dtype=np.intp).copy()
    alone = groups < 0
    groups[alone] = groups.max(initial=-1) + 1 + np.arange(int(alone.sum()))
    sizes = np.bincount(groups, minlength=int(groups.max(initial=-1)) + 1)
    first = np.full(len(sizes), n, dtype=np.intp)
    np.minimum.at(first, groups, np.arange(n))
    number = np.empty(len(sizes), dtype=np.intp)
    number[np.lexsort((first, -sizes))] = np.arange(1, len(sizes) + 1)
    base = np.asarray(ranking, dtype=np.intp)
    order = base[np.argsort(number[groups[base]], kind="stable")]
    group = number[groups[order]]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n])) + 1
    return order, group, rank.astype(np.intp)
